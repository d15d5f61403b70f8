"""Wrong-PIN counters: one per key holder, one gentle one for names that are no key holder.

A counter is a row in the room-local ``pin_attempts`` table (its ``scope`` is
the counter's name), so a wait survives a kiosk restart. Counting per key
holder means a prankster typing one name can lock out only that name, and
never for long; other key holders still open and close the room.
"""

from __future__ import annotations

import math
import sqlite3
from dataclasses import dataclass
from datetime import datetime, timedelta

from shared.clock import local_iso, parse_iso
from shared.db import transaction

SELECT_PIN_ATTEMPTS = "SELECT failures, locked_until FROM pin_attempts WHERE scope = ?"
UPSERT_PIN_ATTEMPTS = (
    "INSERT INTO pin_attempts (scope, failures, locked_until) VALUES (?, ?, ?) "
    "ON CONFLICT(scope) DO UPDATE SET failures = excluded.failures, "
    "locked_until = excluded.locked_until"
)
CLEAR_PIN_ATTEMPTS = "DELETE FROM pin_attempts WHERE scope = ?"


@dataclass(frozen=True)
class Limit:
    free_tries: int
    first_wait_seconds: int
    max_wait_seconds: int


# 5 free tries, then 60 s doubling up to an hour: at most ~24 guesses a day per key holder.
KEY_HOLDER_LIMIT = Limit(5, 60, 3600)
# Unknown names lock out nobody, so their limit only slows a game down.
UNKNOWN_NAME_LIMIT = Limit(10, 30, 300)


def key_holder_counter(scope: str, code: str) -> str:
    return f"{scope}:holder:{code}"


def unknown_name_counter(scope: str) -> str:
    return f"{scope}:unknown"


def seconds_locked(conn: sqlite3.Connection, counter: str, now: datetime) -> int:
    """How long this counter still has to wait (0: try now)."""
    row = conn.execute(SELECT_PIN_ATTEMPTS, (counter,)).fetchone()
    if row and row[1] and parse_iso(row[1]) > now:
        return math.ceil((parse_iso(row[1]) - now).total_seconds())
    return 0


def count_miss(conn: sqlite3.Connection, counter: str, limit: Limit, now: datetime) -> int | None:
    """One more miss; the seconds to wait from now if this miss starts a wait."""
    with transaction(conn):
        row = conn.execute(SELECT_PIN_ATTEMPTS, (counter,)).fetchone()
        failures = (row[0] if row else 0) + 1
        wait = None
        if failures >= limit.free_tries:
            doubling = min(failures - limit.free_tries, 20)
            wait = min(limit.first_wait_seconds * 2**doubling, limit.max_wait_seconds)
        locked = local_iso(now + timedelta(seconds=wait)) if wait else None
        conn.execute(UPSERT_PIN_ATTEMPTS, (counter, failures, locked))
    return wait


def clear(conn: sqlite3.Connection, counter: str) -> None:
    conn.execute(CLEAR_PIN_ATTEMPTS, (counter,))
