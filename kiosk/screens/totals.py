"""This year's room totals against the targets (the indicator functions the staff use)."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Button, Static

from kiosk.messages import KeyHolderTaskChosen
from kiosk.screens.base import KioskScreen
from kiosk.widgets.notice import Notice
from shared import i18n
from shared.people import Person
from shared.store import RoomStore


def number_text(value: float | int, lang: str, decimals: int = 1) -> str:
    """A number in the language's own format: 10.000 and 3,5 in Dutch, 10,000 and 3.5 in English."""
    if isinstance(value, float) and not value.is_integer():
        text = f"{value:,.{decimals}f}"
    else:
        text = f"{int(value):,}"
    group, decimal = i18n.t(lang, "num_group"), i18n.t(lang, "num_decimal")
    return text.replace(",", "\0").replace(".", decimal).replace("\0", group)


class TotalsScreen(KioskScreen):
    AUTO_FOCUS = "#back"

    def __init__(self, person: Person):
        super().__init__()
        self.person = person

    def compose(self) -> ComposeResult:
        year = self.kiosk_app.store.clock().year
        with Vertical(id="totals", classes="page"):
            yield Static(self.t("totals_title", year=year), classes="title", markup=False)
            yield VerticalScroll(
                Static(self.t("totals_loading"), id="totals-text", markup=False), id="summary"
            )
            yield Notice()
            with Horizontal(classes="bottom-row"):
                yield Button(self.t("back"), id="back")

    def on_mount(self) -> None:
        app = self.kiosk_app
        room = app.settings.room_id
        shown = app.catalog

        def job(store: RoomStore) -> tuple:
            from shared.catalog import CatalogError, current_catalog
            from shared.indicators import year_indicators

            # A catalog central published may have arrived since the kiosk started.
            try:
                latest = current_catalog(store.path)
            except CatalogError:  # a damaged copy: keep the one the kiosk started with
                latest = shown
            catalog = latest if latest.revision > shown.revision else shown
            return catalog, year_indicators(store.conn, catalog, store.clock().year, [room])

        def adopt(result: tuple) -> None:
            app.catalog = result[0]  # labels follow it too
            self.fill(result[1])

        self.run_db(job, adopt)

    def label(self, key: str) -> str:
        """The catalog's label for an activity, the kiosk's words for the other indicators."""
        app = self.kiosk_app
        activity = app.catalog.activities.get(key)
        if activity:
            return f"{activity.icon} {activity.label(app.lang)}"
        if i18n.has(f"ind_{key}"):
            return self.t(f"ind_{key}")
        question = app.catalog.survey.get(key.removeprefix("enquete_"))
        if question:
            text = question.texts.get(app.lang) or question.texts.get("nl") or question.id
            return self.t("ind_enquete", question=text)
        return key.replace("_", " ")

    def amount(self, unit: str, value: float | int | None) -> str:
        lang = self.kiosk_app.lang
        if value is None:
            return self.t("totals_no_answers")
        text = number_text(value, lang)
        if unit == "percent":
            return self.t("totals_percent", n=text)
        if unit == "hours":
            return self.t("totals_hours", n=text)
        return text

    def fill(self, indicators: dict) -> None:
        room = self.kiosk_app.settings.room_id
        lines = []
        for key, item in indicators.items():
            unit = item.get("unit", "")
            value = item.get("rooms", {}).get(room, item.get("total", 0))
            target = (item.get("targets") or {}).get(room)
            goal = (
                f"   ({self.t('totals_target')} {self.amount(unit, target)})"
                if target is not None
                else ""
            )
            lines.append(f"{self.label(key)}: {self.amount(unit, value)}{goal}")
        self.query_one("#totals-text", Static).update("\n".join(lines))

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "back":
            self.post_message(KeyHolderTaskChosen(self.person, "menu"))
