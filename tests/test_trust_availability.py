"""One file must never stop syncing (issue 10, items 1-5, the "Required" paragraph, 10).

Written as an attacker would: real keys (a stolen room key signs hostile
content), real files in the real inbox folders, real ``bwk-syncd`` processes
where the item is about the daemon (a FIFO that would hang ``once``, the
watchdog, ``status``). Every test also puts an honest bundle in the same inbox:
it must merge in the same pass.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import sqlite3
import stat
import subprocess
import sys
import zlib
from pathlib import Path

import pytest
from test_syncd_site import REPO, Site, child_env, event_ids, wait_for

from shared import merge
from shared.bundle import canonical, seal
from shared.db import connect
from shared.keys import SUITE, generate, load_private, load_public
from shared.records import FIELDS

AT = "2017-03-01T10:00:00+01:00"
MAX_RECORDS = 200_000  # shared.bundle.MAX_RECORDS (literal: the test also runs against old code)
HEX = "0123456789abcdef" * 3


@pytest.fixture
def site(tmp_path):
    site = Site(tmp_path / "site")
    yield site
    site.close()


def _key(site: Site, name: str):
    return load_private(site.root / "keys" / f"{name}.key")


def _central_pub(site: Site):
    return load_public(site.root / "keys" / "central.pub")


def _honest(site: Site, room: str = "cjm") -> set[str]:
    """A real check-in exported by the room: its bundle waits in central's inbox."""
    site.store(room).check_in(None, ["kookclub"])
    site.once(room)
    return event_ids(site.db(room), room)


def _row(seq, kind="checkin", payload="{}", room="cjm", n=0):
    return (f"{n:08x}{seq:024x}"[-32:], room, seq, AT, kind, None, "kookclub", None, payload)


def _signed(site: Site, rows, *, sender="cjm", room=None, name_as=None) -> Path:
    """A bundle validly signed with ``sender``'s real key, put in central's inbox."""
    seqs = [r[2] for r in rows]
    name, data = seal(
        "events",
        _key(site, sender),
        _central_pub(site),
        rows,
        room=room or sender,
        created=AT,
        schema=7,
        first_seq=min(seqs),
        last_seq=max(seqs),
        columns=FIELDS,
    )
    if name_as:  # the name claims another room
        name = name.replace(f"-{sender}-", f"-{name_as}-")
    path = site.inbox / name
    path.write_bytes(data)
    return path


def _signed_payload(site: Site, payload: bytes, count: int, sender="cjm") -> Path:
    """A signed events bundle around any payload bytes (format 1, objects)."""
    key, central = _key(site, sender), _central_pub(site)
    header = {
        "bwk": 1,
        "kind": "events",
        "sender": sender,
        "sender_key": key.fingerprint,
        "recipient": "central",
        "recipient_key": central.fingerprint,
        "room": sender,
        "first_seq": 1,
        "last_seq": max(count, 1),
        "count": count,
        "created": AT,
        "schema": 7,
    }
    line = canonical(header) + b"\n"
    ciphertext = SUITE.encrypt(zlib.compress(payload, 9), central.kem_key, info=line)
    path = site.inbox / f"events-{sender}-{'e' * 40}.bwk"
    path.write_bytes(line + key.sign_key.sign(line + ciphertext) + ciphertext)
    return path


def _quarantine_rows(db: Path) -> list[tuple]:
    conn = sqlite3.connect(db)
    try:
        return [tuple(r) for r in conn.execute("SELECT name, room, reason FROM sync_quarantine")]
    finally:
        conn.close()


def _quarantined_names(folder: Path) -> set[str]:
    return (
        {p.name for p in folder.iterdir() if not p.name.endswith(".reason")}
        if folder.is_dir()
        else set()
    )


# --- item 1: a parseable-looking but hostile header ----------------------------------
def test_a_header_of_4000_brackets_is_quarantined_and_honest_bundles_merge(site):
    honest = _honest(site)
    hostile = site.inbox / f"events-cjm-{HEX[:40]}.bwk"
    hostile.write_bytes(b"[" * 4000 + b"\n" + os.urandom(200))
    report = site.once("central")
    assert honest <= event_ids(site.db("central"))
    assert report.quarantined == 1 and not hostile.exists()
    quarantine = site.root / "central" / "quarantine"
    assert "bad header" in (quarantine / f"{hostile.name}.reason").read_text()
    assert _quarantine_rows(site.db("central")) == [
        (hostile.name, None, _reason(quarantine, hostile.name))
    ]
    reasons = [q["reason"] for q in site.status("central")["quarantined"]]
    assert any("bad header" in r for r in reasons)


def _reason(folder: Path, name: str) -> str:
    return (folder / f"{name}.reason").read_text().strip()


def test_a_hostile_ack_header_in_a_room_inbox_does_not_stop_its_exports(site):
    hostile = site.root / "cjm" / "inbox" / f"ack-central-{HEX[:40]}.bwk"
    hostile.write_bytes(b"[" * 4000 + b"\n" + os.urandom(200))
    site.store("cjm").check_in(None, ["kookclub"])
    report = site.once("cjm")
    assert report.exported == 1 and report.quarantined == 1
    assert hostile.name in _quarantined_names(site.root / "cjm" / "quarantine")
    site.once("central")
    assert event_ids(site.db("cjm"), "cjm") <= event_ids(site.db("central"))


# --- item 2: validly signed bundles with bad content -------------------------------------
HOSTILE_CONTENT = {
    "seq 2**63": [_row(2**63)],
    "hours x": [_row(900, "shift_ended", '{"hours": "x"}')],
    "hours [1]": [_row(901, "shift_ended", '{"hours": [1]}')],
    "hours NaN": [_row(902, "shift_ended", '{"hours": NaN}')],
    "payload nested 5000 deep": [_row(903, payload='{"a":' * 5000 + "1" + "}" * 5000)],
}


@pytest.mark.parametrize("what", sorted(HOSTILE_CONTENT))
def test_a_signed_bundle_with_hostile_content_costs_only_that_file(site, what):
    honest = _honest(site)
    hostile = _signed(site, HOSTILE_CONTENT[what])
    report = site.once("central")
    assert honest <= event_ids(site.db("central")), "the honest bundle must merge in this pass"
    assert not hostile.exists() and report.quarantined == 1
    rows = _quarantine_rows(site.db("central"))
    assert [(name, room) for name, room, _ in rows] == [(hostile.name, "cjm")]  # verified signer
    assert site.status("cjm")["acked_seq"] == 0  # not yet read by the room
    site.once("cjm")
    assert site.status("cjm")["acked_seq"] == max(
        r[0] for r in sqlite3.connect(site.db("cjm")).execute("SELECT seq FROM events")
    )


def test_a_record_line_nested_100000_deep_is_refused_before_parsing(site):
    honest = _honest(site)
    hostile = _signed_payload(site, b"[" * 100_000 + b"]" * 100_000 + b"\n", count=1)
    site.once("central")
    assert honest <= event_ids(site.db("central"))
    assert not hostile.exists()
    assert _quarantine_rows(site.db("central"))[0][1] == "cjm"


def _incoming(rows, name):
    seqs = [r[2] for r in rows]
    header = {
        "room": rows[0][1],
        "kind": "events",
        "first_seq": min(seqs),
        "last_seq": max(seqs),
        "created": AT,
    }
    return merge.Incoming(name, header, rows, name * 2)


def test_the_merge_safety_net_rolls_back_only_the_bundle_whose_merge_fails(tmp_path):
    """Whatever slips past the checks (here: rows handed straight to the merge) and makes
    SQLite or a projection fail costs that bundle alone; the others commit."""
    conn = connect(tmp_path / "central.db")
    try:
        good_before = _incoming([_row(1), _row(2)], "a")
        overflow = _incoming([_row(3), _row(2**63)], "b")  # OverflowError binding the seq
        bad_hours = _incoming([_row(4, "shift_ended", '{"hours": "x"}')], "c")  # projection
        good_after = _incoming([_row(5)], "d")
        results = merge.merge_bundles(conn, [good_before, overflow, bad_hours, good_after], AT)
        assert [type(r).__name__ for r in results] == [
            "Merged",
            "MergeRefused",
            "MergeRefused",
            "Merged",
        ]
        assert results[1].reason == results[2].reason == merge.MERGE_FAILED
        seqs = [r[0] for r in conn.execute("SELECT seq FROM events ORDER BY seq")]
        assert seqs == [1, 2, 5]
        visits = conn.execute("SELECT SUM(n) FROM tallies WHERE kind = 'checkin'").fetchone()[0]
        assert visits == 3
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    finally:
        conn.close()


# --- item 3: a FIFO -------------------------------------------------------------------
def test_reading_a_fifo_swapped_in_for_a_listed_file_does_not_block(tmp_path):
    """The moment after listing: the name is now a FIFO with no writer. On the old code
    the open blocks forever; the subprocess timeout is the failure signal."""
    name = f"events-cjm-{HEX[:40]}.bwk"
    os.mkfifo(tmp_path / name)
    code = (
        "import sys; from pathlib import Path; from syncd import transport\n"
        "from shared.bundle import BundleRejected\n"
        "try:\n    transport.read_bounded(Path(sys.argv[1]), sys.argv[2])\n"
        "except BundleRejected as exc:\n    print(exc)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code, str(tmp_path), name],
        timeout=30,
        capture_output=True,
        text=True,
        env=child_env(),
        cwd=REPO,
    )
    assert result.returncode == 0, result.stderr
    assert "not a file" in result.stdout


def test_once_with_a_fifo_in_the_inbox_finishes_and_quarantines_it(site):
    honest = _honest(site)
    fifo = site.inbox / f"events-cjm-{HEX[:40]}.bwk"
    os.mkfifo(fifo)
    result = site.syncd("once", "--config", str(site.config("central")), timeout=60)
    assert result.returncode == 0
    assert honest <= event_ids(site.db("central"))
    moved = site.root / "central" / "quarantine" / fifo.name
    assert stat.S_ISFIFO(moved.lstat().st_mode) and not os.path.lexists(fifo)


# --- item 4: a non-UTF-8 file name ------------------------------------------------------
@pytest.mark.parametrize("node", ["central", "cjm"])
def test_a_name_that_is_not_utf8_is_quarantined_recorded_and_listed(site, node):
    honest = _honest(site)
    inbox = site.inbox if node == "central" else site.root / "cjm" / "inbox"
    raw = os.path.join(os.fsencode(inbox), b"\xff\xfe.bwk")
    with open(raw, "wb") as handle:
        handle.write(b"junk")
    result = site.syncd("once", "--config", str(site.config(node)), timeout=60)
    assert result.returncode == 0, result.stderr
    assert not os.path.lexists(raw)
    status = json.loads(site.syncd("status", "--config", str(site.config(node)), "--json").stdout)
    assert {"file": "%FF%FE.bwk", "reason": "bad name: not UTF-8"} in status["quarantined"]
    assert ("%FF%FE.bwk", None, "bad name: not UTF-8") in _quarantine_rows(site.db(node))
    if node == "central":
        assert honest <= event_ids(site.db("central"))


# --- item 5: a 65 KiB bundle of ``{}`` lines ------------------------------------------------
# The child reports its own peak (VmHWM of its fresh address space) as it exits: wait4's
# ru_maxrss would carry the forking pytest's own peak, hundreds of MiB in a full run.
_REPORT_PEAK = (
    "import atexit, runpy, sys\n"
    "peak_file = sys.argv[1]\n"
    "def report():\n"
    "    for line in open('/proc/self/status'):\n"
    "        if line.startswith('VmHWM:'):\n"
    "            open(peak_file, 'w').write(line.split()[1])\n"
    "atexit.register(report)\n"
    "sys.argv = ['bwk-syncd', *sys.argv[2:]]\n"
    "runpy.run_module('syncd', run_name='__main__')\n"
)


def _peak_rss_mib(args, site) -> tuple[int, float]:
    peak_file = site.root / "peak-kib"
    proc = subprocess.run(
        [sys.executable, "-c", _REPORT_PEAK, str(peak_file), *args],
        cwd=site.root,
        env=child_env(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    return proc.returncode, int(peak_file.read_text()) / 1024


@pytest.mark.parametrize(
    "lines, count",
    [
        (b"{}\n" * 22_000_000, 1),  # the file: the header says one record
        (b"{}\n" * 22_000_000, MAX_RECORDS),  # the header claims as many as allowed
        (
            (b"[" + b"{}," * 110 + b"{}]\n") * MAX_RECORDS,
            MAX_RECORDS,
        ),  # right count, lines of dicts
    ],
    ids=["count 1", "count max", "many dicts a line"],
)
def test_a_small_bundle_of_empty_objects_cannot_take_gigabytes(site, lines, count):
    honest = _honest(site)
    hostile = _signed_payload(site, lines, count)
    assert hostile.stat().st_size < 300 * 1024
    code, peak = _peak_rss_mib(["once", "--config", str(site.config("central"))], site)
    assert code == 0
    assert peak < 400, f"peak RSS {peak:.0f} MiB"  # 1.8 GiB before the bounds
    assert not hostile.exists() and honest <= event_ids(site.db("central"))


# --- Required: attribution and the bounded quarantine -----------------------------------------
def test_quarantine_is_attributed_to_the_verified_signer_never_to_the_name(site):
    _honest(site)
    unsigned = site.inbox / f"events-cjm-{HEX[:40]}.bwk"
    unsigned.write_bytes(b'{"bwk": 1}\n' + os.urandom(100))
    forged_by_other = generate("cjm")  # claims to be cjm, not cjm's enrolled key
    name, data = seal(
        "events",
        forged_by_other,
        _central_pub(site),
        [_row(50)],
        room="cjm",
        created=AT,
        schema=7,
        first_seq=50,
        last_seq=50,
        columns=FIELDS,
    )
    (site.inbox / name).write_bytes(data)
    # multibron signs a bundle about cjm's log, under a name that claims cjm
    framed = _signed(site, [_row(60, room="cjm")], sender="multibron", room="cjm", name_as="cjm")
    site.once("central")
    rows = {name: room for name, room, _ in _quarantine_rows(site.db("central"))}
    assert rows == {unsigned.name: None, name: None, framed.name: "multibron"}
    status = site.status("central")
    assert status["rooms"]["cjm"]["quarantined"] == 0
    assert status["rooms"]["multibron"]["quarantined"] == 1


def _central_config(site: Site, **keys) -> None:
    path = site.config("central")
    extra = "".join(f"{k} = {v}\n" for k, v in keys.items())
    path.write_text(path.read_text().replace('inbox = "inbox"\n', f'inbox = "inbox"\n{extra}', 1))


def _junk(site: Site, n: int, size: int = 100) -> None:
    for i in range(n):
        (site.inbox / f"events-cjm-{i:040x}.bwk").write_bytes(os.urandom(size))


def test_quarantine_keeps_at_most_the_configured_number_of_files(site):
    _central_config(site, quarantine_max_files=3)
    _junk(site, 5)
    assert site.once("central").quarantined == 5
    folder = site.root / "central" / "quarantine"
    assert len(_quarantined_names(folder)) == 3
    assert len(list(folder.glob("*.reason"))) == 3
    assert len(_quarantine_rows(site.db("central"))) == 3


def test_quarantine_drops_files_older_than_the_configured_age(site):
    _central_config(site, quarantine_max_days=2)
    _junk(site, 2)
    site.once("central")
    folder = site.root / "central" / "quarantine"
    three_days_ago = os.stat(folder).st_mtime - 3 * 86400
    for path in folder.iterdir():
        os.utime(path, (three_days_ago, three_days_ago))
    (site.inbox / f"events-cjm-{'9' * 40}.bwk").write_bytes(b"new junk")
    site.once("central")
    assert _quarantined_names(folder) == {f"events-cjm-{'9' * 40}.bwk"}


def test_quarantine_stays_within_the_configured_size(site):
    _central_config(site, quarantine_max_mb=1)
    _junk(site, 4, size=400 * 1024)
    site.once("central")
    folder = site.root / "central" / "quarantine"
    held = sum(p.stat().st_size for p in folder.iterdir() if not p.name.endswith(".reason"))
    assert 0 < held <= 1024 * 1024 and len(_quarantined_names(folder)) == 2


def test_quarantine_limits_are_checked_as_config(tmp_path, site):
    _central_config(site, quarantine_max_files=0)
    result = site.syncd("once", "--config", str(site.config("central")), check=False)
    assert result.returncode == 2 and "quarantine_max_files" in result.stderr


# --- forged acks and config into a room inbox -----------------------------------------------------
def test_forged_and_hostile_acks_and_config_in_a_room_inbox_are_quarantined(site):
    _honest(site)
    site.once("central")  # a real ack now waits in cjm's inbox
    inbox = site.root / "cjm" / "inbox"
    me, central = load_public(site.root / "keys" / "cjm.pub"), _key(site, "central")
    mallory = generate("central")
    forged = {}
    name, data = seal(
        "ack",
        mallory,
        me,
        [{"type": "ack", "room": "cjm", "seq": 10**6}],
        room="cjm",
        created=AT,
        schema=7,
    )
    forged["forged ack"] = name
    (inbox / name).write_bytes(data)
    for label, kind, records in (
        ("huge seq", "ack", [{"type": "ack", "room": "cjm", "seq": 2**70}]),
        ("bad forget", "ack", [{"type": "forget", "id": ["x"], "code": {}}]),
        ("bad catalog", "config", [{"type": "catalog", "revision": 99, "text": "[[[["}]),
        ("unknown record", "config", [{"type": "shell", "text": "rm -rf"}]),
    ):
        name, data = seal(kind, central, me, records, room="cjm", created=AT, schema=7)
        forged[label] = name
        (inbox / name).write_bytes(data)
    site.store("cjm").check_in(None, ["inloop"])
    report = site.once("cjm")
    assert report.quarantined == len(forged) and report.exported == 1
    status = site.status("cjm")
    assert status["acked_seq"] == 1  # the real ack applied; no forged one moved it
    assert {q["file"] for q in status["quarantined"]} == set(forged.values())
    rows = {name: room for name, room, _ in _quarantine_rows(site.db("cjm"))}
    assert rows[forged["forged ack"]] is None and rows[forged["huge seq"]] == "central"


# --- watchdog and status: passes that keep failing -----------------------------------------------
def _damage(db: Path) -> None:
    """Overwrite the last page with garbage (the issue's reproduction)."""
    size = db.stat().st_size
    with open(db, "r+b") as handle:
        handle.seek(size - 4096)
        handle.write(b"\xa5" * 4096)
    conn = sqlite3.connect(db)
    try:
        assert merge.database_problem(conn)
    finally:
        conn.close()


def _synced_then_damaged(site: Site) -> None:
    for room in site.rooms:
        site.store(room).check_in(None, ["kookclub"])
    site.sync_all()
    site.close()
    _damage(site.db("central"))


def test_damaged_central_refuses_to_merge_or_ack_and_says_so(site):
    _synced_then_damaged(site)
    new = _honest(site) - event_ids(site.db("central"))
    waiting = set(site.inbox.iterdir())
    acks_before = set((site.root / "cjm" / "inbox").iterdir())
    result = site.syncd("once", "--config", str(site.config("central")), check=False)
    assert result.returncode == 2
    assert "damaged" in result.stderr and "rebuild it from the rooms' logs" in result.stderr
    assert "Traceback" not in result.stderr
    assert set(site.inbox.iterdir()) == waiting, "nothing merged and deleted"
    assert set((site.root / "cjm" / "inbox").iterdir()) == acks_before, "no ack"
    assert new
    text = site.syncd("status", "--config", str(site.config("central"))).stdout
    assert "DATABASE DAMAGED" in text
    status = json.loads(
        site.syncd("status", "--config", str(site.config("central")), "--json").stdout
    )
    assert status["database"]["ok"] is False and status["database"]["problem"]


def test_a_daemon_whose_passes_keep_failing_stops_the_watchdog_and_status_says_why(site, tmp_path):
    _synced_then_damaged(site)
    sock_path = tmp_path / "notify.sock"
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(str(sock_path))
    sock.settimeout(30)
    proc = site.daemon(
        "central", env=child_env(NOTIFY_SOCKET=str(sock_path), WATCHDOG_USEC="400000")
    )
    try:
        messages = []
        while not any(m.startswith("STATUS=failing") for m in messages):
            messages.append(sock.recv(4096).decode())
        health = Path(f"{site.db('central')}.syncd-health.json")
        wait_for(
            lambda: json.loads(health.read_text())["failed_passes"] >= 6,
            under=site.root,
            what="three more failed passes",
        )
        proc.send_signal(signal.SIGTERM)
        after = []
        while "STOPPING=1" not in (after[-1] if after else ""):
            after.append(sock.recv(4096).decode())
        _, err = proc.communicate(timeout=20)
    finally:
        if proc.poll() is None:
            proc.kill()
        sock.close()
    assert "WATCHDOG=1" not in "".join(after), "no heartbeat once passes keep failing"
    assert "damaged" in next(m for m in messages if m.startswith("STATUS=failing"))
    assert "pass failed" in err
    text = site.syncd("status", "--config", str(site.config("central"))).stdout
    assert "PASSES FAILING" in text and "damaged" in text
    status = json.loads(
        site.syncd("status", "--config", str(site.config("central")), "--json").stdout
    )
    assert status["daemon"]["failed_passes"] >= 6 and "damaged" in status["daemon"]["last_error"]


# --- the restore kind: an operator-supplied file -------------------------------------------
@pytest.mark.parametrize("what", ["seq 2**63", "payload nested 5000 deep"])
def test_a_hostile_restore_file_is_refused_in_plain_words_and_restores_nothing(
    site, tmp_path, what
):
    rows = HOSTILE_CONTENT[what]
    seqs = [r[2] for r in rows]
    _, data = seal(
        "restore",
        _key(site, "central"),
        load_public(site.root / "keys" / "cjm.pub"),
        rows,
        room="cjm",
        created=AT,
        schema=7,
        first_seq=min(seqs),
        last_seq=max(seqs),
        columns=FIELDS,
    )
    source = tmp_path / "cjm.restore"
    source.write_bytes(data)
    result = site.syncd(
        "restore", "--config", str(site.config("cjm")), "--from", str(source), check=False
    )
    assert result.returncode == 2 and "refused" in result.stderr, result.stderr
    assert "Traceback" not in result.stderr
    assert not event_ids(site.db("cjm"))


def test_a_record_line_of_a_mebibyte_is_refused_before_parsing(site):
    honest = _honest(site)
    hostile = _signed_payload(site, b'{"id": "' + b"a" * (1 << 20) + b'"}\n', count=1)
    site.once("central")
    assert honest <= event_ids(site.db("central")) and not hostile.exists()
    reason = _quarantine_rows(site.db("central"))[0][2]
    assert "a line of" in reason
