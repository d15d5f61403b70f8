"""Central's projections do not depend on the order events arrive in."""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import datetime

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from shared import codes, staging, tallies
from shared.catalog import load_catalog
from shared.clock import TZ
from shared.db import connect, transaction
from shared.events import Event, events_after, merge_many, rebuild_projections, to_row
from shared.indicators import year_indicators
from shared.merge import Incoming, merge_bundles
from shared.report import build_report
from shared.store import RoomStore, StoreError
from tests.conftest import FakeClock

CATALOG = load_catalog()
TALLIES = (
    "SELECT room, year, kind, activity, visitor, n, ROUND(amount, 6) FROM tallies "
    "WHERE n != 0 ORDER BY 1, 2, 3, 4, 5"
)
MONTHLY = "SELECT room, month, visitor, n FROM monthly_visits WHERE n != 0 ORDER BY 1, 2, 3"

PROJECTIONS = {  # every projection table, in a fixed order
    "roles": "SELECT room, code, role, since FROM roles ORDER BY 1, 2, 3",
    "room_state": "SELECT room, is_open, changed_at, by_code, event_id FROM room_state ORDER BY 1",
    "open_shifts": "SELECT room, code, start_id, started_at FROM open_shifts ORDER BY 1, 2",
    "voided": "SELECT event_id, void_id FROM voided ORDER BY 1",
    "tallies": "SELECT room, year, kind, activity, visitor, n, amount FROM tallies WHERE n != 0 "
    "ORDER BY 1, 2, 3, 4, 5",
    "monthly_visits": MONTHLY,
}
REPORT_NOW = datetime(2018, 1, 5, 12, tzinfo=TZ)

steps = st.lists(
    st.tuples(
        st.sampled_from(
            ["visit", "anon", "job", "shift", "void", "role", "open", "expense", "survey"]
        ),
        st.integers(0, 3),
        st.sampled_from(list(CATALOG.activities)),
        st.integers(1, 600),
    ),
    min_size=1,
    max_size=30,
)


def write_room(path, ops, rng) -> list[Event]:
    clock = FakeClock(datetime(2017, 12, 31, 20, tzinfo=TZ))
    store = RoomStore(path, "cjm", clock=clock)
    holder = store.add_key_holder("Ans", "2468", by=None)
    people = [codes.new_code() for _ in range(4)]
    volunteer = store.register_visitor("Kwame").code
    store.set_volunteer(volunteer, True, by=holder.code)
    for kind, who, activity, minutes in ops:
        clock.advance(minutes=minutes)
        if kind == "visit":
            store.check_in(people[who], [activity])
        elif kind == "anon":
            store.check_in(None, [activity])
        elif kind == "job":
            store.record_jobs("klussendienst", 1, people[who])
        elif kind == "role":
            store.set_volunteer(
                people[who], not store.has_role(people[who], "volunteer"), by=holder.code
            )
        elif kind == "open":
            if store.conn.execute("SELECT is_open FROM room_state").fetchone() in (None, (0,)):
                store.open_room(by=holder.code)
            else:
                store.close_room(by=holder.code, cash_counted_cents=minutes)
        elif kind == "expense":
            store.record_expense(minutes * 7, "ABCDEF"[who], "notitie", by=holder.code)
        elif kind == "survey":
            store.answer_survey(people[who], {"pleasant": 1 + who % 3})
        elif kind == "shift":
            if store.open_shift(volunteer):
                store.end_shift(volunteer)
            else:
                store.start_shift(volunteer)
        else:
            candidates = [
                e
                for e in events_after(store.conn, "cjm", 0, 10_000)
                if e.kind
                in (
                    "checkin",
                    "job_done",
                    "shift_started",
                    "shift_ended",
                    "cash_expense",
                    "survey_answered",
                )
            ]
            if candidates:
                try:
                    store.void(rng.choice(candidates).id, by=holder.code)
                except StoreError:
                    pass
    log = events_after(store.conn, "cjm", 0, 10_000)
    store.close()
    return log


@settings(
    max_examples=50, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    ops=steps,
    seed=st.integers(0, 2**32),
    chunk=st.integers(1, 7),
    mode=st.sampled_from(["each", "one_pass", "staged"]),
)
def test_any_arrival_order_gives_the_same_counts(tmp_path_factory, ops, seed, chunk, mode):
    """Bundles of ``chunk`` events in random order, each merged on its own or all in one
    pass (``merge_bundles``: one transaction, the projections once at the end), or staged
    as central's helper stages a backlog (``shared.staging``: central holds only the rows
    it projects one by one), a transaction for each few bundles."""
    folder = tmp_path_factory.mktemp("order")
    rng = random.Random(seed)
    log = write_room(folder / "room.db", ops, rng)
    shuffled = log[:]
    rng.shuffle(shuffled)
    central = connect(folder / "central.db")
    bundles = [shuffled[start : start + chunk] for start in range(0, len(shuffled), chunk)]
    if mode == "one_pass":
        results = merge_bundles(
            central,
            [_incoming(i, bundle) for i, bundle in enumerate(bundles)],
            "2018-01-02T10:00:00+01:00",
        )
        assert sum(r.added for r in results) == len(log)
    if mode == "staged":
        staged = [_staged(folder, i, bundle) for i, bundle in enumerate(bundles)]
        added = 0
        for start in range(0, len(staged), staging.MAX_ATTACHED):
            group = staged[start : start + staging.MAX_ATTACHED]
            schemas = staging.attach(central, [b.staged for b in group if b.staged])
            # projected at the end, or also meanwhile (as central does when it waits)
            idle = lambda: rng.random() < 0.5  # noqa: E731
            results = merge_bundles(central, group, "2018-01-02T10:00:00+01:00", schemas, idle)
            staging.detach(central, schemas.values())
            added += sum(r.added for r in results)
        assert added == len(log)
    for bundle in bundles if mode == "each" else ():
        with transaction(central):
            merge_many(central, bundle)
    with transaction(central):  # a replay adds nothing
        again = merge_many(central, shuffled)
    assert again.added == 0 and again.duplicates == len(log) and again.conflicts == ()
    room = connect(folder / "room.db")
    assert central.execute(TALLIES).fetchall() == room.execute(TALLIES).fetchall()
    assert central.execute(MONTHLY).fetchall() == room.execute(MONTHLY).fetchall()
    for year in (2017, 2018):
        assert year_indicators(central, CATALOG, year, ["cjm"]) == year_indicators(
            room, CATALOG, year, ["cjm"]
        )
    merged, merged_report = projections(central), reports(central)
    assert merged == projections(room)  # roles, room state, open shifts too: the room's own
    assert merged_report == reports(room)
    with transaction(central):
        rebuild_projections(central)
    assert projections(central) == merged and reports(central) == merged_report
    room.close()
    central.close()


def projections(conn) -> dict[str, list[tuple]]:
    return {table: [tuple(r) for r in conn.execute(query)] for table, query in PROJECTIONS.items()}


def reports(conn) -> list[dict]:
    """The report's figures (not its sync section: central alone records bundles)."""
    out = []
    for year in (2017, 2018):
        report = build_report(conn, CATALOG, year, ["cjm"], now=REPORT_NOW)
        out.append({k: v for k, v in report.items() if k != "sync"})
    return out


def test_a_role_removed_before_it_was_added_second_half_first(tmp_path):
    """Issue 10 item 9: the second half of a room's log merged first gave central a
    volunteer the room had removed (and rebuild_projections disagreed)."""
    ops = [
        ("role", 0, "inloop", 5),
        ("visit", 0, "kookclub", 5),
        ("role", 0, "inloop", 5),
        ("open", 0, "inloop", 5),
        ("open", 0, "inloop", 5),
        ("shift", 0, "inloop", 5),
    ]
    log = write_room(tmp_path / "room.db", ops, random.Random(5))
    central = connect(tmp_path / "central.db")
    half = len(log) // 2
    for part in (log[half:], log[:half]):
        with transaction(central):
            merge_many(central, part)
    room = connect(tmp_path / "room.db")
    assert projections(central) == projections(room)
    assert reports(central) == reports(room)
    room.close()
    central.close()


def _incoming(number: int, events: list[Event]) -> Incoming:
    seqs = [e.seq for e in events]
    header = {
        "room": "cjm",
        "kind": "events",
        "first_seq": min(seqs),
        "last_seq": max(seqs),
        "created": "2018-01-02T10:00:00+01:00",
    }
    return Incoming(f"bundle-{number}", header, [to_row(e) for e in events], f"digest-{number}")


def _staged(folder, number: int, events: list[Event]) -> Incoming:
    """``_incoming`` as the helper hands it over: its rows in a scratch file, the ones
    projected one by one in hand, the tallies counted."""
    plain = _incoming(number, events)
    path = folder / f"scratch-{number}.db"
    staging.stage_rows(path, plain.rows)
    one_by_one, bulk = staging.split(plain.rows)
    tally = tallies.count_rows(plain.rows)
    return replace(plain, rows=one_by_one, staged=path, tally=tally, bulk=bulk)


def test_a_different_event_at_a_taken_seq_is_a_conflict(tmp_path):
    log = write_room(tmp_path / "room.db", [("visit", 0, "kookclub", 5)], random.Random(1))
    central = connect(tmp_path / "central.db")
    with transaction(central):
        merge_many(central, log)
    forged = Event("f" * 32, log[-1].room, log[-1].seq, log[-1].at, "checkin", None, "inloop")
    changed = Event(log[-1].id, log[-1].room, log[-1].seq, log[-1].at, "checkin", None, "kookclub")
    with transaction(central):
        outcome = merge_many(central, [forged, changed])
    assert outcome.added == 0 and outcome.conflicts == (to_row(forged), to_row(changed))
    central.close()


def test_a_restored_log_has_the_same_current_state(tmp_path):
    """Open shifts, roles and room state rebuilt by merge_many equal the room's own."""
    ops = [
        ("shift", 0, "inloop", 5),
        ("shift", 0, "inloop", 60),
        ("shift", 0, "inloop", 5),
        ("visit", 1, "kookclub", 5),
    ]
    log = write_room(tmp_path / "room.db", ops, random.Random(3))
    restored = connect(tmp_path / "restored.db")
    with transaction(restored):
        merge_many(restored, log)
    room = connect(tmp_path / "room.db")
    for table in ("open_shifts", "roles", "room_state", "voided"):
        query = f"SELECT * FROM {table} ORDER BY 1, 2"
        assert [tuple(r) for r in restored.execute(query)] == [
            tuple(r) for r in room.execute(query)
        ]
    assert len(restored.execute("SELECT * FROM open_shifts").fetchall()) == 1
    room.close()
    restored.close()


def test_a_rooms_own_void_holds_when_another_rooms_void_of_the_same_event_came_first(tmp_path):
    """Both voids arrive before their target: the other room's never applies, the own one does,
    and the result equals a rebuild."""
    log = write_room(
        tmp_path / "room.db",
        [("visit", 0, "kookclub", 5), ("visit", 1, "kookclub", 5), ("void", 0, "inloop", 5)],
        random.Random(2),
    )
    void = next(e for e in log if e.kind == "void")
    hostile = Event("f" * 32, "handreiking", 1, void.at, "void", None, None, void.ref, {"by": "X"})
    central = connect(tmp_path / "central.db")
    for part in ([hostile], [void], [e for e in log if e is not void]):
        with transaction(central):
            merge_many(central, part)
    room = connect(tmp_path / "room.db")
    assert projections(central)["voided"] == [(void.ref, void.id)]
    assert projections(central)["tallies"] == projections(room)["tallies"]
    merged = projections(central)
    with transaction(central):
        rebuild_projections(central)
    assert projections(central) == merged
    room.close()
    central.close()
