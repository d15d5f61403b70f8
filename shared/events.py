"""The append-only event log: the one truth, identical in room and central.

``append`` assigns the room's next gapless ``seq`` inside the caller's
``BEGIN IMMEDIATE`` transaction and keeps the small projection tables
(roles, room state, open shifts, voided) current in that same transaction.
``project`` is also what central runs for every merged event.
"""

from __future__ import annotations

import json
import sqlite3
import secrets
import time
from dataclasses import dataclass, field
from operator import itemgetter
from typing import Any, NamedTuple

from shared import tallies


class Kind:
    ROOM_OPENED = "room_opened"
    ROOM_CLOSED = "room_closed"
    CHECKIN = "checkin"
    JOB_DONE = "job_done"
    SHIFT_STARTED = "shift_started"
    SHIFT_ENDED = "shift_ended"
    SURVEY_ANSWERED = "survey_answered"
    VISITOR_REGISTERED = "visitor_registered"
    KEY_HOLDER_ADDED = "key_holder_added"
    KEY_HOLDER_REMOVED = "key_holder_removed"
    VOLUNTEER_ADDED = "volunteer_added"
    VOLUNTEER_REMOVED = "volunteer_removed"
    CASH_EXPENSE = "cash_expense"
    CASH_COUNTED = "cash_counted"
    VOID = "void"
    FORGET = "forget"


ALL_KINDS = frozenset(v for k, v in vars(Kind).items() if not k.startswith("_"))
ROLE_EVENTS = {
    Kind.KEY_HOLDER_ADDED: ("key_holder", True),
    Kind.KEY_HOLDER_REMOVED: ("key_holder", False),
    Kind.VOLUNTEER_ADDED: ("volunteer", True),
    Kind.VOLUNTEER_REMOVED: ("volunteer", False),
}


@dataclass(frozen=True)
class Event:
    id: str
    room: str
    seq: int
    at: str
    kind: str
    visitor: str | None = None
    activity: str | None = None
    ref: str | None = None
    payload: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_row(cls, row: sqlite3.Row | tuple) -> "Event":
        id_, room, seq, at, kind, visitor, activity, ref, payload = tuple(row)
        return cls(id_, room, seq, at, kind, visitor, activity, ref, json.loads(payload or "{}"))

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id, "room": self.room, "seq": self.seq, "at": self.at, "kind": self.kind,
            "visitor": self.visitor, "activity": self.activity, "ref": self.ref,
            "payload": self.payload,
        }


EVENT_COLUMNS = "id, room, seq, at, kind, visitor, activity, ref, payload"
NEXT_SEQ = "SELECT COALESCE(MAX(seq), 0) + 1 FROM events WHERE room = ?"
INSERT_EVENT = f"INSERT INTO events ({EVENT_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
SELECT_EVENT = f"SELECT {EVENT_COLUMNS} FROM events WHERE id = ?"
SELECT_EVENTS_AFTER = (
    f"SELECT {EVENT_COLUMNS} FROM events WHERE room = ? AND seq > ? ORDER BY seq LIMIT ?"
)
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
INSERT_VOIDED = ("INSERT INTO voided (event_id, void_id) VALUES (?, ?) "
                 "ON CONFLICT(event_id) DO UPDATE SET void_id = excluded.void_id")
VOIDS_AMONG = ("SELECT v.event_id, v.void_id, e.room, e.seq FROM voided v JOIN events e "
               "ON e.id = v.void_id WHERE v.event_id IN (SELECT value FROM json_each(?))")
ROOMS_OF = "SELECT id, room FROM events WHERE id IN (SELECT value FROM json_each(?))"
DELETE_VOIDED = "DELETE FROM voided WHERE event_id = ?"
SELECT_OWN_VOID = ("SELECT id FROM events WHERE ref = ? AND room = ? AND kind = 'void' "
                   "ORDER BY seq LIMIT 1")
# State changes (roles, the room open or closed, shifts) are rare: central recomputes the
# state they touch from the log, so it never depends on the order bundles arrive in. The
# partial index of m009 serves these look-ups; its WHERE term must be repeated verbatim.
STATE_KINDS_TERM = ("kind IN ('key_holder_added', 'key_holder_removed', 'volunteer_added', "
                    "'volunteer_removed', 'shift_started')")
SELECT_STATE_OF = (f"SELECT kind, at, id FROM events WHERE room = ? AND visitor = ? "
                   f"AND {STATE_KINDS_TERM} ORDER BY seq")
SELECT_LAST_OPEN_CLOSE = ("SELECT kind, at, visitor, id FROM events WHERE room = ? "
                          "AND kind IN ('room_opened', 'room_closed') ORDER BY seq DESC LIMIT 1")
SELECT_SHIFT_END = ("SELECT 1 FROM events WHERE ref = ? AND room = ? AND kind = 'shift_ended' "
                    "LIMIT 1")
SELECT_STARTS_OF = ("SELECT room, visitor FROM events WHERE id IN (SELECT value FROM json_each(?)) "
                    "AND +kind = 'shift_started'")  # "+kind": by id, not by every start there is
DELETE_ROLES_OF = "DELETE FROM roles WHERE room = ? AND code = ?"
DELETE_ROOM_STATE = "DELETE FROM room_state WHERE room = ?"
DELETE_OPEN_SHIFT_OF = "DELETE FROM open_shifts WHERE room = ? AND code = ?"



def new_event_id(unix_ms: int | None = None) -> str:
    """32 hex: 48 bits of milliseconds, then 80 random bits (like UUIDv7).

    Time-ordered ids land at the end of central's id index instead of on a
    random page each: merging into a big central copy stays as cheap as into
    an empty one. A wrong clock only costs locality; the random part keeps ids unique.
    """
    ms = time.time_ns() // 1_000_000 if unix_ms is None else unix_ms
    return f"{ms & 0xFFFF_FFFF_FFFF:012x}{secrets.token_hex(10)}"


def append(
    conn: sqlite3.Connection,
    *,
    room: str,
    at: str,
    kind: str,
    visitor: str | None = None,
    activity: str | None = None,
    ref: str | None = None,
    payload: dict[str, Any] | None = None,
    event_id: str | None = None,
) -> Event:
    """Append one event; call inside ``shared.db.transaction``."""
    if kind not in ALL_KINDS:
        raise ValueError(f"unknown event kind {kind!r}")
    if not conn.in_transaction:
        raise RuntimeError("events.append must run inside a write transaction")
    seq = conn.execute(NEXT_SEQ, (room,)).fetchone()[0]
    event = Event(event_id or new_event_id(), room, seq, at, kind, visitor, activity, ref,
                  dict(payload or {}))
    conn.execute(INSERT_EVENT, to_row(event))
    project(conn, event)
    return event


def to_row(event: Event) -> tuple:
    return (event.id, event.room, event.seq, event.at, event.kind, event.visitor, event.activity,
            event.ref, json.dumps(event.payload, ensure_ascii=False, sort_keys=True))


def project(conn: sqlite3.Connection, event: Event, *, tally: bool = True) -> None:
    """Update the projection tables for one newly stored event (central: every merged one)."""
    kind = event.kind
    if kind in ROLE_EVENTS and event.visitor:
        role, added = ROLE_EVENTS[kind]
        if added:
            conn.execute(UPSERT_ROLE, (event.room, event.visitor, role, event.at))
        else:
            conn.execute(DELETE_ROLE, (event.room, event.visitor, role))
    elif kind in (Kind.ROOM_OPENED, Kind.ROOM_CLOSED):
        conn.execute(UPSERT_ROOM_STATE, (event.room, int(kind == Kind.ROOM_OPENED), event.at,
                                         event.visitor, event.id))
    elif kind == Kind.SHIFT_STARTED and event.visitor:
        conn.execute(INSERT_OPEN_SHIFT, (event.room, event.visitor, event.id, event.at))
    elif kind == Kind.SHIFT_ENDED and event.ref:
        conn.execute(DELETE_OPEN_SHIFT, (event.room, event.ref))
    elif kind == Kind.VOID and event.ref:
        record_voids(conn, [(event.ref, event.id, event.room, event.seq)])
    if tally and kind in tallies.TALLIED:
        tallies.on_stored(conn, event)


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
    conn.executemany(INSERT_VOIDED, [(t, v[0]) for t, v in first.items()
                                     if t in already and v[2] < already[t]])
    fresh = [(t, v[0]) for t, v in first.items() if t not in already]
    tallies.before_voiding(conn, [t for t, _ in fresh])
    conn.executemany(INSERT_VOIDED, fresh)
    conn.executemany(DELETE_VOIDED_SHIFT, [(t,) for t, _ in fresh])  # a mistaken clock-in


def drop_voids_of_other_rooms(conn: sqlite3.Connection, rows: list[tuple]) -> None:
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
    for target, _, void_room, _ in conn.execute(VOIDS_AMONG, (json.dumps(list(room_of)),)).fetchall():
        if void_room != room_of[target]:
            conn.execute(DELETE_VOIDED, (target,))
            # The target's own room may have voided it too, also before it arrived.
            own = conn.execute(SELECT_OWN_VOID, (target, room_of[target])).fetchone()
            if own:
                conn.execute(INSERT_VOIDED, (target, own[0]))


def refresh_state(conn: sqlite3.Connection, rows: list[tuple]) -> None:
    """Recompute, from the log, the roles, room state and open shifts that ``rows`` (newly
    stored, any kinds) touch: the result is the same in whatever order rows arrive."""
    people, rooms = set(), set()
    ends: list[str] = []
    for row in rows:
        kind = row[4]
        if kind in ROLE_EVENTS or kind == Kind.SHIFT_STARTED:
            if row[5]:
                people.add((row[1], row[5]))
        elif kind in (Kind.ROOM_OPENED, Kind.ROOM_CLOSED):
            rooms.add(row[1])
        elif kind == Kind.SHIFT_ENDED and row[7]:
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
            conn.execute(UPSERT_ROOM_STATE, (room, int(last[0] == Kind.ROOM_OPENED), last[1],
                                             last[2], last[3]))


def _refresh_person(conn: sqlite3.Connection, room: str, code: str) -> None:
    """Roles and the open shift of one person in one room, folded from their events in seq
    order exactly as ``project`` applies them one by one."""
    since: dict[str, str] = {}
    last_start = None
    for kind, at, event_id in conn.execute(SELECT_STATE_OF, (room, code)).fetchall():
        if kind == Kind.SHIFT_STARTED:
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
    if last_start and not conn.execute(SELECT_SHIFT_END, (last_start[0], room)).fetchone() \
            and not conn.execute(tallies.IS_VOIDED, (last_start[0],)).fetchone():
        conn.execute(INSERT_OPEN_SHIFT, (room, code, *last_start))


def get(conn: sqlite3.Connection, event_id: str) -> Event | None:
    row = conn.execute(SELECT_EVENT, (event_id,)).fetchone()
    return Event.from_row(row) if row else None


def events_after(conn: sqlite3.Connection, room: str, after_seq: int, limit: int = 10_000
                 ) -> list[Event]:
    return [Event.from_row(r) for r in conn.execute(SELECT_EVENTS_AFTER, (room, after_seq, limit))]


def rebuild_projections(conn: sqlite3.Connection, chunk: int = 50_000) -> None:
    """Recompute every projection from the log; inside a transaction.

    The same bulk path central merges with, room by room in seq order, in chunks.
    """
    for table in ("roles", "room_state", "open_shifts", "voided", "tallies",
                  "monthly_visits"):
        conn.execute(f"DELETE FROM {table}")
    cursor = conn.execute(f"SELECT {EVENT_COLUMNS} FROM events ORDER BY room, seq")
    while rows := list(map(tuple, cursor.fetchmany(chunk))):
        project_many(conn, rows)


class Draft(NamedTuple):
    """An event before it has a seq: what bulk writers hand to ``append_many``."""

    id: str
    at: str
    kind: str
    visitor: str | None
    activity: str | None
    ref: str | None
    payload: str  # JSON text, already encoded


# Kinds whose projection is all in the tallies (or none): project_many does them in bulk.
NO_PROJECTION = frozenset({Kind.CHECKIN, Kind.JOB_DONE, Kind.SHIFT_ENDED, Kind.VOID,
                           Kind.VISITOR_REGISTERED,
                           Kind.SURVEY_ANSWERED, Kind.CASH_EXPENSE, Kind.CASH_COUNTED, Kind.FORGET})


def project_many(conn: sqlite3.Connection, rows: list[tuple]) -> None:
    """``project`` for many stored rows, in bulk and independent of their order: voids of
    another room dropped, tallies counted, voids recorded, then the state they touch
    recomputed from the log."""
    of_kind = by_kind(rows)
    drop_voids_of_other_rooms(conn, rows)
    tallies.on_stored_many(conn, of_kind)
    if Kind.VOID in of_kind:
        record_voids(conn, [(r[7], r[0], r[1], r[2]) for r in of_kind[Kind.VOID] if r[7]])
    if of_kind.keys() - NO_PROJECTION or Kind.SHIFT_ENDED in of_kind:
        refresh_state(conn, [r for kind, group in of_kind.items() if kind not in NO_PROJECTION
                             or kind == Kind.SHIFT_ENDED for r in group])


def by_kind(rows: list[tuple]) -> dict[str, list[tuple]]:
    """Rows split by kind, each list in the given order (one pass, not one per kind)."""
    groups: dict[str, list[tuple]] = {}
    for row in rows:
        kind = row[4]
        if kind in groups:
            groups[kind].append(row)
        else:
            groups[kind] = [row]
    return groups


def append_many(conn: sqlite3.Connection, room: str, drafts: list[Draft]) -> int:
    """Append many events in one go (bulk import): one seq look-up, one executemany.

    Call inside a write transaction; returns the number of events written.
    """
    if not conn.in_transaction:
        raise RuntimeError("events.append_many must run inside a write transaction")
    first = conn.execute(NEXT_SEQ, (room,)).fetchone()[0]
    rows = [(d.id, room, first + i, d.at, d.kind, d.visitor, d.activity, d.ref, d.payload)
            for i, d in enumerate(drafts)]
    conn.executemany(INSERT_EVENT, rows)
    project_many(conn, rows)
    return len(rows)



SELECT_HELD = f"SELECT {EVENT_COLUMNS} FROM events WHERE id IN (SELECT value FROM json_each(?))"
SELECT_SEQ_RANGE = "SELECT seq FROM events WHERE room = ? AND seq BETWEEN ? AND ?"
ANY_SEQ_IN_RANGE = "SELECT 1 FROM events WHERE room = ? AND seq BETWEEN ? AND ? LIMIT 1"


@dataclass(frozen=True)
class MergeOutcome:
    added: int
    duplicates: int  # already here, identical
    conflicts: tuple[tuple, ...]  # rows whose id or (room, seq) is held with other content
    new: list[tuple] = field(default_factory=list)  # the rows stored (added of them)


def merge_rows(conn: sqlite3.Connection, rows: list[tuple], *, all_or_nothing: bool = False,
               project: bool = True) -> MergeOutcome:
    """Merge event rows as stored (``to_row`` form) inside the caller's transaction.

    A set union on the event id: idempotent and order-free. Newly stored events
    update every projection, so central's counts equal a rescan of its log. With
    ``all_or_nothing`` a single conflict stores nothing (a bundle is refused whole).
    With ``project=False`` the caller runs ``project_many`` on ``outcome.new`` itself
    before committing (once for many bundles).
    """
    if not conn.in_transaction:
        raise RuntimeError("events.merge_rows must run inside a write transaction")
    if _insert_if_all_new(conn, rows):
        if project:
            project_many(conn, rows)
        return MergeOutcome(len(rows), 0, (), rows)
    held = {r[0]: tuple(r) for r in conn.execute(SELECT_HELD, (json.dumps([r[0] for r in rows]),))}
    taken: set[tuple[str, int]] = set()
    for room in {r[1] for r in rows}:
        seqs = [r[2] for r in rows if r[1] == room]
        taken |= {(room, s[0]) for s in conn.execute(SELECT_SEQ_RANGE, (room, min(seqs), max(seqs)))}
    new, duplicates, conflicts = [], 0, []
    for row in rows:
        if row[0] in held:
            if held[row[0]] == row:
                duplicates += 1
            else:
                conflicts.append(row)
        elif (row[1], row[2]) in taken:
            conflicts.append(row)
        else:
            held[row[0]] = row
            taken.add((row[1], row[2]))
            new.append(row)
    if conflicts and all_or_nothing:
        return MergeOutcome(0, duplicates, tuple(conflicts))
    conn.executemany(INSERT_EVENT, new)
    if project:
        project_many(conn, new)
    return MergeOutcome(len(new), duplicates, tuple(conflicts), new)


def _insert_if_all_new(conn: sqlite3.Connection, rows: list[tuple]) -> bool:
    """The common case in one go: rows of one room, none of their seqs held, no id twice.

    Then every row is new unless its id is held under another seq (a conflict): the
    insert runs under a savepoint and such a row rolls it back (False: sort it out
    row by row). Saves looking up every id of a 20,000-event bundle first.
    """
    if not rows or len(set(map(itemgetter(1), rows))) != 1 \
            or len(set(map(itemgetter(0), rows))) != len(rows):
        return False
    seqs = list(map(itemgetter(2), rows))
    if conn.execute(ANY_SEQ_IN_RANGE, (rows[0][1], min(seqs), max(seqs))).fetchone():
        return False
    conn.execute("SAVEPOINT all_new")
    try:
        conn.executemany(INSERT_EVENT, rows)
    except sqlite3.IntegrityError:
        conn.execute("ROLLBACK TO all_new")
        return False
    finally:
        conn.execute("RELEASE all_new")
    return True


def merge_many(conn: sqlite3.Connection, incoming: list[Event]) -> MergeOutcome:
    """``merge_rows`` for Event objects (restore, tests)."""
    return merge_rows(conn, [to_row(e) for e in incoming])
