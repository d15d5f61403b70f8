"""Checked event rows staged in a scratch database, for central's merge of a backlog.

Binding every value of every row from Python is most of the time of inserting a large
bundle. When a helper process opens a backlog (``syncd.opener``), it writes each
bundle's checked rows into a scratch file of their own; central attaches the file and
copies them into ``events`` with one ``INSERT … SELECT`` (SQLite to SQLite), about
twice as fast as binding them.

Only the rows central projects one by one reach it as Python values (``split``,
marshalled by the helper beside the scratch file). The bulk, check-ins and jobs
without a ref (nine events in ten), is copied and counted (by the helper) but never
looked at row by row: the helper does not write it out twice and central does not
load it. What central needs of it is asked of SQLite: the few rows a void recorded
earlier names, and every row when a bundle is partly held and merged row by row.

Attaching is refused inside a transaction, so the scratch files of a run's bundles are
attached before its transaction begins (still empty: the helper writes them while the
run merges) and detached after it ends. That transaction locks the main database
only (``shared.db.transaction(main_only=True)``): ``BEGIN IMMEDIATE`` would lock the
attached files too, and the helper could not write them.
"""

from __future__ import annotations

import bisect
import json
import sqlite3
from collections.abc import Iterable
from operator import itemgetter
from pathlib import Path
from typing import Any, NamedTuple

from shared.event_rows import EVENT_COLUMNS, RawEventRow

TABLE = "staged_rows"
# SQLite's default limit of attached databases is 10; a few stay free for others.
MAX_ATTACHED = 6


# Kinds central counts but never projects one by one, unless the row has a ref.
BULK_KINDS = frozenset({"checkin", "job_done"})
BULK = f"kind IN ({', '.join(repr(kind) for kind in sorted(BULK_KINDS))}) AND ref IS NULL"


class Bulk(NamedTuple):
    """A staged bundle's bulk rows, left out of what central loads: how many, and an id
    range holding all their ids (for the voids that name some of them)."""

    size: int
    low_id: str
    high_id: str


class StoredBulk(NamedTuple):
    """Bulk rows just stored from the scratch schema ``schema``: one bundle of ``room``
    with seqs from ``first_seq`` to ``last_seq``, every seq between (``whole``) or not."""

    schema: str
    room: str
    first_seq: int
    last_seq: int
    whole: bool
    bulk: Bulk


def split(rows: list[RawEventRow]) -> tuple[list[RawEventRow], Bulk | None]:
    """(the rows central projects one by one, what is left out); None when nothing is."""
    one_by_one = [row for row in rows if row[4] not in BULK_KINDS or row[7] is not None]
    if len(one_by_one) == len(rows):
        return rows, None
    ids = list(map(itemgetter(0), rows))
    return one_by_one, Bulk(len(rows) - len(one_by_one), min(ids), max(ids))


def stage_rows(path: Path, rows: list[RawEventRow]) -> None:
    """Write ``rows`` into a new scratch database at ``path`` (no journal, no fsync:
    a scratch file lost in a crash is only not used)."""
    # Central only attaches the file meanwhile (a moment); locked longer: not used.
    conn = sqlite3.connect(path, isolation_level=None, timeout=1.0)
    try:
        conn.execute("PRAGMA journal_mode = OFF")
        conn.execute("PRAGMA synchronous = OFF")
        conn.execute(f"CREATE TABLE {TABLE} ({EVENT_COLUMNS})")
        conn.execute("BEGIN")
        conn.executemany(f"INSERT INTO {TABLE} VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
        conn.execute("COMMIT")
    finally:
        conn.close()


def attach(conn: sqlite3.Connection, paths: Iterable[Path]) -> dict[Path, str]:
    """Attach each scratch file (outside a transaction); returns file -> schema name.
    A file that cannot be attached is left out: its rows are bound instead."""
    schemas: dict[Path, str] = {}
    for path in paths:
        schema = f"staged{len(schemas)}"
        try:
            conn.execute(f"ATTACH DATABASE ? AS {schema}", (str(path),))
        except sqlite3.Error:
            continue
        schemas[path] = schema
    return schemas


def remove(paths: Iterable[Path]) -> None:
    """Scratch files done with (and the rows the helper wrote beside each)."""
    for path in paths:
        path.unlink(missing_ok=True)
        path.with_suffix(".rows").unlink(missing_ok=True)


def detach(conn: sqlite3.Connection, schemas: Iterable[str]) -> None:
    """Detach after the transaction; one still attached is only not used again."""
    for schema in schemas:
        try:
            conn.execute(f"DETACH DATABASE {schema}")
        except sqlite3.Error:
            continue


def all_rows(conn: sqlite3.Connection, schema: str) -> list[RawEventRow]:
    """Every row staged in ``schema`` (for a merge row by row)."""
    try:
        rows = conn.execute(f"SELECT {EVENT_COLUMNS} FROM {schema}.{TABLE}").fetchall()
    except sqlite3.OperationalError as exc:
        raise Unreadable(f"the rows staged in {schema} cannot be read: {exc}") from exc
    return [tuple(row) for row in rows]


def voided_bulk_rows(
    conn: sqlite3.Connection, stored: StoredBulk, voided: list[str]
) -> list[RawEventRow]:
    """The bulk rows of ``stored`` whose id is among ``voided`` (sorted)."""
    low = bisect.bisect_left(voided, stored.bulk.low_id)
    ids = voided[low : bisect.bisect_right(voided, stored.bulk.high_id)]
    if not ids:
        return []
    if stored.whole:  # every event of the room in that range of seqs came with it
        query = (
            f"SELECT {EVENT_COLUMNS} FROM main.events WHERE id IN (SELECT value FROM "
            f"json_each(?1)) AND {BULK} AND room = ?2 AND seq BETWEEN ?3 AND ?4"
        )
        args: tuple[Any, ...] = (json.dumps(ids), stored.room, stored.first_seq, stored.last_seq)
    else:
        query = (
            f"SELECT {EVENT_COLUMNS} FROM {stored.schema}.{TABLE} WHERE {BULK} "
            "AND id IN (SELECT value FROM json_each(?))"
        )
        args = (json.dumps(ids),)
    return [tuple(row) for row in conn.execute(query, args)]


class Unreadable(Exception):
    """A scratch file central cannot read: its bundle is left for the next pass."""


def insert_staged(conn: sqlite3.Connection, schema: str) -> None:
    """Copy the rows staged in ``schema`` into ``events``. Call under a savepoint: a held
    id or seq raises ``sqlite3.IntegrityError``, as binding would."""
    try:
        conn.execute(
            f"INSERT INTO main.events ({EVENT_COLUMNS}) "
            f"SELECT {EVENT_COLUMNS} FROM {schema}.{TABLE}"
        )
    except sqlite3.IntegrityError:
        raise
    except sqlite3.OperationalError as exc:
        if not conn.in_transaction:  # the engine gave up the whole transaction
            raise
        raise Unreadable(f"the rows staged in {schema} cannot be read: {exc}") from exc
