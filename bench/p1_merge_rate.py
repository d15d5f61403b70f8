"""P1: central merging sealed bundles against a raw executemany of the same rows (goal >= 0.5x).

Both write the same event rows into a fresh central database (same schema,
same pragmas, same disk, same run). The merge also reads each bundle file,
verifies its Ed25519 signature, HPKE-decrypts it, decompresses within limits,
validates every event, updates projections and tallies, records the bundle
and writes a signed ack. Rates are events per second; ratio = merge / raw.
"""

from __future__ import annotations

import shutil
import sqlite3
import tempfile
import time
from pathlib import Path

from bench.common import Result
from bench.data import generate
from shared.config import load_config
from shared.db import connect
from shared.events import INSERT_EVENT
from syncd.central import CentralNode
from syncd.demo import write_site
from syncd.room import RoomNode


def build(root: Path, rooms: tuple[str, ...], events: int) -> dict[str, Path]:
    """A site whose rooms each exported ``events`` events; returns room -> stash of bundles."""
    write_site(root, rooms)
    stashes = {}
    for room in rooms:
        generate(
            root / room / "room.db", events, rooms=(room,), seed=sum(map(ord, room))
        )  # stable across runs
        node = RoomNode(load_config(root / room / "room.toml"))
        from syncd.common import PassReport

        node.export(PassReport())
        node.close()
        stash = root / f"stash-{room}"
        stash.mkdir()
        for path in (root / "central" / "inbox").glob("*.bwk"):
            shutil.move(path, stash / path.name)
        stashes[room] = stash
    return stashes


def merge_seconds(root: Path, stash: Path) -> float:
    inbox = root / "central" / "inbox"
    for path in stash.glob("*.bwk"):
        shutil.copy(path, inbox / path.name)
    node = CentralNode(load_config(root / "central" / "central.toml"))
    start = time.perf_counter()
    report = node.run_pass()
    took = time.perf_counter() - start
    node.close()
    assert report.quarantined == 0 and report.merged > 0, report
    return took


def fresh_central(root: Path) -> Path:
    database = root / "central" / "central.db"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{database}{suffix}").unlink(missing_ok=True)
    connect(database).close()
    return database


def run(quick: bool = False) -> list[Result]:
    events = 20_000 if quick else 100_000
    repeat = 3 if quick else 5
    with tempfile.TemporaryDirectory(prefix="bwk-p1-") as folder:
        root = Path(folder)
        stash = build(root, ("cjm",), events)["cjm"]
        conn = sqlite3.connect(root / "cjm" / "room.db")
        rows = conn.execute(
            "SELECT id, room, seq, at, kind, visitor, activity, ref, payload FROM events"
        ).fetchall()
        conn.close()
        merges, raws = [], []
        for _ in range(repeat):
            fresh_central(root)
            merges.append(merge_seconds(root, stash))
            database = fresh_central(root)
            raw = sqlite3.connect(database, isolation_level=None)
            raw.execute("PRAGMA synchronous = FULL")
            start = time.perf_counter()
            raw.execute("BEGIN")
            raw.executemany(INSERT_EVENT, rows)
            raw.execute("COMMIT")
            raws.append(time.perf_counter() - start)
            raw.close()
    merges.sort()
    raws.sort()
    rate, raw_rate = events / merges[len(merges) // 2], events / raws[len(raws) // 2]
    ratio = rate / raw_rate
    return [
        Result(
            "P1",
            f"central merge of sealed bundles, {events} events (ev/s; raw executemany)",
            rate,
            "ev/s",
            raw_rate,
            ">= 0.5x",
            ratio >= 0.5,
        )
    ]
