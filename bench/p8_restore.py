"""P8: replacing a room machine: export-room at central + restore at the room (seconds).

A room with ``events`` events is merged into central; its database is then
deleted and rebuilt from a sealed export. Baseline: a raw executemany of the
same rows into a fresh room database on the same disk (the floor for any
restore). The two take turns, run by run (``bench.common.alternate``); each
restore run starts with the room's database deleted. No goal was set; the
figure tells an operator how long a replacement takes.
"""

from __future__ import annotations

import sqlite3
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from bench.common import Result, Side, alternate, ratio_note, spread_of
from bench.p1_merge_rate import build, merge_seconds
from shared.db import connect
from shared.events import INSERT_EVENT

REPO = Path(__file__).resolve().parents[1]


def _syncd(*args: str) -> None:
    subprocess.run(
        [sys.executable, "-m", "syncd", *args],
        check=True,
        cwd=REPO,
        capture_output=True,
        timeout=600,
    )


def _remove(database: Path) -> None:
    for suffix in ("", "-wal", "-shm"):
        Path(f"{database}{suffix}").unlink(missing_ok=True)


def sizes(quick: bool, tiny: bool) -> tuple[int, int]:
    """(events, rounds)"""
    return (500, 2) if tiny else (20_000, 3) if quick else (100_000, 5)


def run(quick: bool = False, tiny: bool = False) -> list[Result]:
    events, repeat = sizes(quick, tiny)
    with tempfile.TemporaryDirectory(prefix="bwk-p8-") as folder:
        root = Path(folder)
        stash = build(root, ("cjm",), events)["cjm"]
        merge_seconds(root, stash)
        room_db = root / "cjm" / "room.db"
        conn = sqlite3.connect(room_db)
        rows = conn.execute(
            "SELECT id, room, seq, at, kind, visitor, activity, ref, payload FROM events"
        ).fetchall()
        conn.close()
        export = root / "cjm.restore.bwk"

        def replace_room() -> None:
            _syncd(
                "export-room",
                "--config",
                str(root / "central" / "central.toml"),
                "--room",
                "cjm",
                "--out",
                str(export),
            )
            _syncd("restore", "--config", str(root / "cjm" / "room.toml"), "--from", str(export))

        def lose_room() -> None:
            _remove(room_db)
            export.unlink(missing_ok=True)

        raw_db = root / "raw.db"

        def fresh_raw() -> None:
            _remove(raw_db)
            connect(raw_db).close()

        def raw_insert() -> None:
            raw = sqlite3.connect(raw_db, isolation_level=None)
            raw.execute("PRAGMA synchronous = FULL")
            raw.execute("BEGIN")
            raw.executemany(INSERT_EVENT, rows)
            raw.execute("COMMIT")
            raw.close()

        times = alternate(
            {"restore": Side(replace_room, lose_room), "raw": Side(raw_insert, fresh_raw)}, repeat
        )
        restored = sqlite3.connect(room_db)
        count = restored.execute("SELECT COUNT(*) FROM events").fetchone()[0]
        restored.close()
        assert count == len(rows), (count, len(rows))
        size_mb = export.stat().st_size / 1e6
    took, baseline = statistics.median(times["restore"]), statistics.median(times["raw"])
    return [
        Result(
            "P8",
            f"export-room + restore of {events} events (s; raw executemany)",
            took,
            "s",
            baseline,
            "",
            None,
            spread=spread_of(times["restore"]),
            note=f"export file {size_mb:.1f} MB, two processes included; "
            + ratio_note(times["restore"], times["raw"]),
        )
    ]
