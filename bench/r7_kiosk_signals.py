"""R7 drill: stop a kiosk in a real terminal at random moments, many times.

    python -m bench.r7_kiosk_signals [--rounds 60] [--jobs 3] [--seed 7]

Each round is tests/test_kiosk_signals.py's ``stop_at_random_moment``: a real
``bwk-kiosk --demo`` in a pty with a temporary HOME, the room opened and
visitors checking in (languages, surveys), then at a random moment one of:
SIGTERM, SIGHUP, the terminal closed, the terminal closed then SIGTERM, two
SIGTERMs, or a terminal that stopped reading then SIGTERM. Every kiosk must
exit with code 0 within the test's bound; the drill prints how long the stops
took (median, p95, max) and every failure with its seed.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests"))
sys.path.insert(0, str(REPO))

from test_kiosk_signals import EXIT_WITHIN, stop_at_random_moment  # noqa: E402

HOWS = ("term", "hup", "close", "close-then-term", "term-twice", "frozen-term")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.r7_kiosk_signals")
    parser.add_argument("--rounds", type=int, default=60)
    parser.add_argument("--jobs", type=int, default=3, help="kiosks side by side")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)
    started = time.monotonic()
    cases = [(HOWS[i % len(HOWS)], args.seed * 1000 + i) for i in range(args.rounds)]
    times: list[float] = []
    failures: list[str] = []
    with tempfile.TemporaryDirectory(prefix="bwk-r7-") as folder:

        def one(case):
            how, seed = case
            return how, seed, stop_at_random_moment(Path(folder), how, seed)

        with ThreadPoolExecutor(args.jobs) as pool:
            for done, (how, seed, (code, took, _written)) in enumerate(pool.map(one, cases), 1):
                if code != 0:
                    failures.append(
                        f"{how} seed {seed}: "
                        + ("still running" if code is None else f"exit {code}")
                    )
                else:
                    times.append(took)
                if done % 10 == 0:
                    print(f"  {done} rounds, {len(failures)} failures", flush=True)
    q95 = sorted(times)[int(len(times) * 0.95)] if times else 0.0
    print(
        f"R7: {args.rounds} kiosks stopped at random moments ({args.jobs} side by side), "
        f"{time.monotonic() - started:.0f} s; stop -> exit median "
        f"{statistics.median(times) if times else 0:.2f} s, p95 {q95:.2f} s, "
        f"max {max(times, default=0):.2f} s (bound {EXIT_WITHIN:g} s); "
        f"{len(failures)} failed"
    )
    for failure in failures:
        print(f"  FAILED {failure}")
    return 0 if not failures else 1


if __name__ == "__main__":
    sys.exit(main())
