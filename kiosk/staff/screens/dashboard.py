"""The dashboard: where every room stands this year, read-only, refreshing by itself."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.message import Message
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import DataTable, Footer, Header, Label, Select, Static, TabbedContent, TabPane
from textual.worker import Worker, WorkerState

from kiosk.staff.widgets.labels import tr
from kiosk.staff.widgets.panels import (
    BudgetTable,
    FreshnessTable,
    HandgeldTable,
    StaleBanner,
    TrendPanel,
)
from kiosk.staff.widgets.results import ResultsTable
from shared import i18n
from shared.db import DatabaseError, SchemaNotCurrent
from shared.report_formats import euro, number
from shared.report_types import Report, Trends

RESCAN_SECONDS = 30  # a missed file-system event (network share) is caught by this timer
QUIET_SECONDS = 3  # while syncd merges, read again at most this often


@dataclass
class ReportLoaded(Message):
    year: int
    report: Report | None  # None: the database could not be read
    years: list[int]
    signature: tuple
    problem: str | None = None  # the database is damaged: what quick_check said
    health: dict | None = None  # the daemon's pass record beside the database


@dataclass
class TrendsLoaded(Message):
    year: int
    trends: Trends


class DashboardScreen(Screen):
    BINDINGS = [
        Binding("[", "year(-1)", "−1 jaar"),
        Binding("]", "year(1)", "+1 jaar"),
        Binding("r", "reload", "Vernieuw"),
        Binding("v", "next_room", "Ruimte"),
        Binding("l", "toggle_lang", "NL/EN"),
        Binding("i", "record", "Invoeren"),  # a staff-entered figure (central only)
        *(
            Binding(str(i), f"tab('{tab}')", show=False)
            for i, tab in enumerate(("results", "trends", "budget", "handgeld", "freshness"), 1)
        ),
    ]

    def __init__(
        self, source, *, year: int, lang: str, clock: Callable[[], datetime], watch: bool = True
    ) -> None:
        super().__init__()
        self.source, self.year, self.lang, self.clock, self.watching = (
            source,
            year,
            lang,
            clock,
            watch,
        )
        self.years: list[int] = [year]
        self.report: Report | None = None
        self.loaded_signature: tuple | None = None
        self.stale_rooms: list[str] = []
        self._reload_timer: Timer | None = None
        self.check_database = True  # quick_check at the first load and after a failed one
        self.problem: str | None = None
        self.health: dict = {}

    # --- layout -----------------------------------------------------------
    def year_options(self) -> list[tuple[str, int]]:
        """The years with data and the year shown (a year without data opens too)."""
        self.years = sorted({*self.years, self.year}, reverse=True)
        return [(str(y), y) for y in self.years]

    def compose(self) -> ComposeResult:
        lang = self.lang
        yield Header()
        yield Static("", id="alarm", markup=False)
        with Horizontal(id="toolbar"):
            yield Label(tr(lang, "year"), id="year-label")
            yield Select(self.year_options(), value=self.year, allow_blank=False, id="year")
            yield StaleBanner(tr(lang, "loading"), id="banner")
        with TabbedContent(id="tabs"):
            with TabPane(tr(lang, "results"), id="tab-results"):
                yield ResultsTable(id="results")
                yield Static("", id="detail", classes="note", markup=False)
            with TabPane(tr(lang, "trends"), id="tab-trends"):
                yield TrendPanel(id="trends")
            with TabPane(tr(lang, "budget"), id="tab-budget"):
                yield Static(tr(lang, "budget_note"), classes="note")
                yield BudgetTable(id="budget")
            with TabPane(tr(lang, "handgeld"), id="tab-handgeld"):
                yield HandgeldTable(id="handgeld")
                yield Static("", id="cat-legend", classes="note")
            with TabPane(tr(lang, "freshness"), id="tab-freshness"):
                yield FreshnessTable(id="freshness")
                yield Static("", id="queue-totals", classes="note")
        yield Footer()

    def on_mount(self) -> None:
        self.title = tr(self.lang, "app_title")
        self.load(self.year)
        if self.watching:
            self.watch_database()
            self.set_interval(RESCAN_SECONDS, self.check_changed)

    # --- database work: only in workers ----------------------------------
    @work(thread=True, exclusive=True, exit_on_error=False, group="load")
    def load(self, year: int) -> None:
        signature = self.source.signature()  # before reading: a later write triggers a reload
        now = self.clock()
        health = self.source.sync_health()
        problem = self.source.database_problem() if self.check_database else None
        try:
            report = self.source.report(year, now=now, trends=False)
            years = self.source.years(now.year)
        except (sqlite3.DatabaseError, DatabaseError) as exc:
            if not self.source.database.exists() or isinstance(exc, SchemaNotCurrent):
                raise  # said as it is, not as damage
            # Damaged or unreadable: say so at the top, keep the last figures shown.
            problem = problem or self.source.database_problem() or str(exc)
            self.post_message(ReportLoaded(year, None, self.years, signature, problem, health))
            return
        self.post_message(ReportLoaded(year, report, years, signature, problem, health))

    @work(thread=True, exclusive=True, exit_on_error=False, group="trends")
    def load_trends(self, year: int, rooms: list[str]) -> None:
        """The monthly trends (from ``monthly_visits``): separately, after the table."""
        self.post_message(TrendsLoaded(year, self.source.trends(year, rooms)))

    @work(exclusive=True, exit_on_error=False, group="watch")
    async def watch_database(self) -> None:
        """Reload when the database (or its WAL) changes on disk."""
        from watchfiles import awatch

        name = self.source.database.name
        folder = self.source.database.parent
        async for _ in awatch(
            folder,
            watch_filter=lambda _c, p: Path(p).name.startswith(name),
            debounce=800,
            recursive=False,
        ):
            if self._reload_timer is None:  # coalesce a burst of writes into one reload
                self._reload_timer = self.set_timer(QUIET_SECONDS, self._after_changes)

    def _after_changes(self) -> None:
        self._reload_timer = None
        self.check_database = True  # quick_check at the first load and after a failed one
        self.problem = None
        self.health = {}
        self.check_changed()

    def check_changed(self) -> None:
        if self.source.signature() != self.loaded_signature:
            self.loaded_signature = self.source.signature()
            self.load(self.year)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.worker.group in ("load", "trends") and event.state == WorkerState.ERROR:
            self.query_one(StaleBanner).update(
                Text(tr(self.lang, "error", error=event.worker.error))
            )  # not markup

    @on(ReportLoaded)
    def show_loaded(self, message: ReportLoaded) -> None:
        if message.year != self.year:
            return  # the user chose another year meanwhile
        self.loaded_signature = message.signature
        self.problem, self.health = message.problem, message.health or {}
        self.check_database = message.problem is not None or message.report is None
        self.show_alarm(message.problem, message.health or {})
        if message.report is None:
            return
        self.report = message.report
        if sorted({*message.years, self.year}, reverse=True) != self.years:
            self.years = list(message.years)
            select = self.query_one("#year", Select)
            with self.prevent(Select.Changed):
                select.set_options(self.year_options())
                select.value = self.year
        self.show(message.report)
        self.load_trends(message.year, list(message.report["rooms"]))

    @on(TrendsLoaded)
    def show_trends(self, message: TrendsLoaded) -> None:
        if message.year != self.year or self.report is None:
            return
        self.report["trends"] = message.trends
        self.query_one(TrendPanel).show(self.report, self.lang)

    def show_alarm(self, problem: str | None, health: dict) -> None:
        """A damaged database or failing passes, plainly, above everything else."""
        lines = []
        if problem:
            lines.append(tr(self.lang, "damaged", problem=problem[:200]))
        failed = health.get("failed_passes")
        if isinstance(failed, int) and failed > 0 and not problem:
            lines.append(
                tr(
                    self.lang,
                    "passes_failing",
                    n=failed,
                    since=str(health.get("failing_since") or "?")[:16].replace("T", " "),
                    error=str(health.get("last_error") or "?")[:200],
                )
            )
        alarm = self.query_one("#alarm", Static)
        alarm.update(Text("\n".join(lines)))  # stored text: never markup
        alarm.display = bool(lines)

    @on(DataTable.RowHighlighted, "#results")
    def row_highlighted(self) -> None:
        self.query_one("#detail", Static).update(Text(self.query_one(ResultsTable).detail()))

    def show(self, report: Report) -> None:
        catalog, lang = self.source.catalog, self.lang
        self.query_one(ResultsTable).show(report, catalog, lang)
        self.row_highlighted()
        self.refresh_bindings()
        self.query_one(TrendPanel).show(report, lang)
        self.query_one(BudgetTable).show(report, lang)
        self.query_one(HandgeldTable).show(report, lang)
        section = report.get("handgeld", {"categories": {}, "monthly_cap": 0})
        self.query_one("#cat-legend", Static).update(
            Text(
                f"{tr(lang, 'cap')}: {euro(section['monthly_cap'], lang)} / {tr(lang, 'month')} · "
                + " · ".join(f"{c}: {d}" for c, d in section["categories"].items())
            )
        )
        self.query_one(FreshnessTable).show(report, lang)
        fresh = report.get("freshness", {})
        self.query_one("#queue-totals", Static).update(
            f"Inbox: {number(fresh.get('waiting'), lang)} {tr(lang, 'waiting').lower()} · "
            f"{tr(lang, 'quarantined')}: {number(fresh.get('quarantined'), lang)}"
        )
        self.stale_rooms = self.query_one(StaleBanner).show(report, lang)
        self.sub_title = (
            f"{tr(lang, 'year')} {report['year']} · {tr(lang, 'generated')} "
            f"{report['generated_at'][:16].replace('T', ' ')}"
        )

    # --- actions -----------------------------------------------------------
    @on(Select.Changed, "#year")
    def year_chosen(self, event: Select.Changed) -> None:
        if isinstance(event.value, int) and event.value != self.year:
            self.choose_year(event.value)

    def choose_year(self, year: int) -> None:
        self.year = year
        select = self.query_one("#year", Select)
        if year not in self.years:
            with self.prevent(Select.Changed):
                select.set_options(self.year_options())
        with self.prevent(Select.Changed):
            select.value = year
        self.load(year)

    def action_year(self, delta: int) -> None:
        target = self.year + delta
        if target <= self.clock().year:
            self.choose_year(target)

    def action_tab(self, name: str) -> None:
        self.query_one(TabbedContent).active = f"tab-{name}"

    def check_action(self, action: str, parameters: tuple) -> bool | None:
        """``v`` (next room) only when the table shows one room at a time."""
        if action == "next_room":
            fitted = self.query_one(ResultsTable).fitted
            return bool(fitted and fitted.one_room)
        if action == "record":
            return self.source.enrolled is not None
        return True

    def action_record(self) -> None:
        """The screen to record a staff-entered figure; the table reloads after a save."""
        from kiosk.staff.screens.record import RecordScreen

        self.app.push_screen(
            RecordScreen(self.source, year=self.year, years=self.years, lang=self.lang),
            self._reload_if_saved,
        )

    def _reload_if_saved(self, saved: bool | None) -> None:
        if saved:
            self.load(self.year)

    def action_next_room(self) -> None:
        """When the table shows one room at a time: the next room (the total stays)."""
        self.query_one(ResultsTable).action_next_room()
        self.row_highlighted()

    def action_reload(self) -> None:
        self.load(self.year)

    async def action_toggle_lang(self) -> None:
        languages = i18n.STAFF_LANGUAGES  # nl, en: whichever files have the staff texts
        self.lang = languages[(languages.index(self.lang) + 1) % len(languages)]
        self.app.lang = self.lang  # type: ignore[attr-defined]
        await self.recompose()
        self.title = tr(self.lang, "app_title")
        self.show_alarm(self.problem, self.health)
        if self.report:
            self.show(self.report)
