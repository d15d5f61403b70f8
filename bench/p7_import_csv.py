"""P7: `import-csv` of 100k rows against a raw executemany of the same rows (goal >= 0.3x).

The paper list is what a room types in: 70% of rows carry only a visitor
code, 5% a code and a name, 15% only a name (a person found by name, or
registered the way the kiosk does when nobody has that name), 10% neither. 200 of the 2,000
names belong to people the room already knows. Both sides start from the
same database (schema plus those 200 people) and write the same event rows
(the check-ins and jobs, and the registrations the import made), on the same
disk, alternating run by run (``bench.common.alternate``). The import also
reads and checks the CSV, derives ids, skips known rows, looks names up and
registers people. Rates are rows per second; ratio = import rate / raw rate.
"""

from __future__ import annotations

import random
import sqlite3
import statistics
import tempfile
from pathlib import Path

from bench.common import Result, Side, alternate, ratio_note, spread_of
from shared import codes
from shared.catalog import load_catalog
from shared.csv_import import import_file
from shared.db import connect, transaction
from shared.events import INSERT_EVENT
from shared.store import RoomStore

NAMES = [f"Bezoeker {i:04d}" for i in range(2000)]
KNOWN = NAMES[:200]  # people the room has already registered at the kiosk


def write_csv(path: Path, rows: int, seed: int = 7) -> None:
    rng = random.Random(seed)
    activities = list(load_catalog().activities)
    people = [codes.display(codes.new_code()) for _ in range(3000)]
    lines = ["date,time,activity,code,name"]
    for _ in range(rows):
        draw = rng.random()
        code = rng.choice(people) if draw < 0.75 else ""
        name = rng.choice(NAMES) if 0.70 <= draw < 0.90 else ""  # 0.70-0.75: code and name
        lines.append(
            f"2017-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d},"
            f"{rng.randint(9, 21):02d}:{rng.randint(0, 59):02d},"
            f"{rng.choice(activities)},{code},{name}"
        )
    path.write_text("\n".join(lines) + "\n", "utf-8")


def sizes(quick: bool, tiny: bool) -> tuple[int, int]:
    """(rows, rounds)"""
    return (300, 2) if tiny else (20_000, 3) if quick else (100_000, 5)


def run(quick: bool = False, tiny: bool = False) -> list[Result]:
    rows, repeat = sizes(quick, tiny)
    with tempfile.TemporaryDirectory(prefix="bwk-p7-") as folder:
        base = Path(folder)
        paper = base / "paper.csv"
        write_csv(paper, rows)
        config = base / "room.toml"
        config.write_text('[room]\nid = "cjm"\ndatabase = "room.db"\n', "utf-8")
        database = base / "room.db"

        def fresh() -> int:
            """A new room database holding the known people; its highest seq."""
            for suffix in ("", "-wal", "-shm"):
                Path(f"{database}{suffix}").unlink(missing_ok=True)
            store = RoomStore(database, "cjm")
            with transaction(store.conn):
                for name in KNOWN:
                    store.register_within(name)
            store.close()
            return len(KNOWN)

        known_top = fresh()
        result = import_file(paper, config)
        conn = connect(database)
        stored = conn.execute(
            "SELECT id, room, seq, at, kind, visitor, activity, ref, payload "
            "FROM events WHERE seq > ?",
            (known_top,),
        ).fetchall()
        conn.close()
        assert len(stored) == rows + result.registered, (len(stored), result)
        assert result.registered > 0, result

        def raw() -> None:
            raw_conn = sqlite3.connect(database, isolation_level=None)
            raw_conn.execute("PRAGMA synchronous = FULL")
            raw_conn.execute("BEGIN")
            raw_conn.executemany(INSERT_EVENT, [tuple(r) for r in stored])
            raw_conn.execute("COMMIT")
            raw_conn.close()

        times = alternate(
            {"import": Side(lambda: import_file(paper, config), fresh), "raw": Side(raw, fresh)},
            repeat,
        )
    imported, baseline = statistics.median(times["import"]), statistics.median(times["raw"])
    rate, raw_rate = rows / imported, rows / baseline
    fast, slow = spread_of(times["import"])
    return [
        Result(
            "P7",
            f"import-csv of {rows} rows, 20% named (rows/s; raw executemany)",
            rate,
            "rows/s",
            raw_rate,
            ">= 0.3x",
            rate / raw_rate >= 0.3,
            spread=(rows / slow, rows / fast),
            note=f"{result.registered} people registered by the import; "
            + ratio_note(times["raw"], times["import"]),
        )
    ]
