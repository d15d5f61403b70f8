"""What both roles share: the node interface, the pass report, logging, the clock."""

from __future__ import annotations

import gc
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from shared.clock import Clock, local_iso, system_clock
from shared.config import WatchSettings

if TYPE_CHECKING:  # sqlite3 is imported where used, as before
    import sqlite3

log = logging.getLogger("bwk-syncd")


class SetupError(RuntimeError):
    """The node cannot run at all (bad keys, bad folders); the message is for an operator."""


class DatabaseDamaged(SetupError):
    """``quick_check`` failed: the node refuses to merge or acknowledge until it is repaired."""


DAMAGED_HELP = (
    "Stop the daemon, then restore the database from a backup or rebuild it from "
    'the rooms\' logs (docs/RELIABILITY.md, "central.db is damaged").'
)


def prune_quarantine(
    section: WatchSettings, inbox: Path, conn: sqlite3.Connection, clock: Clock
) -> None:
    """Keep the quarantine within the configured count, size and age (files and records)."""
    from datetime import timedelta

    from shared import sync_status
    from syncd import transport

    days = section.quarantine_max_days
    transport.prune_quarantine(
        inbox, section.quarantine_max_files, section.quarantine_max_mb * 1024 * 1024, days * 86400.0
    )
    sync_status.prune_quarantine(
        conn, section.quarantine_max_files, local_iso(clock() - timedelta(days=days))
    )


def quarantine_file(
    inbox: Path,
    conn: sqlite3.Connection,
    name: str | bytes,
    attributed_to: str | None,
    reason: str,
    report: PassReport,
    at: str,
) -> None:
    """Move one inbox file to quarantine and record it; never raises (a pass must get
    past any file). ``attributed_to`` is the verified signer, or None."""
    import sqlite3

    from shared import sync_status
    from syncd import transport

    try:
        moved = transport.quarantine(inbox, name, reason)
    except OSError as exc:
        log.error("could not quarantine %s: %s", transport.safe_name(name), exc)
        return
    if moved is None:
        return
    report.quarantined += 1
    log.warning("quarantined %s: %s", moved.name, reason)
    try:
        sync_status.record_quarantine(conn, moved.name, attributed_to, reason, at)
    except sqlite3.Error as exc:
        log.error("could not record the quarantine of %s: %s", moved.name, exc)


class Node(Protocol):
    """What the daemon, ``once`` and ``status`` ask of a room or of central."""

    label: str  # "central" or the room id, for messages
    database: Path  # the node's own database (its health file lives beside it)

    def run_pass(self) -> PassReport: ...

    def status(self) -> dict[str, Any]: ...

    def watch_paths(self) -> list[Path]: ...

    def watch_settings(self) -> WatchSettings: ...

    def wakes_for(self, name: str) -> bool:
        """Besides bundle files, does a change to this file name owe a pass?"""
        ...

    def now(self) -> str: ...

    def close(self) -> None: ...


@dataclass
class PassReport:
    exported: int = 0  # events written to the outbox
    bundles_written: int = 0
    merged: int = 0  # events newly merged (central)
    bundles_read: int = 0
    quarantined: int = 0
    acks_written: int = 0
    notes: list[str] = field(default_factory=list)

    def summary(self) -> str:
        parts = [f"{k}={v}" for k, v in vars(self).items() if isinstance(v, int) and v]
        return " ".join(parts) or "nothing to do"


def now_iso(clock: Clock = system_clock) -> str:
    return local_iso(clock())


@contextmanager
def gc_paused() -> Iterator[None]:
    """No cyclic garbage collection while bundles are decoded and merged.

    A bundle decodes into tens of thousands of lists and tuples; each batch of
    new objects would start a collection that walks all of them again, for
    nothing (they hold no cycles). Reference counting still frees them.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
