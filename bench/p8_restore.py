"""P8: replacing a room machine: export-room at central + restore at the room (seconds).

A room with ``events`` events is merged into central; its database is then
deleted and rebuilt from a sealed export. Baseline: a raw executemany of the
same rows into a fresh room database on the same disk (the floor for any
restore). No goal was set; the figure tells an operator how long a
replacement takes.
"""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.common import Result
from bench.p1_merge_rate import build, merge_seconds
from shared.db import connect
from shared.events import INSERT_EVENT

REPO = Path(__file__).resolve().parents[1]


def _syncd(*args: str) -> None:
    subprocess.run([sys.executable, "-m", "syncd", *args], check=True, cwd=REPO,
                   capture_output=True, timeout=600)


def run(quick: bool = False) -> list[Result]:
    events = 20_000 if quick else 100_000
    with tempfile.TemporaryDirectory(prefix="bwk-p6-") as folder:
        root = Path(folder)
        stash = build(root, ("cjm",), events)["cjm"]
        merge_seconds(root, stash)
        room_db = root / "cjm" / "room.db"
        conn = sqlite3.connect(room_db)
        rows = conn.execute("SELECT id, room, seq, at, kind, visitor, activity, ref, payload "
                            "FROM events").fetchall()
        conn.close()
        for suffix in ("", "-wal", "-shm"):
            Path(f"{room_db}{suffix}").unlink(missing_ok=True)
        export = root / "cjm.restore.bwk"
        start = time.perf_counter()
        _syncd("export-room", "--config", str(root / "central" / "central.toml"), "--room", "cjm",
               "--out", str(export))
        _syncd("restore", "--config", str(root / "cjm" / "room.toml"), "--from", str(export))
        took = time.perf_counter() - start
        size_mb = export.stat().st_size / 1e6
        raw_db = root / "raw.db"
        connect(raw_db).close()
        raw = sqlite3.connect(raw_db, isolation_level=None)
        raw.execute("PRAGMA synchronous = FULL")
        start = time.perf_counter()
        raw.execute("BEGIN")
        raw.executemany(INSERT_EVENT, rows)
        raw.execute("COMMIT")
        baseline = time.perf_counter() - start
        raw.close()
    return [Result("P8", f"export-room + restore of {events} events (s; raw executemany)",
                   took, "s", baseline, "", None,
                   note=f"export file {size_mb:.1f} MB, two processes included")]
