"""P10: P1 as an operator sees it: ``bwk-syncd once`` on central, as a process, over a
year of three rooms arriving at once, against a raw ``executemany`` of the same rows.

Three rooms export 100,000 events each (realistic shapes, a few thousand visitor
codes; ``--quick``: 20,000). Each run starts from an empty central database with
every room's bundles in the inbox and times the whole command: start-up, imports,
reading, verifying, decrypting and checking every bundle, merging, tallies,
projections, acks. The baseline inserts the same rows into a bare table with the
same primary key and ``unique(room, seq)``, in one transaction, on the same disk,
with the same durability (WAL, ``synchronous=FULL``). The two alternate run by run
so that both see the same machine load; the figure is the median rate, and the
note gives the spread of the ratio. Goal: at least 0.5x.
"""

from __future__ import annotations

import resource
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.common import Result
from bench.p1_merge_rate import build, fresh_central

ROOMS = ("cjm", "multibron", "handreiking")
BARE_TABLE = (
    "CREATE TABLE events (id TEXT PRIMARY KEY, room TEXT NOT NULL, seq INTEGER NOT NULL, "
    "at TEXT NOT NULL, kind TEXT NOT NULL, visitor TEXT, activity TEXT, ref TEXT, "
    "payload TEXT NOT NULL, UNIQUE (room, seq))"
)
INSERT = "INSERT INTO events VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"


def syncd_command() -> list[str]:
    script = Path(sys.executable).parent / "bwk-syncd"
    return [str(script)] if script.exists() else [sys.executable, "-m", "syncd"]


def once_seconds(
    root: Path, stashes: dict[str, Path], code: Path | None = None, cpu: list[float] | None = None
) -> float:
    """Wall-clock seconds of ``bwk-syncd once`` on central with every stash in its inbox;
    its CPU seconds (user + system) are appended to ``cpu`` when given: on a shared
    machine they move much less with the load than the wall time."""
    database = fresh_central(root)
    if code:  # that checkout's own schema
        database.unlink()
        subprocess.run(
            [
                sys.executable,
                "-c",
                "import sys; from shared.db import connect; connect(sys.argv[1]).close()",
                str(database),
            ],
            cwd=code,
            check=True,
        )
    inbox = root / "central" / "inbox"
    for stash in stashes.values():
        for path in stash.glob("*.bwk"):
            shutil.copy(path, inbox / path.name)
    # ``code``: another checkout's syncd (``python -m`` puts the working directory first).
    command = [sys.executable, "-m", "syncd"] if code else syncd_command()
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(
        [*command, "once", "--config", str(root / "central" / "central.toml")],
        capture_output=True,
        text=True,
        cwd=code,
    )
    took = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if cpu is not None:
        cpu.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
    conn = sqlite3.connect(database)
    quarantined = conn.execute("SELECT COUNT(*) FROM sync_quarantine").fetchone()[0]
    conn.close()
    # A quarantined bundle leaves the inbox too (e.g. "too new" for an older checkout).
    if done.returncode != 0 or any(inbox.glob("*.bwk")) or quarantined:
        raise RuntimeError(
            f"bwk-syncd once failed ({done.returncode}, {quarantined} quarantined): "
            f"{done.stderr[-2000:]}"
        )
    return took


def raw_seconds(root: Path, rows: list[tuple]) -> float:
    database = root / "bare.db"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{database}{suffix}").unlink(missing_ok=True)
    conn = sqlite3.connect(database, isolation_level=None)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = FULL")
    conn.execute(BARE_TABLE)
    start = time.perf_counter()
    conn.execute("BEGIN")
    conn.executemany(INSERT, rows)
    conn.execute("COMMIT")
    took = time.perf_counter() - start
    conn.close()
    return took


def room_rows(root: Path) -> list[tuple]:
    rows: list[tuple] = []
    for room in ROOMS:
        conn = sqlite3.connect(root / room / "room.db")
        rows += conn.execute(
            "SELECT id, room, seq, at, kind, visitor, activity, ref, payload "
            "FROM events ORDER BY seq"
        ).fetchall()
        conn.close()
    return rows


def run(quick: bool = False) -> list[Result]:
    per_room = 20_000 if quick else 100_000
    repeat = 3 if quick else 5
    with tempfile.TemporaryDirectory(prefix="bwk-p10-") as folder:
        root = Path(folder)
        stashes = build(root, ROOMS, per_room)
        rows = room_rows(root)
        onces, raws = [], []
        for _ in range(repeat):  # alternate: both sides see the same machine state
            onces.append(once_seconds(root, stashes))
            raws.append(raw_seconds(root, rows))
    total = len(rows)
    ratios = sorted(raw / once for once, raw in zip(onces, raws))
    rate, raw_rate = total / statistics.median(onces), total / statistics.median(raws)
    return [
        Result(
            "P10",
            f"bwk-syncd once on central, 3 rooms x {per_room} events (ev/s; raw)",
            rate,
            "ev/s",
            raw_rate,
            ">= 0.5x",
            rate / raw_rate >= 0.5,
            note=f"per-run ratios {', '.join(f'{r:.2f}' for r in ratios)}",
        )
    ]


def build_with(code: Path, root: Path, per_room: int) -> dict[str, Path]:
    """``build`` run by another checkout: its rooms write bundles of its schema, which
    that central accepts (a newer schema's bundles are quarantined as "too new") and
    every later version accepts too."""
    subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys; from pathlib import Path; "
            "from bench.p1_merge_rate import build; "
            "build(Path(sys.argv[1]), tuple(sys.argv[3:]), int(sys.argv[2]))",
            str(root),
            str(per_room),
            *ROOMS,
        ],
        cwd=code,
        check=True,
    )
    return {room: root / f"stash-{room}" for room in ROOMS}


def compare(before: Path, per_room: int, repeat: int) -> None:
    """Before/after in one run: ``before`` (another checkout, e.g. ``git worktree add``
    or ``git archive``) and this code alternate with the raw baseline, run by run,
    over bundles written by the older code."""
    with tempfile.TemporaryDirectory(prefix="bwk-p10-") as folder:
        root = Path(folder)
        stashes = build_with(before.resolve(), root, per_room)
        rows = room_rows(root)
        times: dict[str, list[float]] = {"before": [], "after": [], "raw": []}
        cpu: dict[str, list[float]] = {"before": [], "after": []}
        for _ in range(repeat):
            times["before"].append(
                once_seconds(root, stashes, code=before.resolve(), cpu=cpu["before"])
            )
            times["after"].append(once_seconds(root, stashes, cpu=cpu["after"]))
            times["raw"].append(raw_seconds(root, rows))
    raw = statistics.median(times["raw"])
    for side in ("before", "after"):
        median = statistics.median(times[side])
        ratios = sorted(r / t for t, r in zip(times[side], times["raw"]))
        print(
            f"{side}: median {median:.2f} s, {len(rows) / median:,.0f} ev/s, {raw / median:.2f}x "
            f"(raw median {raw:.2f} s; per-run ratios {', '.join(f'{r:.2f}' for r in ratios)}); "
            f"CPU median {statistics.median(cpu[side]):.2f} s "
            f"(runs {', '.join(f'{c:.2f}' for c in sorted(cpu[side]))})"
        )


if __name__ == "__main__":
    import argparse

    parser = argparse.ArgumentParser(prog="python -m bench.p10_merge_end_to_end")
    parser.add_argument("--before", type=Path, required=True, help="the other checkout's root")
    parser.add_argument("--events", type=int, default=100_000, help="per room")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    compare(args.before, args.events, args.repeat)
