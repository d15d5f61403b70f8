"""P4: kiosk start-up vs a bare Textual app, key press -> confirmation, peak memory.

Run:  .venv/bin/python bench/p4_kiosk.py [--runs 7] [--checkins 100] [--json]

* start-up: wall time from spawning the process to the first screen drawn
  (headless), for the kiosk on a demo room database and for a bare Textual
  app that shows one label; same machine, same run, median of --runs.
* key press -> confirmation: in one kiosk process, the time from the final
  Enter on the activity screen (check-in written with synchronous=FULL) to the
  confirmation screen being shown; median and p95 over --checkins visitors.
  Also the scanner path (code + Enter on welcome -> activity screen).
* peak RSS: VmHWM (peak RSS) of the kiosk process after start-up, and after the
  --checkins check-ins.
Goals (issue 3): start-up <= 2x bare, key -> confirmation <= 50 ms, RSS <= 100 MB.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path



def peak_rss_kib() -> int:
    """This process's own peak RSS. Linux's ru_maxrss also carries the parent's peak
    across fork + exec, so a kiosk started by a big benchmark process would look big;
    VmHWM in /proc belongs to this process alone."""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

BARE_CHILD = """
import sys, time
from textual.app import App
from textual.widgets import Label
class Bare(App):
    def compose(self):
        yield Label("hallo")
    def on_mount(self):
        self.call_after_refresh(self.done)
    def done(self):
        print(f"READY {time.time():.6f}", flush=True)
        self.exit()
Bare().run(headless=True)
"""

KIOSK_CHILD = """
import sys, time, resource
from kiosk.app import KioskApp, KioskSettings
from kiosk.memory import release_dead_widgets, tune_malloc
tune_malloc(); release_dead_widgets()  # as bwk-kiosk does at start
from shared import queries
from shared.catalog import current_catalog
from shared.db import UI_BUSY_TIMEOUT_MS
from shared.store import RoomStore
db = sys.argv[1]
class Timed(KioskApp):
    def go_home(self, notice=None):
        super().go_home(notice)
        self.call_after_refresh(self.done)
    def done(self):
        rss = next(int(line.split()[1]) for line in open("/proc/self/status")
                   if line.startswith("VmHWM:"))  # this process's own peak (see peak_rss_kib)
        print(f"READY {time.time():.6f} RSS {rss}", flush=True)
        self.exit()
store = RoomStore(db, "cjm", busy_timeout_ms=UI_BUSY_TIMEOUT_MS)
app = Timed(store, current_catalog(db), KioskSettings("cjm", "Casa Jepie Makandra",
            handle_signals=False, initially_open=queries.room_state(store.conn, "cjm").is_open))
app.run(headless=True)
"""


def spawn_ready(code: str, *args: str) -> tuple[float, int | None]:
    start = time.time()
    out = subprocess.run([sys.executable, "-c", code, *args], cwd=REPO, capture_output=True,
                         text=True, timeout=120)
    line = next((l for l in out.stdout.splitlines() if l.startswith("READY")), None)
    if line is None:
        raise SystemExit(f"child failed: {out.stderr[-2000:]}")
    parts = line.split()
    rss = int(parts[3]) if len(parts) > 3 else None
    return float(parts[1]) - start, rss


async def flow_timings(db: Path, checkins: int) -> dict:
    """Key event creation time -> the next screen painted, measured inside the app."""
    from textual import events
    from textual._time import get_time

    from kiosk.app import KioskApp, KioskSettings
    from kiosk.memory import release_dead_widgets, tune_malloc
    from kiosk.widgets.inputs import KioskInput
    from shared.catalog import current_catalog
    from shared.db import UI_BUSY_TIMEOUT_MS
    from shared.store import RoomStore

    KioskInput.BLINK = False
    tune_malloc()  # as bwk-kiosk does at start
    release_dead_widgets()
    store = RoomStore(db, "cjm", busy_timeout_ms=UI_BUSY_TIMEOUT_MS)  # durable: synchronous=FULL
    people = [store.register_visitor(f"Bench {i}") for i in range(checkins)]
    if not store.conn.execute("SELECT is_open FROM room_state WHERE room='cjm'").fetchone()[0]:
        holder = store.people_with_role("key_holder")[0]
        store.open_room(by=holder.code)
    store.close()
    store = RoomStore(db, "cjm", busy_timeout_ms=UI_BUSY_TIMEOUT_MS)

    class Timed(KioskApp):
        last_key = 0.0
        marks: list[tuple[str, float]] = []

        async def on_event(self, event):
            if isinstance(event, events.Key) and event.key == "enter":
                self.last_key = event.time
            await super().on_event(event)

        def show(self, screen):
            super().show(screen)
            key = self.last_key
            self.call_after_refresh(
                lambda: self.marks.append((type(screen).__name__, (get_time() - key) * 1000)))

    app = Timed(store, current_catalog(db), KioskSettings(
        "cjm", "Casa Jepie Makandra", handle_signals=False, survey_chance=0.0,
        idle_seconds=10_000))

    async with app.run_test(size=(100, 32)) as pilot:
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
        for person in people:
            await pilot.press(*person.code, "enter")
            await pilot.app.workers.wait_for_complete()
            await pilot.pause()
            await pilot.press("enter")
            await pilot.app.workers.wait_for_complete()
            await pilot.pause()
            await pilot.pause()
            app.go_home()
            await pilot.pause()
    store.close()
    confirm_ms = [ms for name, ms in app.marks if name == "ConfirmScreen"]
    scan_ms = [ms for name, ms in app.marks if name == "ActivitiesScreen"]
    rss = peak_rss_kib()
    q = lambda xs, p: sorted(xs)[min(len(xs) - 1, int(len(xs) * p))]  # noqa: E731
    return {"confirm_ms_median": round(statistics.median(confirm_ms), 1),
            "confirm_ms_p95": round(q(confirm_ms, 0.95), 1),
            "scan_to_activities_ms_median": round(statistics.median(scan_ms), 1),
            "scan_to_activities_ms_p95": round(q(scan_ms, 0.95), 1),
            "rss_mb_after_session": round(rss / 1024, 1), "checkins": len(confirm_ms)}


async def bare_switch_ms(times: int) -> float:
    """Baseline: a bare Textual app switching to a new one-label screen, same method."""
    from textual.app import App
    from textual.screen import Screen
    from textual.widgets import Label
    from textual._time import get_time

    class One(Screen):
        def compose(self):
            yield Label("hallo")

    marks: list[float] = []

    class Bare(App):
        def show(self):
            start = get_time()
            self.switch_screen(One())
            self.call_after_refresh(lambda: marks.append((get_time() - start) * 1000))

    app = Bare()
    async with app.run_test(size=(100, 32)) as pilot:
        app.push_screen(One())
        await pilot.pause()
        for _ in range(times):
            app.show()
            await pilot.pause()
            await pilot.pause()
    return round(statistics.median(marks), 1)


def flow_in_own_process(db: Path, checkins: int) -> dict:
    """``flow_timings`` in a fresh process, so its peak RSS is the kiosk's alone
    (``python -m bench`` has other benchmarks' memory in its own process)."""
    code = ("import asyncio, json, sys; from pathlib import Path; "
            "from bench.p4_kiosk import flow_timings; "
            "print(json.dumps(asyncio.run(flow_timings(Path(sys.argv[1]), int(sys.argv[2])))))")
    out = subprocess.run([sys.executable, "-c", code, str(db), str(checkins)], cwd=REPO,
                         capture_output=True, text=True, timeout=600, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def measure(runs: int, checkins: int) -> dict:
    from shared.demo import build_demo_room

    with tempfile.TemporaryDirectory() as folder:
        db = Path(folder) / "demo.db"
        build_demo_room(db, "cjm", seed=0)
        spawn_ready(BARE_CHILD), spawn_ready(KIOSK_CHILD, str(db))  # warm the caches
        bare, kiosk, rss = [], [], []
        for _ in range(runs):
            bare.append(spawn_ready(BARE_CHILD)[0])
            seconds, kb = spawn_ready(KIOSK_CHILD, str(db))
            kiosk.append(seconds)
            rss.append(kb or 0)
        flow = flow_in_own_process(db, checkins)
        flow["bare_screen_switch_ms_median"] = asyncio.run(bare_switch_ms(checkins))
    return {
        "startup_bare_s_median": round(statistics.median(bare), 3),
        "startup_kiosk_s_median": round(statistics.median(kiosk), 3),
        "startup_ratio": round(statistics.median(kiosk) / statistics.median(bare), 2),
        "rss_mb_kiosk_startup": round(max(rss) / 1024, 1),
        **flow,
        "python": sys.version.split()[0],
    }


def run(quick: bool = False) -> list:
    """For ``python -m bench``: the P4 figures as bench.common.Result rows."""
    from bench.common import Result

    r = measure(3 if quick else 7, 20 if quick else 100)
    return [
        Result("P4", "kiosk start-up to first screen (headless)", r["startup_kiosk_s_median"],
               "s", r["startup_bare_s_median"], "<= 2x bare Textual app",
               r["startup_ratio"] <= 2),
        Result("P4", "last key press -> confirmation shown (median)", r["confirm_ms_median"],
               "ms", r["bare_screen_switch_ms_median"], "<= 50 ms",
               r["confirm_ms_median"] <= 50, note=f"p95 {r['confirm_ms_p95']} ms"),
        Result("P4", "scanned code + Enter -> activity screen (median)",
               r["scan_to_activities_ms_median"], "ms", None, "",
               None, note=f"p95 {r['scan_to_activities_ms_p95']} ms"),
        Result("P4", "kiosk peak RSS after the check-ins", r["rss_mb_after_session"], "MB",
               None, "<= 100 MB", r["rss_mb_after_session"] <= 100),
    ]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--checkins", type=int, default=100)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    result = measure(args.runs, args.checkins)
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        for key, value in result.items():
            print(f"{key:32} {value}")
        ok = (result["startup_ratio"] <= 2 and result["confirm_ms_median"] <= 50
              and result["rss_mb_after_session"] <= 100)
        print("goals met" if ok else "GOALS NOT MET (see issue 3)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
