"""The SQL behind ``bwk-syncd verify``, ``backup`` and ``resend`` (syncd/verify.py,
syncd/backup.py).

Read-only checks of a database: SQLite's own integrity check, the seq ranges
held per room and their gaps, and whether the projections (tallies included)
equal a rebuild from the log. The rebuild is done in a private copy made with
SQLite's backup API, never in the live database, so a running daemon is not
held up by it and nothing is changed.
"""

from __future__ import annotations

import sqlite3
import tempfile
from pathlib import Path

from shared.db import make_private, transaction
from shared.events import rebuild_projections
from shared.sync_state import SET_STATE

# Each projection with the columns that identify a row and the ones compared. Amounts are
# sums of floats: rounded to a cent's hundredth, since the order of adding may differ.
PROJECTIONS = {
    "roles": "room, code, role, since",
    "room_state": "room, is_open, changed_at, by_code, event_id",
    "open_shifts": "room, code, start_id, started_at",
    "voided": "event_id, void_id",
    "tallies": "year, kind, room, activity, visitor, n, ROUND(amount, 4)",
    "monthly_visits": "month, room, visitor, n",
}
SEQ_RANGE = "SELECT COUNT(*), MIN(seq), MAX(seq) FROM events WHERE room = ?"
# Missing runs of seq: (first missing, last missing), from 1 up to the highest held.
SEQ_GAPS = (
    "SELECT prev + 1, seq - 1 FROM (SELECT seq, LAG(seq, 1, 0) OVER (ORDER BY seq) "
    "AS prev FROM events WHERE room = ?) WHERE seq > prev + 1 ORDER BY seq LIMIT ?"
)
# Rooms only: central's own entries (staff figures, room "_central") are no room's sync.
ROOMS_IN_LOG = "SELECT DISTINCT room FROM events WHERE room != '_central' ORDER BY room"
SYNC_ROOMS = "SELECT room, contiguous_seq FROM sync_rooms"


def integrity_problems(conn: sqlite3.Connection, limit: int = 10) -> list[str]:
    """``PRAGMA integrity_check``: an empty list when the file is sound."""
    try:
        rows = [str(r[0]) for r in conn.execute(f"PRAGMA integrity_check({int(limit)})")]
    except sqlite3.DatabaseError as exc:
        return [str(exc)]
    return [] if rows == ["ok"] else rows


def seq_range(conn: sqlite3.Connection, room: str) -> tuple[int, int, int]:
    """(events held, lowest seq, highest seq) of ``room``; (0, 0, 0) when none."""
    count, low, high = conn.execute(SEQ_RANGE, (room,)).fetchone()
    return count, low or 0, high or 0


def seq_gaps(conn: sqlite3.Connection, room: str, limit: int = 10) -> list[tuple[int, int]]:
    """The first ``limit`` runs of missing seqs of ``room`` as (first, last), from seq 1."""
    return [tuple(r) for r in conn.execute(SEQ_GAPS, (room, limit))]


def rooms_in_log(conn: sqlite3.Connection) -> list[str]:
    return [r[0] for r in conn.execute(ROOMS_IN_LOG)]


def recorded_contiguous(conn: sqlite3.Connection) -> dict[str, int]:
    """Central's bookkeeping: the contiguous seq it believes it holds, per room."""
    return {r[0]: r[1] for r in conn.execute(SYNC_ROOMS)}


def projection_differences(database: Path) -> dict[str, tuple[int, int]]:
    """Projections that differ from a rebuild from the log, in a private copy of ``database``.

    Returns {table: (rows only in the database, rows only in the rebuild)}; empty when
    every projection, tallies included, equals the rebuild.
    """
    with tempfile.TemporaryDirectory(prefix="bwk-verify-") as folder:
        copy_path = Path(folder) / "copy.db"
        source = _read_only(database)
        copy = sqlite3.connect(copy_path, isolation_level=None)
        try:
            source.backup(copy)
            source.close()
            for table, columns in PROJECTIONS.items():
                copy.execute(f"CREATE TEMP TABLE held_{table} AS SELECT {columns} FROM {table}")
            with transaction(copy):
                rebuild_projections(copy)
            differences = {}
            for table, columns in PROJECTIONS.items():
                only_held = _count(
                    copy, f"SELECT * FROM held_{table} EXCEPT SELECT {columns} FROM main.{table}"
                )
                only_rebuilt = _count(
                    copy, f"SELECT {columns} FROM main.{table} EXCEPT SELECT * FROM held_{table}"
                )
                if only_held or only_rebuilt:
                    differences[table] = (only_held, only_rebuilt)
            return differences
        finally:
            source.close()
            copy.close()


def _read_only(database: Path) -> sqlite3.Connection:
    # as_uri() escapes what a file name may hold ("?", "#", "%") that a URI would misread.
    return sqlite3.connect(f"{Path(database).resolve().as_uri()}?mode=ro", uri=True)


def _count(conn: sqlite3.Connection, select: str) -> int:
    return int(conn.execute(f"SELECT COUNT(*) FROM ({select})").fetchone()[0])


def back_up(database: Path, out: Path) -> int:
    """A consistent copy of ``database`` at ``out`` with the online backup API.

    Safe while a daemon writes: SQLite copies one snapshot. Written to ``out.tmp``
    (0600: a room's database holds names), checked, synced, then renamed, so ``out``
    is always either the old backup or a whole new one. Returns the size in bytes.
    """
    import os

    tmp = out.with_name(out.name + ".tmp")
    for suffix in ("", "-journal", "-wal", "-shm"):
        Path(f"{tmp}{suffix}").unlink(missing_ok=True)
    make_private(tmp, create=True)
    source = _read_only(database)
    copy = sqlite3.connect(tmp, isolation_level=None)
    try:
        source.backup(copy)
        # A single self-contained file: no -wal beside it to forget when copying it away.
        copy.execute("PRAGMA journal_mode = DELETE")
        problems = integrity_problems(copy)
    finally:
        source.close()
        copy.close()
    if problems:
        tmp.unlink(missing_ok=True)
        raise sqlite3.DatabaseError(
            f"the copy of {database} does not pass SQLite's integrity check: {'; '.join(problems)}"
        )
    with open(tmp, "rb") as handle:
        os.fsync(handle.fileno())
    os.replace(tmp, out)
    folder = os.open(out.parent, os.O_RDONLY)
    try:
        os.fsync(folder)
    finally:
        os.close(folder)
    return out.stat().st_size


def reset_export_marks(conn: sqlite3.Connection, at: str) -> None:
    """A room forgets what central acknowledged and what it exported: the next pass sends
    its whole log again (central lost it). The outbox rows stay: the fresh export
    replaces the bundles it covers, as after any re-export."""
    with transaction(conn):
        conn.execute(SET_STATE, ("exported_seq", "0"))
        conn.execute(SET_STATE, ("acked_seq", "0"))
        conn.execute(SET_STATE, ("last_resend_at", at))
        # Acks of central sealed for bundles older than this are from before the loss.
        conn.execute(SET_STATE, ("resend_all_at", at))
