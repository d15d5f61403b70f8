"""Does this machine's clock look wrong? Asked when a key holder opens the room.

Visits are counted in the year the room's clock says, and the retention purge
reads the clock too, so a wrong clock must be noticed early. Three signs: a
year before this product existed (a dead clock battery), a time before the
room's last event or more than a year after it, and a time far from central's
clock in the newest acknowledgement (syncd keeps it in ``sync_state``).
"""

from __future__ import annotations

import sqlite3
from datetime import datetime, timedelta

from shared.clock import parse_iso

EARLIEST_PLAUSIBLE_YEAR = 2010
# A room's sync_state (written by syncd, shared.acks.note_central_time): central's
# clock in the newest ack, and this machine's clock when it read that ack.
CENTRAL_TIME, CENTRAL_TIME_SEEN_AT = "central_time", "central_time_seen_at"
SELECT_LAST_EVENT_AT = "SELECT at FROM events WHERE room = ? ORDER BY seq DESC LIMIT 1"
SELECT_CENTRAL_TIME = (
    f"SELECT key, value FROM sync_state WHERE key IN ('{CENTRAL_TIME}', '{CENTRAL_TIME_SEEN_AT}')"
)
BEHIND_CENTRAL = timedelta(hours=1)
AHEAD_OF_CENTRAL = timedelta(days=30)
# The retention purge waits when central's clock was last seen longer ago than this:
# a clock that jumped ahead looks, to itself, like a long time without an ack.
PURGE_NEEDS_ACK_WITHIN = timedelta(days=60)


def clock_warning(conn: sqlite3.Connection, room: str, now: datetime) -> str | None:
    """A catalog key when the clock looks wrong at ``now``, else None."""
    return _own_signs(conn, room, now) or _against_central(_central_reading(conn), now)


def purge_allowed(conn: sqlite3.Connection, room: str, now: datetime) -> bool:
    """Deleting idle names reads the clock: only when it looks right, and (once central
    has ever answered) central's clock was seen recently enough to vouch for it."""
    reading = _central_reading(conn)
    if _own_signs(conn, room, now) or _against_central(reading, now):
        return False
    return reading is None or now - reading[1] <= PURGE_NEEDS_ACK_WITHIN


def _own_signs(conn: sqlite3.Connection, room: str, now: datetime) -> str | None:
    if now.year < EARLIEST_PLAUSIBLE_YEAR:
        return "clock_far_off"
    row = conn.execute(SELECT_LAST_EVENT_AT, (room,)).fetchone()
    if row:
        last = parse_iso(row[0])
        if now < last - timedelta(minutes=5):
            return "clock_before_last_event"
        if now > last + timedelta(days=366):
            return "clock_far_off"
    return None


def _central_reading(conn: sqlite3.Connection) -> tuple[datetime, datetime] | None:
    """(central's clock in the newest ack, this clock when it was read), if any."""
    state = dict(conn.execute(SELECT_CENTRAL_TIME).fetchall())
    if CENTRAL_TIME not in state or CENTRAL_TIME_SEEN_AT not in state:
        return None
    return parse_iso(state[CENTRAL_TIME]), parse_iso(state[CENTRAL_TIME_SEEN_AT])


def _against_central(reading: tuple[datetime, datetime] | None, now: datetime) -> str | None:
    """An ack is read after central sealed it, never before: read more than an hour
    "before" it was sealed, this clock is behind. Read much later, this clock is
    ahead, or the ack travelled slowly (a USB stick): hence the wide margin ahead.
    Once the clock has been set back past that reading, the pair says nothing.
    """
    if reading is None or now < reading[1]:
        return None
    central_time, seen_at = reading
    if not -BEHIND_CENTRAL <= seen_at - central_time <= AHEAD_OF_CENTRAL:
        return "clock_far_off"
    return None
