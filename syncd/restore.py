"""``bwk-syncd restore``: rebuild a replaced room machine's log from central's export.

Central runs ``bwk-syncd export-room --room ID --out FILE`` (sealed to the
room's key, signed by central); the room runs ``restore --from FILE``. The
database must hold no events of this room yet (a fresh file), so nothing is
overwritten. Names are not in the export (they never left the room): people
are re-learnt as they come back with their code. New events continue after
the last restored seq, and nothing restored is exported again.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from shared import outbox
from shared.bundle import MAX_RESTORE_BYTES, BundleRejected
from shared.config import load_room_config
from shared.db import connect
from shared.keys import KeyFileError, load_private, load_public
from shared.records import MergeRefused, to_rows
from syncd import transport
from syncd.central import open_restore
from syncd.common import SetupError, now_iso


def restore(config_path: Path, source: Path) -> tuple[int, int]:
    config = load_room_config(config_path)
    if config.sync is None:
        raise SetupError(f"{config_path}: restore needs the [sync] section (the room's key)")
    try:
        me = load_private(config.sync.key)
        central = load_public(config.sync.central_key)
    except KeyFileError as exc:
        raise SetupError(str(exc)) from None
    source = source.resolve()
    try:
        data = transport.read_bounded(source.parent, source.name, MAX_RESTORE_BYTES)
        opened = open_restore(data, me, central)
        if opened.header["room"] != config.room.id:
            raise BundleRejected("not for this room", opened.header["room"])
        events = to_rows(config.room.id, opened.records, None, None, opened.columns)
    except (BundleRejected, MergeRefused) as exc:
        raise SetupError(f"{source}: refused: {exc}") from None
    except Exception as exc:  # noqa: BLE001 - whatever the file's content makes the checks do
        raise SetupError(
            f"{source}: refused: could not be checked ({type(exc).__name__})"
        ) from None
    conn = connect(config.room.database)
    try:
        held = outbox.room_event_count(conn, config.room.id)
        if held:
            raise SetupError(
                f"{config.room.database} already holds {held} events of "
                f"{config.room.id}; restore into a new database (move this one away)"
            )
        try:
            added = outbox.restore_log(conn, config.room.id, events, now_iso())
        except MergeRefused as exc:
            raise SetupError(f"{source}: refused: {exc}") from None
        except (ValueError, TypeError, OverflowError, RecursionError, sqlite3.Error) as exc:
            # rolled back whole: the database is as it was
            raise SetupError(
                f"{source}: refused: its events cannot be stored "
                f"({type(exc).__name__}); nothing was restored"
            ) from None
        return added, outbox.max_seq(conn, config.room.id)
    finally:
        conn.close()
