"""Corrections: today's entries; void a mistaken one (recorded, nothing deleted)."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.widgets import Button, Static

from kiosk.messages import KeyHolderTaskChosen
from kiosk.screens.base import KioskScreen
from kiosk.widgets.notice import Notice
from shared import i18n, queries
from shared.people import Person


class CorrectionsScreen(KioskScreen):
    def __init__(self, person: Person):
        super().__init__()
        self.person = person
        self.entries: dict[str, queries.Entry] = {}
        self.pending: str | None = None

    def compose(self) -> ComposeResult:
        with Vertical(id="corrections", classes="page"):
            yield Static(self.t("corr_title"), classes="title", markup=False)
            yield Static(self.t("corr_hint"), classes="muted", markup=False)
            yield VerticalScroll(id="entries")
            yield Notice()
            with Horizontal(classes="bottom-row"):
                yield Button(self.t("back"), id="back")
                yield Button(self.t("corr_void"), id="void", variant="error")

    def on_mount(self) -> None:
        self.load()

    def load(self) -> None:
        self.run_db(
            lambda store: queries.day_entries(store.conn, store.room, store.clock().date()),
            self.show_entries,
        )

    def describe(self, entry: queries.Entry) -> str:
        app = self.kiosk_app
        what = self.t(f"kind_{entry.kind}")
        activity = app.catalog.activities.get(entry.activity or "")
        if activity:
            what = f"{activity.icon} {activity.label(app.lang)}"
        if entry.kind == "cash_expense":
            what += f" € {i18n.euros(int(entry.payload.get('cents', 0)))}"
        if entry.visitor is None and entry.by:  # handgeld: the key holder who entered it
            who = self.t("corr_by", name=entry.by_name or self.t("no_name"))
        else:
            who = entry.name or (self.t("anonymous") if not entry.visitor else self.t("no_name"))
        return f"{entry.at[11:16]}  {what}  ·  {who}"

    def show_entries(self, entries: list[queries.Entry]) -> None:
        self.entries = {e.id: e for e in entries}
        self.pending = None
        box = self.query_one("#entries", VerticalScroll)
        box.remove_children()
        if not entries:
            box.mount(Static(self.t("corr_empty"), markup=False))
            return
        box.mount_all(
            Button(Content(self.describe(e)), name=e.id, classes="entry") for e in entries
        )

    def on_button_pressed(self, event: Button.Pressed) -> None:
        button = event.button
        if button.has_class("entry") and button.name in self.entries:
            self.pending = button.name
            for other in self.query(".entry"):
                other.set_class(other is button, "-chosen")
            self.say_text(self.t("corr_confirm", what=self.describe(self.entries[button.name])))
        elif button.id == "void" and not self.pending:
            self.say("corr_pick_first", "error")
        elif button.id == "void" and self.pending:
            event_id, by = self.pending, self.person.code

            def done(_event) -> None:
                self.load()
                self.say("corr_done", "ok")

            self.run_db(lambda store: store.void(event_id, by=by), done)
        elif button.id == "back":
            self.post_message(KeyHolderTaskChosen(self.person, "menu"))
