"""Navigation: screens post messages up, the app alone chooses the next screen.

The key holder's menu reaches every task and every task's back button returns to
it; no screen imports another in a circle or shows a screen itself; a write handed
to the database thread is done even when its screen went away meanwhile.
"""

from __future__ import annotations

import ast
import threading
from pathlib import Path

import pytest
from test_kiosk_keyholder import as_key_holder
from test_kiosk_support import SIZE, kinds, make_app, settle

from kiosk.screens.close import CloseScreen
from kiosk.screens.corrections import CorrectionsScreen
from kiosk.screens.handgeld import HandgeldScreen
from kiosk.screens.keyholder import KeyHolderScreen
from kiosk.screens.leave import LeaveScreen
from kiosk.screens.people import PeopleScreen
from kiosk.screens.sync import SyncScreen
from kiosk.screens.totals import TotalsScreen
from kiosk.screens.welcome import WelcomeScreen
from shared import queries

KIOSK = Path(__file__).resolve().parent.parent / "kiosk"
NAVIGATION_CALLS = {"show", "show_confirm", "go_home", "push_screen", "switch_screen", "leave"}


def imported_modules(path: Path) -> set[str]:
    """Every kiosk module ``path`` imports, at the top or inside a function."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return {name for name in found if name.startswith("kiosk.")}


def test_no_two_screens_import_each_other_even_indirectly():
    graph = {
        f"kiosk.screens.{p.stem}": imported_modules(p) for p in (KIOSK / "screens").glob("*.py")
    }

    def reaches(start: str, goal: str, seen: set[str]) -> bool:
        for step in graph.get(start, ()):
            if step == goal or (step not in seen and reaches(step, goal, seen | {step})):
                return True
        return False

    circles = sorted(name for name in graph if reaches(name, name, {name}))
    assert circles == []


def test_screens_and_widgets_never_choose_the_next_screen_themselves():
    calls = []
    for path in [*(KIOSK / "screens").glob("*.py"), *(KIOSK / "widgets").glob("*.py")]:
        for node in ast.walk(ast.parse(path.read_text())):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr in NAVIGATION_CALLS
            ):
                calls.append(f"{path.name}:{node.lineno} {node.func.attr}")
    assert calls == []


@pytest.mark.parametrize(
    "button, screen",
    [
        ("#kh-close", CloseScreen),
        ("#kh-handgeld", HandgeldScreen),
        ("#kh-corrections", CorrectionsScreen),
        ("#kh-people", PeopleScreen),
        ("#kh-totals", TotalsScreen),
        ("#kh-sync", SyncScreen),
        ("#kh-leave", LeaveScreen),
    ],
)
async def test_each_menu_task_opens_and_its_back_button_returns_to_the_menu(
    tmp_path, button, screen
):
    app, _, _, _ = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await as_key_holder(pilot)
        assert isinstance(app.screen, KeyHolderScreen)
        await pilot.click(button)
        await settle(pilot)
        assert type(app.screen) is screen
        await pilot.click("#back")
        await settle(pilot)
        assert isinstance(app.screen, KeyHolderScreen)
        assert app.screen.person.name == "Anna"


async def test_a_close_handed_over_is_written_though_its_screen_went_away(tmp_path):
    app, store, _, _ = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await as_key_holder(pilot)
        await pilot.click("#kh-close")
        await settle(pilot)
        gate = threading.Event()
        app._db.submit(gate.wait, 10)  # the database is slow: the close waits in the queue
        await pilot.click("#close-confirm")
        await pilot.pause()
        app.idle_tick(now=app.last_input + app.settings.idle_seconds + 1)  # walked away
        await pilot.pause()
        assert not isinstance(app.screen, CloseScreen)  # gone, and its worker cancelled
        gate.set()
        await pilot.pause()
        app._db.submit(lambda: None).result(10)  # everything queued so far is done
    assert "room_closed" in kinds(store)
    assert not queries.room_state(store.conn, "cjm").is_open


async def test_the_welcome_screen_asks_the_app_for_register_and_key_holder_screens(tmp_path):
    from kiosk.screens.pin import PinScreen
    from kiosk.screens.register import RegisterScreen

    app, _, _, _ = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.click("#new")
        await settle(pilot)
        assert isinstance(app.screen, RegisterScreen)
        await pilot.click("#back")
        await settle(pilot)
        assert isinstance(app.screen, WelcomeScreen)
        await pilot.click("#keyholder")
        await settle(pilot)
        assert isinstance(app.screen, PinScreen) and app.screen.purpose == "menu"


async def test_a_visit_pending_at_exit_is_written_before_the_store_is_closed(tmp_path):
    """bwk-kiosk closes the store as soon as the app returns: the database thread must
    have written the last visit by then (a close under a running write can crash)."""
    from test_kiosk_support import checkins, scan

    from shared.store import RoomStore

    app, store, _, _ = make_app(tmp_path)
    zoe = store.register_visitor("Zoë")
    gate = threading.Event()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await scan(pilot, zoe.code)  # on the activities screen: the visit is pending
        app._db.submit(gate.wait, 10)  # the disk is slow just as the kiosk stops
        threading.Timer(0.5, gate.set).start()
    store.close()  # as kiosk.cli does right after app.run()
    again = RoomStore(tmp_path / "room.db", "cjm")
    try:
        assert [code for code, _ in checkins(again)] == [zoe.code]
    finally:
        again.close()
