"""A one-line message to the person at the kiosk (plain text, never markup)."""

from __future__ import annotations

from textual.widgets import Static


class Notice(Static):
    DEFAULT_CSS = """
    Notice { height: auto; min-height: 1; padding: 0 1; color: $text-muted; }
    Notice.-error { color: $text-error; text-style: bold; }
    Notice.-ok { color: $text-success; text-style: bold; }
    """

    def __init__(self, text: str = "", *, id: str | None = "notice", classes: str = ""):
        super().__init__(text, id=id, classes=classes, markup=False)

    def say(self, text: str, kind: str = "") -> None:
        self.set_classes(f"-{kind}" if kind else "")
        self.update(text)
