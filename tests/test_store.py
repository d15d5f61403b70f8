"""The room store: flows, gapless seq, voids, forget, retention (real SQLite files)."""

from __future__ import annotations

from datetime import datetime

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from shared import codes
from shared.catalog import load_catalog
from shared.clock import TZ
from shared.events import events_after
from shared.indicators import year_indicators
from shared.store import PinLocked, RoomStore, StoreError
from tests.conftest import FakeClock

CATALOG = load_catalog()
ACTIVITIES = list(CATALOG.activities)
FAST = settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


def seqs(store: RoomStore, room: str | None = None) -> list[int]:
    return [e.seq for e in events_after(store.conn, room or store.room, 0, 1_000_000)]


def test_a_visit_in_the_log_without_the_name(store):
    zoe = store.register_visitor("Zoë", new_in_area=True, heard_via="benefits_agency", lang="nl")
    assert codes.is_valid(zoe.code) and zoe.name == "Zoë"
    result = store.check_in(codes.display(zoe.code).lower(), ["kookclub", "computerles"])
    assert [e.activity for e in result.events] == ["kookclub", "computerles"]
    assert result.person.name == "Zoë"
    assert store.check_in(None).events[0].activity == "inloop"
    for event in events_after(store.conn, "cjm", 0):
        assert "Zoë" not in repr(event)  # every field, the payload too
    assert store.find_people("z") == [] and store.find_people("ZO")[0].code == zoe.code
    assert store.find_people("zoe")[0].code == zoe.code  # accents folded


def test_a_code_from_another_room_is_accepted_without_a_name(store):
    code = codes.new_code()
    result = store.check_in(code, [])
    assert result.person is None and result.code == code
    with pytest.raises(codes.InvalidCode):
        store.check_in(code[:-1] + ("0" if code[-1] != "0" else "1"), [])


def test_volunteer_shift_hours_and_close_ends_open_shifts(store, clock):
    holder = store.add_key_holder("Ans", "2468", by=None)
    vol = store.register_visitor("Kwame")
    with pytest.raises(StoreError, match="not_a_volunteer"):
        store.start_shift(vol.code)
    store.set_volunteer(vol.code, True, by=holder.code)
    store.start_shift(vol.code)
    clock.advance(hours=2, minutes=30)
    assert store.end_shift(vol.code).hours == 2.5
    store.start_shift(vol.code)
    clock.advance(hours=1)
    _, ended = store.close_room(by=holder.code, cash_counted_cents=4250)
    assert [(s.code, s.hours) for s in ended] == [(vol.code, 1.0)]
    assert store.open_shifts() == []


def test_wrong_pins_are_rate_limited_and_doubling(store, clock):
    holder = store.add_key_holder("Ans", "2468", by=None)
    for _ in range(5):
        with pytest.raises(StoreError, match="pin_wrong"):
            store.verify_key_holder(holder.code, "0000")
    with pytest.raises(PinLocked) as locked:
        store.verify_key_holder(holder.code, "2468")  # even the right PIN waits
    assert locked.value.seconds == 60
    clock.advance(seconds=61)
    with pytest.raises(StoreError, match="pin_wrong"):
        store.verify_key_holder(holder.code, "1111")
    with pytest.raises(PinLocked) as locked:
        store.verify_key_holder(holder.code, "2468")
    assert locked.value.seconds == 120
    clock.advance(seconds=121)
    assert store.verify_key_holder(holder.code, "2468").code == holder.code
    with pytest.raises(StoreError, match="pin_wrong"):
        store.verify_key_holder(holder.code, "1111")  # the count starts again


def test_pins_are_stored_hashed(store):
    store.add_key_holder("Ans", "97531", by=None)
    store.close()
    assert b"97531" not in store.path.read_bytes()


def test_clock_warnings(store, clock):
    store.check_in(None)
    assert store.clock_warning() is None
    clock.advance(hours=-2)
    assert store.clock_warning() == "clock_before_last_event"
    clock.set(2000, 1, 1)
    assert store.clock_warning() == "clock_far_off"


def test_handgeld_and_void_rules(store):
    holder = store.add_key_holder("Ans", "2468", by=None)
    with pytest.raises(StoreError, match="category_invalid"):
        store.record_expense(500, "G", "koffie", by=holder.code)
    expense = store.record_expense(1250, "A", "koffie en thee", by=holder.code)
    void = store.void(expense.id, by=holder.code)
    with pytest.raises(StoreError, match="event_already_voided"):
        store.void(expense.id, by=holder.code)
    with pytest.raises(StoreError, match="event_not_voidable"):
        store.void(void.id, by=holder.code)


operations = st.lists(
    st.tuples(
        st.sampled_from(["checkin", "anon", "job", "register", "void"]),
        st.integers(0, 5),
        st.sampled_from(ACTIVITIES),
        st.integers(0, 3),
    ),
    min_size=1,
    max_size=30,
)


@FAST
@given(ops=operations, data=st.data())
def test_seq_stays_gapless_with_interleaved_writers(tmp_path_factory, ops, data):
    path = tmp_path_factory.mktemp("seq") / "shared.db"
    clock = FakeClock(datetime(2017, 5, 1, 10, tzinfo=TZ))
    # Two connections for one room and a second room in the same file (as central holds).
    writers = [
        RoomStore(path, "cjm", clock=clock),
        RoomStore(path, "cjm", clock=clock),
        RoomStore(path, "multibron", clock=clock),
    ]
    known = [codes.new_code() for _ in range(6)]
    for kind, who, activity, writer_index in ops:
        store = writers[writer_index % 3]
        if kind == "checkin":
            store.check_in(known[who], [activity])
        elif kind == "anon":
            store.check_in(None, [activity, "inloop"])
        elif kind == "job":
            store.record_jobs("tuindienst", who + 1)
        elif kind == "register":
            store.register_visitor(f"Bezoeker {who}")
        else:
            latest = events_after(store.conn, store.room, 0, 1_000_000)
            targets = [e for e in latest if e.kind not in ("void", "forget")]
            if targets:
                target = data.draw(st.sampled_from(targets))
                try:
                    store.void(target.id, by=known[0])
                except StoreError as refused:
                    assert refused.reason == "event_already_voided"
    for room in ("cjm", "multibron"):
        numbers = seqs(writers[0], room)
        assert numbers == list(range(1, len(numbers) + 1))
    for store in writers:
        store.close()


visit = st.tuples(
    st.one_of(st.none(), st.integers(0, 4)),
    st.sampled_from(ACTIVITIES),
    st.integers(0, 60 * 24 * 3),
)


@FAST
@given(visits=st.lists(visit, min_size=1, max_size=25), data=st.data())
def test_a_void_removes_exactly_its_event_from_every_indicator(tmp_path_factory, visits, data):
    folder = tmp_path_factory.mktemp("void")
    victim = data.draw(st.integers(0, len(visits) - 1))
    people = [codes.new_code() for _ in range(5)]

    def write(path, skip=None):
        clock = FakeClock(datetime(2017, 12, 30, 12, tzinfo=TZ))  # the year turns meanwhile
        store = RoomStore(path, "cjm", clock=clock)
        ids = []
        for index, (who, activity, minutes) in enumerate(visits):
            clock.advance(minutes=minutes)
            if index == skip:
                ids.append(None)
                continue
            code = people[who] if who is not None else None
            if CATALOG.activity(activity).unit == "jobs":
                ids.append(store.record_jobs(activity, 1, code)[0].id)
            else:
                ids.append(store.check_in(code, [activity]).events[0].id)
        return store, ids

    voided, ids = write(folder / "voided.db")
    voided.void(ids[victim], by=people[0])
    oracle, _ = write(folder / "oracle.db", skip=victim)
    for year in (2017, 2018):
        assert year_indicators(voided.conn, CATALOG, year, ["cjm"]) == year_indicators(
            oracle.conn, CATALOG, year, ["cjm"]
        )
    voided.close()
    oracle.close()


names = st.text(alphabet="bcdfghjkmnpqrstvwxz", min_size=6, max_size=10).map(lambda s: "Q" + s)


@FAST
@given(chosen=st.lists(names, min_size=2, max_size=6, unique=True), data=st.data())
def test_forget_keeps_every_count_and_leaves_no_trace_of_the_name(tmp_path_factory, chosen, data):
    path = tmp_path_factory.mktemp("forget") / "room.db"
    clock = FakeClock(datetime(2017, 6, 1, 10, tzinfo=TZ))
    store = RoomStore(path, "cjm", clock=clock)
    holder = store.add_key_holder("Ans", "2468", by=None)
    visitors = [store.register_visitor(name) for name in chosen]
    for person in visitors:
        store.check_in(person.code, ["kookclub"])
    gone = data.draw(st.sampled_from(visitors))
    others = [p for p in visitors if p.name not in gone.name and gone.name not in p.name]
    before = year_indicators(store.conn, CATALOG, 2017, ["cjm"])
    store.forget(gone.code, by=holder.code)
    assert year_indicators(store.conn, CATALOG, 2017, ["cjm"]) == before
    assert store.person(gone.code) is None and store.find_people(gone.name) == []
    files = [p for p in path.parent.iterdir() if p.name.startswith("room.db")]
    raw = b"".join(p.read_bytes() for p in files)  # the database, its WAL and shm
    assert gone.name.encode() not in raw and gone.name.lower().encode() not in raw
    for person in others:
        assert store.person(person.code).name == person.name
    store.close()


@FAST
@given(ages=st.lists(st.integers(0, 40), min_size=1, max_size=12))
def test_retention_purges_exactly_the_names_idle_past_the_limit(tmp_path_factory, ages):
    path = tmp_path_factory.mktemp("retention") / "room.db"
    clock = FakeClock(datetime(2015, 1, 15, 10, tzinfo=TZ))
    store = RoomStore(path, "cjm", clock=clock)
    holder = store.add_key_holder("Ans", "2468", by=None)  # key holders are never purged
    visitors = [store.register_visitor(f"Bezoeker {i}") for i in range(len(ages))]
    # Visitor i was last seen `ages[i]` months before 2018-06-15.
    schedule = sorted(range(len(ages)), key=lambda i: -ages[i])
    for i in schedule:
        month_index = 2018 * 12 + 5 - ages[i]
        clock.set(month_index // 12, month_index % 12 + 1, 15, 10)
        store.check_in(visitors[i].code)
    clock.set(2018, 6, 15, 11)
    store.open_room(by=holder.code)  # the room is in use today: the clock is plausible
    purged = store.purge_idle_names(24)
    expected_gone = {v.code for v, age in zip(visitors, ages) if age >= 24}
    assert purged == len(expected_gone)
    for visitor in visitors:
        assert (store.person(visitor.code) is None) == (visitor.code in expected_gone)
    assert store.person(holder.code) is not None
    store.close()


def test_retention_waits_while_the_clock_looks_wrong(store, clock):
    visitor = store.register_visitor("Bezoeker")
    store.check_in(visitor.code)
    clock.set(2031, 3, 1, 10)  # the clock battery died and the date jumped years ahead
    assert store.clock_warning() == "clock_far_off"
    assert store.purge_idle_names(24) == 0 and store.person(visitor.code) is not None
