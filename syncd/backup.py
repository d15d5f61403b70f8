"""``bwk-syncd backup`` (a consistent copy of a database while the daemon runs) and
``bwk-syncd resend --all`` (a room sends its whole log again: rebuilding central)."""

from __future__ import annotations

import time
from pathlib import Path

from shared import outbox, verify_queries
from shared.clock import Clock, system_clock
from shared.config import CentralConfig, RoomConfig, load_config
from shared.db import connect
from syncd import transport
from syncd.common import SetupError, now_iso


def backup(config_path: Path, out: Path) -> int:
    """Copy the config's database (central's, or a room's) to ``out``; its size in bytes."""
    config = load_config(config_path)
    database = (
        config.central.database if isinstance(config, CentralConfig) else config.room.database
    )
    if not database.exists():
        raise SetupError(f"{database}: the database does not exist, there is nothing to back up")
    out = out.expanduser()
    if out.resolve() in {Path(f"{database}{s}").resolve() for s in ("", "-wal", "-shm")}:
        raise SetupError(f"{out}: that is the database itself; give another file to write to")
    if not out.parent.is_dir():
        raise SetupError(f"{out.parent}: no such folder for the backup")
    return verify_queries.back_up(database, out)


def resend_all(config_path: Path, clock: Clock = system_clock) -> tuple[str, int, int]:
    """Forget what central acknowledged: the next pass exports from seq 1. Returns the
    room, its highest seq and the number of old acknowledgements dropped.

    Acknowledgements still waiting in the inbox were written by the central that was
    lost: read after the reset they would say central holds what it no longer holds.
    """
    config = load_config(config_path)
    if not isinstance(config, RoomConfig):
        raise SetupError(
            f"{config_path}: resend runs in a room (with the room's config); central receives"
        )
    if config.sync is None:
        raise SetupError(f"{config_path}: no [sync] section: this room does not sync")
    if not config.room.database.exists():
        raise SetupError(f"{config.room.database}: the database does not exist")
    conn = connect(config.room.database)
    try:
        at = now_iso(clock)
        _wait_for_the_next_second(at, clock)
        verify_queries.reset_export_marks(conn, at)
        stale = transport.incoming(config.sync.inbox, ("ack",))
        for name in stale:
            transport.remove(config.sync.inbox, name)
        return config.room.id, outbox.max_seq(conn, config.room.id), len(stale)
    finally:
        conn.close()


def _wait_for_the_next_second(at: str, clock: Clock, limit: float = 1.5) -> None:
    """Bundle times have whole seconds: the room counts only acks for bundles sealed after
    ``at``, so nothing exported from the reset on may carry the second ``at`` itself."""
    deadline = time.monotonic() + limit
    while now_iso(clock) == at and time.monotonic() < deadline:
        time.sleep(0.02)
