"""Closing the room: the day's summary, shifts that will be ended, the cash count."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Button, Input, Static

from kiosk.messages import KeyHolderTaskChosen, RoomClosed
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
    then_leave = False  # closing on the way out of the kiosk (CloseThenLeaveScreen)
    CSS = """
    #close #summary { margin: 0; }
    #close #summary-text { height: auto; }
    #close #summary-more { padding: 0; display: none; }
    #close .choice-row { margin: 0; }
    """

    def __init__(self, person: Person):
        super().__init__()
        self.person = person
        self.busy = False

    def compose(self) -> ComposeResult:
        with Vertical(id="close", classes="page"):
            yield Static(self.t("close_title"), classes="title", markup=False)
            yield VerticalScroll(Static(self.t("loading"), markup=False), id="summary")
            yield Static(self.t("close_more"), id="summary-more", classes="muted", markup=False)
            with Horizontal(classes="choice-row"):
                yield Static(self.t("close_cash"), classes="label", markup=False)
                yield KioskInput(placeholder=self.t("amount_placeholder"), id="cash", max_length=10)
            yield Notice()
            with Horizontal(classes="bottom-row"):
                yield Button(self.t("back"), id="back")
                yield Button(self.t("close_confirm"), id="close-confirm", variant="warning")

    def on_mount(self) -> None:
        box = self.query_one("#summary", VerticalScroll)
        self.watch(box, "virtual_size", self.show_more_hint, init=False)
        self.watch(box, "size", self.show_more_hint, init=False)
        self.run_db(
            lambda store: queries.day_summary(store.conn, store.room, store.clock().date()),
            self.show_summary,
        )

    def summary_lines(self, summary: queries.DaySummary) -> list[str]:
        """Compact lines, what closing changes (running shifts) first, so a small screen fits."""
        catalog, lang = self.kiosk_app.catalog, self.kiosk_app.lang

        def label(a: str) -> str:
            activity = catalog.activities.get(a)
            return f"{activity.icon} {activity.label(lang)}" if activity else a

        unnamed, none = self.t("no_name"), self.t("close_none")
        lines = [
            "   ".join(
                [
                    self.t("close_checkins", n=summary.visits),
                    self.t("close_people", n=summary.distinct_visitors),
                    self.t("close_anonymous", n=summary.anonymous_visits),
                ]
            )
        ]
        if summary.open_shifts:
            lines.append(
                self.t("close_open_shifts")
                + " "
                + ", ".join(
                    f"🕐 {s.name or unnamed} ({s.started_at[11:16]})" for s in summary.open_shifts
                )
            )
        lines.append(
            self.t("close_per_activity")
            + " "
            + ("  ·  ".join(f"{label(a)}: {n}" for a, n in summary.per_activity.items()) or none)
        )
        if summary.jobs:
            lines.append(
                self.t("close_jobs")
                + " "
                + "  ·  ".join(f"{label(a)}: {n}" for a, n in summary.jobs.items())
            )
        lines.append(
            self.t("close_volunteers")
            + " "
            + (
                "  ·  ".join(
                    f"{s.name or unnamed}: {hours_text(s.hours)} {self.t('hours_unit')}"
                    for s in summary.shifts
                )
                or none
            )
        )
        if summary.expenses_cents:
            lines.append(self.t("close_expenses", amount=i18n.euros(summary.expenses_cents)))
        return lines

    def show_summary(self, summary: queries.DaySummary) -> None:
        box = self.query_one("#summary", VerticalScroll)
        box.remove_children()
        box.mount(Static("\n".join(self.summary_lines(summary)), id="summary-text", markup=False))

    def show_more_hint(self, *_sizes: object) -> None:
        """Say so when the summary does not fit: the scroll bar alone is easy to miss."""
        box = self.query_one("#summary", VerticalScroll)
        self.query_one("#summary-more", Static).display = (
            box.virtual_size.height > box.scrollable_content_region.height
        )

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.close_room()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "back":
            self.post_message(KeyHolderTaskChosen(self.person, "menu"))
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
        app, by = self.kiosk_app, self.person.code
        leaving = self.person if self.then_leave else None

        def job(store: RoomStore) -> RoomClosed:
            _, ended = store.close_room(by=by, cash_counted_cents=cents)
            app.write_status_file(False)
            names = []
            for shift in ended:
                person = store.person(shift.code)
                names.append(person.name if person else self.t("no_name"))
            return RoomClosed(names, leaving=leaving)

        self.run_db(job, self.post_message)

    def failed(self, key: str, fields: dict[str, object]) -> None:
        self.busy = False
        super().failed(key, fields)


class CloseThenLeaveScreen(CloseScreen):
    """The normal close (summary, cash count), then back to leaving instead of home."""

    then_leave = True
