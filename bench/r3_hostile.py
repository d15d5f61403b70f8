"""R3 drill: the hostile-transport state machine of tests/test_syncd_hostile.py, run long.

    python -m bench.r3_hostile [--examples 300] [--steps 50] [--helper]

The same machine as the CI test (drop, duplicate, truncate, bit-flip, replay,
misroute, forged and oversized bundles, hostile names; invariants after every
step; a faithful transport heals everything at the end), driven by Hypothesis
with more examples and longer runs. Steps are counted as they run; on a
failure Hypothesis shrinks and prints the failing sequence. With ``--helper``, every
central inbox of two files or more is opened by central's helper process
(tests/test_syncd_hostile_backlog.py).
"""

from __future__ import annotations

import argparse
import logging
import sys
import time
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests"))

import test_syncd_hostile as hostile  # noqa: E402
import test_syncd_hostile_backlog as through_the_helper  # noqa: E402
from hypothesis import HealthCheck, settings  # noqa: E402
from hypothesis.stateful import invariant, run_state_machine_as_test  # noqa: E402

COUNT = {"machines": 0, "checks": 0, "heals": 0, "helper passes": 0}
REJECTED: Counter = Counter()


class _Quarantines(logging.Handler):
    """Counts the files the nodes quarantined (by reason) instead of printing each."""

    def emit(self, record: logging.LogRecord) -> None:
        message = record.getMessage()
        if message.startswith("quarantined "):
            REJECTED[message.split(": ", 1)[-1].split(":")[0]] += 1
        elif message.endswith("opened with a helper process"):
            COUNT["helper passes"] += 1


class CountedHostileTransport(hostile.HostileTransport):
    def __init__(self):
        super().__init__()
        COUNT["machines"] += 1

    @invariant()
    def central_is_within_the_union_and_holds_everything_acknowledged(self):
        COUNT["checks"] += 1
        super().central_is_within_the_union_and_holds_everything_acknowledged()

    def heal(self):
        super().heal()
        COUNT["heals"] += 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.r3_hostile")
    parser.add_argument("--examples", type=int, default=300)
    parser.add_argument("--steps", type=int, default=50, help="max steps per example")
    parser.add_argument("--helper", action="store_true", help="central opens through its helper")
    args = parser.parse_args(argv)
    machine: type[hostile.HostileTransport] = CountedHostileTransport
    if args.helper:

        class CountedThroughTheHelper(
            CountedHostileTransport, through_the_helper.HostileTransportThroughTheHelper
        ):
            pass

        machine = CountedThroughTheHelper
    log = logging.getLogger("bwk-syncd")
    log.addHandler(_Quarantines())
    log.propagate = False
    log.setLevel(logging.INFO)
    started = time.monotonic()
    outcome = "passed"
    try:
        run_state_machine_as_test(
            machine,
            settings=settings(
                max_examples=args.examples,
                stateful_step_count=args.steps,
                deadline=None,
                database=None,
                suppress_health_check=list(HealthCheck),
            ),
        )
    except Exception as exc:  # noqa: BLE001 - the drill reports any failure
        outcome = f"FAILED: {type(exc).__name__}: {exc}"
    elapsed = time.monotonic() - started
    # Hypothesis checks invariants once before the first step and after every step.
    steps = COUNT["checks"] - COUNT["machines"]
    print(
        f"R3{' (through the helper)' if args.helper else ''}: {COUNT['machines']} runs of "
        f"the hostile-transport machine (up to {args.steps} "
        f"steps each), {steps} steps, {COUNT['checks']} invariant checks, "
        f"{COUNT['heals']} heals to convergence, "
        + (f"{COUNT['helper passes']} central passes through the helper, " if args.helper else "")
        + f"in {elapsed:.0f} s: {outcome}"
    )
    print(
        f"    files quarantined by the nodes: {sum(REJECTED.values())} "
        f"({', '.join(f'{k} {v}' for k, v in REJECTED.most_common())})"
    )
    return 0 if outcome == "passed" else 1


if __name__ == "__main__":
    sys.exit(main())
