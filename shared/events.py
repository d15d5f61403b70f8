"""The append-only event log: the one truth, identical in room and central.

``append`` assigns the room's next gapless ``seq`` inside the caller's
``BEGIN IMMEDIATE`` transaction and keeps the projection tables (roles, room
state, open shifts, voided, tallies) current in that same transaction.
``project_many`` is the one way projections are updated: for a room's single
event (a batch of one) and for central's merged batches, in bulk and
order-free (``shared.projections``).
"""

from __future__ import annotations

import json
import secrets
import sqlite3
import time
from dataclasses import dataclass, field
from enum import StrEnum
from operator import itemgetter
from typing import Any, NamedTuple

from shared import staging, tallies
from shared.event_rows import EVENT_COLUMNS, RawEventRow
from shared.projections import drop_voids_of_other_rooms, record_voids, refresh_state


class Kind(StrEnum):
    """What an event records; the values are what is stored (and compare equal to them)."""

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
    FIGURE_RECORDED = (
        "figure_recorded"  # central-authored: a figure staff enter (never from a room)
    )


ALL_KINDS = frozenset(Kind)
# Kinds only central writes, under its own author id (never a room id: those start with a
# letter); a room's bundle holding one is refused (shared.records).
CENTRAL_AUTHOR = "_central"
CENTRAL_KINDS = frozenset({Kind.FIGURE_RECORDED})
ROOM_KINDS = ALL_KINDS - CENTRAL_KINDS


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
    def from_row(cls, row: sqlite3.Row | RawEventRow) -> Event:
        id_, room, seq, at, kind, visitor, activity, ref, payload = tuple(row)
        return cls(id_, room, seq, at, kind, visitor, activity, ref, json.loads(payload or "{}"))


NEXT_SEQ = "SELECT COALESCE(MAX(seq), 0) + 1 FROM events WHERE room = ?"
INSERT_EVENT = f"INSERT INTO events ({EVENT_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
SELECT_EVENT = f"SELECT {EVENT_COLUMNS} FROM events WHERE id = ?"
SELECT_EVENTS_AFTER = (
    f"SELECT {EVENT_COLUMNS} FROM events WHERE room = ? AND seq > ? ORDER BY seq LIMIT ?"
)


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
    event = Event(
        event_id or new_event_id(), room, seq, at, kind, visitor, activity, ref, dict(payload or {})
    )
    row = to_row(event)
    conn.execute(INSERT_EVENT, row)
    project_many(conn, [row])
    return event


def to_row(event: Event) -> RawEventRow:
    return (
        event.id,
        event.room,
        event.seq,
        event.at,
        event.kind,
        event.visitor,
        event.activity,
        event.ref,
        json.dumps(event.payload, ensure_ascii=False, sort_keys=True),
    )


def project(conn: sqlite3.Connection, event: Event) -> None:
    """Update the projection tables for one newly stored event: the bulk path with a
    batch of one, so a room and central apply the same rules."""
    project_many(conn, [to_row(event)])


def get(conn: sqlite3.Connection, event_id: str) -> Event | None:
    row = conn.execute(SELECT_EVENT, (event_id,)).fetchone()
    return Event.from_row(row) if row else None


def events_after(
    conn: sqlite3.Connection, room: str, after_seq: int, limit: int = 10_000
) -> list[Event]:
    return [Event.from_row(r) for r in conn.execute(SELECT_EVENTS_AFTER, (room, after_seq, limit))]


def rebuild_projections(conn: sqlite3.Connection, chunk: int = 50_000) -> None:
    """Recompute every projection from the log; inside a transaction.

    The same bulk path central merges with, room by room in seq order, in chunks.
    """
    for table in ("roles", "room_state", "open_shifts", "voided", "tallies", "monthly_visits"):
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
NO_PROJECTION = frozenset(
    {
        Kind.CHECKIN,
        Kind.JOB_DONE,
        Kind.SHIFT_ENDED,
        Kind.VOID,
        Kind.VISITOR_REGISTERED,
        Kind.SURVEY_ANSWERED,
        Kind.CASH_EXPENSE,
        Kind.CASH_COUNTED,
        Kind.FORGET,
        Kind.FIGURE_RECORDED,
    }
)


def project_many(
    conn: sqlite3.Connection,
    rows: list[RawEventRow],
    counted: tallies.Tally | None = None,
    bulk: list[staging.StoredBulk] | None = None,
) -> None:
    """``project`` for many stored rows, in bulk and independent of their order: voids of
    another room dropped, tallies counted, voids recorded, then the state they touch
    recomputed from the log. ``counted``: what the rows add to the tallies, counted
    beforehand; ``bulk``: rows stored from attached scratch files too, not in ``rows``
    but in ``counted`` (``shared.staging``)."""
    of_kind = by_kind(rows)
    drop_voids_of_other_rooms(conn, rows)
    tallies.on_stored_many(conn, of_kind, counted, bulk or [])
    if Kind.VOID in of_kind:
        record_voids(conn, [(r[7], r[0], r[1], r[2]) for r in of_kind[Kind.VOID] if r[7]])
    if of_kind.keys() - NO_PROJECTION or Kind.SHIFT_ENDED in of_kind:
        refresh_state(
            conn,
            [
                r
                for kind, group in of_kind.items()
                if kind not in NO_PROJECTION or kind == Kind.SHIFT_ENDED
                for r in group
            ],
        )


def by_kind(rows: list[RawEventRow]) -> dict[str, list[RawEventRow]]:
    """Rows split by kind, each list in the given order (one pass, not one per kind)."""
    groups: dict[str, list[RawEventRow]] = {}
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
    rows = [
        (d.id, room, first + i, d.at, d.kind, d.visitor, d.activity, d.ref, d.payload)
        for i, d in enumerate(drafts)
    ]
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
    # rows whose id or (room, seq) is held with other content
    conflicts: tuple[RawEventRow, ...]
    new: list[RawEventRow] = field(default_factory=list)  # the rows stored (added of them)


def merge_rows(
    conn: sqlite3.Connection,
    rows: list[RawEventRow],
    *,
    all_or_nothing: bool = False,
    project: bool = True,
) -> MergeOutcome:
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
        taken |= {
            (room, s[0]) for s in conn.execute(SELECT_SEQ_RANGE, (room, min(seqs), max(seqs)))
        }
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


def _insert_if_all_new(conn: sqlite3.Connection, rows: list[RawEventRow]) -> bool:
    """The common case in one go: rows of one room, none of their seqs held, no id twice.

    Then every row is new unless its id is held under another seq (a conflict): the
    insert runs under a savepoint and such a row rolls it back (False: sort it out
    row by row). Saves looking up every id of a 20,000-event bundle first.
    """
    if (
        not rows
        or len(set(map(itemgetter(1), rows))) != 1
        or len(set(map(itemgetter(0), rows))) != len(rows)
    ):
        return False
    seqs = list(map(itemgetter(2), rows))
    if conn.execute(ANY_SEQ_IN_RANGE, (rows[0][1], min(seqs), max(seqs))).fetchone():
        return False
    return _all_or_none(conn, lambda: conn.executemany(INSERT_EVENT, rows))


def insert_staged_if_all_new(
    conn: sqlite3.Connection, room: str, first_seq: int, last_seq: int, schema: str
) -> bool:
    """``_insert_if_all_new`` for the rows of one bundle of ``room`` staged in ``schema``
    (``shared.staging``), with seqs from ``first_seq`` to ``last_seq``: SQLite copies
    them, and a repeated or held id rolls the copy back. Raises ``staging.Unreadable``
    when the scratch file cannot be read."""
    if conn.execute(ANY_SEQ_IN_RANGE, (room, first_seq, last_seq)).fetchone():
        return False
    return _all_or_none(conn, lambda: staging.insert_staged(conn, schema))


def _all_or_none(conn: sqlite3.Connection, insert: Any) -> bool:
    """Run ``insert`` under a savepoint: False (nothing stored) if a row is held."""
    conn.execute("SAVEPOINT all_new")
    try:
        insert()
    except sqlite3.IntegrityError:
        conn.execute("ROLLBACK TO all_new")
        return False
    finally:
        conn.execute("RELEASE all_new")
    return True


def merge_many(conn: sqlite3.Connection, incoming: list[Event]) -> MergeOutcome:
    """``merge_rows`` for Event objects (restore, tests)."""
    return merge_rows(conn, [to_row(e) for e in incoming])
