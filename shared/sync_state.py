"""The ``sync_state`` table: small key/value facts syncd keeps (room and central).

Room: ``exported_seq``, ``acked_seq``, ``last_export_at``, ``last_ack_at``, the last purge
day, central's clock; central: ``ack_sent:ROOM``. The table comes from
``m006_create_sync_tables``.
"""

from __future__ import annotations

import sqlite3
from typing import Any

from shared.db import transaction

GET_STATE = "SELECT value FROM sync_state WHERE key = ?"
SET_STATE = (
    "INSERT INTO sync_state (key, value) VALUES (?, ?) "
    "ON CONFLICT(key) DO UPDATE SET value = excluded.value"
)
ALL_STATE = "SELECT key, value FROM sync_state"


def get_state(conn: sqlite3.Connection, key: str, default: str | None = None) -> str | None:
    row = conn.execute(GET_STATE, (key,)).fetchone()
    return row[0] if row else default


def get_int(conn: sqlite3.Connection, key: str) -> int:
    return int(get_state(conn, key, "0") or 0)


def set_state(conn: sqlite3.Connection, key: str, value: Any) -> None:
    """Set one value; inside a transaction if the caller has one, else in its own."""
    if conn.in_transaction:
        conn.execute(SET_STATE, (key, str(value)))
    else:
        with transaction(conn):
            conn.execute(SET_STATE, (key, str(value)))


def all_state(conn: sqlite3.Connection) -> dict[str, str]:
    return {k: v for k, v in conn.execute(ALL_STATE)}
