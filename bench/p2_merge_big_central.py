"""P2: merge cost with millions of events already in central against an empty central
(goal <= 1.25x).

The same sealed bundles (20k new events, 2017, from each of three rooms) are
merged into an empty central and into one already holding ``big`` events of
other rooms from earlier years (5M; 300k with --quick), as central looks after
a few years; room by room, the empty and the big one in turn. Ratio = median merge
time into the big one / into the empty one: what the indexes, the seen-bundles table
and the projections cost as central grows.
"""

from __future__ import annotations

import os
import statistics
import tempfile
import time
from pathlib import Path

from bench.common import Result
from bench.data import generate
from bench.p1_merge_rate import build, fresh_central, merge_seconds
from shared.db import connect

ROOMS = ("ra", "rb", "rc")


def _remove(database: Path) -> None:
    for suffix in ("", "-wal", "-shm"):
        Path(f"{database}{suffix}").unlink(missing_ok=True)


def run(quick: bool = False, tiny: bool = False) -> list[Result]:
    big = 3_000 if tiny else 300_000 if quick else 5_000_000
    events = 300 if tiny else 20_000
    with tempfile.TemporaryDirectory(prefix="bwk-p2-") as folder:
        root = Path(folder)
        stashes = build(root, ROOMS, events)
        database = fresh_central(root)
        started = time.perf_counter()
        # Years of history of other rooms; the merged bundles hold this year's new events.
        generate(database, big // 3, years=(2014, 2015, 2016))
        conn = connect(database)  # steady state: the bulk load checkpointed, stats analysed
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        conn.execute("ANALYZE")
        conn.close()
        kept = root / "big-central.db"
        database.rename(kept)
        os.sync()  # the bulk load's writes are on disk, not still draining during the merges
        print(f"   (built a central with {big} events in {time.perf_counter() - started:.0f} s)")
        # Interleaved, as P1 is: each room's bundles into an empty central, then into the
        # big one, so both see the same machine (a shared disk's speed drifts by the minute).
        empty, loaded = [], []
        for room in ROOMS:
            fresh_central(root)
            empty.append(merge_seconds(root, stashes[room]))
            _remove(database)
            kept.rename(database)
            loaded.append(merge_seconds(root, stashes[room]))
            assert not Path(f"{database}-wal").exists()  # all of it is in the file we keep
            database.rename(kept)
    empty_s, loaded_s = statistics.median(empty), statistics.median(loaded)
    ratio = loaded_s / empty_s
    return [
        Result(
            "P2",
            f"merge {events} events into central holding {big} (s; empty central)",
            loaded_s,
            "s",
            empty_s,
            "<= 1.25x",
            ratio <= 1.25,
        )
    ]
