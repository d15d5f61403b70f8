"""Handgeld (petty cash, note 22): record an expense; this month against the cap."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Input, Static

from kiosk.screens.base import KioskScreen
from kiosk.widgets.inputs import KioskInput
from kiosk.widgets.notice import Notice
from shared import i18n, queries
from shared.people import Person
from shared.store import RoomStore


class HandgeldScreen(KioskScreen):
    AUTO_FOCUS = "#amount"

    def __init__(self, person: Person):
        super().__init__()
        self.person = person
        self.category: str | None = None

    def compose(self) -> ComposeResult:
        catalog = self.app.catalog  # type: ignore[attr-defined]
        with Vertical(id="handgeld", classes="page"):
            yield Static(self.t("hg_title"), classes="title", markup=False)
            yield Static(self.t("loading"), id="month", classes="big", markup=False)
            with Horizontal(classes="choice-row"):
                yield Static(self.t("hg_amount"), classes="label", markup=False)
                yield KioskInput(placeholder=self.t("amount_placeholder"), id="amount", max_length=10)
            yield Static(self.t("hg_category"), classes="text", markup=False)
            with Vertical(id="categories"):
                for letter, text in catalog.handgeld_categories.items():
                    yield Button(f"{letter}  {text[:28]}", id=f"cat-{letter}", name=letter,
                                 classes="category")
            with Horizontal(classes="choice-row"):
                yield Static(self.t("hg_note"), classes="label", markup=False)
                yield KioskInput(id="note", max_length=80)
            yield Notice()
            with Horizontal(classes="bottom-row"):
                yield Button(self.t("back"), id="back")
                yield Button(self.t("hg_save"), id="save", variant="success")

    def on_mount(self) -> None:
        self.load_month()

    def load_month(self) -> None:
        cap = self.app.catalog.handgeld_cap  # type: ignore[attr-defined]

        def job(store: RoomStore) -> queries.MonthCash:
            today = store.clock().date()
            return queries.month_cash(store.conn, store.room, today.year, today.month, cap)

        self.run_db(job, self.show_month)

    def show_month(self, month: queries.MonthCash) -> None:
        text = self.t("hg_month", spent=i18n.euros(month.spent_cents),
                      cap=i18n.euros(month.cap_cents), left=i18n.euros(max(month.left_cents, 0)))
        if month.left_cents < 0:
            text += "  " + self.t("hg_over", cap=i18n.euros(month.cap_cents))
        self.query_one("#month", Static).update(text)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        button = event.button
        if button.has_class("category"):
            self.category = button.name
            for other in self.query(".category"):
                other.set_class(other is button, "-chosen")
        elif button.id == "back":
            from kiosk.screens.keyholder import KeyHolderScreen

            self.app.show(KeyHolderScreen(self.person))  # type: ignore[attr-defined]
        elif button.id == "save":
            self.save()

    def save(self) -> None:
        cents = i18n.parse_euros(self.query_one("#amount", Input).value)
        if not cents:
            self.say("amount_invalid", "error")
            return
        if not self.category:
            self.say("category_invalid", "error")
            return
        note, category, by = self.query_one("#note", Input).value, self.category, self.person.code

        def saved(_event) -> None:
            self.query_one("#amount", Input).value = ""
            self.query_one("#note", Input).value = ""
            self.say("hg_saved", "ok", amount=i18n.euros(cents))
            self.load_month()

        self.run_db(lambda store: store.record_expense(cents, category, note, by=by), saved)
