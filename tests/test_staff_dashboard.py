"""The staff dashboard driven like a person, on a merged central copy with known figures."""

from __future__ import annotations

import pytest
from textual.widgets import DataTable, Select, Sparkline, TabbedContent

from kiosk.staff.app import StaffApp
from kiosk.staff.cli import serve_command
from kiosk.staff.source import Source
from kiosk.staff.widgets.panels import StaleBanner
from kiosk.staff.widgets.results import ResultsTable
from shared.store import RoomStore
from tests.test_staff_data import CATALOG, NOW, ROOMS, build_central

SIZE = (140, 45)


@pytest.fixture(scope="module")
def central_db(tmp_path_factory):
    path = tmp_path_factory.mktemp("dash") / "central.db"
    build_central(path)
    return path


def make_app(path, year=2017, lang="nl") -> StaffApp:
    source = Source(path, CATALOG, list(ROOMS), None)
    return StaffApp(source, year=year, lang=lang, clock=lambda: NOW, watch=False)


async def settle(app, pilot) -> None:
    await app.workers.wait_for_complete()
    await pilot.pause()
    await app.workers.wait_for_complete()
    await pilot.pause()


async def test_the_table_shows_values_and_targets_per_room_and_total(central_db):
    app = make_app(central_db)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        table = app.screen.query_one(ResultsTable)
        assert table.row_count == len(app.screen.report["indicators"])
        assert table.plain("kookclub", "cjm").startswith("2 / 50")
        assert table.plain("kookclub", "multibron").startswith("1 / 50")
        assert table.plain("kookclub", "total").startswith("2 / 150")
        assert table.plain("totaal_uniek", "total").startswith("6 / 1.100")
        assert table.plain("vrijwilligersuren", "cjm").startswith("4 / 10.000")  # whole hours
        assert table.plain("sleutelbeheerders", "cjm").startswith("2 / 10")
        assert "20%" in table.plain("sleutelbeheerders", "cjm")
        assert table.plain("enquete_pleasant", "cjm").startswith("100% / 70%")
        assert table.plain("anonieme_bezoeken", "total") == "2"
        labels = [str(c.label) for c in table.columns.values()]
        assert labels[2:] == ["Casa Jepie Makandra", "MultiBron", "De Handreiking", "Totaal"]


async def test_the_year_selector_changes_the_figures(central_db):
    app = make_app(central_db)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        select = app.screen.query_one("#year", Select)
        assert [value for _, value in select._options if value is not Select.BLANK] == [2017, 2016]
        select.value = 2016
        await settle(app, pilot)
        table = app.screen.query_one(ResultsTable)
        assert app.screen.report["year"] == 2016
        assert table.plain("kookclub", "cjm") == "4"  # no targets before 2017
        assert table.plain("klussendienst", "cjm") == "0"
        await pilot.press("]")  # back to 2017 with the keyboard
        await settle(app, pilot)
        assert app.screen.report["year"] == 2017
        assert table.plain("kookclub", "cjm").startswith("2 / 50")
        await pilot.press("]")  # 2018 is in the future of the clock: stays
        await settle(app, pilot)
        assert app.screen.year == 2017


async def test_a_silent_room_is_flagged(central_db):
    app = make_app(central_db)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        banner = app.screen.query_one(StaleBanner)
        assert app.screen.stale_rooms == ["MultiBron"]
        assert banner.has_class("-stale")
        assert "MultiBron" in str(banner.render()) and "Casa" not in str(banner.render())
        await pilot.press("5")
        await pilot.pause()
        assert app.screen.query_one(TabbedContent).active == "tab-freshness"
        fresh = app.screen.query_one("#freshness", DataTable)
        assert "stil" in str(fresh.get_cell("multibron", "status"))
        assert str(fresh.get_cell("cjm", "status")) == "bij"
        assert str(fresh.get_cell("multibron", "lag")) == "19 dagen"


async def test_trends_budget_and_handgeld_panels(central_db):
    app = make_app(central_db)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("2")
        await pilot.pause()
        sparklines = list(app.screen.query(Sparkline))
        assert len(sparklines) == 2 * len(ROOMS)
        assert list(sparklines[0].data) == [0, 4, 3, 0, 0, 0, 0, 0, 0, 0, 0, 1]
        budget = app.screen.query_one("#budget", DataTable)
        assert str(budget.get_cell("cjm", "value")) == "€ 40,32"
        assert str(budget.get_cell("total", "hours")) == "6,5"
        cash = app.screen.query_one("#handgeld", DataTable)
        assert str(cash.get_cell("cjm:2017-03", "spent")) == "€ 550,00 ⚠"
        assert str(cash.get_cell("multibron:2017-04", "E")) == "€ 12,50"


async def test_english_on_a_key_and_refresh_after_a_write(central_db, tmp_path):
    app = make_app(central_db)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("l")
        await settle(app, pilot)
        table = app.screen.query_one(ResultsTable)
        assert table.plain("kookclub", "indicator") == "Cooking club"
        assert str(list(table.columns.values())[-1].label) == "Total"
        store = RoomStore(central_db, "multibron", clock=lambda: NOW)
        store.check_in(None, ["kookclub"])
        store.close()
        app.screen.check_changed()  # what the file watcher calls
        await settle(app, pilot)
        assert app.screen.report["indicators"]["anonieme_bezoeken"]["rooms"]["multibron"] == 2
        assert app.screen.stale_rooms == []


async def test_a_missing_database_is_reported_not_a_crash(tmp_path):
    app = make_app(tmp_path / "nothing.db")
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        assert "no database yet" in str(app.screen.query_one(StaleBanner).render())


def test_serve_runs_the_dashboard_module_with_the_config(tmp_path):
    command = serve_command(str(tmp_path / "central.toml"), 2017, "en")
    assert "-m kiosk.staff.cli --config" in command and command.endswith("--year 2017")
    assert str(tmp_path / "central.toml") in command


def test_reading_leaves_the_signature_alone_and_a_write_changes_it(tmp_path):
    path = tmp_path / "central.db"
    build_central(path)
    source = Source(path, CATALOG, list(ROOMS), None)
    before = source.signature()
    source.report(2017, now=NOW)
    source.years(2017)
    assert source.signature() == before  # else the dashboard would reload itself for ever
    store = RoomStore(path, "cjm", clock=lambda: NOW)
    store.check_in(None, ["kookclub"])
    assert source.signature() != before
    store.close()


async def test_a_room_config_shows_that_room_alone(central_db):
    source = Source(central_db, CATALOG, None, "handreiking")
    app = StaffApp(source, year=2017, clock=lambda: NOW, watch=False)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        table = app.screen.query_one(ResultsTable)
        assert [str(c.label) for c in table.columns.values()][2:] == ["De Handreiking", "Totaal"]
        assert table.plain("schuldhulp", "handreiking").startswith("1 / 50")
