"""P4: kiosk start-up vs a bare Textual app, key press -> confirmation, peak memory.

Run:  .venv/bin/python bench/p4_kiosk.py [--runs 7] [--checkins 100] [--json]

* start-up: what a room machine runs, ``bwk-kiosk --config room.toml`` (config
  load, log set-up, the start-up purge of idle names, the app), in a real
  pseudo-terminal (``bench/pty_kiosk.py``): wall time from spawning the process
  to the welcome screen's text arriving at the terminal. Baseline: a bare
  Textual app with one label, spawned in the same kind of pty, to its label
  arriving. The two take turns run by run (``bench.common.alternate``);
  median of --runs.
* key press -> confirmation: in one headless kiosk process driven by Textual's
  pilot, the time from the final Enter's key event on the activity screen
  (check-in written with synchronous=FULL) to the kept confirmation screen
  being painted; median and p95 over --checkins visitors. Also the scanner
  path (code + Enter on welcome -> activity screen). Baseline, like with like:
  a bare Textual app switching, on Enter, to a kept (installed) one-label
  screen, the timer also started by the key event.
* peak RSS: VmHWM (peak RSS) of the kiosk process at the welcome screen in the
  pty, and after the --checkins check-ins (headless).
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

from bench.common import ratio_note, spread_of  # noqa: E402

BARE_CHILD = """
from textual.app import App
from textual.widgets import Label
class Bare(App):
    def compose(self):
        yield Label("hallo bare app")
Bare().run()
"""


def _room_config(folder: Path) -> Path:
    """A demo room database, open (so the first screen is the welcome screen), and its room.toml."""
    from shared.demo import DEMO_KEY_HOLDER, build_demo_room
    from shared.store import RoomStore

    database = folder / "room.db"
    build_demo_room(database, "cjm", seed=0)
    store = RoomStore(database, "cjm")
    holder = next(p for p in store.people_with_role("key_holder") if p.name == DEMO_KEY_HOLDER)
    store.open_room(by=holder.code)
    store.close()
    config = folder / "room.toml"
    config.write_text('[room]\nid = "cjm"\ndatabase = "room.db"\n', "utf-8")
    return config


def pty_start_seconds(command: list[str], needle: str, home: Path) -> tuple[float, int]:
    """Spawn ``command`` in a fresh pty; seconds until ``needle`` is drawn, and VmHWM (kB) then."""
    from bench.pty_kiosk import PtyKiosk

    start = time.perf_counter()
    kiosk = PtyKiosk(home, args=(), command=command)
    try:
        if kiosk.wait_for(needle, timeout=120) is None:
            raise RuntimeError(f"{command} never drew {needle!r}: {kiosk.text()[-500:]!r}")
        took = time.perf_counter() - start
        return took, kiosk.status("VmHWM")
    finally:
        kiosk.signal(15)  # SIGTERM: the kiosk's own clean stop
        if kiosk.wait(10) is None:
            kiosk.stop()
        kiosk.close_master()


def startup_times(folder: Path, runs: int) -> dict:
    from bench.common import Side, alternate
    from bench.pty_kiosk import kiosk_command, text

    config = _room_config(folder)
    welcome = text("nl", "welcome_been_here")
    kiosk_cmd = kiosk_command() + ["--config", str(config)]
    bare_cmd = [sys.executable, "-c", BARE_CHILD]
    rss: list[int] = []

    def kiosk() -> float:
        seconds, peak_kb = pty_start_seconds(kiosk_cmd, welcome, folder / "home")
        rss.append(peak_kb)
        return seconds

    def bare() -> float:
        return pty_start_seconds(bare_cmd, "hallo bare app", folder / "home")[0]

    kiosk(), bare()  # warm the file cache
    rss.clear()
    times = alternate(
        {"kiosk": Side(kiosk, measures_itself=True), "bare": Side(bare, measures_itself=True)}, runs
    )
    return {"kiosk": times["kiosk"], "bare": times["bare"], "rss_kb": max(rss)}


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
                lambda: self.marks.append((type(screen).__name__, (get_time() - key) * 1000))
            )

    app = Timed(
        store,
        current_catalog(db),
        KioskSettings(
            "cjm",
            "Casa Jepie Makandra",
            handle_signals=False,
            survey_chance=0.0,
            idle_seconds=10_000,
        ),
    )

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
    return {
        "confirm_ms_median": round(statistics.median(confirm_ms), 1),
        "confirm_ms_p95": round(q(confirm_ms, 0.95), 1),
        "scan_to_activities_ms_median": round(statistics.median(scan_ms), 1),
        "scan_to_activities_ms_p95": round(q(scan_ms, 0.95), 1),
        "rss_mb_after_session": round(rss / 1024, 1),
        "checkins": len(confirm_ms),
    }


async def bare_switch_ms(times: int) -> float:
    """Baseline, like with like: Enter in a bare Textual app switches to a kept
    (installed) one-label screen; timer from the key event to the next paint,
    as ``flow_timings`` times the kiosk's kept confirmation screen."""
    from textual import events
    from textual._time import get_time
    from textual.app import App
    from textual.screen import Screen
    from textual.widgets import Label

    class One(Screen):
        def compose(self):
            yield Label("hallo")

    marks: list[float] = []

    class Bare(App):
        BINDINGS = [("enter", "flip")]
        last_key = 0.0

        def on_mount(self) -> None:
            self.install_screen(One(), "a")
            self.install_screen(One(), "b")
            self.push_screen("a")

        async def on_event(self, event):
            if isinstance(event, events.Key) and event.key == "enter":
                self.last_key = event.time
            await super().on_event(event)

        def action_flip(self) -> None:
            key = self.last_key
            self.switch_screen("b" if self.screen is self.get_screen("a") else "a")
            self.call_after_refresh(lambda: marks.append((get_time() - key) * 1000))

    app = Bare()
    async with app.run_test(size=(100, 32)) as pilot:
        await pilot.pause()
        for _ in range(times):
            await pilot.press("enter")
            await pilot.pause()
            await pilot.pause()
    assert len(marks) == times, marks
    return round(statistics.median(marks), 1)


def flow_in_own_process(db: Path, checkins: int) -> dict:
    """``flow_timings`` in a fresh process, so its peak RSS is the kiosk's alone
    (``python -m bench`` has other benchmarks' memory in its own process)."""
    code = (
        "import asyncio, json, sys; from pathlib import Path; "
        "from bench.p4_kiosk import flow_timings; "
        "print(json.dumps(asyncio.run(flow_timings(Path(sys.argv[1]), int(sys.argv[2])))))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code, str(db), str(checkins)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=600,
        check=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def measure(runs: int, checkins: int) -> dict:
    from shared.demo import build_demo_room

    with tempfile.TemporaryDirectory() as folder:
        start = startup_times(Path(folder), runs)
        db = Path(folder) / "demo.db"
        build_demo_room(db, "cjm", seed=0)
        flow = flow_in_own_process(db, checkins)
        flow["bare_screen_switch_ms_median"] = asyncio.run(bare_switch_ms(checkins))
    kiosk, bare = statistics.median(start["kiosk"]), statistics.median(start["bare"])
    return {
        "startup_bare_s_median": round(bare, 3),
        "startup_kiosk_s_median": round(kiosk, 3),
        "startup_kiosk_s_spread": [round(x, 3) for x in spread_of(start["kiosk"])],
        "startup_ratio": round(kiosk / bare, 2),
        "startup_ratio_per_run": ratio_note(start["kiosk"], start["bare"]),
        "rss_mb_kiosk_startup": round(start["rss_kb"] / 1024, 1),
        **flow,
        "python": sys.version.split()[0],
    }


def sizes(quick: bool, tiny: bool) -> tuple[int, int]:
    """(start-up runs per side, check-ins)"""
    return (1, 3) if tiny else (3, 20) if quick else (7, 100)


def run(quick: bool = False, tiny: bool = False) -> list:
    """For ``python -m bench``: the P4 figures as bench.common.Result rows."""
    from bench.common import Result

    r = measure(*sizes(quick, tiny))
    return [
        Result(
            "P4",
            "bwk-kiosk --config in a pty: spawn -> welcome screen drawn",
            r["startup_kiosk_s_median"],
            "s",
            r["startup_bare_s_median"],
            "<= 2x bare Textual app",
            r["startup_ratio"] <= 2,
            spread=tuple(r["startup_kiosk_s_spread"]),
            note=f"baseline: a bare Textual app in a pty; {r['startup_ratio_per_run']}; "
            f"peak RSS at the welcome screen {r['rss_mb_kiosk_startup']} MB",
        ),
        Result(
            "P4",
            "Enter key event -> kept confirmation screen painted (median)",
            r["confirm_ms_median"],
            "ms",
            r["bare_screen_switch_ms_median"],
            "<= 50 ms",
            r["confirm_ms_median"] <= 50,
            note=f"p95 {r['confirm_ms_p95']} ms; baseline: Enter -> kept screen in a bare app",
        ),
        Result(
            "P4",
            "scanned code + Enter -> activity screen (median)",
            r["scan_to_activities_ms_median"],
            "ms",
            None,
            "",
            None,
            note=f"p95 {r['scan_to_activities_ms_p95']} ms",
        ),
        Result(
            "P4",
            "kiosk peak RSS after the check-ins (headless)",
            r["rss_mb_after_session"],
            "MB",
            None,
            "<= 100 MB",
            r["rss_mb_after_session"] <= 100,
        ),
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
        ok = (
            result["startup_ratio"] <= 2
            and result["confirm_ms_median"] <= 50
            and result["rss_mb_after_session"] <= 100
        )
        print("goals met" if ok else "GOALS NOT MET (see issue 3)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
