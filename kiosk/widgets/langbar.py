"""The language choice: always visible on the welcome and closed screens."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import Button

from kiosk.messages import LanguageChosen
from shared.i18n import LANGUAGES, language_name


class LanguageBar(Horizontal):
    DEFAULT_CSS = """
    LanguageBar { height: 3; width: 100%; align-horizontal: center; }
    LanguageBar Button { min-width: 12; margin: 0 1 0 0; }
    """

    def __init__(self, current: str):
        super().__init__(id="langbar")
        self.current = current

    def compose(self) -> ComposeResult:
        for lang in LANGUAGES:
            yield Button(language_name(lang), id=f"lang-{lang}", name=lang, compact=False,
                         variant="primary" if lang == self.current else "default",
                         classes="lang")

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if event.button.name:
            self.post_message(LanguageChosen(event.button.name))
