"""R4 drill: random keys and clicks on a running kiosk, 10,000 events in all.

    python -m bench.r4_kiosk_fuzz [--events 10000] [--per-session 250] [--jobs 4] [--seed N]

Drives the same kiosk as tests/test_kiosk_fuzz.py (its ``_drive``: a Textual
pilot on a real room database, a visitor "Zoë" registered, surveys on half the
check-ins, the room open or closed) with its key set (letters, digits,
navigation, function keys and the locked quit/suspend keys) and clicks anywhere
on the screen. Sessions of ``--per-session`` events, alternately with the room
open and closed, until ``--events`` are sent; ``--jobs`` sessions run side by
side (each in its own process: the pilot spends most of its time waiting). The
kiosk must never raise and never exit (exit code 3, the key holder's "leave the
kiosk", is allowed).
Plain seeded randomness rather than Hypothesis, so the count is exact and a
failing session can be replayed with its seed.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import sys
import tempfile
import time
import traceback
from collections import Counter
from concurrent.futures import ProcessPoolExecutor, as_completed
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests"))

from test_kiosk_fuzz import KEYS, _drive  # noqa: E402
from test_kiosk_support import SIZE  # noqa: E402


def actions(rng: random.Random, n: int) -> list[tuple]:
    return [
        ("key", rng.choice(KEYS))
        if rng.random() < 0.7
        else ("click", (rng.randrange(SIZE[0]), rng.randrange(SIZE[1])))
        for _ in range(n)
    ]


def session(folder: str, index: int, seed: int, n: int) -> tuple:
    """One kiosk session in a worker process; returns (index, seed, open, kinds, failure)."""
    session_seed = seed * 1_000_003 + index
    batch = actions(random.Random(session_seed), n)
    open_room = index % 2 == 0
    path = Path(folder) / f"s{index}"
    path.mkdir()
    failure = None
    try:
        asyncio.run(_drive(path, batch, open_room))
    except Exception as exc:  # noqa: BLE001 - the drill reports every failure
        failure = f"{type(exc).__name__}: {exc}\n{traceback.format_exc(limit=-3)}"
    return index, session_seed, open_room, Counter(kind for kind, _ in batch), failure


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.r4_kiosk_fuzz")
    parser.add_argument("--events", type=int, default=10_000)
    parser.add_argument("--per-session", type=int, default=250)
    parser.add_argument("--jobs", type=int, default=4, help="sessions run side by side")
    parser.add_argument("--seed", type=int, default=4)
    args = parser.parse_args(argv)
    started = time.monotonic()
    sizes = [args.per_session] * (args.events // args.per_session)
    if args.events % args.per_session:
        sizes.append(args.events % args.per_session)
    sent, failures, done = Counter(), [], 0
    with (
        tempfile.TemporaryDirectory(prefix="bwk-r4-") as folder,
        ProcessPoolExecutor(args.jobs) as pool,
    ):
        futures = [pool.submit(session, folder, i, args.seed, n) for i, n in enumerate(sizes)]
        for future in as_completed(futures):
            index, session_seed, open_room, kinds, failure = future.result()
            sent.update(kinds)
            done += 1
            if failure:
                failures.append((session_seed, open_room, failure))
            if done % 10 == 0:
                print(
                    f"  {done} sessions, {sum(sent.values())} events, {len(failures)} failures",
                    flush=True,
                )
    sessions = len(sizes)
    print(
        f"R4: {sum(sent.values())} events ({sent['key']} key presses, {sent['click']} clicks) "
        f"in {sessions} kiosk sessions of up to {args.per_session} (room open in "
        f"{(sessions + 1) // 2}, closed in {sessions // 2}; {args.jobs} side by side), "
        f"{time.monotonic() - started:.0f} s; {len(failures)} session(s) crashed or quit"
    )
    for seed, open_room, failure in failures:
        print(f"  FAILED session seed {seed} (room {'open' if open_room else 'closed'}): {failure}")
    return 0 if not failures else 1


if __name__ == "__main__":
    sys.exit(main())
