"""Sync status: what waits in the outbox and inbox, and the newest bundle."""

from __future__ import annotations

import logging
from datetime import datetime
from pathlib import Path

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Static

from kiosk.messages import KeyHolderTaskChosen
from kiosk.screens.base import KioskScreen
from kiosk.widgets.notice import Notice
from shared import i18n
from shared.clock import TZ, parse_iso
from shared.config import SyncSection
from shared.people import Person
from shared.sync_status import room_sync_summary

log = logging.getLogger("bwk.kiosk")


def missing_sync_files(sync: SyncSection) -> list[tuple[str, Path]]:
    """The key files a [sync] section names that are not there: (text key, path).

    Only existence is checked: the kiosk never reads the room's private key."""
    wanted = (("sync_missing_key", sync.key), ("sync_missing_central", sync.central_key))
    return [(key, path) for key, path in wanted if not path.exists()]


def log_sync_problems(sync: SyncSection | None, room: str) -> list[str]:
    """At start-up: say in the log (and return) what keeps this room from syncing."""
    if sync is None:
        return []
    lines = [
        f"sync: {i18n.t('en', key, path=path, room=room)} Nothing is sent to central until "
        "it is there."
        for key, path in missing_sync_files(sync)
    ]
    for line in lines:
        log.warning(line)
    return lines


def folder_state(folder: Path) -> tuple[int, float | None]:
    """Finished files (no ``.tmp``) in a folder and the newest one's time."""
    try:
        files = [
            p
            for p in folder.iterdir()
            if p.is_file() and not p.name.endswith(".tmp") and not p.name.startswith(".")
        ]
    except OSError:
        return 0, None
    return len(files), max((p.stat().st_mtime for p in files), default=None)


class SyncScreen(KioskScreen):
    AUTO_FOCUS = "#back"
    CSS = "#sync-missing { color: $text-warning; text-style: bold; }"

    def __init__(self, person: Person):
        super().__init__()
        self.person = person

    def compose(self) -> ComposeResult:
        with Vertical(id="sync", classes="page"):
            yield Static(self.t("sync_title"), classes="title", markup=False)
            yield Static("", id="sync-missing", classes="text", markup=False)
            yield Static(self.t("loading"), id="sync-text", classes="text", markup=False)
            yield Notice()
            with Horizontal(classes="bottom-row"):
                yield Button(self.t("back"), id="back")

    def on_mount(self) -> None:
        sync = self.kiosk_app.settings.sync
        self.query_one("#sync-missing", Static).display = False
        if sync is None:
            self.query_one("#sync-text", Static).update(self.t("sync_none"))
            return
        missing = self.query_one("#sync-missing", Static)
        problems = missing_sync_files(sync)
        if problems:
            room = self.kiosk_app.settings.room_id
            missing.display = True
            missing.update(
                "\n".join(
                    [
                        self.t("sync_missing"),
                        *("• " + self.t(key, path=path, room=room) for key, path in problems),
                    ]
                )
            )
        self.run_db(
            lambda store: (
                folder_state(sync.outbox),
                folder_state(sync.inbox),
                room_sync_summary(store.conn, store.room),
            ),
            self.show,
        )

    def _when(self, moment: datetime | None) -> str:
        return moment.strftime("%d-%m-%Y %H:%M") if moment else self.t("sync_never")

    def show(self, state) -> None:
        (outbox, newest_out), (inbox, newest_in), summary = state
        newest = max((t for t in (newest_out, newest_in) if t), default=None)
        parse = lambda text: parse_iso(text) if text else None  # noqa: E731
        self.query_one("#sync-text", Static).update(
            "\n".join(
                [
                    self.t("sync_outbox", n=outbox),
                    self.t("sync_inbox", n=inbox),
                    self.t(
                        "sync_last",
                        when=self._when(datetime.fromtimestamp(newest, TZ) if newest else None),
                    ),
                    self.t("sync_last_export", when=self._when(parse(summary["last_export_at"]))),
                    self.t("sync_last_ack", when=self._when(parse(summary["last_ack_at"]))),
                    self.t("sync_unacked", n=summary["unacknowledged"]),
                ]
            )
        )

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "back":
            self.post_message(KeyHolderTaskChosen(self.person, "menu"))
