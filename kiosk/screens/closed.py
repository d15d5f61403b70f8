"""The room is closed: a calm screen, opening hours, a way in for a key holder."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Center, Vertical
from textual.widgets import Button, Static

from kiosk.messages import KeyHolderLoginWanted
from kiosk.screens.base import KioskScreen
from kiosk.widgets.langbar import LanguageBar
from kiosk.widgets.notice import Notice


class ClosedScreen(KioskScreen):
    is_home = True
    AUTO_FOCUS = "#open"

    def __init__(self, *, notice: str | None = None, loading: bool = False):
        super().__init__()
        self.notice_text = notice or ""
        self.loading = loading

    def is_pristine(self) -> bool:
        return not self.notice_text

    def compose(self) -> ComposeResult:
        settings = self.kiosk_app.settings
        with Vertical(id="closed", classes="page"):
            if self.loading:
                yield Static(self.t("loading"), classes="title")
                return
            yield LanguageBar(self.kiosk_app.lang)
            yield Static(f"🌙  {self.t('closed_title')}", classes="title", markup=False)
            yield Static(settings.room_name, classes="subtitle", markup=False)
            if settings.opening_hours:
                yield Static(
                    self.t("closed_hours", hours=settings.opening_hours),
                    classes="big",
                    markup=False,
                )
            yield Static(self.t("closed_text"), classes="text", markup=False)
            yield Notice(self.notice_text, classes="-ok" if self.notice_text else "")
            with Center():
                yield Button(self.t("closed_open"), id="open", variant="primary")
            if settings.demo_key_holder:
                name, pin = settings.demo_key_holder
                yield Static(self.t("demo_hint", name=name, pin=pin), id="demo-hint", markup=False)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "open":
            self.post_message(KeyHolderLoginWanted("open"))
