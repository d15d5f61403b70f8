"""Each benchmark still runs end to end on a tiny size (figures are not checked here).

The figures themselves are measured by ``python -m bench`` and written up in
docs/PERFORMANCE.md; this only keeps the benchmarks from rotting between runs.
"""

from __future__ import annotations

import importlib
import math

import pytest

from bench.common import Result, Side, alternate

TINY = [
    "p2_merge_big_central",
    "p3_checkin_latency",
    "p4_kiosk",
    "p5_report",
    "p6_room_export",
    "p7_import_csv",
    "p8_restore",
    "p9_kiosk_soak",
]


@pytest.mark.parametrize("module", TINY)
def test_benchmark_runs_on_a_tiny_size(module):
    results = importlib.import_module(f"bench.{module}").run(tiny=True)
    assert results and all(isinstance(r, Result) for r in results)
    for r in results:
        assert math.isfinite(r.value) and r.value >= 0, r
        assert r.baseline is None or (math.isfinite(r.baseline) and r.baseline > 0), r


def test_r1_kills_and_power_cuts_run_and_pass():
    from bench.r1_sigkill import main

    assert main(["--kills", "3", "--snapshots", "5"]) == 0


def test_alternate_takes_turns_and_flips_the_order():
    order = []
    times = alternate(
        {
            "a": Side(lambda: order.append("a"), setup=lambda: order.append("sa")),
            "b": Side(lambda: order.append("b")),
        },
        3,
    )
    assert order == ["sa", "a", "b", "b", "sa", "a", "sa", "a", "b"]
    assert [len(times["a"]), len(times["b"])] == [3, 3]


def test_a_side_that_measures_itself_reports_its_own_figure():
    times = alternate({"a": Side(lambda: 0.25, measures_itself=True)}, 2)
    assert times["a"] == [0.25, 0.25]
