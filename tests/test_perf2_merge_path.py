"""Central's merge path stays cheap per event (P10) and keeps what it reads indexed.

A partial index's WHERE is evaluated for every row inserted into ``events``; a
``kind IN (...)`` list there builds a temporary table per row (m016 writes ORs).
"""

from __future__ import annotations

import sqlite3

import pytest

from shared import projections
from shared.config import load_config
from shared.db import connect
from syncd.central import CentralNode
from test_syncd_site import Site


@pytest.fixture
def site(tmp_path):
    site = Site(tmp_path / "site", rooms=("cjm",))
    yield site
    site.close()


def _index_sql(path) -> dict[str, str]:
    conn = sqlite3.connect(path)
    try:
        return {r[0]: r[1] or "" for r in conn.execute(
            "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'events'")}
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
    plan = " / ".join(r[3] for r in conn.execute(
        f"EXPLAIN QUERY PLAN {projections.SELECT_STATE_OF}", ("cjm", "AB12")))
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
