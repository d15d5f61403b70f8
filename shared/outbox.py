"""A room's export side: which events go to central next, the outbox bundles waiting for
an acknowledgement, a re-send, and a room's whole log (export for a replaced machine,
and putting it back: restore).

Read in snapshots; each bookkeeping step is one transaction. Nothing here reads or
writes ``people``: names never leave the room.
"""

from __future__ import annotations

import sqlite3

from shared.db import transaction
from shared.event_rows import EVENT_COLUMNS, EventRow, RawEventRow
from shared.events import MergeOutcome, merge_rows
from shared.records import MergeRefused
from shared.sync_state import SET_STATE, get_state

MAX_SEQ = "SELECT COALESCE(MAX(seq), 0) FROM events WHERE room = ?"
COUNT_ROOM_EVENTS = "SELECT COUNT(*) FROM events WHERE room = ?"
INSERT_OUTBOX = (
    "INSERT OR REPLACE INTO sync_outbox (name, first_seq, last_seq, created) VALUES (?, ?, ?, ?)"
)
SELECT_OUTBOX = "SELECT name, first_seq, last_seq, created FROM sync_outbox ORDER BY first_seq"
DELETE_OUTBOX = "DELETE FROM sync_outbox WHERE name = ?"
SELECT_ROOM_LOG = f"SELECT {EVENT_COLUMNS} FROM events WHERE room = ? ORDER BY seq"
SELECT_ROWS_AFTER = (
    f"SELECT {EVENT_COLUMNS} FROM events WHERE room = ? AND seq > ? ORDER BY seq LIMIT ?"
)


def max_seq(conn: sqlite3.Connection, room: str) -> int:
    return int(conn.execute(MAX_SEQ, (room,)).fetchone()[0])


def room_event_count(conn: sqlite3.Connection, room: str) -> int:
    return int(conn.execute(COUNT_ROOM_EVENTS, (room,)).fetchone()[0])


def pending_events(
    conn: sqlite3.Connection, room: str, after_seq: int, limit: int
) -> list[EventRow]:
    """Events of ``room`` above ``after_seq`` as rows in ``FIELDS`` order (the records of
    a table bundle); the payload travels as the JSON text stored in the room, so
    central stores it unchanged.

    Read in one snapshot: every committed transaction is either wholly in it or not.
    """
    conn.execute("BEGIN")
    try:
        rows = conn.execute(SELECT_ROWS_AFTER, (room, after_seq, limit)).fetchall()
    finally:
        conn.execute("COMMIT")
    return list(map(EventRow._make, rows))


def record_export(
    conn: sqlite3.Connection, name: str, first_seq: int, last_seq: int, created: str
) -> None:
    """A bundle is safely in the outbox: remember it and move the exported mark."""
    with transaction(conn):
        conn.execute(INSERT_OUTBOX, (name, first_seq, last_seq, created))
        exported = int(get_state(conn, "exported_seq", "0") or 0)
        conn.execute(SET_STATE, ("exported_seq", str(max(exported, last_seq))))
        conn.execute(SET_STATE, ("last_export_at", created))


def outbox(conn: sqlite3.Connection) -> list[tuple[str, int, int, str]]:
    return [tuple(r) for r in conn.execute(SELECT_OUTBOX)]


def drop_outbox(conn: sqlite3.Connection, names: list[str]) -> None:
    with transaction(conn):
        conn.executemany(DELETE_OUTBOX, [(n,) for n in names])


def rewind_export(conn: sqlite3.Connection, to_seq: int, at: str) -> None:
    """Nothing acknowledged for a while: export again from ``to_seq`` (central dedups)."""
    with transaction(conn):
        conn.execute(SET_STATE, ("exported_seq", str(to_seq)))
        conn.execute(SET_STATE, ("last_resend_at", at))


def room_log(conn: sqlite3.Connection, room: str) -> list[EventRow]:
    """Every event of ``room`` as rows in ``FIELDS`` order, by seq."""
    return list(map(EventRow._make, conn.execute(SELECT_ROOM_LOG, (room,))))


def restore_log(conn: sqlite3.Connection, room: str, rows: list[RawEventRow], at: str) -> int:
    """Put a room's log back (restore): union, projections, and nothing left to export."""
    with transaction(conn):
        outcome = merge_rows(conn, rows, all_or_nothing=True) if rows else MergeOutcome(0, 0, ())
        if outcome.conflicts:
            raise MergeRefused("conflict", "this database already holds other events")
        top = max_seq(conn, room)
        for key in ("acked_seq", "exported_seq"):
            conn.execute(SET_STATE, (key, str(top)))
        conn.execute(SET_STATE, ("restored_at", at))
    return outcome.added
