"""Central's merge path stays cheap per event (P10) and keeps what it reads indexed.

A partial index's WHERE is evaluated for every row inserted into ``events``; a
``kind IN (...)`` list there builds a temporary table per row (m016 writes ORs).
"""

from __future__ import annotations

import sqlite3

import pytest
from test_syncd_site import Site

from shared import projections as state_projections
from shared.config import load_config
from shared.db import connect
from syncd.central import CentralNode


@pytest.fixture
def site(tmp_path):
    site = Site(tmp_path / "site", rooms=("cjm",))
    yield site
    site.close()


def _index_sql(path) -> dict[str, str]:
    conn = sqlite3.connect(path)
    try:
        return {
            r[0]: r[1] or ""
            for r in conn.execute(
                "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'events'"
            )
        }
    finally:
        conn.close()


def test_no_partial_index_on_events_uses_an_in_list(site):
    site.store("cjm")
    CentralNode(load_config(site.config("central")), clock=site.clock).close()
    for node in ("cjm", "central"):
        for name, sql in _index_sql(site.db(node)).items():
            assert " IN (" not in sql.upper(), (node, name, sql)


def test_the_state_look_up_still_reads_the_state_index(site):
    conn = site.store("cjm").conn
    plan = " / ".join(
        r[3]
        for r in conn.execute(
            f"EXPLAIN QUERY PLAN {state_projections.SELECT_STATE_OF}", ("cjm", "AB12")
        )
    )
    assert "USING INDEX idx_events_state" in plan, plan


def test_an_old_database_gets_the_rewritten_state_index(tmp_path):
    import sqlite_utils

    from shared.schema import MIGRATIONS

    path = tmp_path / "old.db"
    before = next(i for i, m in enumerate(MIGRATIONS) if m.__name__ >= "m016_")
    conn = sqlite3.connect(path, isolation_level=None)
    db = sqlite_utils.Database(conn)
    for step in MIGRATIONS[:before]:
        step(db)
    conn.execute(f"PRAGMA user_version = {before}")
    conn.close()
    assert " IN (" in _index_sql(path)["idx_events_state"]
    connect(path).close()  # the upgrade runs here
    assert " IN (" not in _index_sql(path)["idx_events_state"]


# --- one rule per fact: a room's single event goes through the bulk path ---------------
from hypothesis import HealthCheck, given, settings  # noqa: E402

from shared.db import transaction  # noqa: E402
from shared.events import rebuild_projections  # noqa: E402
from tests.test_merge_order import projections, steps, write_room  # noqa: E402


@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(ops=steps)
def test_a_room_written_event_by_event_equals_a_rebuild_of_its_log(tmp_path_factory, ops):
    """The oracle: every projection a room keeps one event at a time (voids, shifts, roles,
    the room opened and closed included) equals a rescan of its log."""
    import random

    path = tmp_path_factory.mktemp("room") / "room.db"
    write_room(path, ops, random.Random(len(ops)))
    conn = connect(path)
    try:
        kept = projections(conn)
        with transaction(conn):
            rebuild_projections(conn)
        assert projections(conn) == kept
    finally:
        conn.close()


def test_one_event_is_projected_as_a_batch_of_one(tmp_path):
    """``project`` applies the bulk rules: a check-in projected while its void is held
    adds nothing to the tallies or the monthly visits."""
    from shared import events

    conn = connect(tmp_path / "room.db")
    with transaction(conn):
        checkin = events.append(
            conn,
            room="cjm",
            at="2017-03-01T10:00:00+01:00",
            kind="checkin",
            visitor="AB12",
            activity="inloop",
        )
        events.append(conn, room="cjm", at="2017-03-01T10:05:00+01:00", kind="void", ref=checkin.id)
        # Stored again under a new seq with the same id cannot happen; project it again
        # as if it had just arrived: the bulk rule sees its void and adds nothing.
        events.project(conn, checkin)
    held = conn.execute("SELECT SUM(n) FROM tallies WHERE kind = 'checkin'").fetchone()[0]
    months = conn.execute("SELECT SUM(n) FROM monthly_visits").fetchone()[0]
    conn.close()
    assert (held or 0) == 0 and (months or 0) == 0


def test_an_acknowledgement_reads_the_forgets_through_an_index(site):
    from shared import acks

    central = CentralNode(load_config(site.config("central")), clock=site.clock)
    try:
        plan = " / ".join(
            r[3]
            for r in central.conn.execute(
                f"EXPLAIN QUERY PLAN {acks.SELECT_FORGETS_ELSEWHERE}", ("cjm",)
            )
        )
    finally:
        central.close()
    assert "USING INDEX idx_events_forget" in plan, plan  # only the forgets, not the log
