"""Handgeld (petty cash, note 22): record an expense; this month against the cap.

An amount that takes the month over the cap, or is unusually large for petty
cash, is saved only after a second, explicit "save anyway".
"""

from __future__ import annotations

from rich.cells import cell_len
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Button, Input, Static

from kiosk.messages import KeyHolderTaskChosen
from kiosk.screens.base import KioskScreen
from kiosk.widgets.inputs import KioskInput
from kiosk.widgets.notice import Notice
from shared import i18n, queries
from shared.people import Person
from shared.store import RoomStore

MAX_EXPENSE_CENTS = 100_000  # the store refuses more in one expense
LARGE_SHARE_OF_CAP = 4  # more than a quarter of the month's cap in one go is unusual


def check_expense(month: queries.MonthCash, cents: int) -> tuple[str, dict] | None:
    """The warning an expense needs before it is saved, if any: (text key, fields)."""
    amount = i18n.euros(cents)
    if cents > MAX_EXPENSE_CENTS:
        return "hg_too_large", {"amount": amount, "max": i18n.euros(MAX_EXPENSE_CENTS)}
    if cents > month.left_cents:
        return "hg_confirm_over", {
            "amount": amount,
            "cap": i18n.euros(month.cap_cents),
            "left": i18n.euros(max(month.left_cents, 0)),
        }
    if cents * LARGE_SHARE_OF_CAP > month.cap_cents:
        return "hg_confirm_large", {"amount": amount}
    return None


class HandgeldScreen(KioskScreen):
    AUTO_FOCUS = "#amount"
    CSS = """
    #hg-form { height: 1fr; }
    #hg-form #categories { height: auto; grid-size: 2; grid-rows: auto; }
    #hg-form #categories Button { height: auto; min-height: 3; }
    #hg-form .choice-row { margin: 0; }
    """

    def __init__(self, person: Person):
        super().__init__()
        self.person = person
        self.category: str | None = None
        self.confirmed: tuple[int, str] | None = None  # (cents, category) the warning was shown for

    def compose(self) -> ComposeResult:
        app = self.kiosk_app
        catalog = app.catalog
        with Vertical(id="handgeld", classes="page"):
            yield Static(self.t("hg_title"), classes="title", markup=False)
            yield Static(self.t("loading"), id="month", classes="big", markup=False)
            with VerticalScroll(id="hg-form"):  # scrolls on a small screen; Save stays in view
                with Horizontal(classes="choice-row"):
                    yield Static(self.t("hg_amount"), classes="label", markup=False)
                    yield KioskInput(
                        placeholder=self.t("amount_placeholder"), id="amount", max_length=14
                    )
                yield Static(self.t("hg_category"), classes="muted", markup=False)
                with Vertical(id="categories"):
                    for letter in catalog.handgeld_categories:
                        text = catalog.handgeld_label(letter, app.lang)
                        yield Button(
                            f"{letter}  {text}", id=f"cat-{letter}", name=letter, classes="category"
                        )
                with Horizontal(classes="choice-row"):
                    yield Static(self.t("hg_note"), classes="label", markup=False)
                    yield KioskInput(id="note", max_length=80)
            yield Notice()
            with Horizontal(classes="bottom-row"):
                yield Button(self.t("back"), id="back")
                yield Button(self.t("hg_save"), id="save", variant="success")

    def on_mount(self) -> None:
        # wide enough for "save anyway" too: the label changes, the row does not re-measure it
        widest = max(cell_len(self.t("hg_save")), cell_len(self.t("hg_save_anyway")))
        self.query_one("#save", Button).styles.min_width = widest + 4
        self.load_month()

    def load_month(self) -> None:
        cap = self.kiosk_app.catalog.handgeld_cap

        def job(store: RoomStore) -> queries.MonthCash:
            today = store.clock().date()
            return queries.month_cash(store.conn, store.room, today.year, today.month, cap)

        self.run_db(job, self.show_month)

    def show_month(self, month: queries.MonthCash) -> None:
        text = self.t(
            "hg_month",
            spent=i18n.euros(month.spent_cents),
            cap=i18n.euros(month.cap_cents),
            left=i18n.euros(max(month.left_cents, 0)),
        )
        if month.left_cents < 0:
            text += "  " + self.t("hg_over", cap=i18n.euros(month.cap_cents))
        self.query_one("#month", Static).update(text)

    def on_input_changed(self, event: Input.Changed) -> None:
        if event.input.id == "amount":
            self.unconfirm()

    def unconfirm(self) -> None:
        """A changed amount or category needs its own warning again."""
        if self.confirmed is not None:
            self.confirmed = None
            self.query_one("#save", Button).label = self.t("hg_save")

    def on_button_pressed(self, event: Button.Pressed) -> None:
        button = event.button
        if button.has_class("category"):
            self.category = button.name
            self.unconfirm()
            for other in self.query(".category"):
                other.set_class(other is button, "-chosen")
        elif button.id == "back":
            self.post_message(KeyHolderTaskChosen(self.person, "menu"))
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
        confirmed = self.confirmed == (cents, category)
        cap = self.kiosk_app.catalog.handgeld_cap

        def job(store: RoomStore) -> tuple[str, dict] | None:
            today = store.clock().date()
            month = queries.month_cash(store.conn, store.room, today.year, today.month, cap)
            warning = check_expense(month, cents)
            if warning and (warning[0] == "hg_too_large" or not confirmed):
                return warning  # nothing saved yet
            store.record_expense(cents, category, note, by=by)
            return None

        self.run_db(job, lambda warning: self.saved(warning, cents, category))

    def saved(self, warning: tuple[str, dict] | None, cents: int, category: str) -> None:
        if warning is not None:
            key, fields = warning
            self.say(key, "error", **fields)
            if key != "hg_too_large":
                self.confirmed = (cents, category)
                self.query_one("#save", Button).label = self.t("hg_save_anyway")
            return
        self.confirmed, self.category = None, None
        self.query_one("#save", Button).label = self.t("hg_save")
        for button in self.query(".category"):
            button.remove_class("-chosen")
        self.query_one("#amount", Input).value = ""
        self.query_one("#note", Input).value = ""
        self.say("hg_saved", "ok", amount=i18n.euros(cents))
        self.load_month()
        self.query_one("#amount", Input).focus()
