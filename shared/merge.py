"""Everything syncd asks of a database: export, merge, acks, bookkeeping.

Room side: what to export (events of this room above the exported seq),
which outbox bundles wait for an acknowledgement, the acknowledged seq, the
forgets relayed from other rooms. Central side: merging verified bundles
(the union on event id, a bundle with a conflict refused whole, each bundle
recorded as seen, the highest contiguous seq per room advanced; the records
were checked by ``shared.records``), what to acknowledge, and status. The tables come from ``m006_create_sync_tables``.
Nothing here reads or writes ``people``: names never leave the room.
"""

from __future__ import annotations

import json
import sqlite3
from operator import itemgetter
from dataclasses import dataclass
from typing import Any

from shared.clock import parse_iso
from shared.clock_check import CENTRAL_TIME, CENTRAL_TIME_SEEN_AT
from shared.db import transaction
from shared.events import EVENT_COLUMNS, MergeOutcome, merge_rows, project_many
from shared.records import MergeRefused
from shared.schema import DAY_INDEX  # raised here too; syncd catches it from here

GET_STATE = "SELECT value FROM sync_state WHERE key = ?"
SET_STATE = ("INSERT INTO sync_state (key, value) VALUES (?, ?) "
             "ON CONFLICT(key) DO UPDATE SET value = excluded.value")
ALL_STATE = "SELECT key, value FROM sync_state"
MAX_SEQ = "SELECT COALESCE(MAX(seq), 0) FROM events WHERE room = ?"
COUNT_ROOM_EVENTS = "SELECT COUNT(*) FROM events WHERE room = ?"
INSERT_OUTBOX = ("INSERT OR REPLACE INTO sync_outbox (name, first_seq, last_seq, created) "
                 "VALUES (?, ?, ?, ?)")
SELECT_OUTBOX = "SELECT name, first_seq, last_seq, created FROM sync_outbox ORDER BY first_seq"
DELETE_OUTBOX = "DELETE FROM sync_outbox WHERE name = ?"
IS_FORGET_APPLIED = "SELECT 1 FROM sync_forgets_applied WHERE event_id = ?"
MARK_FORGET_APPLIED = "INSERT OR IGNORE INTO sync_forgets_applied (event_id, applied_at) VALUES (?, ?)"
IS_SEEN = "SELECT 1 FROM sync_bundles WHERE digest = ?"
INSERT_SEEN = (
    "INSERT OR IGNORE INTO sync_bundles (digest, name, room, kind, first_seq, last_seq, records, "
    "added, created, merged_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
SELECT_ROOM = "SELECT contiguous_seq, bundles, last_bundle_at, last_created FROM sync_rooms WHERE room = ?"
UPSERT_ROOM = (
    "INSERT INTO sync_rooms (room, contiguous_seq, bundles, last_bundle_at, last_created) "
    "VALUES (?, ?, ?, ?, ?) ON CONFLICT(room) DO UPDATE SET contiguous_seq = excluded.contiguous_seq, "
    "bundles = excluded.bundles, last_bundle_at = excluded.last_bundle_at, "
    "last_created = excluded.last_created")
SEQS_FROM = "SELECT seq FROM events WHERE room = ? AND seq > ? ORDER BY seq LIMIT ?"
SELECT_ROOMS = "SELECT room, contiguous_seq, bundles, last_bundle_at, last_created FROM sync_rooms"
SELECT_FORGETS_ELSEWHERE = (
    "SELECT id, visitor FROM events WHERE kind = 'forget' AND room != ? AND visitor IS NOT NULL "
    "ORDER BY at, id")
SELECT_ROOM_LOG = f"SELECT {EVENT_COLUMNS} FROM events WHERE room = ? ORDER BY seq"
SELECT_ROWS_AFTER = (
    f"SELECT {EVENT_COLUMNS} FROM events WHERE room = ? AND seq > ? ORDER BY seq LIMIT ?")
INSERT_QUARANTINE = "INSERT INTO sync_quarantine (name, room, reason, at) VALUES (?, ?, ?, ?)"
COUNT_QUARANTINE = "SELECT room, COUNT(*) FROM sync_quarantine GROUP BY room"
SELECT_DISTINCT_ROOMS = "SELECT DISTINCT room FROM events"
SELECT_HELD_ELSEWHERE = ("SELECT id FROM events WHERE id IN (SELECT value FROM json_each(?)) "
                         "AND room != ?")
ACK_SENT = "ack_sent:"  # central's sync_state key prefix: the seq last acknowledged to a room
MERGE_FAILED = "merge failed"  # MergeRefused reason: the content made the merge itself fail
PRUNE_QUARANTINE = ("DELETE FROM sync_quarantine WHERE at < ? OR id <= "
                    "(SELECT id FROM sync_quarantine ORDER BY id DESC LIMIT 1 OFFSET ?)")

@dataclass(frozen=True)
class Merged:
    added: int
    duplicates: int
    contiguous_seq: int
    already_seen: bool = False


CENTRAL_CACHE_KIB = 128 * 1024


def tune_for_merging(conn: sqlite3.Connection, cache_kib: int = CENTRAL_CACHE_KIB) -> None:
    """Central only. A page cache large enough for central's indexes, so merging into
    millions of events stays close to merging into an empty copy; and no index for the
    room's day screens, which central never shows (one page write less per merged event)."""
    conn.execute(f"PRAGMA cache_size = -{int(cache_kib)}")
    conn.execute(f"DROP INDEX IF EXISTS {DAY_INDEX}")  # autocommit; writes only when it exists


# --- small key/value state (room side) ----------------------------------------
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


# --- room: export and acknowledgements ----------------------------------------
def max_seq(conn: sqlite3.Connection, room: str) -> int:
    return conn.execute(MAX_SEQ, (room,)).fetchone()[0]


def pending_events(conn: sqlite3.Connection, room: str, after_seq: int, limit: int
                   ) -> list[tuple]:
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
    return list(map(tuple, rows))


def record_export(conn: sqlite3.Connection, name: str, first_seq: int, last_seq: int,
                  created: str) -> None:
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


def room_event_count(conn: sqlite3.Connection, room: str) -> int:
    return conn.execute(COUNT_ROOM_EVENTS, (room,)).fetchone()[0]


# --- central: merge -------------------------------------------------------------
def is_seen(conn: sqlite3.Connection, digest: str) -> bool:
    return conn.execute(IS_SEEN, (digest,)).fetchone() is not None


def _advance_contiguous(conn: sqlite3.Connection, room: str, start: int,
                        held_now: tuple[int, ...] = ()) -> int:
    """The highest seq of ``room`` up to which every seq is held, scanning from ``start``.

    ``held_now`` are seqs just merged: when they run without a gap from at most
    ``start + 1``, the scan starts above them instead of reading them back.
    """
    contiguous = start
    if held_now and min(held_now) <= start + 1 and max(held_now) - min(held_now) + 1 == len(held_now):
        contiguous = max(start, max(held_now))
    while True:
        seqs = [r[0] for r in conn.execute(SEQS_FROM, (room, contiguous, 10_000))]
        for seq in seqs:
            if seq != contiguous + 1:
                return contiguous
            contiguous = seq
        if len(seqs) < 10_000:
            return contiguous


@dataclass(frozen=True)
class Incoming:
    """A verified bundle's events, ready to merge."""

    name: str
    header: dict[str, Any]
    rows: list[tuple]
    digest: str


def merge_bundles(conn: sqlite3.Connection, bundles: list[Incoming], now: str
                  ) -> list[Merged | MergeRefused]:
    """Merge verified bundles in one transaction; a result per bundle, in order.

    Each bundle is all or nothing under its own savepoint: a conflict, or any
    error its content causes (a number too large for SQLite, a value a
    projection cannot use), refuses that bundle alone and the others still
    merge. The projections of everything added are updated once, and there is
    one commit (one fsync) for the lot: a backlog of bundles merges much faster
    than one transaction per bundle. Should that shared projection fail, the
    pass is redone projecting bundle by bundle, so the one to blame is found.
    """
    try:
        return _merge_in_one_transaction(conn, bundles, now, project_each=False)
    except Exception:  # noqa: BLE001 - rolled back whole; the slow path finds the culprit
        return _merge_in_one_transaction(conn, bundles, now, project_each=True)


def _merge_in_one_transaction(conn: sqlite3.Connection, bundles: list[Incoming], now: str,
                              project_each: bool) -> list[Merged | MergeRefused]:
    results: list[Merged | MergeRefused] = []
    added: list[tuple] = []
    with transaction(conn):
        for bundle in bundles:
            conn.execute("SAVEPOINT bundle")
            try:
                merged, new = _merge_one(conn, bundle, now)
                if project_each:
                    project_many(conn, new)
            except MergeRefused as refused:
                conn.execute("ROLLBACK TO bundle")
                results.append(refused)
            except Exception as exc:  # noqa: BLE001 - one bundle never stops the others
                if not conn.in_transaction:
                    raise  # the engine rolled everything back (disk full, I/O): not this bundle
                conn.execute("ROLLBACK TO bundle")
                results.append(MergeRefused(MERGE_FAILED, type(exc).__name__))
            else:
                added += new
                results.append(merged)
            finally:
                if conn.in_transaction:  # not rolled back whole by an error of the engine
                    conn.execute("RELEASE bundle")
        if not project_each:
            project_many(conn, added)
    return results


def _merge_one(conn: sqlite3.Connection, bundle: Incoming, now: str) -> tuple[Merged, list[tuple]]:
    header, rows, room = bundle.header, bundle.rows, bundle.header["room"]
    if is_seen(conn, bundle.digest):
        return Merged(0, len(rows), contiguous_seq(conn, room), already_seen=True), []
    _refs_are_of(conn, room, rows)
    outcome = merge_rows(conn, rows, all_or_nothing=True, project=False) if rows \
        else MergeOutcome(0, 0, ())
    if outcome.conflicts:
        _ids_are_of(conn, room, outcome.conflicts)
        seqs = ", ".join(str(r[2]) for r in outcome.conflicts[:5])
        raise MergeRefused("conflict", f"seq {seqs} already held with other content")
    row = conn.execute(SELECT_ROOM, (room,)).fetchone()
    start, bundles = (row[0], row[1]) if row else (0, 0)
    contiguous = _advance_contiguous(conn, room, start, tuple(map(itemgetter(2), rows)))
    conn.execute(UPSERT_ROOM, (room, contiguous, bundles + 1, now, header["created"]))
    conn.execute(INSERT_SEEN, (bundle.digest, bundle.name, room, header["kind"],
                               header["first_seq"], header["last_seq"], len(rows),
                               outcome.added, header["created"], now))
    return Merged(outcome.added, outcome.duplicates, contiguous), outcome.new


def _refs_are_of(conn: sqlite3.Connection, room: str, rows: list[tuple]) -> None:
    """A void (or a shift end) of ``room`` may only refer to an event of ``room``: one held
    by another room refuses the bundle. A target not held yet is checked when it arrives
    (``shared.projections.drop_voids_of_other_rooms``)."""
    refs = list(filter(None, map(itemgetter(7), rows)))
    if not refs:
        return
    elsewhere = {r[0] for r in conn.execute(SELECT_HELD_ELSEWHERE, (json.dumps(refs), room))}
    for row in rows if elsewhere else ():
        if row[7] in elsewhere:
            what = "void" if row[4] == "void" else "ref"
            raise MergeRefused("bad event", f"seq {row[2]}: {what} of another room's event")


def _ids_are_of(conn: sqlite3.Connection, room: str, conflicts: tuple[tuple, ...]) -> None:
    """An id already held by another room: this bundle is the squatter (first holder keeps
    an id; see docs/DATA.md), refused with its own reason."""
    from shared.release import holders  # the holder is named: verify shows the way out
    elsewhere = holders(conn, [r[0] for r in conflicts], room)
    for row in conflicts:
        if row[0] in elsewhere:
            holder, seq = elsewhere[row[0]]
            raise MergeRefused("bad event", f"seq {row[2]}: id of another room "
                               f"({row[0]} held for {holder} at seq {seq})")


def rooms_to_acknowledge(conn: sqlite3.Connection) -> list[str]:
    """Rooms whose contiguous seq is above the last acknowledgement written to them: a
    daemon killed between a commit and its acks writes them on its next pass."""
    state = all_state(conn)
    return [room for room, contiguous, *_ in conn.execute(SELECT_ROOMS)
            if contiguous > int(state.get(f"{ACK_SENT}{room}") or 0)]


def last_created(conn: sqlite3.Connection, room: str) -> str | None:
    """The ``created`` (the room's clock) of the newest bundle merged from ``room``."""
    row = conn.execute(SELECT_ROOM, (room,)).fetchone()
    return row[3] if row else None


def mark_acknowledged(conn: sqlite3.Connection, room: str, seq: int) -> None:
    set_state(conn, f"{ACK_SENT}{room}", seq)


def contiguous_seq(conn: sqlite3.Connection, room: str) -> int:
    row = conn.execute(SELECT_ROOM, (room,)).fetchone()
    return row[0] if row else 0


def forgets_elsewhere(conn: sqlite3.Connection, room: str) -> list[tuple[str, str]]:
    """(event id, visitor code) of every forget recorded by a room other than ``room``."""
    return [(r[0], r[1]) for r in conn.execute(SELECT_FORGETS_ELSEWHERE, (room,))]


def room_log(conn: sqlite3.Connection, room: str) -> list[tuple]:
    """Every event of ``room`` as rows in ``FIELDS`` order, by seq."""
    return list(map(tuple, conn.execute(SELECT_ROOM_LOG, (room,))))


def restore_log(conn: sqlite3.Connection, room: str, rows: list[tuple], at: str) -> int:
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


def record_quarantine(conn: sqlite3.Connection, name: str, room: str | None, reason: str,
                      at: str) -> None:
    """``room``: the sender whose signature was verified, None when none was."""
    with transaction(conn):
        conn.execute(INSERT_QUARANTINE, (name, room, reason, at))


def prune_quarantine(conn: sqlite3.Connection, keep: int, before: str) -> None:
    """Forget quarantine records older than ``before`` or beyond the newest ``keep``."""
    with transaction(conn):
        conn.execute(PRUNE_QUARANTINE, (before, keep))


def database_problem(conn: sqlite3.Connection) -> str | None:
    """``PRAGMA quick_check``: None when the database is sound, else what is wrong."""
    try:
        rows = [r[0] for r in conn.execute("PRAGMA quick_check(5)")]
    except sqlite3.DatabaseError as exc:
        return str(exc)
    return None if rows == ["ok"] else "; ".join(map(str, rows))


# --- status (also read by shared.report and shared.trends) ----------------------
def last_bundle_times(conn: sqlite3.Connection) -> dict[str, str]:
    try:
        return {r[0]: r[3] for r in conn.execute(SELECT_ROOMS) if r[3]}
    except sqlite3.OperationalError:  # a database from before m006
        return {}


def room_status(conn: sqlite3.Connection) -> dict[str, dict[str, Any]]:
    """Per room (central): contiguous seq held, bundles merged, last bundle, quarantined."""
    status: dict[str, dict[str, Any]] = {}
    for room, contiguous, bundles, last_at, last_created in conn.execute(SELECT_ROOMS):
        status[room] = {"contiguous_seq": contiguous, "bundles": bundles,
                        "last_bundle_at": last_at, "last_bundle_created": last_created,
                        "max_seq": max_seq(conn, room), "quarantined": 0}
    for room, count in conn.execute(COUNT_QUARANTINE):
        if room in status:
            status[room]["quarantined"] = count
    return status


def quarantine_counts(conn: sqlite3.Connection) -> dict[str | None, int]:
    return {r[0]: r[1] for r in conn.execute(COUNT_QUARANTINE)}


def room_sync_summary(conn: sqlite3.Connection, room: str) -> dict[str, Any]:
    """What a key holder wants to know at the kiosk: sent when, acknowledged up to where."""
    state = all_state(conn)
    top = max_seq(conn, room)
    acked = int(state.get("acked_seq", 0) or 0)
    return {"last_export_at": state.get("last_export_at"), "last_ack_at": state.get("last_ack_at"),
            "unacknowledged": max(top - acked, 0)}
