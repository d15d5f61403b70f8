"""The 🔊 button: reads the screen's main text aloud (hidden when espeak-ng is missing)."""

from __future__ import annotations

from textual.widgets import Button

from kiosk.kiosk_app import kiosk_app


class SpeakButton(Button):
    DEFAULT_CSS = """
    SpeakButton { min-width: 8; width: 8; margin: 0 1 0 0; }
    """

    def __init__(self) -> None:
        super().__init__("🔊", id="speak", classes="speak")
        self.can_focus = False  # Enter and scans stay with the screen's own box
        self.active_effect_duration = 0

    def on_mount(self) -> None:
        self.display = kiosk_app(self).speaker.available

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        screen = self.screen
        text = screen.speech_text() if hasattr(screen, "speech_text") else ""
        app = kiosk_app(self)
        app.speaker.speak(text, app.lang)
