"""R1 drill: a room writer with the kiosk's store settings, SIGKILLed at random moments.

    python -m bench.r1_sigkill [--kills 1000] [--seed N]

Every write that returned before the kill must be there afterwards, seq must
stay gapless, and ``PRAGMA integrity_check`` must say ok.
"""

from __future__ import annotations

import argparse
import os
import random
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from shared.store import RoomStore

WRITER = Path(__file__).resolve().parents[1] / "tests" / "tools" / "writer.py"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.r1_sigkill")
    parser.add_argument("--kills", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    rng = random.Random(args.seed)
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="bwk-r1-") as folder:
        database = Path(folder) / "room.db"
        RoomStore(database, "cjm").close()
        promised: set[str] = set()
        for kill in range(args.kills):
            writer = subprocess.Popen([sys.executable, str(WRITER), str(database), "cjm", "100000",
                                       f"k{kill}"], stdout=subprocess.PIPE, text=True)
            for _ in range(rng.randint(0, 60)):
                line = writer.stdout.readline()
                if not line:
                    break
                promised.add(line.split()[1])
            os.kill(writer.pid, signal.SIGKILL)
            writer.communicate()
            if (kill + 1) % 100 == 0:
                print(f"  {kill + 1} kills, {len(promised)} returned writes so far", flush=True)
        conn = sqlite3.connect(database)
        integrity = conn.execute("PRAGMA integrity_check").fetchone()[0]
        stored = {row[0] for row in conn.execute("SELECT id FROM events")}
        seqs = [row[0] for row in conn.execute("SELECT seq FROM events ORDER BY seq")]
        conn.close()
    lost = promised - stored
    gapless = seqs == list(range(1, len(seqs) + 1))
    print(f"R1: {args.kills} SIGKILLs in {time.monotonic() - started:.0f} s; "
          f"{len(promised)} writes returned, {len(stored)} events stored, {len(lost)} lost; "
          f"seq gapless: {gapless}; integrity_check: {integrity}")
    return 0 if not lost and gapless and integrity == "ok" else 1


if __name__ == "__main__":
    sys.exit(main())
