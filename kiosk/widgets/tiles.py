"""Big toggle tiles: an icon beside a label, for activities and choices."""

from __future__ import annotations

from textual.content import Content
from textual.widgets import Button


class Tile(Button):
    """A button that toggles ``chosen``; shows a tick when chosen."""

    DEFAULT_CSS = """
    Tile { width: 1fr; height: 3; margin: 0 1 1 0; }
    Tile.-chosen { background: $success; color: $text; text-style: bold; }
    """

    def __init__(
        self, icon: str, label: str, *, name: str, id: str | None = None, chosen: bool = False
    ):
        self.icon, self.text = icon, label
        super().__init__(self._label(chosen), name=name, id=id)
        self.chosen = chosen
        self.set_class(chosen, "-chosen")
        self.active_effect_duration = 0  # every tap toggles, however quick

    def _label(self, chosen: bool) -> Content:
        return Content(f"{'✔' if chosen else self.icon} {self.text}")

    def toggle(self) -> bool:
        self.set_chosen(not self.chosen)
        return self.chosen

    def set_chosen(self, chosen: bool) -> None:
        self.chosen = chosen
        self.set_class(chosen, "-chosen")
        self.label = self._label(chosen)


class RepeatButton(Button):
    """A button that takes quick repeated taps (+ and −): no "active" pause."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.active_effect_duration = 0
