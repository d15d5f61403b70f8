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
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from operator import itemgetter
from pathlib import Path

# acks, outbox, sync_state, sync_status: names that stay importable from here for older
# callers (tests, bench).
from shared import staging, tallies
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
from shared.events import MergeOutcome, insert_staged_if_all_new, merge_rows, project_many
from shared.incoming import Incoming
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
MERGE_DEFERRED = "deferred"  # not merged in this pass, through no fault of the file (kept)


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
    conn: sqlite3.Connection, room: str, start: int, held_now: Sequence[int] = ()
) -> int:
    """The highest seq of ``room`` up to which every seq is held, from ``start``.

    ``held_now`` are seqs just merged: when they run without a gap from at most
    ``start + 1``, the search starts above them instead of reading them back. Then
    SQLite finds the end of the run of held seqs (bundles merge in any order, so
    a bundle that fills a gap may join many held after it).
    """
    contiguous = start
    if isinstance(held_now, range) and held_now.step == 1:
        low, high = held_now.start, held_now.stop - 1  # without reading them all
    else:
        low, high = (min(held_now), max(held_now)) if held_now else (0, -1)
    if held_now and low <= start + 1 and high - low + 1 == len(held_now):
        contiguous = max(start, high)
    if not conn.execute(IS_HELD, (room, contiguous + 1)).fetchone():
        return contiguous
    row = conn.execute(END_OF_RUN, (room, contiguous)).fetchone()
    return int(row[0])


def merge_bundles(
    conn: sqlite3.Connection,
    bundles: Iterable[Incoming],
    now: str,
    staged: dict[Path, str] | None = None,
    idle: Callable[[], bool] | None = None,
) -> list[Merged | MergeRefused]:
    """Merge verified bundles in one transaction; a result per bundle, in order.

    Each bundle is all or nothing under its own savepoint: a conflict, or any
    error its content causes (a number too large for SQLite, a value a
    projection cannot use), refuses that bundle alone and the others still
    merge. The projections of everything added are updated once (or in a few
    batches, ``idle`` below), and there is one commit (one fsync) for the lot: a
    backlog of bundles merges much faster than one transaction per bundle. Should
    that shared projection fail, the pass is redone projecting bundle by bundle, so
    the one to blame is found.
    ``bundles`` may be a stream (opened while the others merge); ``staged`` maps a
    bundle's scratch file to the attached schema holding its rows (``shared.staging``).
    ``idle``: true while the stream's next bundle is not ready; what is merged so far
    is projected meanwhile (projections are the same in batches, in any order).
    """
    stream, staged = iter(bundles), staged or {}
    taken: list[Incoming] = []
    try:
        return _merge_in_one_transaction(conn, _taking(stream, taken), now, staged, False, idle)
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
    idle: Callable[[], bool] | None = None,
) -> list[Merged | MergeRefused]:
    results: list[Merged | MergeRefused] = []
    # Stored, not projected yet: rows, rows stored from scratch files (shared.staging),
    # and what each bundle's stored rows add to the tallies.
    added: list[RawEventRow] = []
    bulk: list[staging.StoredBulk] = []
    counted: list[tallies.Tally] = []
    with transaction(conn, main_only=True):  # the scratch files stay the helper's
        for bundle in bundles:
            conn.execute("SAVEPOINT bundle")
            try:
                schema = staged.get(bundle.staged) if bundle.staged else None
                merged, new, from_bulk = _merge_one(conn, bundle, now, schema)
                # The helper's count when every row was stored; else counted here.
                all_stored = bundle.tally is not None and merged.added == bundle.count
                tally = bundle.tally if all_stored and bundle.tally else tallies.count_rows(new)
                if project_each:
                    project_many(conn, new, tally, from_bulk)
            except MergeRefused as refused:
                conn.execute("ROLLBACK TO bundle")
                results.append(refused)
            except staging.Unreadable as exc:  # not this bundle's fault: the next pass
                conn.execute("ROLLBACK TO bundle")
                results.append(MergeRefused(MERGE_DEFERRED, str(exc)))
            except Exception as exc:  # noqa: BLE001 - one bundle never stops the others
                if not conn.in_transaction:
                    raise  # the engine rolled everything back (disk full, I/O): not this bundle
                conn.execute("ROLLBACK TO bundle")
                results.append(MergeRefused(MERGE_FAILED, type(exc).__name__))
            else:
                added += new
                bulk += from_bulk
                results.append(merged)
                counted.append(tally)
            finally:
                if conn.in_transaction:  # not rolled back whole by an error of the engine
                    conn.execute("RELEASE bundle")
            if counted and not project_each and idle is not None and idle():
                project_many(conn, added, tallies.combined(counted), bulk)
                added, bulk, counted = [], [], []
        if counted and not project_each:
            project_many(conn, added, tallies.combined(counted), bulk)
    return results


def _merge_one(
    conn: sqlite3.Connection, bundle: Incoming, now: str, staged: str | None
) -> tuple[Merged, list[RawEventRow], list[staging.StoredBulk]]:
    """(the result, the rows stored that are projected one by one, and the bulk rows
    stored from the scratch file, if any)."""
    header, rows, room = bundle.header, bundle.rows, bundle.header["room"]
    if is_seen(conn, bundle.digest):
        return Merged(0, bundle.count, contiguous_seq(conn, room), already_seen=True), [], []
    _refs_are_of(conn, room, rows)  # every row with a ref is in ``rows``
    first, last = header["first_seq"], header["last_seq"]
    # Every seq of the bundle is held after it (stored or a duplicate); they are the whole
    # range when there are as many as it spans (records.to_rows: distinct, in range).
    spans = isinstance(first, int) and isinstance(last, int) and last - first + 1 == bundle.count
    from_bulk: list[staging.StoredBulk] = []
    if bundle.bulk and staged and insert_staged_if_all_new(conn, room, first, last, staged):
        outcome = MergeOutcome(bundle.count, 0, (), rows)
        from_bulk = [staging.StoredBulk(staged, room, first, last, spans, bundle.bulk)]
    else:
        if bundle.bulk:  # some of it is held: every row, one by one
            if not staged:
                raise staging.Unreadable(f"the scratch file of {bundle.name} is not attached")
            rows = staging.all_rows(conn, staged)
        outcome = (
            merge_rows(conn, rows, all_or_nothing=True, project=False)
            if rows
            else MergeOutcome(0, 0, ())
        )
    if outcome.conflicts:
        _ids_are_of(conn, room, outcome.conflicts)
        seqs = ", ".join(str(r[2]) for r in outcome.conflicts[:5])
        raise MergeRefused("conflict", f"seq {seqs} already held with other content")
    row = conn.execute(SELECT_ROOM, (room,)).fetchone()
    start, bundles = (row[0], row[1]) if row else (0, 0)
    held_now = range(first, last + 1) if spans else tuple(map(itemgetter(2), rows))
    contiguous = _advance_contiguous(conn, room, start, held_now)
    conn.execute(UPSERT_ROOM, (room, contiguous, bundles + 1, now, header["created"]))
    conn.execute(
        INSERT_SEEN,
        (
            bundle.digest,
            bundle.name,
            room,
            header["kind"],
            first,
            last,
            bundle.count,
            outcome.added,
            header["created"],
            now,
        ),
    )
    return Merged(outcome.added, outcome.duplicates, contiguous), outcome.new, from_bulk


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
