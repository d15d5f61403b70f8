"""Central's merge: verified bundles into the events table.

The union on event id, a bundle with a conflict refused whole, each bundle recorded as
seen, the highest contiguous seq per room advanced (the records were checked by
``shared.records``). Syncd's other bookkeeping lives in modules named for it:
``shared.sync_state`` (the key/value state), ``shared.outbox`` (a room's export side and
restore), ``shared.acks`` (acknowledgements both ways), ``shared.sync_status``
(quarantine records, soundness, status). The tables come from ``m006_create_sync_tables``.
Nothing here reads or writes ``people``: names never leave the room.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from operator import itemgetter
from pathlib import Path
from typing import Any

# acks, outbox, sync_state, sync_status: names that stay importable from here for older
# callers (tests, bench).
from shared import tallies
from shared.acks import (  # noqa: F401 - re-exported
    ACK_SENT,
    apply_ack,
    forget_applied,
    forgets_elsewhere,
    mark_acknowledged,
    mark_forget_applied,
    note_central_time,
    rooms_to_acknowledge,
)
from shared.db import transaction
from shared.event_rows import RawEventRow
from shared.events import MergeOutcome, merge_rows, project_many
from shared.outbox import (  # noqa: F401 - re-exported
    drop_outbox,
    max_seq,
    outbox,
    pending_events,
    record_export,
    restore_log,
    rewind_export,
    room_event_count,
    room_log,
)
from shared.records import MergeRefused  # raised here too; syncd catches it from here
from shared.schema import DAY_INDEX
from shared.sync_state import SET_STATE, all_state, get_int, get_state, set_state  # noqa: F401
from shared.sync_status import (  # noqa: F401 - re-exported
    database_problem,
    last_bundle_times,
    prune_quarantine,
    quarantine_counts,
    record_quarantine,
    room_status,
    room_sync_summary,
)

IS_SEEN = "SELECT 1 FROM sync_bundles WHERE digest = ?"
INSERT_SEEN = (
    "INSERT OR IGNORE INTO sync_bundles (digest, name, room, kind, first_seq, last_seq, records, "
    "added, created, merged_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)
SELECT_ROOM = (
    "SELECT contiguous_seq, bundles, last_bundle_at, last_created FROM sync_rooms WHERE room = ?"
)
UPSERT_ROOM = (
    "INSERT INTO sync_rooms (room, contiguous_seq, bundles, last_bundle_at, last_created) "
    "VALUES (?, ?, ?, ?, ?) ON CONFLICT(room) DO UPDATE SET "
    "contiguous_seq = excluded.contiguous_seq, "
    "bundles = excluded.bundles, last_bundle_at = excluded.last_bundle_at, "
    "last_created = excluded.last_created"
)
IS_HELD = "SELECT 1 FROM events WHERE room = ? AND seq = ?"
# The first held seq above ?2 whose next seq is not held: where the run of held seqs ends.
END_OF_RUN = (
    "SELECT seq FROM events AS e WHERE room = ?1 AND seq > ?2 AND NOT EXISTS "
    "(SELECT 1 FROM events WHERE room = ?1 AND seq = e.seq + 1) ORDER BY seq LIMIT 1"
)
SELECT_HELD_ELSEWHERE = (
    "SELECT id FROM events WHERE id IN (SELECT value FROM json_each(?)) AND room != ?"
)
MERGE_FAILED = "merge failed"  # MergeRefused reason: the content made the merge itself fail


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


# --- central: merge -------------------------------------------------------------
def is_seen(conn: sqlite3.Connection, digest: str) -> bool:
    return conn.execute(IS_SEEN, (digest,)).fetchone() is not None


def _advance_contiguous(
    conn: sqlite3.Connection, room: str, start: int, held_now: tuple[int, ...] = ()
) -> int:
    """The highest seq of ``room`` up to which every seq is held, from ``start``.

    ``held_now`` are seqs just merged: when they run without a gap from at most
    ``start + 1``, the search starts above them instead of reading them back. Then
    SQLite finds the end of the run of held seqs (bundles merge in any order, so
    a bundle that fills a gap may join many held after it).
    """
    contiguous = start
    if (
        held_now
        and min(held_now) <= start + 1
        and max(held_now) - min(held_now) + 1 == len(held_now)
    ):
        contiguous = max(start, max(held_now))
    if not conn.execute(IS_HELD, (room, contiguous + 1)).fetchone():
        return contiguous
    row = conn.execute(END_OF_RUN, (room, contiguous)).fetchone()
    return int(row[0])


@dataclass(frozen=True)
class Incoming:
    """A verified bundle's events, ready to merge."""

    name: str
    header: dict[str, Any]
    rows: list[RawEventRow]
    digest: str
    staged: Path | None = None  # a scratch database holding the same rows (shared.staging)
    tally: tallies.Tally | None = None  # tallies.count_rows(rows), made by the helper


def merge_bundles(
    conn: sqlite3.Connection,
    bundles: Iterable[Incoming],
    now: str,
    staged: dict[Path, str] | None = None,
) -> list[Merged | MergeRefused]:
    """Merge verified bundles in one transaction; a result per bundle, in order.

    Each bundle is all or nothing under its own savepoint: a conflict, or any
    error its content causes (a number too large for SQLite, a value a
    projection cannot use), refuses that bundle alone and the others still
    merge. The projections of everything added are updated once, and there is
    one commit (one fsync) for the lot: a backlog of bundles merges much faster
    than one transaction per bundle. Should that shared projection fail, the
    pass is redone projecting bundle by bundle, so the one to blame is found.
    ``bundles`` may be a stream (opened while the others merge); ``staged`` maps a
    bundle's scratch file to the attached schema holding its rows (``shared.staging``).
    """
    stream, staged = iter(bundles), staged or {}
    taken: list[Incoming] = []
    try:
        return _merge_in_one_transaction(conn, _taking(stream, taken), now, staged, False)
    except Exception:  # noqa: BLE001 - rolled back whole; the slow path finds the culprit
        return _merge_in_one_transaction(conn, [*taken, *stream], now, staged, True)


def _taking(stream: Iterator[Incoming], taken: list[Incoming]) -> Iterator[Incoming]:
    """The stream, kept in ``taken`` as it is read (for the slow path)."""
    for bundle in stream:
        taken.append(bundle)
        yield bundle


def _merge_in_one_transaction(
    conn: sqlite3.Connection,
    bundles: Iterable[Incoming],
    now: str,
    staged: dict[Path, str],
    project_each: bool,
) -> list[Merged | MergeRefused]:
    results: list[Merged | MergeRefused] = []
    added: list[RawEventRow] = []
    counted: list[tallies.Tally] = []  # what each bundle's stored rows add to the tallies
    with transaction(conn, main_only=True):  # the scratch files stay the helper's
        for bundle in bundles:
            conn.execute("SAVEPOINT bundle")
            try:
                schema = staged.get(bundle.staged) if bundle.staged else None
                merged, new = _merge_one(conn, bundle, now, schema)
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
                if bundle.tally is not None and len(new) == len(bundle.rows):
                    counted.append(bundle.tally)  # by the helper; every row was stored
                else:
                    counted.append(tallies.count_rows(new))
            finally:
                if conn.in_transaction:  # not rolled back whole by an error of the engine
                    conn.execute("RELEASE bundle")
        if not project_each:
            project_many(conn, added, tallies.combined(counted))
    return results


def _merge_one(
    conn: sqlite3.Connection, bundle: Incoming, now: str, staged: str | None
) -> tuple[Merged, list[RawEventRow]]:
    header, rows, room = bundle.header, bundle.rows, bundle.header["room"]
    if is_seen(conn, bundle.digest):
        return Merged(0, len(rows), contiguous_seq(conn, room), already_seen=True), []
    _refs_are_of(conn, room, rows)
    outcome = (
        merge_rows(conn, rows, all_or_nothing=True, project=False, staged=staged)
        if rows
        else MergeOutcome(0, 0, ())
    )
    if outcome.conflicts:
        _ids_are_of(conn, room, outcome.conflicts)
        seqs = ", ".join(str(r[2]) for r in outcome.conflicts[:5])
        raise MergeRefused("conflict", f"seq {seqs} already held with other content")
    row = conn.execute(SELECT_ROOM, (room,)).fetchone()
    start, bundles = (row[0], row[1]) if row else (0, 0)
    contiguous = _advance_contiguous(conn, room, start, tuple(map(itemgetter(2), rows)))
    conn.execute(UPSERT_ROOM, (room, contiguous, bundles + 1, now, header["created"]))
    conn.execute(
        INSERT_SEEN,
        (
            bundle.digest,
            bundle.name,
            room,
            header["kind"],
            header["first_seq"],
            header["last_seq"],
            len(rows),
            outcome.added,
            header["created"],
            now,
        ),
    )
    return Merged(outcome.added, outcome.duplicates, contiguous), outcome.new


def _refs_are_of(conn: sqlite3.Connection, room: str, rows: list[RawEventRow]) -> None:
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


def _ids_are_of(conn: sqlite3.Connection, room: str, conflicts: tuple[RawEventRow, ...]) -> None:
    """An id already held by another room: this bundle is the squatter (first holder keeps
    an id; see docs/DATA.md), refused with its own reason."""
    from shared.release import holders  # the holder is named: verify shows the way out

    elsewhere = holders(conn, [r[0] for r in conflicts], room)
    for row in conflicts:
        if row[0] in elsewhere:
            holder, seq = elsewhere[row[0]]
            raise MergeRefused(
                "bad event",
                f"seq {row[2]}: id of another room ({row[0]} held for {holder} at seq {seq})",
            )


def last_created(conn: sqlite3.Connection, room: str) -> str | None:
    """The ``created`` (the room's clock) of the newest bundle merged from ``room``."""
    row = conn.execute(SELECT_ROOM, (room,)).fetchone()
    return row[3] if row else None


def contiguous_seq(conn: sqlite3.Connection, room: str) -> int:
    row = conn.execute(SELECT_ROOM, (room,)).fetchone()
    return row[0] if row else 0
