"""Confirmation: "Welkom, Zoë!" and what was recorded; goes home by itself."""

from __future__ import annotations

from textual import events
from textual.app import ComposeResult
from textual.containers import Center, Vertical
from textual.timer import Timer
from textual.widgets import Button, Static

from kiosk.messages import HomeRequested
from kiosk.screens.base import KioskScreen


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
    catches_scans = True

    def __init__(self) -> None:
        super().__init__()
        self.name_: str | None = None
        self.lines: list[str] = []
        self.recorded = True
        self.timer: Timer | None = None

    def title_text(self) -> str:
        return (self.t("confirm_welcome_name", name=self.name_) if self.name_
                else self.t("confirm_welcome"))

    def compose(self) -> ComposeResult:
        with Vertical(id="confirm", classes="page"):
            yield Static("", id="confirm-title", classes="title huge", markup=False)
            yield Static(self.t("confirm_recorded"), id="confirm-recorded", classes="text",
                         markup=False)
            yield Static("", id="confirm-lines", classes="big recorded", markup=False)
            yield Static(self.t("confirm_bye"), classes="text", markup=False)
            with Center():
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
            "\n".join(f"  {line}" for line in self.lines))

    def on_screen_resume(self) -> None:
        if self.timer:
            self.timer.stop()
        self.timer = self.set_timer(self.app.settings.confirm_seconds,  # type: ignore
                                    lambda: self.post_message(HomeRequested()))

    def on_screen_suspend(self) -> None:
        if self.timer:
            self.timer.stop()
            self.timer = None

    def on_key(self, event: events.Key) -> None:
        # KioskScreen.on_key (which keeps the typed characters) runs too: Textual
        # dispatches a handler of every class in the MRO.
        if event.key == "enter":
            event.stop()
            code = self.take_scanned()
            if code:
                self.identify_scanned(code)
            else:
                self.post_message(HomeRequested())

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "ok":
            self.post_message(HomeRequested())
