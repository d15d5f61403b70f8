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
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path


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
    spread: tuple[float, float] | None = None  # lowest and highest run of ``value``

    @property
    def ratio(self) -> float | None:
        if self.baseline in (None, 0):
            return None
        return self.value / self.baseline


def median_time(
    action: Callable[[], object], repeat: int, setup: Callable[[], object] | None = None
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


@dataclass
class Side:
    """One side of an alternating comparison: ``action`` is timed, ``setup`` is not.

    With ``measures_itself`` the action returns its own seconds (for a figure
    that ends before the call does, such as a first frame before the shutdown).
    """

    action: Callable[[], object]
    setup: Callable[[], object] | None = None
    measures_itself: bool = False


def alternate(sides: dict[str, Side], repeat: int) -> dict[str, list[float]]:
    """Wall-clock seconds of each side, run in turn within each of ``repeat`` rounds.

    On a shared machine the disk and the CPU drift by the minute, so measuring
    all of one side and then all of the other compares two machines. Here each
    round runs every side once, and the order flips every round (A B, B A, ...)
    so neither side always runs first, right after the other's writes.
    """
    times: dict[str, list[float]] = {name: [] for name in sides}
    order = list(sides)
    for round_no in range(repeat):
        for name in order if round_no % 2 == 0 else reversed(order):
            side = sides[name]
            if side.setup:
                side.setup()
            start = time.perf_counter()
            measured = side.action()
            took = time.perf_counter() - start
            if side.measures_itself:
                assert isinstance(measured, (int, float)), f"{name} returned {measured!r}"
                took = float(measured)
            times[name].append(took)
    return times


def spread_of(values: list[float]) -> tuple[float, float]:
    return min(values), max(values)


def ratio_note(numerators: list[float], denominators: list[float]) -> str:
    """Per-round ratios (round i of one side over round i of the other), as text."""
    ratios = [n / d for n, d in zip(numerators, denominators) if d]
    if not ratios:
        return ""
    return (
        f"per run {min(ratios):.2f}-{max(ratios):.2f}x, median "
        f"{statistics.median(ratios):.2f}x over {len(ratios)} alternating runs"
    )


def machine() -> dict:
    return {
        "cores": os.cpu_count(),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "memory_gb": _memory_gb(),
    }


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
        print(
            f"{r.id:<4} {r.what[:58]:<58} {r.value:>10.4g} {r.unit:<2}"[:88].ljust(88)
            + f" {base:>12} {ratio:>7}  {r.goal} / {met}"
        )
        if r.spread or r.note:
            spread = f"runs {r.spread[0]:.4g}-{r.spread[1]:.4g} {r.unit}; " if r.spread else ""
            print(f"     {spread}{r.note}")


def save(results: list[Result], folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / time.strftime("bench-%Y%m%d-%H%M%S.json")
    payload = {
        "machine": machine(),
        "when": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "results": [asdict(r) | {"ratio": r.ratio} for r in results],
    }
    path.write_text(json.dumps(payload, indent=2), "utf-8")
    return path
