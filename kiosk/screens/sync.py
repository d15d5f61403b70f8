"""Sync status: what waits in the outbox and inbox, and the newest bundle."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Static

from kiosk.screens.base import KioskScreen
from kiosk.widgets.notice import Notice
from shared.clock import TZ, parse_iso
from shared.merge import room_sync_summary
from shared.people import Person


def folder_state(folder: Path) -> tuple[int, float | None]:
    """Finished files (no ``.tmp``) in a folder and the newest one's time."""
    try:
        files = [p for p in folder.iterdir() if p.is_file() and not p.name.endswith(".tmp")
                 and not p.name.startswith(".")]
    except OSError:
        return 0, None
    return len(files), max((p.stat().st_mtime for p in files), default=None)


class SyncScreen(KioskScreen):
    AUTO_FOCUS = "#back"

    def __init__(self, person: Person):
        super().__init__()
        self.person = person

    def compose(self) -> ComposeResult:
        with Vertical(id="sync", classes="page"):
            yield Static(self.t("sync_title"), classes="title", markup=False)
            yield Static(self.t("loading"), id="sync-text", classes="text", markup=False)
            yield Notice()
            with Horizontal(classes="bottom-row"):
                yield Button(self.t("back"), id="back")

    def on_mount(self) -> None:
        sync = self.app.settings.sync  # type: ignore[attr-defined]
        if sync is None:
            self.query_one("#sync-text", Static).update(self.t("sync_none"))
            return
        self.run_db(lambda store: (folder_state(sync.outbox), folder_state(sync.inbox),
                                   room_sync_summary(store.conn, store.room)), self.show)

    def _when(self, moment: datetime | None) -> str:
        return moment.strftime("%d-%m-%Y %H:%M") if moment else self.t("sync_never")

    def show(self, state) -> None:
        (outbox, newest_out), (inbox, newest_in), summary = state
        newest = max((t for t in (newest_out, newest_in) if t), default=None)
        parse = lambda text: parse_iso(text) if text else None  # noqa: E731
        self.query_one("#sync-text", Static).update("\n".join([
            self.t("sync_outbox", n=outbox), self.t("sync_inbox", n=inbox),
            self.t("sync_last", when=self._when(datetime.fromtimestamp(newest, TZ) if newest else None)),
            self.t("sync_last_export", when=self._when(parse(summary["last_export_at"]))),
            self.t("sync_last_ack", when=self._when(parse(summary["last_ack_at"]))),
            self.t("sync_unacked", n=summary["unacknowledged"])]))

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "back":
            from kiosk.screens.keyholder import KeyHolderScreen

            self.app.show(KeyHolderScreen(self.person))  # type: ignore[attr-defined]
