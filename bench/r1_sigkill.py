"""R1 drill: a room writer with the kiosk's store settings, killed or "unplugged" at random moments.

    python -m bench.r1_sigkill [--kills 1000] [--snapshots 300] [--seed N]

Process kills: the writer (``bench/r1_writer.py``: ``RoomStore`` exactly as
``bwk-kiosk --config`` opens it) is SIGKILLed after a random number of
returned writes. Every write that returned before the kill must be there
afterwards, seq must stay gapless, and ``PRAGMA integrity_check`` must say ok.

Power loss, simulated: while one writer writes without pause, it is frozen
(SIGSTOP) at random moments, often inside a transaction, between its writes
to the WAL and the fsync; the database and WAL files are copied as they are
on disk at that instant (no -shm: shared memory does not survive a power
cut), and the writer goes on (SIGCONT). Each copy is then opened as a room
machine would after the power came back (SQLite recovers from the WAL) and
checked: integrity_check ok, seq gapless, and every write whose id the
writer had printed before the freeze is there. What this does not model: a
disk that loses or reorders writes not yet fsynced (what synchronous=FULL's
fsyncs guard against; that part is SQLite's and the disk's promise), and
sectors torn in the middle of a write.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from shared.store import RoomStore

REPO = Path(__file__).resolve().parents[1]


def _writer(database: Path, tag: str, count: int = 1_000_000) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "bench.r1_writer", str(database), "cjm", str(count), tag],
        stdout=subprocess.PIPE,
        text=True,
        cwd=REPO,
    )


def check(database: Path, promised: set[str]) -> tuple[str, int, int, bool]:
    """(integrity_check, events stored, promised writes missing, seq gapless)."""
    conn = sqlite3.connect(database)
    try:
        integrity = conn.execute("PRAGMA integrity_check").fetchone()[0]
        stored = {row[0] for row in conn.execute("SELECT id FROM events")}
        seqs = [row[0] for row in conn.execute("SELECT seq FROM events ORDER BY seq")]
    finally:
        conn.close()
    return integrity, len(stored), len(promised - stored), seqs == list(range(1, len(seqs) + 1))


def kills(folder: Path, count: int, rng: random.Random) -> bool:
    database = folder / "room.db"
    RoomStore(database, "cjm").close()
    promised: set[str] = set()
    started = time.monotonic()
    for kill in range(count):
        writer = _writer(database, f"k{kill}", 100_000)
        for _ in range(rng.randint(0, 60)):
            line = writer.stdout.readline()
            if not line:
                break
            promised.add(line.split()[1])
        os.kill(writer.pid, signal.SIGKILL)
        writer.communicate()
        if (kill + 1) % 100 == 0:
            print(f"  {kill + 1} kills, {len(promised)} returned writes so far", flush=True)
    integrity, stored, lost, gapless = check(database, promised)
    print(
        f"R1: {count} SIGKILLs in {time.monotonic() - started:.0f} s; "
        f"{len(promised)} writes returned, {stored} events stored, {lost} lost; "
        f"seq gapless: {gapless}; integrity_check: {integrity}",
        flush=True,
    )
    return not lost and gapless and integrity == "ok"


def _stopped(pid: int) -> None:
    """Wait until the kernel has really stopped the process (state T)."""
    while True:
        with open(f"/proc/{pid}/stat") as stat:
            if stat.read().rsplit(")", 1)[1].split()[0] in ("T", "t"):
                return
        time.sleep(0.0005)


def _read_available(fd: int, pending: bytearray) -> list[str]:
    """Every complete line the writer has written so far (the pipe is non-blocking)."""
    while True:
        try:
            chunk = os.read(fd, 65536)
        except BlockingIOError:
            break
        if not chunk:
            break
        pending += chunk
    *lines, rest = bytes(pending).split(b"\n")
    pending[:] = rest
    return [line.decode() for line in lines]


def _wal_generation(wal: Path) -> int | None:
    """The WAL header's checkpoint sequence number: it changes each time the WAL restarts
    after a checkpoint, so the copies show how many restarts the cuts spanned."""
    try:
        with open(wal, "rb") as file:
            header = file.read(32)
    except OSError:
        return None
    return int.from_bytes(header[12:16], "big") if len(header) == 32 else None


def power_cuts(folder: Path, count: int, rng: random.Random) -> bool:
    database = folder / "power.db"
    RoomStore(database, "cjm").close()
    writer = _writer(database, "p")
    fd = writer.stdout.fileno()
    os.set_blocking(fd, False)
    pending, promised, snapshots = bytearray(), set(), []
    generations: set[int | None] = set()
    started = time.monotonic()
    try:
        for cut in range(count):
            time.sleep(rng.uniform(0, 0.04))  # let it write for a random while
            os.kill(writer.pid, signal.SIGSTOP)
            _stopped(writer.pid)
            promised.update(line.split()[1] for line in _read_available(fd, pending))
            copy = folder / f"cut{cut}"
            copy.mkdir()
            for suffix in ("", "-wal"):
                if Path(f"{database}{suffix}").exists():
                    shutil.copyfile(f"{database}{suffix}", copy / f"room.db{suffix}")
            snapshots.append((copy / "room.db", frozenset(promised)))
            generations.add(_wal_generation(copy / "room.db-wal"))
            os.kill(writer.pid, signal.SIGCONT)
    finally:
        writer.kill()
        writer.wait()
    bad = 0
    for path, before in snapshots:
        integrity, stored, lost, gapless = check(path, set(before))
        if lost or not gapless or integrity != "ok":
            bad += 1
            print(
                f"  {path.parent.name}: {integrity}, {lost} of {len(before)} lost, "
                f"gapless {gapless}",
                flush=True,
            )
        shutil.rmtree(path.parent)
    print(
        f"R1: {count} simulated power cuts (file copies of a frozen writer) in "
        f"{time.monotonic() - started:.0f} s; {len(promised)} writes returned in all, "
        f"{len(generations - {None})} WAL generations; "
        f"{count - bad} of {count} copies opened with integrity ok, seq gapless and "
        f"every write returned before the cut present",
        flush=True,
    )
    return bad == 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.r1_sigkill")
    parser.add_argument("--kills", type=int, default=1000)
    parser.add_argument("--snapshots", type=int, default=300, help="simulated power cuts")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    rng = random.Random(args.seed)
    with tempfile.TemporaryDirectory(prefix="bwk-r1-") as folder:
        ok = kills(Path(folder), args.kills, rng) if args.kills else True
        ok = (power_cuts(Path(folder), args.snapshots, rng) if args.snapshots else True) and ok
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
