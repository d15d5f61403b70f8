"""P3: check-in committed in a room -> visible in the report at central (goal: median <= 1 s).

Both daemons run as real processes (``bwk-syncd run``) on one machine, the
room's outbox being central's inbox and central's outbox the room's inbox.
Each check-in is made through the store (as the kiosk does); the clock stops
when ``shared.report.build_report`` on central (what ``bwk-staff report``
prints) counts it. No baseline: the figure is the median latency.
"""

from __future__ import annotations

import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.common import Result
from shared import codes
from shared.catalog import load_catalog
from shared.db import connect
from shared.report import build_report
from shared.store import RoomStore
from syncd.demo import write_site

REPO = Path(__file__).resolve().parents[1]


def _count(conn, catalog, year: int) -> int:
    return build_report(conn, catalog, year)["indicators"]["kookclub"]["rooms"].get("cjm", 0)


def run(quick: bool = False) -> list[Result]:
    samples = 10 if quick else 30
    catalog = load_catalog()
    env = dict(os.environ, PYTHONPATH=str(REPO))
    env.pop("NOTIFY_SOCKET", None)
    latencies = []
    with tempfile.TemporaryDirectory(prefix="bwk-p3-") as folder:
        root = Path(folder)
        write_site(root, ("cjm",))
        store = RoomStore(root / "cjm" / "room.db", "cjm")
        central_db = root / "central" / "central.db"
        connect(central_db).close()
        procs = [subprocess.Popen([sys.executable, "-m", "syncd", "run", "--config", str(conf)],
                                  env=env, stderr=subprocess.DEVNULL if not os.environ.get("BWK_BENCH_DEBUG") else None)
                 for conf in (root / "cjm" / "room.toml", root / "central" / "central.toml")]
        conn = connect(central_db)
        try:
            year = int(store.now()[:4])
            store.check_in(codes.new_code(), ["kookclub"])  # warm-up: both daemons up, synced
            deadline = time.monotonic() + 60
            while _count(conn, catalog, year) == 0 and time.monotonic() < deadline:
                time.sleep(0.05)
            for _ in range(samples):
                before = _count(conn, catalog, year)
                start = time.perf_counter()
                store.check_in(codes.new_code(), ["kookclub"])  # a new person: unique +1
                while _count(conn, catalog, year) == before:
                    if time.perf_counter() - start > 30:
                        raise RuntimeError("a check-in did not reach central within 30 s")
                    time.sleep(0.002)
                latencies.append(time.perf_counter() - start)
        finally:
            for proc in procs:
                proc.send_signal(signal.SIGTERM)
                proc.wait(timeout=10)
            conn.close()
            store.close()
    median = statistics.median(latencies)
    p95 = statistics.quantiles(latencies, n=20)[-1] if len(latencies) >= 2 else latencies[0]
    return [Result("P3", f"check-in -> central report, both daemons running ({samples} samples)",
                   median, "s", None, "median <= 1 s", median <= 1.0,
                   note=f"max {max(latencies):.3f} s"),
            Result("P3", "check-in -> central report, 95th percentile", p95, "s", None,
                   "p95 <= 2 s", p95 <= 2.0)]
