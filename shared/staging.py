"""Checked event rows staged in a scratch database, for central's merge of a backlog.

Binding every value of every row from Python is most of the time of inserting a large
bundle. When a helper process opens a backlog (``syncd.opener``), it writes each
bundle's checked rows into a scratch file of their own; central attaches the file and
copies them into ``events`` with one ``INSERT … SELECT`` (SQLite to SQLite), about
twice as fast as binding them. The same rows reach central's checks and projections
as Python values (marshalled by the helper beside the scratch file).

Attaching is refused inside a transaction, so the scratch files of a run's bundles are
attached before its transaction begins (still empty: the helper writes them while the
run merges) and detached after it ends. That transaction locks the main database
only (``shared.db.transaction(main_only=True)``): ``BEGIN IMMEDIATE`` would lock the
attached files too, and the helper could not write them.
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Iterable
from pathlib import Path

from shared.event_rows import EVENT_COLUMNS, RawEventRow

log = logging.getLogger("bwk-syncd")
TABLE = "staged_rows"
# SQLite's default limit of attached databases is 10; a few stay free for others.
MAX_ATTACHED = 6


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


def insert_staged(conn: sqlite3.Connection, schema: str) -> bool:
    """Copy the rows staged in ``schema`` into ``events``; False (nothing copied) when the
    scratch file cannot be read, and the caller binds the rows instead. Call under a
    savepoint: a held id or seq raises ``sqlite3.IntegrityError``, as binding would."""
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
        log.warning("the rows staged in %s cannot be read (%s): bound instead", schema, exc)
        return False
    return True
