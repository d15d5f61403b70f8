"""Issue 10, integrity: validly signed bundles with hostile content, written as an attacker.

A room's own key signs every bundle here (a stolen, buggy or out-of-date room
machine): the signature is fine, the content is not. Central must refuse the
bad bundle naming the record's seq, keep merging honest bundles in the same
pass, never let one room change another room's figures, and every report
format must survive whatever it stores.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import tempfile
import zlib
from datetime import timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, rule
from test_syncd_site import ROOMS, Site

from shared import codes
from shared.bundle import SUITE, TABLE_FORMAT_VERSION, bundle_name, canonical, seal
from shared.catalog import load_catalog
from shared.db import connect, transaction
from shared.events import merge_rows
from shared.indicators import year_indicators
from shared.keys import load_private, load_public
from shared.records import FIELDS
from shared.report import build_report
from shared.report_formats import FORMATS, render
from shared.store import StoreError
from syncd import transport

CATALOG = load_catalog()
AT = "2017-03-01T11:00:00+01:00"


@pytest.fixture
def site(tmp_path):
    site = Site(tmp_path / "site")
    yield site
    site.close()


def seal_as(site: Site, room: str, rows: list[tuple], first: int, last: int) -> str:
    """A table bundle of ``rows`` signed with ``room``'s own key, dropped in central's inbox."""
    me = load_private(site.root / "keys" / f"{room}.key")
    central = load_public(site.root / "keys" / "central.pub")
    name, data = seal(
        "events",
        me,
        central,
        rows,
        room=room,
        created=AT,
        schema=9,
        first_seq=first,
        last_seq=last,
        columns=FIELDS,
    )
    transport.write_atomic(site.inbox, name, data)
    return name


def seal_raw_as(site: Site, room: str, lines: bytes, count: int, first: int, last: int) -> str:
    """Like ``seal_as`` with the JSON lines given as bytes (what json.dumps cannot write)."""
    me = load_private(site.root / "keys" / f"{room}.key")
    central = load_public(site.root / "keys" / "central.pub")
    header = {
        "bwk": TABLE_FORMAT_VERSION,
        "kind": "events",
        "sender": room,
        "sender_key": me.fingerprint,
        "recipient": "central",
        "recipient_key": central.fingerprint,
        "room": room,
        "first_seq": first,
        "last_seq": last,
        "count": count,
        "created": AT,
        "schema": 9,
    }
    line = canonical(header) + b"\n"
    ciphertext = SUITE.encrypt(
        zlib.compress(canonical(list(FIELDS)) + b"\n" + lines), central.kem_key, info=line
    )
    data = line + me.sign_key.sign(line + ciphertext) + ciphertext
    name = bundle_name("events", room, data)
    transport.write_atomic(site.inbox, name, data)
    return name


def room_rows(site: Site, room: str) -> list[tuple]:
    conn = connect(site.db(room))
    try:
        return [
            tuple(r)
            for r in conn.execute(
                "SELECT id, room, seq, at, kind, visitor, activity, ref, payload FROM events "
                "WHERE room = ? ORDER BY seq",
                (room,),
            )
        ]
    finally:
        conn.close()


def figures(db, room: str) -> dict:
    conn = connect(db)
    try:
        return year_indicators(conn, CATALOG, 2017, [room])
    finally:
        conn.close()


def reasons(site: Site) -> dict[str, str]:
    return dict(transport.quarantined(site.inbox))


def visits(site: Site, room: str, n: int) -> None:
    store = site.store(room)
    for _ in range(n):
        site.clock.now += timedelta(minutes=3)
        store.check_in(codes.new_code(), ["kookclub"])


def event(
    room: str,
    seq: int,
    id_: str,
    kind: str = "checkin",
    payload: str = "{}",
    ref: str | None = None,
    activity: str | None = "kookclub",
) -> tuple:
    return (id_, room, seq, AT, kind, None, activity, ref, payload)


# --- item 2 (content): a bad record refuses its bundle, naming the seq; honest bundles merge ---
def test_hostile_content_is_quarantined_by_seq_and_honest_bundles_merge_in_the_same_pass(site):
    visits(site, "cjm", 5)
    site.once("cjm")
    hostile = {
        seal_as(
            site, "handreiking", [event("handreiking", 2**63, "a" * 32)], 1, 2**63
        ): "seq 9223372036854775808",
        seal_as(
            site,
            "handreiking",
            [event("handreiking", 1, "b" * 32, "shift_ended", '{"hours": "x"}')],
            1,
            1,
        ): "seq 1: payload 'hours'",
        seal_as(
            site,
            "handreiking",
            [event("handreiking", 2, "c" * 32, "shift_ended", '{"hours": [1]}')],
            2,
            2,
        ): "seq 2: payload 'hours'",
        seal_as(
            site,
            "handreiking",
            [event("handreiking", 3, "d" * 32, "shift_ended", '{"hours": NaN}')],
            3,
            3,
        ): "seq 3: payload",
        seal_as(
            site,
            "handreiking",
            [
                event(
                    "handreiking", 4, "e" * 32, "checkin", '{"a": ' + "[" * 5000 + "]" * 5000 + "}"
                )
            ],
            4,
            4,
        ): "seq 4: payload",
        seal_raw_as(
            site,
            "multibron",
            b'["f","multibron",5,"' + AT.encode() + b'","checkin",'
            b"null,null,null," + b"[" * 100_000 + b"]" * 100_000 + b"]\n",
            1,
            5,
            5,
        ): "too many lists or objects",  # refused by the bounds before any parser runs
    }

    report = site.once("central")

    assert report.quarantined == len(hostile) and report.merged == 5
    found = reasons(site)
    for name, reason in hostile.items():
        assert reason in found[name]
    assert figures(site.db("central"), "cjm") == figures(site.db("cjm"), "cjm")


# --- item 6: a room speaks only for itself -------------------------------------------------
def test_a_void_of_another_rooms_event_is_refused_and_changes_nothing(site):
    visits(site, "cjm", 4)
    visits(site, "handreiking", 1)
    site.sync_all()
    target = room_rows(site, "cjm")[0][0]
    name = seal_as(
        site,
        "handreiking",
        [event("handreiking", 2, "9" * 32, "void", '{"by": "X"}', ref=target, activity=None)],
        2,
        2,
    )
    site.once("central")
    assert "seq 2: void of another room's event" in reasons(site)[name]
    assert figures(site.db("central"), "cjm") == figures(site.db("cjm"), "cjm")
    assert figures(site.db("central"), "cjm")["kookclub"]["rooms"]["cjm"] == 4


def test_voids_sent_before_another_rooms_events_arrive_never_apply_to_them(site):
    visits(site, "cjm", 6)
    visits(site, "handreiking", 1)
    site.once("handreiking")
    site.once("central")
    targets = [r[0] for r in room_rows(site, "cjm")]  # learnt somehow before cjm synced
    seal_as(
        site,
        "handreiking",
        [
            event("handreiking", 2 + i, f"{i:032x}", "void", '{"by": "X"}', ref=t, activity=None)
            for i, t in enumerate(targets)
        ],
        2,
        1 + len(targets),
    )
    site.once("central")  # accepted: nothing held by another room yet
    site.sync_all()
    assert figures(site.db("central"), "cjm") == figures(site.db("cjm"), "cjm")
    assert figures(site.db("central"), "cjm")["kookclub"]["rooms"]["cjm"] == 6
    conn = connect(site.db("central"))
    with transaction(conn):  # and a rescan of the log agrees
        from shared.events import rebuild_projections

        rebuild_projections(conn)
    conn.close()
    assert figures(site.db("central"), "cjm")["kookclub"]["rooms"]["cjm"] == 6


def test_an_id_of_another_room_is_refused_and_the_owner_keeps_syncing(site):
    visits(site, "cjm", 3)
    site.sync_all()
    squatted = room_rows(site, "cjm")[-1][0]
    name = seal_as(site, "handreiking", [event("handreiking", 1, squatted)], 1, 1)
    site.once("central")
    assert "seq 1: id of another room" in reasons(site)[name]
    visits(site, "cjm", 2)
    site.sync_all()
    status = site.status("cjm")
    assert status["acked_seq"] == status["max_seq"] == len(room_rows(site, "cjm"))
    assert figures(site.db("central"), "cjm") == figures(site.db("cjm"), "cjm")


# --- item 7: stored data can never break a report, in any format ---------------------------
def hostile_but_accepted(path) -> None:
    """Extreme values the schema accepts, and rows stored before records were checked."""
    from shared.records import to_rows

    accepted = [
        event("cjm", 1, "1" * 32, "shift_ended", '{"hours": 8784}', activity=None),
        event("cjm", 2, "2" * 32, "shift_ended", '{"hours": 8784}', activity=None),
        event(
            "cjm",
            3,
            "3" * 32,
            "cash_expense",
            '{"by": "X", "category": "Z", "cents": 100000}',
            activity=None,
        ),
        event(
            "cjm",
            4,
            "4" * 32,
            "survey_answered",
            '{"answer": 3, "question": "onbekend"}',
            activity=None,
        ),
        event("cjm", 5, "5" * 32, activity="nieuw_iets"),
        ("6" * 32, "cjm", 6, "1970-01-01T00:00:00+01:00", "checkin", None, "inloop", None, "{}"),
    ]
    legacy = [
        event("multibron", 1, "7" * 32, "shift_ended", '{"hours": 1e308}', activity=None),
        event("multibron", 2, "8" * 32, "shift_ended", '{"hours": 1e308}', activity=None),
        event(
            "multibron",
            3,
            "9" * 32,
            "cash_expense",
            '{"cents": "x", "category": [1]}',
            activity=None,
        ),
        event(
            "multibron",
            4,
            "a" * 32,
            "cash_expense",
            '{"cents": 1e999, "category": "A"}',
            activity=None,
        ),
        event(
            "multibron",
            5,
            "b" * 32,
            "survey_answered",
            '{"question": {}, "answer": 3}',
            activity=None,
        ),
        event("multibron", 6, "c" * 32, "visitor_registered", "[1]", activity=None),
        ("d" * 32, "multibron", 7, "2017-11-[/]xxxxxxxxxx", "room_opened", None, None, None, "{}"),
    ]
    conn = connect(path)
    with transaction(conn):
        merge_rows(conn, to_rows("cjm", accepted, 1, 6, FIELDS))
        merge_rows(conn, legacy)  # stored by an older central, unchecked
    conn.close()


@pytest.mark.parametrize("fmt", FORMATS)
def test_every_report_format_survives_hostile_stored_data(tmp_path, fmt):
    hostile_but_accepted(tmp_path / "central.db")
    conn = connect(tmp_path / "central.db")
    report = build_report(conn, CATALOG, 2017, ["cjm", "multibron"])
    conn.close()
    out = render(report, fmt, CATALOG)
    assert out
    if fmt == "json":
        assert "Infinity" not in out and "NaN" not in out
        parsed = json.loads(out)
        assert parsed["indicators"]["vrijwilligersuren"]["rooms"]["cjm"] == 17568
        assert parsed["indicators"]["vrijwilligersuren"]["rooms"]["multibron"] == 0  # not finite


# --- item 8: stored text is never read as markup by the dashboard --------------------------
async def test_the_dashboard_shows_a_stored_time_with_markup_as_plain_text(tmp_path):
    from textual.widgets import DataTable

    from kiosk.staff.app import StaffApp
    from kiosk.staff.source import Source
    from tests.test_staff_data import NOW, ROOMS, build_central

    path = tmp_path / "central.db"
    build_central(path)
    conn = sqlite3.connect(path)
    seq = conn.execute("SELECT MAX(seq) + 1 FROM events WHERE room = 'cjm'").fetchone()[0]
    with conn:  # as an older central stored it, before times were checked in full
        conn.execute(
            "INSERT INTO events VALUES (?, 'cjm', ?, '2026-11-[/]xxxxxxxxxx', "
            "'room_opened', '[b]X', NULL, NULL, '{}')",
            ("e" * 32, seq),
        )
    conn.close()
    app = StaffApp(
        Source(path, CATALOG, list(ROOMS), None),
        year=2017,
        lang="nl",
        clock=lambda: NOW,
        watch=False,
    )
    async with app.run_test(size=(140, 45)) as pilot:
        for _ in range(2):
            await app.workers.wait_for_complete()
            await pilot.pause()
        app.screen.action_tab("freshness")
        await pilot.pause()
        table = app.screen.query_one("FreshnessTable", DataTable)
        assert str(table.get_cell("cjm", "last_event")) == "2026-11-[/]xxxxx"
        assert app.screen.report["freshness"]["rooms"]["cjm"]["lag_hours"] is None


# --- the property: hostile rooms mixed with honest ones ------------------------------------
ATTACKS = (
    "seq_huge",
    "hours_text",
    "hours_list",
    "hours_nan",
    "cents_inf",
    "deep_payload",
    "deep_line",
    "unknown_kind",
    "void_held",
    "void_pending",
    "squat_held",
    "time_markup",
)
EXAMPLES = int(os.environ.get("BWK_TRUST_EXAMPLES", "10"))
FAST_TMP = "/dev/shm" if os.path.isdir("/dev/shm") and os.access("/dev/shm", os.W_OK) else None


class HostileContent(RuleBasedStateMachine):
    """Rooms write and sync honestly; any room may also sign a bundle with hostile content.
    Invariants after each settling: every room's figures at central equal the figures of
    its own log, every honest bundle merged (acknowledged up to the room's last seq), and
    only hostile files were quarantined."""

    def __init__(self):
        super().__init__()
        self.root = Path(tempfile.mkdtemp(prefix="bwk-trust-", dir=FAST_TMP))
        self.site = Site(self.root / "site")
        self.hostile: set[str] = set()
        # A void of an event not held yet: accepted if it merges first, refused as a void of
        # another room's event if the target merges before it in the same pass. Either way
        # it must never apply to the other room's event.
        self.either: set[str] = set()
        self.next_seq = {room: 1_000_000 for room in self.site.rooms}  # far above honest seqs
        for room in self.site.rooms:
            self.site.store(room).set_volunteer("VVVVVVVV"[:7] + "0", True, by="K")

    def teardown(self):
        self.site.close()
        shutil.rmtree(self.root, ignore_errors=True)

    def central_rows(self, room: str, held: bool) -> list[tuple]:
        """Events of ``room`` that central holds (``held``) or not yet."""
        conn = connect(self.site.db("central"))
        try:
            at_central = {
                r[0] for r in conn.execute("SELECT id FROM events WHERE room = ?", (room,))
            }
        finally:
            conn.close()
        return [r for r in room_rows(self.site, room) if (r[0] in at_central) == held]

    @rule(
        room=st.sampled_from(ROOMS),
        what=st.sampled_from(["visit", "anon", "job", "shift", "void"]),
        minutes=st.integers(1, 300),
    )
    def honest(self, room, what, minutes):
        store = self.site.store(room)
        self.site.clock.now += timedelta(minutes=minutes)
        volunteer = "VVVVVVV0"
        if what in ("visit", "anon"):
            store.check_in(codes.new_code() if what == "visit" else None, ["kookclub"])
        elif what == "job":
            store.record_jobs("klussendienst", 1)
        elif what == "shift":
            (store.end_shift if store.open_shift(volunteer) else store.start_shift)(volunteer)
        else:
            targets = [
                r[0]
                for r in room_rows(self.site, room)
                if r[4] in ("checkin", "job_done", "shift_ended")
            ]
            try:
                store.void(targets[minutes % len(targets)], by="K") if targets else None
            except StoreError:
                pass

    @rule(room=st.sampled_from(ROOMS))
    def export(self, room):
        self.site.once(room)

    @rule()
    def central_pass(self):
        self.site.once("central")

    @rule(
        attacker=st.sampled_from(ROOMS),
        attack=st.sampled_from(ATTACKS),
        choice=st.integers(0, 10**6),
    )
    def hostile_bundle(self, attacker, attack, choice):
        victim = ROOMS[(ROOMS.index(attacker) + 1 + choice % 2) % len(ROOMS)]
        seq = self.next_seq[attacker]
        self.next_seq[attacker] += 1
        base = event(attacker, seq, f"{choice:012x}{seq:020x}")
        if attack == "deep_line":
            line = (
                b'["'
                + base[0].encode()
                + b'","'
                + attacker.encode()
                + b'",'
                + str(seq).encode()
                + b',"'
                + AT.encode()
                + b'","checkin",null,null,null,'
                + b"[" * 100_000
                + b"]" * 100_000
                + b"]\n"
            )
            self.hostile.add(seal_raw_as(self.site, attacker, line, 1, seq, seq))
            return
        if attack in ("void_held", "void_pending", "squat_held"):
            targets = self.central_rows(victim, held=attack != "void_pending")
            if not targets:
                return
            target = targets[choice % len(targets)][0]
            if attack == "squat_held":
                row = (target, *base[1:])
            else:
                row = event(
                    attacker, seq, base[0], "void", '{"by": "K"}', ref=target, activity=None
                )
            name = seal_as(self.site, attacker, [row], seq, seq)
            (self.either if attack == "void_pending" else self.hostile).add(name)
            return
        changed = {
            "seq_huge": lambda r: (*r[:2], 2**63 + choice, *r[3:]),
            "hours_text": lambda r: (*r[:4], "shift_ended", None, None, None, '{"hours": "x"}'),
            "hours_list": lambda r: (*r[:4], "shift_ended", None, None, None, '{"hours": [1]}'),
            "hours_nan": lambda r: (*r[:4], "shift_ended", None, None, None, '{"hours": NaN}'),
            "cents_inf": lambda r: (
                *r[:4],
                "cash_expense",
                None,
                None,
                None,
                '{"cents": 1e999, "category": "A"}',
            ),
            "deep_payload": lambda r: (*r[:8], '{"a": ' + "[" * 5000 + "]" * 5000 + "}"),
            "unknown_kind": lambda r: (*r[:4], "drop_table", *r[5:]),
            "time_markup": lambda r: (*r[:3], "2017-11-[/]xxxxxxxxxx", *r[4:]),
        }[attack](base)
        self.hostile.add(seal_as(self.site, attacker, [changed], seq, max(seq, changed[2])))

    @rule()
    def settle(self):
        self.site.sync_all()
        for room in self.site.rooms:
            assert figures(self.site.db("central"), room) == figures(self.site.db(room), room)
            status = self.site.status(room)
            assert status["acked_seq"] == status["max_seq"]
        assert set(reasons(self.site)) <= self.hostile | self.either


TestHostileContent = HostileContent.TestCase
TestHostileContent.settings = settings(
    max_examples=EXAMPLES,
    stateful_step_count=20,
    deadline=None,
    suppress_health_check=list(HealthCheck),
)
