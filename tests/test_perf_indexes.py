"""Central keeps only the indexes it reads (P10): each index on ``events`` is a page
write per merged event, and a room's year arrives at central at once.

The reports read frequent kinds from ``tallies``; the rare kinds they read by time
have a small partial index. The room keeps its (kind, at) index for the day screens.
"""

from __future__ import annotations

import sqlite3

import pytest
from test_syncd_site import Site

from shared import indicators, queries
from shared.config import load_config
from syncd.central import CentralNode

REPORT_QUERIES = (
    "SELECT_KEY_HOLDER_CHANGES",
    "SELECT_REGISTRATIONS",
    "SELECT_SURVEY",
    "SELECT_EXPENSES",
)
DAY_QUERIES = (
    "SELECT_DAY_CHECKINS",
    "SELECT_DAY_JOBS",
    "SELECT_DAY_SHIFTS",
    "SELECT_MONTH_EXPENSES",
)


@pytest.fixture
def site(tmp_path):
    site = Site(tmp_path / "site", rooms=("cjm",))
    yield site
    site.close()


def _indexes(path) -> set[str]:
    conn = sqlite3.connect(path)
    try:
        return {
            r[0]
            for r in conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'events'"
            )
        }
    finally:
        conn.close()


def _plan(conn: sqlite3.Connection, sql: str) -> str:
    return " / ".join(
        r[3] for r in conn.execute(f"EXPLAIN QUERY PLAN {sql}", (1,) * sql.count("?"))
    )


def _central(site: Site) -> CentralNode:
    site.store("cjm")  # the room exists with its own schema
    return CentralNode(load_config(site.config("central")), clock=site.clock)


def test_central_drops_the_day_index_and_the_covering_index(site):
    _central(site).close()
    held = _indexes(site.db("central"))
    assert "idx_events_kind_at" not in held
    assert "idx_events_kind_at_room_activity_visitor_id" not in held
    assert "idx_events_rare_kind_at" in held
    assert {"idx_events_kind_at", "idx_events_rare_kind_at"} <= _indexes(site.db("cjm"))


def test_the_reports_rare_kinds_are_read_through_the_partial_index_at_central(site):
    central = _central(site)
    try:
        for name in REPORT_QUERIES:
            plan = _plan(central.conn, getattr(indicators, name))
            assert "idx_events_rare_kind_at" in plan, (name, plan)
            assert "SCAN e" not in plan, (name, plan)
    finally:
        central.close()


def test_the_rooms_day_screens_read_through_an_index(site):
    conn = site.store("cjm").conn
    for name in DAY_QUERIES:
        plan = _plan(conn, getattr(queries, name))
        assert "SEARCH e USING INDEX idx_events_" in plan and "SCAN e" not in plan, (name, plan)


def test_a_central_reopened_keeps_merging_and_reporting(site):
    _store = site.store("cjm")  # the room stays open through the test, as before
    _central(site).close()
    again = _central(site)  # the day index is gone already: nothing to drop
    try:
        again.run_pass()
    finally:
        again.close()
    assert "idx_events_kind_at" not in _indexes(site.db("central"))


@pytest.mark.parametrize("central", [False, True])
def test_the_upgrade_replaces_the_covering_index(tmp_path, central):
    """A database from before m010: the covering index goes; a room gets its day index,
    a central copy holding events does not build one only to drop it."""
    import sqlite_utils

    from shared import events
    from shared.db import connect
    from shared.schema import MIGRATIONS

    path = tmp_path / "old.db"
    before = next(i for i, m in enumerate(MIGRATIONS) if m.__name__ >= "m010_")
    conn = sqlite3.connect(path, isolation_level=None)
    db = sqlite_utils.Database(conn)
    for step in MIGRATIONS[:before]:
        step(db)
    conn.execute(f"PRAGMA user_version = {before}")
    conn.execute("BEGIN IMMEDIATE")
    events.append(
        conn,
        room="cjm",
        at="2017-03-01T10:00:00+01:00",
        kind="checkin",
        visitor=None,
        activity="inloop",
    )
    if central:
        conn.execute("INSERT INTO sync_rooms (room, contiguous_seq, bundles) VALUES ('cjm', 1, 1)")
    conn.execute("COMMIT")
    conn.close()
    assert "idx_events_kind_at_room_activity_visitor_id" in _indexes(path)
    connect(path).close()  # the upgrade runs here
    held = _indexes(path)
    assert "idx_events_kind_at_room_activity_visitor_id" not in held
    assert "idx_events_rare_kind_at" in held
    assert ("idx_events_kind_at" in held) is not central
