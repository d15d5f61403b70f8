"""P7: `import-csv` of 100k rows against a raw executemany of the same rows (goal >= 0.3x).

Both write the same event rows into the same schema on the same disk; the
import also reads and checks the CSV, derives ids, and skips known rows.
Rates are rows per second, so the ratio is import rate / raw rate.
"""

from __future__ import annotations

import random
import sqlite3
import tempfile
from pathlib import Path

from bench.common import Result, median_time
from shared import codes
from shared.catalog import load_catalog
from shared.csv_import import import_file
from shared.db import connect
from shared.events import INSERT_EVENT


def write_csv(path: Path, rows: int, seed: int = 7) -> None:
    rng = random.Random(seed)
    activities = list(load_catalog().activities)
    people = [codes.display(codes.new_code()) for _ in range(3000)]
    lines = ["date,time,activity,code,name"]
    for i in range(rows):
        code = rng.choice(people) if rng.random() < 0.8 else ""
        lines.append(f"2017-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d},"
                     f"{rng.randint(9, 21):02d}:{rng.randint(0, 59):02d},"
                     f"{rng.choice(activities)},{code},")
    path.write_text("\n".join(lines) + "\n", "utf-8")


def run(quick: bool = False) -> list[Result]:
    rows = 20_000 if quick else 100_000
    repeat = 3 if quick else 5
    with tempfile.TemporaryDirectory(prefix="bwk-p7-") as folder:
        base = Path(folder)
        paper = base / "paper.csv"
        write_csv(paper, rows)
        config = base / "room.toml"
        config.write_text('[room]\nid = "cjm"\ndatabase = "room.db"\n', "utf-8")
        database = base / "room.db"

        def fresh() -> None:
            for suffix in ("", "-wal", "-shm"):
                Path(f"{database}{suffix}").unlink(missing_ok=True)
            connect(database).close()

        imported = median_time(lambda: import_file(paper, config), repeat, setup=fresh)
        conn = connect(database)
        stored = conn.execute("SELECT id, room, seq, at, kind, visitor, activity, ref, payload "
                              "FROM events").fetchall()
        conn.close()
        assert len(stored) == rows, len(stored)

        def raw() -> None:
            raw_conn = sqlite3.connect(database, isolation_level=None)
            raw_conn.execute("PRAGMA synchronous = FULL")
            raw_conn.execute("BEGIN")
            raw_conn.executemany(INSERT_EVENT, [tuple(r) for r in stored])
            raw_conn.execute("COMMIT")
            raw_conn.close()

        baseline = median_time(raw, repeat, setup=fresh)
    rate, raw_rate = rows / imported, rows / baseline
    ratio = rate / raw_rate
    return [Result("P7", f"import-csv of {rows} rows (rows/s; baseline raw executemany)",
                   rate, "rows/s", raw_rate, ">= 0.3x", ratio >= 0.3)]
