"""The dashboard's screen to record a staff-entered figure, driven by keyboard and mouse."""

from __future__ import annotations

import json
import sqlite3

import pytest
from textual.widgets import DataTable, Input, Select, Static

from kiosk.staff.app import StaffApp
from kiosk.staff.screens.dashboard import DashboardScreen
from kiosk.staff.screens.record import RecordScreen
from kiosk.staff.source import Source
from kiosk.staff.widgets.results import ResultsTable
from tests.test_staff_data import CATALOG, NOW, ROOMS, build_central

SIZE = (140, 45)


@pytest.fixture
def central_db(tmp_path):
    path = tmp_path / "central.db"
    build_central(path)
    return path


def make_app(path, enrolled=ROOMS, only_room=None) -> StaffApp:
    source = Source(path, CATALOG, None if enrolled is None else list(enrolled), only_room)
    return StaffApp(source, year=2017, lang="nl", clock=lambda: NOW, watch=False)


async def settle(app, pilot) -> None:
    for _ in range(2):
        await app.workers.wait_for_complete()
        await pilot.pause()


def stored(path) -> list[dict]:
    conn = sqlite3.connect(path)
    try:
        return [
            json.loads(p)
            for (p,) in conn.execute(
                "SELECT payload FROM events WHERE kind = 'figure_recorded' ORDER BY seq"
            )
        ]
    finally:
        conn.close()


async def type_text(pilot, text: str) -> None:
    await pilot.press(*[{" ": "space", ",": "comma", ".": "full_stop"}.get(c, c) for c in text])


async def test_record_a_figure_with_the_keyboard_and_see_it_in_the_table(central_db):
    app = make_app(central_db)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("i")
        await settle(app, pilot)
        screen = app.screen
        assert isinstance(screen, RecordScreen)
        # The first staff row is chosen and the value field has the focus.
        assert screen.query_one("#indicator", Select).value == "interviews_uitkeringen"
        assert screen.query_one("#room", Select).value == "cjm"
        assert "Interviews · Vraagt een percentage" in str(screen.query_one("#asks").render())
        await type_text(pilot, "7,5")
        await pilot.press("tab")
        await type_text(pilot, "uit 12 interviews")
        await pilot.press("tab")
        for _ in range(len(screen.query_one("#by", Input).value)):
            await pilot.press("backspace")
        await type_text(pilot, "Anna")
        await pilot.press("enter")  # Enter in a field saves
        await settle(app, pilot)
        assert stored(central_db) == [
            {
                "year": 2017,
                "indicator": "interviews_uitkeringen",
                "room": "cjm",
                "value": 7.5,
                "by": "Anna",
                "note": "uit 12 interviews",
            }
        ]
        message = str(screen.query_one("#message", Static).render())
        assert message.startswith(
            "Opgeslagen: Minder (kosten op) uitkeringen en zorg, Casa Jepie Makandra 2017 = 7.5"
        )
        history = screen.query_one("#history", DataTable)
        assert history.row_count == 1
        assert [str(c) for c in history.get_row_at(0)[1:5]] == [
            "interviews_uitkeringen",
            "Casa Jepie Makandra",
            "7.5",
            "Anna",
        ]
        assert screen.query_one("#value", Input).value == ""  # ready for the next one
        await pilot.press("escape")
        await settle(app, pilot)
        assert isinstance(app.screen, DashboardScreen)
        table = app.screen.query_one(ResultsTable)
        assert table.plain("interviews_uitkeringen", "cjm").startswith("7,5% / 5%")
        assert "nog niet ingevoerd" in table.plain("interviews_uitkeringen", "multibron")


async def test_record_with_the_mouse_a_change_is_a_new_entry(central_db):
    app = make_app(central_db)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        app.screen.action_record()
        await settle(app, pilot)
        screen = app.screen
        choice = list(CATALOG.staff_figures).index("betalende_leden")
        await pilot.click("#indicator")  # opens the list of indicators
        await pilot.pause()
        for _ in range(choice):
            await pilot.press("down")
        await pilot.press("enter")
        await pilot.pause()
        assert screen.query_one("#indicator", Select).value == "betalende_leden"
        assert "Aantal · Vraagt een heel getal" in str(screen.query_one("#asks").render())
        for value in ("380", "412"):
            await pilot.click("#value")
            await type_text(pilot, value)
            await pilot.click("#save")
            await settle(app, pilot)
        assert [e["value"] for e in stored(central_db)] == [380, 412]
        history = screen.query_one("#history", DataTable)
        assert [str(history.get_row_at(i)[3]) for i in range(2)] == ["412", "380"]  # newest first
        await pilot.click("#back")
        await settle(app, pilot)
        table = app.screen.query_one(ResultsTable)
        assert table.plain("betalende_leden", "cjm").startswith("412 / 400")


async def test_a_bad_value_is_refused_in_plain_words_and_the_typing_is_kept(central_db):
    app = make_app(central_db)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("i")
        await settle(app, pilot)
        screen = app.screen
        await type_text(pilot, "150")
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        message = screen.query_one("#message", Static)
        assert str(message.render()) == (
            "Niet opgeslagen: '150': een percentage ligt tussen 0 en 100"
        )
        assert message.has_class("-error")
        assert screen.query_one("#value", Input).value == "150"  # nothing lost
        assert stored(central_db) == []
        await pilot.press("escape")
        await settle(app, pilot)
        assert isinstance(app.screen, DashboardScreen)


async def test_a_room_dashboard_offers_no_recording(central_db):
    app = make_app(central_db, enrolled=None, only_room="cjm")
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("i")
        await settle(app, pilot)
        assert isinstance(app.screen, DashboardScreen)
        assert not app.screen.check_action("record", ())


async def test_the_line_under_the_table_says_who_entered_a_staff_figure(central_db):
    app = make_app(central_db)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("i")
        await settle(app, pilot)
        await type_text(pilot, "3")
        await pilot.press("tab", "tab")
        for _ in range(len(app.screen.query_one("#by", Input).value)):
            await pilot.press("backspace")
        await type_text(pilot, "Bert")
        await pilot.press("enter", "escape")
        await settle(app, pilot)
        table = app.screen.query_one(ResultsTable)
        table.focus()
        table.move_cursor(row=list(app.screen.report["indicators"]).index("interviews_uitkeringen"))
        await pilot.pause()
        detail = str(app.screen.query_one("#detail", Static).render())
        assert "Casa Jepie Makandra: ingevoerd " in detail and " door Bert" in detail
        assert "MultiBron: nog niet ingevoerd" in detail


async def test_on_a_small_screen_the_save_is_said_where_it_can_be_seen(central_db):
    from textual.widgets._toast import Toast

    app = make_app(central_db)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await settle(app, pilot)
        await pilot.press("i")
        await settle(app, pilot)
        await type_text(pilot, "7")
        await pilot.press("enter")
        await settle(app, pilot)
        assert len(stored(central_db)) == 1
        await pilot.pause()
        toasts = [str(t.render()) for t in app.screen.query(Toast)]
        assert any("ingevoerd" in t and "Casa Jepie Makandra" in t for t in toasts), toasts
        await type_text(pilot, "veel")
        await pilot.press("enter")
        await settle(app, pilot)
        await pilot.pause()
        toasts = [str(t.render()) for t in app.screen.query(Toast)]
        assert any("veel" in t for t in toasts), toasts
        assert len(stored(central_db)) == 1
