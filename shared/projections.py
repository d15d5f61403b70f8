"""Central's state projections, kept the same whatever order events arrive in.

Voids only ever apply within one room, and of two voids of one event the lower
seq counts. Roles, the room's open/closed state and open shifts are rare
changes: what a merge touches is recomputed from the log (folded in seq order,
exactly as ``shared.events.project`` applies them one by one in a room), so
central equals a rebuild whatever order bundles arrive in.
"""

from __future__ import annotations

import json
import sqlite3
from operator import itemgetter
from typing import Any

from shared import tallies

SHIFT_STARTED, SHIFT_ENDED, VOID = "shift_started", "shift_ended", "void"
ROOM_OPENED, ROOM_CLOSED = "room_opened", "room_closed"
ROLE_EVENTS = {
    "key_holder_added": ("key_holder", True),
    "key_holder_removed": ("key_holder", False),
    "volunteer_added": ("volunteer", True),
    "volunteer_removed": ("volunteer", False),
}
UPSERT_ROLE = "INSERT OR IGNORE INTO roles (room, code, role, since) VALUES (?, ?, ?, ?)"
DELETE_ROLE = "DELETE FROM roles WHERE room = ? AND code = ? AND role = ?"
UPSERT_ROOM_STATE = (
    "INSERT INTO room_state (room, is_open, changed_at, by_code, event_id) VALUES (?, ?, ?, ?, ?) "
    "ON CONFLICT(room) DO UPDATE SET is_open = excluded.is_open, changed_at = excluded.changed_at, "
    "by_code = excluded.by_code, event_id = excluded.event_id"
)
INSERT_OPEN_SHIFT = (
    "INSERT OR REPLACE INTO open_shifts (room, code, start_id, started_at) VALUES (?, ?, ?, ?)"
)
DELETE_OPEN_SHIFT = "DELETE FROM open_shifts WHERE room = ? AND start_id = ?"
DELETE_VOIDED_SHIFT = "DELETE FROM open_shifts WHERE start_id = ?"
INSERT_VOIDED = (
    "INSERT INTO voided (event_id, void_id) VALUES (?, ?) "
    "ON CONFLICT(event_id) DO UPDATE SET void_id = excluded.void_id"
)
VOIDS_AMONG = (
    "SELECT v.event_id, v.void_id, e.room, e.seq FROM voided v JOIN events e "
    "ON e.id = v.void_id WHERE v.event_id IN (SELECT value FROM json_each(?))"
)
ROOMS_OF = "SELECT id, room FROM events WHERE id IN (SELECT value FROM json_each(?))"
DELETE_VOIDED = "DELETE FROM voided WHERE event_id = ?"
SELECT_OWN_VOID = (
    "SELECT id FROM events WHERE ref = ? AND room = ? AND kind = 'void' ORDER BY seq LIMIT 1"
)
# State changes (roles, the room open or closed, shifts) are rare: central recomputes the
# state they touch from the log, so it never depends on the order bundles arrive in. The
# partial index of m008 serves these look-ups; its WHERE term must be repeated verbatim.
STATE_KINDS = (
    "key_holder_added",
    "key_holder_removed",
    "volunteer_added",
    "volunteer_removed",
    "shift_started",
)
# ORs, not ``kind IN (...)``: an IN list costs a temporary table per inserted row (m016).
STATE_KINDS_TERM = "(" + " OR ".join(f"kind = '{kind}'" for kind in STATE_KINDS) + ")"
SELECT_STATE_OF = (
    f"SELECT kind, at, id FROM events WHERE room = ? AND visitor = ? "
    f"AND {STATE_KINDS_TERM} ORDER BY seq"
)
SELECT_LAST_OPEN_CLOSE = (
    "SELECT kind, at, visitor, id FROM events WHERE room = ? "
    "AND kind IN ('room_opened', 'room_closed') ORDER BY seq DESC LIMIT 1"
)
SELECT_SHIFT_END = (
    "SELECT 1 FROM events WHERE ref = ? AND room = ? AND kind = 'shift_ended' LIMIT 1"
)
SELECT_STARTS_OF = (
    "SELECT room, visitor FROM events WHERE id IN (SELECT value FROM json_each(?)) "
    "AND +kind = 'shift_started'"
)  # "+kind": by id, not by every start there is
DELETE_ROLES_OF = "DELETE FROM roles WHERE room = ? AND code = ?"
DELETE_ROOM_STATE = "DELETE FROM room_state WHERE room = ?"
DELETE_OPEN_SHIFT_OF = "DELETE FROM open_shifts WHERE room = ? AND code = ?"


def record_voids(conn: sqlite3.Connection, voids: list[tuple[str, str, str, int]]) -> None:
    """(target id, void id, void's room, void's seq): a void only ever applies within its own
    room, and of two voids of one target the one with the lower seq is kept (as a rescan
    in seq order would), whatever order they arrive in."""
    held_by = dict(conn.execute(ROOMS_OF, (json.dumps([v[0] for v in voids]),)).fetchall())
    first: dict[str, tuple[str, str, int]] = {}
    for target, void_id, room, seq in voids:
        if held_by.get(target, room) == room and (target not in first or seq < first[target][2]):
            first[target] = (void_id, room, seq)
    already = {r[0]: r[3] for r in conn.execute(VOIDS_AMONG, (json.dumps(list(first)),))}
    conn.executemany(
        INSERT_VOIDED, [(t, v[0]) for t, v in first.items() if t in already and v[2] < already[t]]
    )
    fresh = [(t, v[0]) for t, v in first.items() if t not in already]
    tallies.before_voiding(conn, [t for t, _ in fresh])
    conn.executemany(INSERT_VOIDED, fresh)
    conn.executemany(DELETE_VOIDED_SHIFT, [(t,) for t, _ in fresh])  # a mistaken clock-in


def drop_voids_of_other_rooms(conn: sqlite3.Connection, rows: list[tuple[Any, ...]]) -> None:
    """Newly stored rows that a void of ANOTHER room targeted before they arrived: that
    void never applies (a room speaks only for itself). One range look-up: ids are
    time-ordered, and voids are few."""
    if not rows:
        return
    ids = list(map(itemgetter(0), rows))
    among = {r[0] for r in conn.execute(tallies.VOIDED_BETWEEN, (min(ids), max(ids)))}
    if not among:
        return
    room_of = {r[0]: r[1] for r in rows if r[0] in among}
    if not room_of:
        return
    for target, _, void_room, _ in conn.execute(
        VOIDS_AMONG, (json.dumps(list(room_of)),)
    ).fetchall():
        if void_room != room_of[target]:
            conn.execute(DELETE_VOIDED, (target,))
            # The target's own room may have voided it too, also before it arrived.
            own = conn.execute(SELECT_OWN_VOID, (target, room_of[target])).fetchone()
            if own:
                conn.execute(INSERT_VOIDED, (target, own[0]))


def refresh_state(conn: sqlite3.Connection, rows: list[tuple[Any, ...]]) -> None:
    """Recompute, from the log, the roles, room state and open shifts that ``rows`` (newly
    stored, any kinds) touch: the result is the same in whatever order rows arrive."""
    people, rooms = set(), set()
    ends: list[str] = []
    for row in rows:
        kind = row[4]
        if kind in ROLE_EVENTS or kind == SHIFT_STARTED:
            if row[5]:
                people.add((row[1], row[5]))
        elif kind in (ROOM_OPENED, ROOM_CLOSED):
            rooms.add(row[1])
        elif kind == SHIFT_ENDED and row[7]:
            ends.append(row[7])
    if ends:
        people |= {tuple(r) for r in conn.execute(SELECT_STARTS_OF, (json.dumps(ends),)) if r[1]}
    for room, code in sorted(people):
        _refresh_person(conn, room, code)
    for room in sorted(rooms):
        last = conn.execute(SELECT_LAST_OPEN_CLOSE, (room,)).fetchone()
        if last is None:
            conn.execute(DELETE_ROOM_STATE, (room,))
        else:
            conn.execute(
                UPSERT_ROOM_STATE, (room, int(last[0] == ROOM_OPENED), last[1], last[2], last[3])
            )


def _refresh_person(conn: sqlite3.Connection, room: str, code: str) -> None:
    """Roles and the open shift of one person in one room, folded from their events in seq
    order exactly as ``project`` applies them one by one."""
    since: dict[str, str] = {}
    last_start = None
    for kind, at, event_id in conn.execute(SELECT_STATE_OF, (room, code)).fetchall():
        if kind == SHIFT_STARTED:
            last_start = (event_id, at)
            continue
        role, added = ROLE_EVENTS[kind]
        if added:
            since.setdefault(role, at)
        else:
            since.pop(role, None)
    conn.execute(DELETE_ROLES_OF, (room, code))
    conn.executemany(UPSERT_ROLE, [(room, code, role, at) for role, at in since.items()])
    conn.execute(DELETE_OPEN_SHIFT_OF, (room, code))
    if (
        last_start
        and not conn.execute(SELECT_SHIFT_END, (last_start[0], room)).fetchone()
        and not conn.execute(tallies.IS_VOIDED, (last_start[0],)).fetchone()
    ):
        conn.execute(INSERT_OPEN_SHIFT, (room, code, *last_start))
