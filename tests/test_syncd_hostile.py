"""A hostile transport between two rooms and central (Hypothesis stateful test).

The transport copies files between each room's outbox and central's inbox (and
back) and may drop, duplicate, delay/reorder, truncate or bit-flip them,
replay old ones, deliver them to the wrong room, and inject files signed by
an unknown key, sealed to another recipient, too large, decompressing to too
much, or with hostile names. It also plays the trust boundary's attackers
(issue 10): files with parseable but hostile headers, bundles validly signed
by a stolen room key with hostile content (numbers SQLite cannot hold, hours
that are not numbers, deep nesting, another room's events, unknown kinds),
forged and hostile acks and config in room inboxes, and file-system tricks
(symlinks, FIFOs, names that are not UTF-8, folders, a file replaced between
the listing and the read). After every step: central holds nothing the
rooms did not write (identical rows), everything a room had acknowledged is
at central, ``PRAGMA integrity_check`` is ok, no pass ever raised, and every
honest bundle in central's inbox was merged by central's next pass. At the
end a faithful transport heals everything: central equals the union of the
room logs. Set BWK_HOSTILE_EXAMPLES for a longer run.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import sqlite3
import tempfile
import zlib
from datetime import datetime, timedelta
from pathlib import Path

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from shared.bundle import MAX_PAYLOAD_BYTES, canonical, seal
from shared.clock import TZ
from shared.config import load_config
from shared.keys import SUITE, generate, write_keypair
from shared.records import FIELDS
from shared.store import RoomStore
from syncd import transport
from syncd.central import CentralNode
from syncd.room import RoomNode

ROOMS = ("cjm", "multibron")
FAULTS = st.sampled_from(
    ["ok", "ok", "ok", "ok", "drop", "duplicate", "truncate", "bitflip", "hostile_name"]
)
EXAMPLES = int(os.environ.get("BWK_HOSTILE_EXAMPLES", "15"))
# Durability is not what this test is about: a RAM disk when there is one keeps it fast.
FAST_TMP = "/dev/shm" if os.path.isdir("/dev/shm") and os.access("/dev/shm", os.W_OK) else None
BOMB = zlib.compress(b"{" + b" " * (MAX_PAYLOAD_BYTES + 1) + b"}", 9)
HOSTILE_NAMES = (
    "events-cjm-zz.bwk",
    "events-cjm-" + "A" * 40 + ".bwk",
    "..bwk",
    "con.bwk",
    "events-cjm-" + "0" * 40 + ".bwk.part",
    ".syncthing.x.bwk.tmp",
    "ack-central-" + "1" * 40 + ".sync-conflict-20170301.bwk",
    "événement.bwk",
)
AT = "2017-03-01T10:00:00+01:00"


def _row(seq, kind="checkin", payload="{}", room="cjm"):
    return (f"{seq % 2**64:032x}", room, seq, AT, kind, None, "inloop", None, payload)


# Validly signed by cjm's real key (a stolen machine), content that must never merge.
SIGNED_HOSTILE = {
    "seq beyond SQLite": [_row(2**63)],
    "hours not a number": [_row(9001, "shift_ended", '{"hours": "x"}')],
    "hours a list": [_row(9002, "shift_ended", '{"hours": [1]}')],
    "payload nested deep": [_row(9003, payload='{"a":' * 5000 + "1" + "}" * 5000)],
    "another room's event": [_row(9004, room="multibron")],
    "unknown kind": [_row(9005, kind="launch_missiles")],
}
HOSTILE_HEADERS = (
    b"[" * 4000,
    b"{" * 2000 + b"}" * 2000,
    b'{"bwk": ' + b"9" * 4000 + b"}",
    b'"' + b"\\" * 2000 + b'"',
    b"[" * 50 + b"]" * 50,
)
FS_TRICKS = ("symlink", "fifo", "not_utf8", "folder", "dangling")


class Clock:
    def __init__(self):
        self.now = datetime(2017, 3, 1, 10, 0, tzinfo=TZ)

    def __call__(self):
        return self.now


def _site(root: Path):
    write_keypair(root / "keys", "central")
    central = '[central]\ndatabase = "central.db"\nkey = "keys/central.key"\ninbox = "c-in"\n'
    for room in ROOMS:
        write_keypair(root / "keys", room)
        central += f'[rooms.{room}]\nkey = "keys/{room}.pub"\noutbox = "c-to-{room}"\n'
        (root / f"{room}.toml").write_text(
            f'[room]\nid = "{room}"\ndatabase = "{room}.db"\n[sync]\nkey = "keys/{room}.key"\n'
            f'central_key = "keys/central.pub"\noutbox = "{room}-out"\ninbox = "{room}-in"\n'
        )
    (root / "central.toml").write_text(central)


class HostileTransport(RuleBasedStateMachine):
    def __init__(self):
        super().__init__()
        self.root = Path(tempfile.mkdtemp(prefix="bwk-hostile-", dir=FAST_TMP))
        _site(self.root)
        self.clock = Clock()
        self.rooms = {
            r: RoomNode(load_config(self.root / f"{r}.toml"), clock=self.clock) for r in ROOMS
        }
        self.central = CentralNode(load_config(self.root / "central.toml"), clock=self.clock)
        self.stores = {r: RoomStore(self.root / f"{r}.db", r, clock=self.clock) for r in ROOMS}
        self.seen_files: list[tuple[str, bytes]] = []  # every file ever seen in transit
        self.handled: set[str] = set()
        self.mallory = generate("cjm")  # claims to be cjm
        self.fake_central = generate("central")
        self.honest_waiting: dict[Path, str] = {}  # honest files in central's inbox -> digest
        self.serial = 0

    # --- folders ---------------------------------------------------------------
    def up_files(self, room):
        return sorted((self.root / f"{room}-out").glob("*.bwk"))

    def down_files(self, room):
        return sorted((self.root / f"c-to-{room}").glob("*.bwk"))

    def _deliver(self, source: Path, target_dir: Path, fault: str, data_choice: int) -> None:
        data = source.read_bytes()
        self.seen_files.append((source.name, data))
        name = source.name
        if fault == "drop":
            return
        if fault == "truncate":
            data = data[: data_choice % max(len(data), 1)]
        elif fault == "bitflip":
            damaged = bytearray(data)
            damaged[data_choice % len(damaged)] ^= 1 << (data_choice % 8)
            data = bytes(damaged)
        elif fault == "hostile_name":
            name = HOSTILE_NAMES[data_choice % len(HOSTILE_NAMES)]
        self._write(target_dir / name, data, honest=fault in ("ok", "duplicate"))
        if fault == "duplicate":
            self._write(target_dir / name, data, honest=True)

    def _write(self, path: Path, data: bytes, honest: bool = False) -> None:
        """Every write into an inbox goes here: central's honest ones must merge."""
        path.write_bytes(data)
        if honest and path.parent.name == "c-in" and path.name.startswith("events-"):
            self.honest_waiting[path] = hashlib.sha256(data).hexdigest()
        else:
            self.honest_waiting.pop(path, None)

    def _fresh_name(self, kind: str, sender: str) -> str:
        self.serial += 1
        return f"{kind}-{sender}-{self.serial:040x}.bwk"

    def central_pass(self) -> None:
        """Central's pass; then every honest bundle that waited in its inbox is merged."""
        self.central.run_pass()
        conn = sqlite3.connect(self.root / "central.db")
        try:
            merged = {r[0] for r in conn.execute("SELECT digest FROM sync_bundles")}
        finally:
            conn.close()
        for path, digest in self.honest_waiting.items():
            assert not os.path.lexists(path), f"honest {path.name} left in the inbox"
            assert digest in merged, f"honest {path.name} not merged"
        self.honest_waiting.clear()

    # --- rules -----------------------------------------------------------------
    @rule(room=st.sampled_from(ROOMS), activities=st.integers(0, 3), anonymous=st.booleans())
    def check_in(self, room, activities, anonymous):
        self.clock.now += timedelta(minutes=1)
        chosen = ["kookclub", "computerles", "inloop"][:activities]
        code = None if anonymous else "0000000" + "0"  # a valid code (check char of zeros is 0)
        self.stores[room].check_in(code, chosen)

    def deliver_up(self, room, faults, rnd, choice):
        """Every new file of the room's outbox, each with a fault, in a random order."""
        files = [f for f in self.up_files(room) if f.name not in self.handled]
        rnd.shuffle(files)
        for i, path in enumerate(files):
            self.handled.add(path.name)  # a dropped file stays lost (only a replay brings it)
            self._deliver(path, self.root / "c-in", faults[i % len(faults)], choice + i)

    def deliver_down(self, room, to, faults, choice):
        """Central's files for ``room`` (moved), sometimes to the wrong room."""
        for i, path in enumerate(self.down_files(room)):
            self._deliver(path, self.root / f"{to}-in", faults[i % len(faults)], choice + i)
            path.unlink()

    @rule(
        rooms=st.sets(st.sampled_from(ROOMS), min_size=1),
        up=st.lists(FAULTS, min_size=1, max_size=4),
        down=st.lists(FAULTS, min_size=1, max_size=4),
        misroute=st.booleans(),
        central=st.booleans(),
        rnd=st.randoms(use_true_random=False),
        choice=st.integers(0, 10**6),
        writes=st.lists(st.tuples(st.sampled_from(ROOMS), st.integers(0, 2)), max_size=3),
    )
    def sync_round(self, rooms, up, down, misroute, central, rnd, choice, writes):
        """Rooms write; some pass and ship (with faults); maybe central passes and ships back."""
        for room, activities in writes:
            self.check_in(room, activities, True)
        for room in sorted(rooms):
            self.rooms[room].run_pass()
            self.deliver_up(room, up, rnd, choice)
        if central:
            self.central_pass()
            for room in ROOMS:
                to = ROOMS[(ROOMS.index(room) + 1) % len(ROOMS)] if misroute else room
                self.deliver_down(room, to, down, choice)
        for room in sorted(rooms):
            self.rooms[room].run_pass()

    @precondition(lambda self: self.seen_files)
    @rule(
        pick=st.integers(0, 10**6), to=st.sampled_from(("c-in",) + tuple(f"{r}-in" for r in ROOMS))
    )
    def replay_old(self, pick, to):
        name, data = self.seen_files[pick % len(self.seen_files)]
        self._write(self.root / to / name, data, honest=True)

    @rule(kind=st.sampled_from(["unknown_key", "other_recipient", "too_large", "bomb", "junk"]))
    def inject(self, kind):
        cjm = self.rooms["cjm"].me
        central_pub = self.central.me.public
        record = [
            {
                "id": "f" * 32,
                "room": "cjm",
                "seq": 1,
                "at": "2017-03-01T10:00:00+01:00",
                "kind": "checkin",
                "visitor": None,
                "activity": "inloop",
                "ref": None,
                "payload": {},
            }
        ]
        inbox = self.root / "c-in"
        if kind == "unknown_key":
            name, data = seal(
                "events",
                self.mallory,
                central_pub,
                record,
                room="cjm",
                created="x",
                schema=6,
                first_seq=1,
                last_seq=1,
            )
        elif kind == "other_recipient":
            name, data = seal(
                "events",
                cjm,
                self.fake_central.public,
                record,
                room="cjm",
                created="x",
                schema=6,
                first_seq=1,
                last_seq=1,
            )
        elif kind == "bomb":
            header = {
                "bwk": 1,
                "kind": "events",
                "sender": "cjm",
                "sender_key": cjm.fingerprint,
                "recipient": "central",
                "recipient_key": central_pub.fingerprint,
                "room": "cjm",
                "first_seq": 1,
                "last_seq": 1,
                "count": 1,
                "created": "x",
                "schema": 6,
            }
            line = canonical(header) + b"\n"
            ct = SUITE.encrypt(BOMB, central_pub.kem_key, info=line)
            name, data = "events-cjm-" + "b" * 40 + ".bwk", line + cjm.sign_key.sign(line + ct) + ct
        elif kind == "too_large":
            name = "events-cjm-" + "c" * 40 + ".bwk"
            with open(inbox / name, "wb") as handle:
                handle.truncate(9 * 1024 * 1024)  # sparse: cheap to make, refused by size
            return
        else:
            name, data = "events-cjm-" + "d" * 40 + ".bwk", os.urandom(300)
        self._write(inbox / name, data)

    # --- the trust boundary's attackers (issue 10) ------------------------------------
    @rule(header=st.sampled_from(HOSTILE_HEADERS), to=st.sampled_from(("c-in", "cjm-in")))
    def inject_hostile_header(self, header, to):
        """Unsigned, named like a bundle, a first line a JSON parser may choke on."""
        kind, sender = ("events", "cjm") if to == "c-in" else ("ack", "central")
        self._write(
            self.root / to / self._fresh_name(kind, sender), header + b"\n" + os.urandom(99)
        )

    @rule(what=st.sampled_from(sorted(SIGNED_HOSTILE)))
    def inject_signed_hostile(self, what):
        rows = SIGNED_HOSTILE[what]
        seqs = [r[2] for r in rows]
        name, data = seal(
            "events",
            self.rooms["cjm"].me,
            self.central.me.public,
            rows,
            room="cjm",
            created=AT,
            schema=7,
            first_seq=min(seqs),
            last_seq=max(seqs),
            columns=FIELDS,
        )
        self._write(self.root / "c-in" / name, data)

    @rule(
        room=st.sampled_from(ROOMS),
        what=st.sampled_from(
            ["forged_ack", "forged_config", "bad_seq", "bad_forget", "bad_catalog", "unknown"]
        ),
    )
    def inject_into_room_inbox(self, room, what):
        """Acks and config no honest central would send (or that central never sent)."""
        me = self.rooms[room].me.public
        signer, kind = self.central.me, "ack"
        records = [{"type": "ack", "room": room, "seq": 10**6}]
        if what in ("forged_ack", "forged_config"):
            signer = self.fake_central  # named central, not central's enrolled key
            if what == "forged_config":
                kind, records = "config", [{"type": "catalog", "revision": 10**6, "text": ""}]
        elif what == "bad_seq":
            records = [{"type": "ack", "room": room, "seq": 2**70}]
        elif what == "bad_forget":
            records = [{"type": "forget", "id": ["x"], "code": {"a": 1}}]
        elif what == "bad_catalog":
            kind, records = "config", [{"type": "catalog", "revision": 10**6, "text": "[[[["}]
        else:
            records = [{"type": "something", "seq": 1}]
        name, data = seal(kind, signer, me, records, room=room, created=AT, schema=7)
        self._write(self.root / f"{room}-in" / name, data)

    @rule(
        trick=st.sampled_from(FS_TRICKS),
        to=st.sampled_from(("c-in",) + tuple(f"{r}-in" for r in ROOMS)),
    )
    def file_system_trick(self, trick, to):
        folder = self.root / to
        name = self._fresh_name(
            "events" if to == "c-in" else "ack", "cjm" if to == "c-in" else "central"
        )
        honest = next(iter(self.up_files("cjm")), None)  # a link to honest data is still a link
        path = folder / name
        self.honest_waiting.pop(path, None)
        if trick == "symlink" and honest is not None:
            os.symlink(honest, path)
        elif trick == "dangling":
            os.symlink(self.root / "nowhere", path)
        elif trick == "fifo":
            os.mkfifo(path)
        elif trick == "folder":
            path.mkdir()
        elif trick == "not_utf8":
            with open(
                os.path.join(
                    os.fsencode(folder), b"\xff\xfe" + os.urandom(3).hex().encode() + b".bwk"
                ),
                "wb",
            ) as handle:
                handle.write(b"junk")

    @rule(trick=st.sampled_from(["fifo", "symlink", "garbage", "vanish"]), pick=st.integers(0, 99))
    def replace_during_a_pass(self, trick, pick):
        """Between central's listing and its read, the transport swaps one listed file."""
        real = transport.incoming

        def listing_then_swap(folder, kinds):
            names = real(folder, kinds)
            if names:
                path = Path(folder) / names[pick % len(names)]
                path.unlink()
                self.honest_waiting.pop(path, None)  # the honest file is gone: lost in transit
                if trick == "fifo":
                    os.mkfifo(path)
                elif trick == "symlink":
                    os.symlink(self.root / "central.toml", path)
                elif trick == "garbage":
                    path.write_bytes(os.urandom(200))
            return names

        transport.incoming = listing_then_swap
        try:
            self.central_pass()
        finally:
            transport.incoming = real

    @rule(minutes=st.sampled_from([1, 11, 30]))
    def time_passes(self, minutes):
        self.clock.now += timedelta(minutes=minutes)

    # --- invariants --------------------------------------------------------------
    def _rows(self, db: Path, room: str | None = None) -> dict[str, tuple]:
        conn = sqlite3.connect(db)
        try:
            sql = "SELECT id, room, seq, at, kind, visitor, activity, ref, payload FROM events"
            rows = conn.execute(sql + (" WHERE room = ?" if room else ""), (room,) if room else ())
            return {r[0]: tuple(r) for r in rows}
        finally:
            conn.close()

    @invariant()
    def central_is_within_the_union_and_holds_everything_acknowledged(self):
        central = self._rows(self.root / "central.db")
        union = {}
        for room in ROOMS:
            rows = self._rows(self.root / f"{room}.db", room)
            union.update(rows)
            acked = int(self.rooms[room].status()["acked_seq"])
            for row in rows.values():
                if row[2] <= acked:
                    assert central.get(row[0]) == row, f"acknowledged {room} seq {row[2]} missing"
        for event_id, row in central.items():
            assert union.get(event_id) == row, "central holds an event no room wrote"
        conn = sqlite3.connect(self.root / "central.db")
        try:
            assert conn.execute("PRAGMA quick_check").fetchone()[0] == "ok"
        finally:
            conn.close()

    def teardown(self):
        try:
            self.heal()
        finally:
            for node in (*self.rooms.values(), self.central, *self.stores.values()):
                node.close()
            shutil.rmtree(self.root, ignore_errors=True)

    def heal(self):
        """A faithful transport from now on: everything converges."""
        for _ in range(3):
            self.clock.now += timedelta(minutes=30)
            for room in ROOMS:
                self.rooms[room].run_pass()
                for path in self.up_files(room):
                    self._write(self.root / "c-in" / path.name, path.read_bytes(), honest=True)
            self.central_pass()
            for room in ROOMS:
                for path in self.down_files(room):
                    shutil.move(path, self.root / f"{room}-in" / path.name)
                self.rooms[room].run_pass()
        central = self._rows(self.root / "central.db")
        union = {}
        for room in ROOMS:
            union.update(self._rows(self.root / f"{room}.db", room))
            status = self.rooms[room].status()
            assert status["acked_seq"] == status["max_seq"], status
        assert central == union


def machine_settings(examples: int) -> settings:
    """How hypothesis runs this machine (and ``test_syncd_hostile_backlog``'s)."""
    return settings(
        max_examples=examples,
        stateful_step_count=30,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
    )


HostileTransport.TestCase.settings = machine_settings(EXAMPLES)
TestHostileTransport = HostileTransport.TestCase
