"""On-screen keypads for a touch screen without a keyboard (a physical keyboard keeps working).

Each key is a big button that never takes the focus, so the text box keeps
it (and a scanner or keyboard can type on). A pad posts ``KeyPad.Typed``;
the screen puts the key into its text box (``KioskScreen.on_key_pad_typed``).
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Grid
from textual.content import Content
from textual.message import Message
from textual.widgets import Button

from shared.codes import ALPHABET

BACKSPACE, ENTER, SPACE = "backspace", "enter", "space"
LABELS = {BACKSPACE: "⌫", ENTER: "⏎", SPACE: "␣", "-": "-"}


class KeyPad(Grid):
    """A grid of big keys; subclasses say which keys and how many columns."""

    KEYS: tuple[str, ...] = ()
    COLUMNS = 10
    KEY_WIDTH = 6  # cells; 3 lines high: a fingertip on a small touch screen
    DEFAULT_CSS = """
    KeyPad { height: auto; grid-gutter: 0 1; margin: 1 0 0 0; grid-rows: 3; }
    KeyPad Button.pad-key { width: 100%; min-width: 3; height: 3; text-style: bold; }
    """

    class Typed(Message):
        """A key was touched: a character, or ``backspace`` / ``enter`` / ``space``."""

        def __init__(self, pad: KeyPad, key: str) -> None:
            super().__init__()
            self.pad = pad
            self.key = key

        @property
        def control(self) -> KeyPad:
            return self.pad

    def __init__(
        self, *, id: str | None = None, classes: str = "", target: str | None = None
    ) -> None:
        super().__init__(id=id, classes=classes)
        self.target = target  # a selector for the box to type into (default: the focused one)
        self.styles.grid_size_columns = self.COLUMNS
        self.styles.width = self.COLUMNS * (self.KEY_WIDTH + 1) - 1

    def compose(self) -> ComposeResult:
        for key in self.KEYS:
            button = Button(
                Content(LABELS.get(key, key)),
                name=key,
                classes="pad-key",
                id=f"{self.id}-{_key_id(key)}" if self.id else None,
            )
            button.can_focus = False
            button.active_effect_duration = 0  # quick taps all count
            yield button

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if event.button.name:
            self.post_message(self.Typed(self, event.button.name))


def _key_id(key: str) -> str:
    return key if key.isalnum() else {"-": "dash"}.get(key, key)


class DigitPad(KeyPad):
    """Ten big digits for a PIN, phone-style."""

    KEYS = ("1", "2", "3", "4", "5", "6", "7", "8", "9", BACKSPACE, "0", ENTER)
    COLUMNS = 3
    KEY_WIDTH = 9


class CodePad(KeyPad):
    """The 32 characters a visitor code can have; the dash is optional."""

    KEYS = tuple(ALPHABET) + ("-", BACKSPACE, ENTER)
    COLUMNS = 12
    KEY_WIDTH = 5  # twelve across still fit an 80-column screen


class LetterPad(KeyPad):
    """A to Z for names (the box gets a capital at the start of a word)."""

    KEYS = tuple("ABCDEFGHIJKLMNOPQRSTUVWXYZ") + (SPACE, BACKSPACE, ENTER)
    COLUMNS = 10
