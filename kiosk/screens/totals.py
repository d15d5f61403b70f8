"""This year's room totals against the targets (the indicator functions the staff use)."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Button, Static

from kiosk.screens.base import KioskScreen
from kiosk.widgets.notice import Notice
from shared.people import Person
from shared.store import RoomStore


class TotalsScreen(KioskScreen):
    AUTO_FOCUS = "#back"

    def __init__(self, person: Person):
        super().__init__()
        self.person = person

    def compose(self) -> ComposeResult:
        year = self.app.store.clock().year  # type: ignore[attr-defined]
        with Vertical(id="totals", classes="page"):
            yield Static(self.t("totals_title", year=year), classes="title", markup=False)
            yield VerticalScroll(Static(self.t("totals_loading"), id="totals-text", markup=False),
                                 id="summary")
            yield Notice()
            with Horizontal(classes="bottom-row"):
                yield Button(self.t("back"), id="back")

    def on_mount(self) -> None:
        app = self.app
        room = app.settings.room_id  # type: ignore[attr-defined]
        catalog = app.catalog  # type: ignore[attr-defined]

        def job(store: RoomStore) -> dict:
            from shared.indicators import year_indicators

            return year_indicators(store.conn, catalog, store.clock().year, [room])

        self.run_db(job, self.show)

    def show(self, indicators: dict) -> None:
        app = self.app
        room = app.settings.room_id  # type: ignore[attr-defined]
        lines = []
        for key, item in indicators.items():
            activity = app.catalog.activities.get(key)  # type: ignore[attr-defined]
            label = (f"{activity.icon} {activity.label(app.lang)}" if activity  # type: ignore
                     else key.replace("_", " "))
            value = item.get("rooms", {}).get(room, item.get("total", 0))
            if isinstance(value, float):
                value = f"{value:.1f}".replace(".", ",")
            target = (item.get("targets") or {}).get(room)
            goal = f"   ({self.t('totals_target')} {target})" if target is not None else ""
            lines.append(f"{label}: {value}{goal}")
        self.query_one("#totals-text", Static).update("\n".join(lines))

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "back":
            from kiosk.screens.keyholder import KeyHolderScreen

            self.app.show(KeyHolderScreen(self.person))  # type: ignore[attr-defined]
