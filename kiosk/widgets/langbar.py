"""The language choice: always visible on the welcome and closed screens.

No flags (a language is not a country): each button shows the language's own
name and a short greeting in it, so a visitor recognises their language even
when they do not read the name.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.content import Content
from textual.widgets import Button

from kiosk.messages import LanguageChosen
from shared.i18n import LANGUAGES, language_name, t


class LanguageBar(Horizontal):
    # sizes live in kiosk.tcss (the app's CSS beats a widget's DEFAULT_CSS)

    def __init__(self, current: str):
        super().__init__(id="langbar")
        self.current = current

    def compose(self) -> ComposeResult:
        for lang in LANGUAGES:
            label = Content(f"{language_name(lang)}\n{t(lang, 'lang_greeting')}")
            yield Button(
                label,
                id=f"lang-{lang}",
                name=lang,
                compact=False,
                variant="primary" if lang == self.current else "default",
                classes="lang",
            )

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if event.button.name:
            self.post_message(LanguageChosen(event.button.name))
