"""The demo room: invented people, a few weeks of events made through the store."""

from __future__ import annotations

from datetime import datetime

from shared import queries
from shared.clock import TZ
from shared.demo import DEMO_PIN, NICKNAMES, build_demo_room
from shared.store import RoomStore

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=TZ)


def test_demo_room_is_closed_with_weeks_of_events(tmp_path):
    demo = build_demo_room(tmp_path / "demo.db", "cjm", seed=1, weeks=3, now=NOW)
    assert demo.key_holder_pin == DEMO_PIN and demo.events > 100
    store = RoomStore(demo.path, "cjm", clock=lambda: NOW)
    try:
        assert not queries.room_state(store.conn, "cjm").is_open
        assert store.verify_key_holder(demo.key_holder_code, demo.key_holder_pin).name == "Demo"
        kinds = dict(store.conn.execute("SELECT kind, COUNT(*) FROM events GROUP BY kind"))
        for kind in (
            "checkin",
            "room_opened",
            "room_closed",
            "shift_ended",
            "job_done",
            "visitor_registered",
            "volunteer_added",
        ):
            assert kinds.get(kind, 0) > 0, kind
        first, last = store.conn.execute("SELECT MIN(at), MAX(at) FROM events").fetchone()
        assert first >= "2026-02-08" and last < "2026-03-02"
        names = {r[0] for r in store.conn.execute("SELECT name FROM people")}
        assert names - {"Demo", "Ruth", "Edson"} <= set(NICKNAMES)
        assert store.open_shifts() == []
        seqs = [r[0] for r in store.conn.execute("SELECT seq FROM events ORDER BY seq")]
        assert seqs == list(range(1, len(seqs) + 1))
    finally:
        store.close()


def test_demo_is_deterministic_for_a_seed(tmp_path):
    a = build_demo_room(tmp_path / "a.db", seed=7, weeks=2, now=NOW)
    b = build_demo_room(tmp_path / "b.db", seed=7, weeks=2, now=NOW)
    assert a.events == b.events
    for room in (a, b):
        store = RoomStore(room.path, "cjm")
        rows = store.conn.execute("SELECT kind, at, activity FROM events ORDER BY seq").fetchall()
        store.close()
        if room is a:
            first = [tuple(r) for r in rows]
        else:
            assert first == [tuple(r) for r in rows]


def test_demo_for_another_room(tmp_path):
    demo = build_demo_room(tmp_path / "mb.db", "multibron", seed=2, weeks=1, now=NOW)
    store = RoomStore(demo.path, "multibron")
    try:
        assert store.conn.execute("SELECT COUNT(DISTINCT room) FROM events").fetchone()[0] == 1
        assert store.conn.execute("SELECT room FROM events LIMIT 1").fetchone()[0] == "multibron"
    finally:
        store.close()
