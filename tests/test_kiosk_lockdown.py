"""Nobody escapes: quit/suspend/palette keys do nothing, idle resets, signals end cleanly."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from test_kiosk_support import SIZE, make_app, scan, settle, type_text

from kiosk.app import LOCKED_KEYS, KioskApp
from kiosk.screens.activities import ActivitiesScreen
from kiosk.screens.welcome import WelcomeScreen
from tests.test_syncd_site import wait_for

REPO = Path(__file__).resolve().parents[1]


def test_no_inherited_bindings_that_quit():
    assert KioskApp.ENABLE_COMMAND_PALETTE is False
    assert KioskApp.ALLOW_SELECT is False
    actions = {b.action for b in KioskApp.BINDINGS}
    assert actions == {"nothing"}
    merged = KioskApp._merge_bindings()
    for key in ("ctrl+c", "ctrl+q", "ctrl+z", "ctrl+backslash", "ctrl+p"):
        assert {b.action for b in merged.key_to_bindings.get(key, [])} <= {"nothing"}


async def test_quit_suspend_and_palette_keys_do_nothing(tmp_path):
    app, store, _, _ = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await type_text(pilot, "ab")
        for key in (*LOCKED_KEYS, "escape", "f1", "ctrl+x", "ctrl+v"):
            await pilot.press(key)
        await settle(pilot)
        assert app.is_running and app.return_code is None
        assert isinstance(app.screen, WelcomeScreen)
        assert len(app.screen_stack) == 2  # no palette, no help screen
        await pilot.click("#anonymous")
        await settle(pilot)
        for key in LOCKED_KEYS:
            await pilot.press(key)
        assert isinstance(app.screen, ActivitiesScreen) and app.is_running


async def test_action_quit_cannot_be_reached_through_markup(tmp_path):
    app, store, _, _ = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await app.run_action("quit")
        await app.run_action("app.quit")
        await app.run_action("suspend_process")
        await pilot.pause()
        assert app.is_running and app.return_code is None


async def test_idle_returns_to_welcome_and_forgets_typing(tmp_path):
    app, store, _, _ = make_app(tmp_path, idle_seconds=60)
    zoe = store.register_visitor("Zoë")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.click("#lang-tr")
        await settle(pilot)
        await type_text(pilot, "Zo")
        await settle(pilot)
        assert app.idle_tick(now=app.last_input + 30) is False
        assert app.idle_tick(now=app.last_input + 61) is True
        await settle(pilot)
        assert isinstance(app.screen, WelcomeScreen)
        assert app.screen.query_one("#who").value == ""
        assert app.lang == "nl"
        await scan(pilot, zoe.code)
        assert isinstance(app.screen, ActivitiesScreen)
        assert app.idle_tick(now=app.last_input + 61) is True
        await settle(pilot)
        assert isinstance(app.screen, WelcomeScreen)
        # a fresh welcome screen stays as it is
        assert app.idle_tick(now=app.last_input + 61) is False


async def test_idle_logs_a_key_holder_out(tmp_path):
    app, store, _, _ = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.click("#keyholder")
        await settle(pilot)
        await type_text(pilot, "Anna")
        assert app.idle_tick(now=app.last_input + 61) is True
        await settle(pilot)
        assert isinstance(app.screen, WelcomeScreen)


def _start_headless_demo(tmp_path: Path) -> tuple[subprocess.Popen, Path]:
    env = {**os.environ, "XDG_DATA_HOME": str(tmp_path), "HOME": str(tmp_path)}
    log = tmp_path / "kiosk.log"
    proc = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys; from kiosk.cli import main; sys.exit(main())",
            "--demo",
            "--headless",
            "--log",
            str(log),
        ],
        cwd=REPO,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )

    def ready() -> bool:
        return log.exists() and "kiosk ready" in log.read_text()

    try:
        wait_for(
            under=tmp_path,
            timeout=60,
            what="the kiosk's 'ready' line",
            condition=lambda: proc.poll() is not None or ready(),
        )
    except AssertionError:
        proc.kill()
        raise
    if ready() and proc.poll() is None:
        return proc, log
    proc.kill()
    raise AssertionError(f"kiosk did not start: {proc.communicate()[1][-2000:]!r}")


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGHUP])
def test_signal_ends_the_kiosk_cleanly(tmp_path, sig):
    proc, _ = _start_headless_demo(tmp_path)
    proc.send_signal(sig)
    try:
        rc = proc.wait(timeout=30)
    finally:
        proc.kill()
    assert rc == 0, proc.stderr.read()[-2000:] if proc.stderr else ""
    assert (tmp_path / "bwk-demo" / "status.json").exists()
