"""The kiosk's text box: an Input whose cursor blink can be switched off (snapshots)."""

from __future__ import annotations

from textual.widgets import Input


class KioskInput(Input):
    BLINK = True  # tests set this False so screenshots are stable

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.cursor_blink = self.BLINK
        self.select_on_focus = False  # a tap on a pad key or "Meer…" must not wipe the name
