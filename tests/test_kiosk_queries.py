"""The read side for the kiosk screens (shared.queries) and the status.json writer."""

from __future__ import annotations

import json
from datetime import date, datetime

from test_kiosk_support import make_room

from shared import queries
from shared.clock import TZ
from shared.spaceapi import write_status


def test_day_summary_counts_visits_people_anonymous_and_leaves_out_voids(tmp_path):
    store, key_holder, clock = make_room(tmp_path)
    zoe, roy = store.register_visitor("Zoë"), store.register_visitor("Roy")
    store.set_volunteer(roy.code, True, by=key_holder.code)
    store.start_shift(roy.code)
    store.check_in(zoe.code, ["kookclub", "computerles"])
    clock.advance(minutes=5)
    store.check_in(zoe.code, [])
    store.check_in(None, [])
    mistake = store.check_in(None, ["schuldhulp"])
    store.void(mistake.events[0].id, by=key_holder.code)
    store.record_jobs("tuindienst", 2, roy.code)
    store.record_expense(350, "A", "koffie", by=key_holder.code)
    summary = queries.day_summary(store.conn, "cjm", clock().date())
    assert summary.visits == 4 and summary.distinct_visitors == 1 and summary.anonymous_visits == 1
    assert summary.per_activity == {"computerles": 1, "inloop": 2, "kookclub": 1}
    assert summary.jobs == {"tuindienst": 2}
    assert [s.name for s in summary.open_shifts] == ["Roy"]
    assert summary.expenses_cents == 350
    clock.advance(hours=3)
    store.end_shift(roy.code)
    summary = queries.day_summary(store.conn, "cjm", clock().date())
    assert summary.open_shifts == () and summary.volunteer_hours == 3.08
    assert queries.day_summary(store.conn, "cjm", date(2026, 3, 3)).visits == 0


def test_day_entries_newest_first_without_voided(tmp_path):
    store, key_holder, clock = make_room(tmp_path)
    a = store.check_in(None, ["kookclub"])
    clock.advance(minutes=1)
    b = store.check_in(store.register_visitor("Kofi").code, [])
    store.void(a.events[0].id, by=key_holder.code)
    entries = queries.day_entries(store.conn, "cjm", clock().date())
    assert [e.id for e in entries] == [b.events[0].id]
    assert entries[0].name == "Kofi" and entries[0].kind == "checkin"


def test_month_cash_against_the_cap(tmp_path):
    store, key_holder, clock = make_room(tmp_path)
    store.record_expense(45000, "B", "", by=key_holder.code)
    store.record_expense(6000, "A", "", by=key_holder.code)
    month = queries.month_cash(store.conn, "cjm", 2026, 3, 500.0)
    assert month.spent_cents == 51000 and month.left_cents == -1000
    assert month.by_category == {"A": 6000, "B": 45000}
    assert queries.month_cash(store.conn, "cjm", 2026, 4).spent_cents == 0


def test_room_state_and_roles(tmp_path):
    store, key_holder, _ = make_room(tmp_path, open_room=False)
    assert queries.room_state(store.conn, "cjm").is_open is False
    store.open_room(by=key_holder.code)
    assert queries.room_state(store.conn, "cjm").is_open is True
    assert queries.roles_of(store.conn, "cjm", key_holder.code) == ("key_holder",)


def test_status_json_is_written_atomically_without_names(tmp_path):
    path = tmp_path / "www" / "status.json"
    moment = datetime(2026, 3, 2, 10, 0, tzinfo=TZ)
    write_status(path, "MultiBron", True, moment, room_id="multibron")
    doc = json.loads(path.read_text())
    assert doc["state"] == {
        "open": True,
        "lastchange": int(moment.timestamp()),
        "trigger_person": "sleutelbeheerder",
    }
    write_status(path, "MultiBron", False, moment)
    assert json.loads(path.read_text())["state"]["open"] is False
    assert [p.name for p in path.parent.iterdir()] == ["status.json"]  # no temp files left
