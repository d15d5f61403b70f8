"""Confirmation: "Welkom, Zoë!" and what was recorded; goes home by itself.

Leaving it always means "the next visitor", so the kiosk speaks Dutch again.
Keys typed here are the next visitor's: they go to the welcome screen's box
(a name to search for, or a scanned code and its Enter).
"""

from __future__ import annotations

from textual import events
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.timer import Timer
from textual.widgets import Button, Static

from kiosk.messages import HomeRequested
from kiosk.screens.base import KioskScreen
from kiosk.widgets.speak import SpeakButton


def checkin_lines(app, activities: list[str]) -> list[str]:
    lines = []
    for activity_id in activities:
        activity = app.catalog.activities.get(activity_id)
        lines.append(f"{activity.icon} {activity.label(app.lang)}" if activity else activity_id)
    return lines


class ConfirmScreen(KioskScreen):
    """Keys are not bound to the OK button here: the next visitor may already be scanning.

    One instance is kept per language (``app.cached``); ``reset`` fills it in.
    """

    AUTO_FOCUS = None

    def __init__(self) -> None:
        super().__init__()
        self.name_: str | None = None
        self.lines: list[str] = []
        self.recorded = True
        self.timer: Timer | None = None

    def title_text(self) -> str:
        return (
            self.t("confirm_welcome_name", name=self.name_)
            if self.name_
            else self.t("confirm_welcome")
        )

    def speech_text(self) -> str:
        recorded = (
            f" {self.t('confirm_recorded')} {', '.join(self.lines)}."
            if self.recorded and self.lines
            else ""
        )
        return f"{self.title_text()}{recorded} {self.t('confirm_bye')}"

    def next_visitor(self) -> None:
        self.post_message(HomeRequested(fresh=True))

    def compose(self) -> ComposeResult:
        with Vertical(id="confirm", classes="page"):
            yield Static("", id="confirm-title", classes="title huge", markup=False)
            yield Static(
                self.t("confirm_recorded"), id="confirm-recorded", classes="text", markup=False
            )
            yield Static("", id="confirm-lines", classes="big recorded", markup=False)
            yield Static(self.t("confirm_bye"), classes="text", markup=False)
            with Horizontal(classes="centre-row"):
                yield SpeakButton()
                ok = Button(self.t("ok"), id="ok", variant="success")
                ok.can_focus = False
                yield ok

    def on_mount(self) -> None:
        self.fill()

    def reset(self, name: str | None, lines: list[str], *, recorded: bool = True) -> None:
        self.name_, self.lines, self.recorded, self.scanned = name, list(lines), recorded, ""
        if self.is_mounted:
            self.fill()

    def fill(self) -> None:
        self.query_one("#confirm-title", Static).update(f"🎉  {self.title_text()}")
        self.query_one("#confirm-recorded").display = bool(self.recorded and self.lines)
        self.query_one("#confirm-lines", Static).update(
            "\n".join(f"  {line}" for line in self.lines)
        )

    def on_screen_resume(self) -> None:
        if self.timer:
            self.timer.stop()
        self.timer = self.set_timer(self.kiosk_app.settings.confirm_seconds, self.next_visitor)

    def on_screen_suspend(self) -> None:
        if self.timer:
            self.timer.stop()
            self.timer = None

    def on_key(self, event: events.Key) -> None:
        if event.key == "enter":
            event.stop()
            self.next_visitor()
        elif event.character and len(event.character) == 1 and event.character.isprintable():
            event.stop()
            self.kiosk_app.type_ahead(event.character)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "ok":
            self.next_visitor()
