"""P9: the kiosk's resident memory over thousands of check-ins in a real terminal.

Run:  .venv/bin/python -m bench.p9_kiosk_soak [--checkins 5000] [--every 500] [--seed 9]

``bwk-kiosk --demo`` runs in a pseudo-terminal (120x40, xterm-256color, its
controlling terminal; bench/pty_kiosk.py) with a temporary HOME, as a person
runs it in tmux. The demo key holder opens the room; then visitors check in by
code (a scanner types the code and Enter), one in seven first switches the
language (any of the six), and every survey that comes is answered or skipped
(half and half). RSS (VmRSS) is read from /proc every ``--every`` check-ins and
after the first 300; the peak is VmHWM at the end.

Goals (issue 11.20): peak <= 100 MB; growth <= 5 MB per 1,000 check-ins after
the first 300. (P4 measures the headless kiosk; this is the one people see.)
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bench.pty_kiosk import PtyKiosk, VisitorFlow  # noqa: E402

WARM_UP = 300  # growth is counted after the first 300 check-ins (caches fill up)


def soak(
    checkins: int,
    every: int = 500,
    seed: int = 9,
    size: tuple[int, int] = (120, 40),
    echo=print,
    code_from: str | None = None,
) -> dict:
    from shared.i18n import LANGUAGES

    rng = random.Random(seed)
    with (
        tempfile.TemporaryDirectory(prefix="bwk-p9-") as home,
        PtyKiosk(
            Path(home), size=size, env={"PYTHONPATH": code_from} if code_from else None
        ) as kiosk,
    ):
        flow = VisitorFlow(kiosk, timeout=30)
        flow.started()
        rss_start = kiosk.status("VmRSS")
        flow.open_room()
        codes = kiosk.visitor_codes()
        series: list[tuple[int, float]] = [(0, round(kiosk.status("VmRSS") / 1024, 1))]
        switches = 0
        started = time.monotonic()
        for done in range(1, checkins + 1):
            if rng.random() < 1 / 7:
                before = flow.lang
                flow.choose_language(rng.choice(LANGUAGES), LANGUAGES)
                switches += flow.lang != before
            flow.check_in(rng.choice(codes), answer_survey=rng.random() < 0.5)
            if done % every == 0 or done in (WARM_UP, checkins):
                rss = round(kiosk.status("VmRSS") / 1024, 1)
                series.append((done, rss))
                echo(
                    f"   {done:6d} check-ins  RSS {rss:6.1f} MB  "
                    f"({time.monotonic() - started:.0f} s)",
                    flush=True,
                )
        peak = round(kiosk.status("VmHWM") / 1024, 1)
        recorded = kiosk.count_checkins()
        seconds = time.monotonic() - started
    at = dict(series)
    after = checkins - WARM_UP
    growth = ((at[checkins] - at[WARM_UP]) / after * 1000) if after > 0 else 0.0
    return {
        "checkins": checkins,
        "peak_rss_mb": peak,
        "rss_mb_first_screen": round(rss_start / 1024, 1),
        "rss_mb_series": series,
        "growth_mb_per_1000_after_300": round(growth, 2),
        "surveys": flow.surveys,
        "language_switches": switches,
        "checkins_in_database": recorded,
        "seconds": round(seconds),
        "terminal": f"{size[0]}x{size[1]} pty",
    }


def run(quick: bool = False, tiny: bool = False) -> list:
    """For ``python -m bench``: the P9 figures as bench.common.Result rows."""
    from bench.common import Result

    r = soak(4, every=4) if tiny else soak(1000 if quick else 5000, every=250 if quick else 500)
    series = ", ".join(f"{n}: {mb}" for n, mb in r["rss_mb_series"])
    note = (
        f"RSS MB by check-ins {series}; {r['surveys']} surveys, "
        f"{r['language_switches']} language switches, {r['seconds']} s"
    )
    return [
        Result(
            "P9",
            f"kiosk peak RSS, {r['checkins']} check-ins in a pty",
            r["peak_rss_mb"],
            "MB",
            None,
            "<= 100 MB",
            r["peak_rss_mb"] <= 100,
            note=note,
        ),
        Result(
            "P9",
            "kiosk RSS growth per 1,000 check-ins after 300",
            r["growth_mb_per_1000_after_300"],
            "MB",
            None,
            "<= 5 MB",
            r["growth_mb_per_1000_after_300"] <= 5,
        ),
    ]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--checkins", type=int, default=5000)
    parser.add_argument("--every", type=int, default=500)
    parser.add_argument("--seed", type=int, default=9)
    parser.add_argument("--size", default="120x40", help="terminal COLSxROWS")
    parser.add_argument(
        "--code-from",
        metavar="CHECKOUT",
        help="run the kiosk code of another checkout (e.g. main, to compare)",
    )
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    cols, rows = (int(x) for x in args.size.split("x"))
    result = soak(
        args.checkins,
        args.every,
        args.seed,
        (cols, rows),
        echo=lambda *a, **k: print(*a, file=sys.stderr, **k),
        code_from=args.code_from,
    )
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        for key, value in result.items():
            print(f"{key:32} {value}")
        ok = result["peak_rss_mb"] <= 100 and result["growth_mb_per_1000_after_300"] <= 5
        print("goals met" if ok else "GOALS NOT MET (issue 11.20)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
