"""The staff dashboard app: composes the dashboard screen, binds quit; nothing else.

All reading happens in the screen's workers through ``kiosk.staff.source.Source``
(which calls ``shared``); the app itself never touches the database.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from textual.app import App
from textual.binding import Binding

from kiosk.staff.screens.dashboard import DashboardScreen
from kiosk.staff.widgets.labels import tr
from shared.clock import system_clock


class StaffApp(App):
    CSS_PATH = "staff.tcss"
    BINDINGS = [Binding("q", "quit", "Stop")]

    def __init__(
        self,
        source,
        *,
        year: int | None = None,
        lang: str = "nl",
        clock: Callable[[], datetime] = system_clock,
        watch: bool = True,
    ) -> None:
        super().__init__()
        self.source, self.lang, self.clock = source, lang, clock
        self.reload_on_change = watch  # not "watch": that is Textual's DOMNode.watch method
        self.first_year = year or clock().year
        self.title = tr(lang, "app_title")

    def get_default_screen(self) -> DashboardScreen:
        return DashboardScreen(
            self.source,
            year=self.first_year,
            lang=self.lang,
            clock=self.clock,
            watch=self.reload_on_change,
        )
