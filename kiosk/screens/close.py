"""Closing the room: the day's summary, shifts that will be ended, the cash count."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Button, Input, Static

from kiosk.messages import RoomClosed
from kiosk.screens.base import KioskScreen
from kiosk.widgets.inputs import KioskInput
from kiosk.widgets.notice import Notice
from shared import i18n, queries
from shared.people import Person
from shared.store import RoomStore


def hours_text(hours: float) -> str:
    return f"{hours:.1f}".replace(".", ",")


class CloseScreen(KioskScreen):
    AUTO_FOCUS = "#cash"

    def __init__(self, person: Person):
        super().__init__()
        self.person = person
        self.busy = False

    def compose(self) -> ComposeResult:
        with Vertical(id="close", classes="page"):
            yield Static(self.t("close_title"), classes="title", markup=False)
            yield VerticalScroll(Static(self.t("loading"), markup=False), id="summary")
            with Horizontal(classes="choice-row"):
                yield Static(self.t("close_cash"), classes="label", markup=False)
                yield KioskInput(placeholder=self.t("amount_placeholder"), id="cash", max_length=10)
            yield Notice()
            with Horizontal(classes="bottom-row"):
                yield Button(self.t("back"), id="back")
                yield Button(self.t("close_confirm"), id="close-confirm", variant="warning")

    def on_mount(self) -> None:
        self.run_db(lambda store: queries.day_summary(store.conn, store.room, store.clock().date()),
                    self.show_summary)

    def show_summary(self, summary: queries.DaySummary) -> None:
        app = self.app
        label = lambda a: (f"{app.catalog.activities[a].icon} {app.catalog.activities[a].label(app.lang)}"  # noqa: E731,E501
                           if a in app.catalog.activities else a)  # type: ignore[attr-defined]
        none = self.t("close_none")
        lines = [
            self.t("close_visits", n=summary.visits) + "   " +
            self.t("close_people", n=summary.distinct_visitors) + "   " +
            self.t("close_anonymous", n=summary.anonymous_visits),
            "",
            self.t("close_per_activity"),
            *([f"  {label(a)}: {n}" for a, n in summary.per_activity.items()] or [f"  {none}"]),
        ]
        if summary.jobs:
            lines += [self.t("close_jobs"), *[f"  {label(a)}: {n}" for a, n in summary.jobs.items()]]
        unnamed = self.t("no_name")
        lines += [self.t("close_volunteers"),
                  *([f"  {s.name or unnamed}: {hours_text(s.hours)} {self.t('hours_unit')}"
                     for s in summary.shifts] or [f"  {none}"])]
        if summary.open_shifts:
            lines += [self.t("close_open_shifts"),
                      *[f"  🕐 {s.name or unnamed} ({s.started_at[11:16]})"
                        for s in summary.open_shifts]]
        if summary.expenses_cents:
            lines.append(self.t("close_expenses", amount=i18n.euros(summary.expenses_cents)))
        box = self.query_one("#summary", VerticalScroll)
        box.remove_children()
        box.mount(Static("\n".join(lines), id="summary-text", markup=False))

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.close_room()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "back":
            from kiosk.screens.keyholder import KeyHolderScreen

            self.app.show(KeyHolderScreen(self.person))  # type: ignore[attr-defined]
        elif event.button.id == "close-confirm":
            self.close_room()

    def close_room(self) -> None:
        typed = self.query_one("#cash", Input).value
        cents = i18n.parse_euros(typed)
        if typed.strip() and cents is None:
            self.say("amount_invalid", "error")
            return
        if self.busy:
            return
        self.busy = True
        app, by = self.app, self.person.code

        def job(store: RoomStore) -> RoomClosed:
            _, ended = store.close_room(by=by, cash_counted_cents=cents)
            app.write_status_file(False)  # type: ignore[attr-defined]
            names = []
            for shift in ended:
                person = store.person(shift.code)
                names.append(person.name if person else self.t("no_name"))
            return RoomClosed(names)

        self.run_db(job, self.post_message)

    def failed(self, key: str, fields: dict) -> None:
        self.busy = False
        super().failed(key, fields)
