"""What syncd shows and checks: quarantine records, the database's soundness, and status
per room (central) or of the room's own sending (kiosk). Also read by ``shared.report``
and ``shared.trends``."""

from __future__ import annotations

import sqlite3
from typing import Any

from shared.acks import SELECT_ROOMS
from shared.db import transaction
from shared.outbox import max_seq
from shared.sync_state import all_state

INSERT_QUARANTINE = "INSERT INTO sync_quarantine (name, room, reason, at) VALUES (?, ?, ?, ?)"
COUNT_QUARANTINE = "SELECT room, COUNT(*) FROM sync_quarantine GROUP BY room"
PRUNE_QUARANTINE = (
    "DELETE FROM sync_quarantine WHERE at < ? OR id <= "
    "(SELECT id FROM sync_quarantine ORDER BY id DESC LIMIT 1 OFFSET ?)"
)


def record_quarantine(
    conn: sqlite3.Connection, name: str, room: str | None, reason: str, at: str
) -> None:
    """``room``: the sender whose signature was verified, None when none was."""
    with transaction(conn):
        conn.execute(INSERT_QUARANTINE, (name, room, reason, at))


def prune_quarantine(conn: sqlite3.Connection, keep: int, before: str) -> None:
    """Forget quarantine records older than ``before`` or beyond the newest ``keep``."""
    with transaction(conn):
        conn.execute(PRUNE_QUARANTINE, (before, keep))


def quarantine_counts(conn: sqlite3.Connection) -> dict[str | None, int]:
    return {r[0]: r[1] for r in conn.execute(COUNT_QUARANTINE)}


def database_problem(conn: sqlite3.Connection) -> str | None:
    """``PRAGMA quick_check``: None when the database is sound, else what is wrong."""
    try:
        rows = [r[0] for r in conn.execute("PRAGMA quick_check(5)")]
    except sqlite3.DatabaseError as exc:
        return str(exc)
    return None if rows == ["ok"] else "; ".join(map(str, rows))


def last_bundle_times(conn: sqlite3.Connection) -> dict[str, str]:
    try:
        return {r[0]: r[3] for r in conn.execute(SELECT_ROOMS) if r[3]}
    except sqlite3.OperationalError:  # a database from before m006
        return {}


def room_status(conn: sqlite3.Connection) -> dict[str, dict[str, Any]]:
    """Per room (central): contiguous seq held, bundles merged, last bundle, quarantined."""
    status: dict[str, dict[str, Any]] = {}
    for room, contiguous, bundles, last_at, last_created in conn.execute(SELECT_ROOMS):
        status[room] = {
            "contiguous_seq": contiguous,
            "bundles": bundles,
            "last_bundle_at": last_at,
            "last_bundle_created": last_created,
            "max_seq": max_seq(conn, room),
            "quarantined": 0,
        }
    for room, count in conn.execute(COUNT_QUARANTINE):
        if room in status:
            status[room]["quarantined"] = count
    return status


def room_sync_summary(conn: sqlite3.Connection, room: str) -> dict[str, Any]:
    """What a key holder wants to know at the kiosk: sent when, acknowledged up to where."""
    state = all_state(conn)
    top = max_seq(conn, room)
    acked = int(state.get("acked_seq", 0) or 0)
    return {
        "last_export_at": state.get("last_export_at"),
        "last_ack_at": state.get("last_ack_at"),
        "unacknowledged": max(top - acked, 0),
    }
