"""What every benchmark shares: medians, ratios against a same-run baseline, the table.

A benchmark module ``bench/pN_*.py`` has ``run(quick: bool) -> list[Result]``.
Each result names its figure, the median of several runs, the baseline
measured in the same run (if any) and the goal, so the ratio says more than
the raw seconds on a shared, noisy machine.
"""

from __future__ import annotations

import json
import os
import platform
import statistics
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Callable


@dataclass
class Result:
    id: str
    what: str
    value: float
    unit: str
    baseline: float | None = None  # same unit, measured in the same run
    goal: str = ""
    met: bool | None = None
    note: str = ""

    @property
    def ratio(self) -> float | None:
        if self.baseline in (None, 0):
            return None
        return self.value / self.baseline


def median_time(action: Callable[[], object], repeat: int, setup: Callable[[], object] | None = None
                ) -> float:
    """Median wall-clock seconds of ``action`` over ``repeat`` runs (``setup`` untimed)."""
    times = []
    for _ in range(repeat):
        if setup:
            setup()
        start = time.perf_counter()
        action()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def machine() -> dict:
    return {"cores": os.cpu_count(), "python": platform.python_version(),
            "platform": platform.platform(), "memory_gb": _memory_gb()}


def _memory_gb() -> float | None:
    try:
        with open("/proc/meminfo") as meminfo:
            kb = int(meminfo.readline().split()[1])
        return round(kb / 1024 / 1024, 1)
    except (OSError, ValueError, IndexError):
        return None


def print_table(results: list[Result]) -> None:
    print()
    print(f"{'id':<4} {'what':<58} {'value':>12} {'baseline':>12} {'ratio':>7}  goal / met")
    for r in results:
        base = f"{r.baseline:.4g}" if r.baseline is not None else "-"
        ratio = f"{r.ratio:.2f}x" if r.ratio is not None else "-"
        met = {True: "yes", False: "NO", None: "-"}[r.met]
        print(f"{r.id:<4} {r.what[:58]:<58} {r.value:>10.4g} {r.unit:<2}"[:88].ljust(88)
              + f" {base:>12} {ratio:>7}  {r.goal} / {met}")


def save(results: list[Result], folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / time.strftime("bench-%Y%m%d-%H%M%S.json")
    payload = {"machine": machine(), "when": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
               "results": [asdict(r) | {"ratio": r.ratio} for r in results]}
    path.write_text(json.dumps(payload, indent=2), "utf-8")
    return path
