"""P3: check-in committed in a room -> counted at central (goal: median <= 1 s, p95 <= 2 s).

Both daemons run as real processes (``bwk-syncd run``) on one machine, the
room's outbox being central's inbox and central's outbox the room's inbox.
Each check-in is made through the store (as the kiosk does). Three figures,
each named for what it measures:

* sync latency: the clock stops when ``shared.report.build_report``, called
  in this process on central.db and polled every 2 ms, counts the check-in.
  That is the data reaching central's report query, not a person's command.
* the command: ``bwk-staff report --config central.toml --format json`` as a
  process (what a coordinator runs), its own wall time, median.
* check-in -> visible in ``bwk-staff report``: after a check-in the command
  is run again and again; the clock stops when a run that prints the
  check-in has finished. This is the figure the goal speaks of; it is at
  most the sync latency plus one or two runs of the command.

Also: each daemon's stop at the end (room: SIGINT, central: SIGTERM ->
process gone), the timing tests/test_syncd_daemon.py used to assert on
(goal <= 1 s; the tests now check the behaviour: exit 0, "stopped").
"""

from __future__ import annotations

import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.common import Result, spread_of
from shared import codes
from shared.catalog import load_catalog
from shared.db import connect
from shared.report import build_report
from shared.store import RoomStore
from syncd.demo import write_site

REPO = Path(__file__).resolve().parents[1]


def _count(conn, catalog, year: int) -> int:
    return build_report(conn, catalog, year)["indicators"]["kookclub"]["rooms"].get("cjm", 0)


def _staff_command() -> list[str]:
    """The installed console script beside this Python, else the module."""
    script = Path(sys.executable).with_name("bwk-staff")
    return [str(script)] if script.exists() else [sys.executable, "-m", "kiosk.staff.cli"]


def _staff_report(config: Path, year: int, env: dict) -> int:
    """``bwk-staff report`` as a process; the kookclub count of room cjm it prints."""
    out = subprocess.run(
        _staff_command()
        + ["report", "--config", str(config), "--year", str(year), "--format", "json"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return json.loads(out.stdout)["indicators"]["kookclub"]["rooms"].get("cjm", 0)


def _p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20)[-1] if len(values) >= 2 else values[0]


def sizes(quick: bool, tiny: bool) -> tuple[int, int]:
    """(in-process samples, command samples)"""
    return (3, 1) if tiny else (10, 3) if quick else (30, 7)


def run(quick: bool = False, tiny: bool = False) -> list[Result]:
    samples, command_samples = sizes(quick, tiny)
    catalog = load_catalog()
    env = dict(os.environ, PYTHONPATH=str(REPO))
    env.pop("NOTIFY_SOCKET", None)
    latencies, command_runs, visible, stops = [], [], [], []
    with tempfile.TemporaryDirectory(prefix="bwk-p3-") as folder:
        root = Path(folder)
        write_site(root, ("cjm",))
        central_toml = root / "central" / "central.toml"
        store = RoomStore(root / "cjm" / "room.db", "cjm")
        central_db = root / "central" / "central.db"
        connect(central_db).close()
        procs = [
            subprocess.Popen(
                [sys.executable, "-m", "syncd", "run", "--config", str(conf)],
                env=env,
                stderr=subprocess.DEVNULL if not os.environ.get("BWK_BENCH_DEBUG") else None,
            )
            for conf in (root / "cjm" / "room.toml", central_toml)
        ]
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
            for _ in range(command_samples):
                before = _staff_report(central_toml, year, env)
                start = time.perf_counter()
                store.check_in(codes.new_code(), ["kookclub"])
                while True:
                    started = time.perf_counter()
                    shown = _staff_report(central_toml, year, env)
                    command_runs.append(time.perf_counter() - started)
                    if shown > before:
                        break
                    if time.perf_counter() - start > 60:
                        raise RuntimeError("bwk-staff report did not show a check-in within 60 s")
                visible.append(time.perf_counter() - start)
        finally:
            for proc, sig in zip(procs, (signal.SIGINT, signal.SIGTERM)):  # room, central
                start = time.perf_counter()
                proc.send_signal(sig)
                proc.wait(timeout=10)
                stops.append(time.perf_counter() - start)
            conn.close()
            store.close()
    median, p95 = statistics.median(latencies), _p95(latencies)
    shown, shown_p95 = statistics.median(visible), _p95(visible)
    return [
        Result(
            "P3",
            f"check-in -> central's build_report (in-process, 2 ms poll; {samples} samples)",
            median,
            "s",
            None,
            "median <= 1 s",
            median <= 1.0,
            spread=spread_of(latencies),
            note=f"p95 {p95:.3f} s",
        ),
        Result(
            "P3",
            f"check-in -> shown by a bwk-staff report process ({command_samples} samples)",
            shown,
            "s",
            None,
            "median <= 1 s, p95 <= 2 s",
            shown <= 1.0 and shown_p95 <= 2.0,
            spread=spread_of(visible),
            note=f"p95 {shown_p95:.3f} s",
        ),
        Result(
            "P3",
            "bwk-staff report --format json as a process (wall time)",
            statistics.median(command_runs),
            "s",
            None,
            "",
            None,
            spread=spread_of(command_runs),
            note=f"{len(command_runs)} runs",
        ),
        Result(
            "P3",
            "bwk-syncd run: stop signal -> process gone (slower of two)",
            max(stops),
            "s",
            None,
            "<= 1 s",
            max(stops) <= 1.0,
            note="room SIGINT {:.3f} s, central SIGTERM {:.3f} s".format(*stops),
        ),
    ]
