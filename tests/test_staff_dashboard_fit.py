"""The staff dashboard a coordinator can trust (issue 12 items 12-15, issue 10 item 10):
any year opens, a crash exits non-zero, the table fits 80 and 120 columns with the total
always in view, full labels, honest bars, month initials, minutes of lag, a dash with a
reason instead of ``None``, and a damaged database said plainly at the top."""

from __future__ import annotations

import json
import shutil
from datetime import datetime

import pytest
from rich.text import Text
from textual.app import App
from textual.widgets import DataTable, Label, Static

from kiosk.staff.app import StaffApp
from kiosk.staff.cli import run_app
from kiosk.staff.source import Source
from kiosk.staff.widgets.panels import lag_text
from kiosk.staff.widgets.results import ResultsTable, bar, percent
from shared.clock import TZ
from tests.test_staff_dashboard import make_app, settle
from tests.test_staff_data import CATALOG, ROOMS, build_central


@pytest.fixture(scope="module")
def central_db(tmp_path_factory):
    path = tmp_path_factory.mktemp("fit") / "central.db"
    build_central(path)
    return path


def visible_cells(table: DataTable) -> list[str]:
    return [
        str(c.plain if isinstance(c, Text) else c) for key in table.rows for c in table.get_row(key)
    ]


async def test_a_year_without_data_opens_and_bracket_goes_past_the_first_year(central_db):
    app = make_app(central_db, year=2015)  # the data starts in 2016
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        assert app.screen.report["year"] == 2015
        table = app.screen.query_one(ResultsTable)
        assert table.plain("kookclub", "cjm").startswith("0")
        await pilot.press("[")  # before the first year with data: opens too
        await settle(app, pilot)
        assert app.screen.report["year"] == 2014
        assert app.screen.query_one("#year").value == 2014
        await pilot.press("]", "]", "]")
        await settle(app, pilot)
        assert app.screen.report["year"] == 2017
        assert table.plain("kookclub", "cjm").startswith("2 / 50")
        assert app.return_code is None  # still running, no crash


def test_a_crash_exits_non_zero():
    class Crashing(App):
        def on_mount(self) -> None:
            raise RuntimeError("boom")

    assert run_app(Crashing(), headless=True) == 1


def columns_fit(table: ResultsTable, width: int) -> None:
    keys = [str(k.value) for k in table.columns]
    assert keys[0] == "indicator" and keys[-1] == "total"
    used = sum(c.get_render_width(table) for c in table.columns.values())
    assert used <= width, f"{used} columns used of {width}"
    assert table.fixed_columns == 1  # the labels stay when the table scrolls sideways


async def test_at_120_columns_every_room_and_the_total_fit(central_db):
    app = make_app(central_db)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        table = app.screen.query_one(ResultsTable)
        columns_fit(table, table.size.width)
        assert [str(k.value) for k in table.columns][-4:] == [*ROOMS, "total"]
        assert table.plain("totaal_uniek", "total").startswith("6 / 1.100")
        # The full label, wrapped in its column, never cut at 28 characters.
        assert (
            table.plain("tuindienst", "indicator")
            == "Tuindienst (onderhoud binnentuinen/terreinen)"
        )
        assert table.get_row_height("tuindienst") >= 2


async def test_at_80x24_one_room_and_the_total_and_v_shows_the_next(central_db):
    app = make_app(central_db)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        table = app.screen.query_one(ResultsTable)
        columns_fit(table, table.size.width)
        assert [str(k.value) for k in table.columns][-2:] == ["cjm", "total"]
        assert "v:" in str(app.screen.query_one("#detail", Static).render())
        await pilot.press("v")
        await pilot.pause()
        assert [str(k.value) for k in table.columns][-2:] == ["multibron", "total"]
        assert table.plain("kookclub", "multibron").startswith("1 / 50")
        await pilot.press("4")  # handgeld: the spent column and its over-cap mark in view
        await pilot.pause()
        cash = app.screen.query_one("#handgeld", DataTable)
        assert [str(k.value) for k in cash.columns][:3] == ["room", "month", "spent"]
        assert str(cash.get_cell("cjm:2017-03", "spent")) == "€ 550,00 ⚠"
        assert sum(c.get_render_width(cash) for c in list(cash.columns.values())[:4]) <= 78
        await pilot.press("5")  # freshness: the status column in view
        await pilot.pause()
        fresh = app.screen.query_one("#freshness", DataTable)
        assert [str(k.value) for k in fresh.columns][:3] == ["room", "status", "lag"]
        assert sum(c.get_render_width(fresh) for c in list(fresh.columns.values())[:3]) <= 78


def test_bars_never_look_full_before_the_target():
    assert bar(0.9).plain == "▰▰▰▱  90%"
    assert bar(1.0).plain == "▰▰▰▰ 100%"
    assert percent(0.996) == "99%" and percent(1.004) == "100%"
    assert percent(0.567) == "57%"


def test_lag_in_minutes_under_an_hour():
    assert lag_text(0.2, "nl", 12) == "12 min"
    assert lag_text(5.0, "nl", 300) == "5 uur"
    assert lag_text(480.0, "en", 28800) == "20 days"


async def test_freshness_shows_minutes_and_trends_show_month_initials(central_db):
    source = Source(central_db, CATALOG, list(ROOMS), None)
    app = StaffApp(
        source, year=2017, clock=lambda: datetime(2017, 12, 19, 9, 12, tzinfo=TZ), watch=False
    )
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        await pilot.press("5")
        await pilot.pause()
        fresh = app.screen.query_one("#freshness", DataTable)
        assert str(fresh.get_cell("cjm", "lag")) == "12 min"  # last event 09:00
        await pilot.press("2")
        await settle(app, pilot)
        months = [str(lbl.render()) for lbl in app.screen.query(Label).filter(".months")]
        assert len(months) == 2 * len(ROOMS)
        assert months[0].split() == list("JFMAMJJASOND")


async def test_cells_without_a_figure_show_a_dash_and_why_never_none(central_db):
    app = make_app(central_db)
    async with app.run_test(size=(140, 45)) as pilot:
        await settle(app, pilot)
        table = app.screen.query_one(ResultsTable)
        # Nobody answered the survey in MultiBron: nothing to compute a percentage from.
        assert table.plain("enquete_pleasant", "multibron") == "– geen antwoorden"
        for name in ("#results", "#budget", "#handgeld", "#freshness"):
            for text in visible_cells(app.screen.query_one(name, DataTable)):
                assert "None" not in text and "nan" not in text.lower().split(), (name, text)


def damage(path) -> None:
    """Overwrite the last page of a database file with junk (what a failing disk does)."""
    size = path.stat().st_size
    with open(path, "r+b") as handle:
        handle.seek(size - 4096)
        handle.write(b"\xa5" * 4096)


async def test_a_damaged_database_is_said_at_the_top_not_a_crash(central_db, tmp_path):
    path = tmp_path / "central.db"
    shutil.copy(central_db, path)
    damage(path)
    app = make_app(path)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        alarm = app.screen.query_one("#alarm", Static)
        assert alarm.display
        text = str(alarm.render())
        assert "BESCHADIGD" in text and "docs/RELIABILITY.md" in text
        assert app.return_code is None


async def test_failing_passes_recorded_by_the_daemon_are_said_at_the_top(central_db, tmp_path):
    path = tmp_path / "central.db"
    shutil.copy(central_db, path)
    (tmp_path / "central.db.syncd-health.json").write_text(
        json.dumps(
            {
                "failed_passes": 4,
                "last_error": "disk I/O error [bold]",
                "failing_since": "2017-12-20T08:00:00+01:00",
                "last_ok": None,
            }
        ),
        "utf-8",
    )
    app = make_app(path)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        alarm = app.screen.query_one("#alarm", Static)
        assert alarm.display
        text = str(alarm.render())
        assert "4 keer op rij" in text and "disk I/O error [bold]" in text  # not markup


async def test_a_sound_database_shows_no_alarm(central_db):
    app = make_app(central_db)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        assert not app.screen.query_one("#alarm", Static).display


async def test_the_table_refits_when_the_terminal_is_resized(central_db):
    app = make_app(central_db)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        table = app.screen.query_one(ResultsTable)
        assert not table.fitted.one_room
        assert app.screen.check_action("next_room", ()) is False  # no "v" in the footer
        await pilot.resize_terminal(80, 24)
        await settle(app, pilot)
        assert table.fitted.one_room
        assert [str(k.value) for k in table.columns][-1] == "total"
        columns_fit(table, table.size.width)
        assert app.screen.check_action("next_room", ()) is True
