"""Acknowledgements both ways: what central acknowledges to each room (with the forgets
other rooms recorded), and what a room does with one (the acknowledged seq, central's
clock, forgets applied once)."""

from __future__ import annotations

import sqlite3

from shared.clock import parse_iso
from shared.clock_check import CENTRAL_TIME, CENTRAL_TIME_SEEN_AT
from shared.db import transaction
from shared.outbox import max_seq
from shared.sync_state import SET_STATE, all_state, get_state, set_state

IS_FORGET_APPLIED = "SELECT 1 FROM sync_forgets_applied WHERE event_id = ?"
MARK_FORGET_APPLIED = (
    "INSERT OR IGNORE INTO sync_forgets_applied (event_id, applied_at) VALUES (?, ?)"
)
SELECT_FORGETS_ELSEWHERE = (
    "SELECT id, visitor FROM events WHERE kind = 'forget' AND room != ? AND visitor IS NOT NULL "
    "ORDER BY at, id"
)
ACK_SENT = "ack_sent:"  # central's sync_state key prefix: the seq last acknowledged to a room
SELECT_ROOMS = "SELECT room, contiguous_seq, bundles, last_bundle_at, last_created FROM sync_rooms"


def apply_ack(conn: sqlite3.Connection, room: str, seq: int, at: str) -> int:
    """Central holds every event of ``room`` up to ``seq``: returns the acknowledged seq."""
    with transaction(conn):
        seq = min(seq, max_seq(conn, room))
        acked = max(int(get_state(conn, "acked_seq", "0") or 0), seq)
        conn.execute(SET_STATE, ("acked_seq", str(acked)))
        conn.execute(SET_STATE, ("last_ack_at", at))
        return acked


def note_central_time(conn: sqlite3.Connection, central_time: str, seen_at: str) -> None:
    """An acknowledgement sealed by central at ``central_time`` was read here at ``seen_at``
    (this machine's clock): kept, for the newest one, so a wrong room clock can be noticed."""
    known = get_state(conn, CENTRAL_TIME)
    if known and parse_iso(known) > parse_iso(central_time):
        return  # an older acknowledgement arriving late says nothing new about this clock
    with transaction(conn):
        conn.execute(SET_STATE, (CENTRAL_TIME, central_time))
        conn.execute(SET_STATE, (CENTRAL_TIME_SEEN_AT, seen_at))


def forget_applied(conn: sqlite3.Connection, event_id: str) -> bool:
    return conn.execute(IS_FORGET_APPLIED, (event_id,)).fetchone() is not None


def mark_forget_applied(conn: sqlite3.Connection, event_id: str, at: str) -> None:
    with transaction(conn):
        conn.execute(MARK_FORGET_APPLIED, (event_id, at))


def rooms_to_acknowledge(conn: sqlite3.Connection) -> list[str]:
    """Rooms whose contiguous seq is above the last acknowledgement written to them: a
    daemon killed between a commit and its acks writes them on its next pass."""
    state = all_state(conn)
    return [
        room
        for room, contiguous, *_ in conn.execute(SELECT_ROOMS)
        if contiguous > int(state.get(f"{ACK_SENT}{room}") or 0)
    ]


def mark_acknowledged(conn: sqlite3.Connection, room: str, seq: int) -> None:
    set_state(conn, f"{ACK_SENT}{room}", seq)


def forgets_elsewhere(conn: sqlite3.Connection, room: str) -> list[tuple[str, str]]:
    """(event id, visitor code) of every forget recorded by a room other than ``room``."""
    return [(r[0], r[1]) for r in conn.execute(SELECT_FORGETS_ELSEWHERE, (room,))]
