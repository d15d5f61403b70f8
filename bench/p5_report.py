"""P5: the yearly json report on a central copy of 1M events (goal <= 0.5 s).

The central copy holds three rooms' events for one year, written through the
event-log API in big transactions (``bench.data.generate``). Measured: the
contract report (``build_report``), the staff report (with monthly trends and
freshness, what ``bwk-staff report --format json`` runs) rendered to json, and
the other formats from the same dict, all taking turns within each round
(``bench.common.alternate``). Baseline: one plain ``COUNT(*)`` scan of
the year's events in the same database, so the ratio travels across machines.

    python -m bench --only P5 [--quick]
    python -m bench.p5_report --events 1000000 --keep /tmp/p5.db
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from datetime import datetime
from pathlib import Path

from bench.common import Result, Side, alternate
from bench.data import generate
from shared.catalog import load_catalog
from shared.clock import TZ, year_bounds
from shared.db import connect
from shared.report import build_report
from shared.report_formats import render
from shared.trends import monthly_trends, staff_report

ROOMS = ["cjm", "multibron", "handreiking"]
COUNT_YEAR_EVENTS = "SELECT COUNT(*) FROM events WHERE at >= ? AND at < ?"
NOW = datetime(2017, 12, 31, 12, tzinfo=TZ)
# The baseline: one plain scan of the year's events (kept here: only the benchmark needs it).
COUNT_YEAR_EVENTS = "SELECT COUNT(*) FROM events WHERE at >= ? AND at < ?"


def count_year_events(conn, year: int) -> int:
    """A plain scan of one year's events: the baseline the report is compared with."""
    return conn.execute(COUNT_YEAR_EVENTS, year_bounds(year)).fetchone()[0]


def build(path: Path, events: int) -> float:
    start = time.perf_counter()
    if not path.exists():
        generate(path, events // len(ROOMS), years=(2017,))
    return time.perf_counter() - start


def measure(path: Path, repeat: int) -> dict[str, float]:
    """Median seconds of each figure; all of them take turns within each round."""
    catalog = load_catalog()
    conn = connect(path, durable=False)
    try:
        conn.execute("PRAGMA optimize")
        report = staff_report(conn, catalog, 2017, ROOMS, now=NOW)
        sides = {
            "contract": Side(lambda: build_report(conn, catalog, 2017, ROOMS, now=NOW)),
            "json": Side(
                lambda: render(
                    staff_report(conn, catalog, 2017, ROOMS, now=NOW, trends=False), "json"
                )
            ),
            "trends": Side(lambda: monthly_trends(conn, 2017, ROOMS)),
            **{
                fmt: Side(lambda f=fmt: render(report, f, catalog))
                for fmt in ("csv", "md", "xlsx", "html")
            },
            "baseline": Side(lambda: conn.execute(COUNT_YEAR_EVENTS, year_bounds(2017)).fetchone()),
        }
        times = alternate(sides, repeat)
    finally:
        conn.close()
    return {name: statistics.median(seconds) for name, seconds in times.items()}


def run(quick: bool = False, tiny: bool = False) -> list[Result]:
    events, repeat = (3_000, 1) if tiny else (100_000, 3) if quick else (1_000_000, 5)
    with tempfile.TemporaryDirectory(prefix="bwk-p5-") as folder:
        path = Path(folder) / "central.db"
        build(path, events)
        t = measure(path, repeat)
    label = f"{events // 1000}k" if events < 1_000_000 else f"{events // 1_000_000}M"
    goal = 0.5  # the goal is set for 1M events; --quick only checks that it runs
    return [
        Result(
            "P5",
            f"bwk-staff report --format json over {label} events",
            t["json"],
            "s",
            t["baseline"],
            f"<= {goal:g} s",
            t["json"] <= goal,
        ),
        Result(
            "P5",
            f"contract report (build_report) over {label} events",
            t["contract"],
            "s",
            t["baseline"],
            f"<= {goal:g} s",
            t["contract"] <= goal,
        ),
        Result(
            "P5",
            f"monthly trends (html, dashboard) over {label} events",
            t["trends"],
            "s",
            t["baseline"],
            note="read from the monthly_visits projection",
        ),
        Result(
            "P5",
            "render csv+md+xlsx+html from the report dict",
            t["csv"] + t["md"] + t["xlsx"] + t["html"],
            "s",
            note=", ".join(f"{f} {t[f]:.3f}s" for f in ("csv", "md", "xlsx", "html")),
        ),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.p5_report")
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--keep", type=Path, help="build (or reuse) the database here")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    path = args.keep or Path(tempfile.mkdtemp(prefix="bwk-p5-")) / "central.db"
    print(f"data: {build(path, args.events):.1f} s ({path})")
    for name, seconds in measure(path, args.repeat).items():
        print(f"{name:>9}: {seconds:.3f} s")


if __name__ == "__main__":
    main()
