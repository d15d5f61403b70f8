"""Opening databases: pragmas, transactions, migrations.

Connections are in autocommit mode; every write runs inside ``transaction``
(``BEGIN IMMEDIATE``) so that seq numbers are assigned under the write lock.
"""

from __future__ import annotations

import os
import sqlite3
import stat
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from shared.schema import MIGRATIONS

# The kiosk waits briefly ("a missed row beats a frozen window"); the daemon long.
UI_BUSY_TIMEOUT_MS = 2_000
DAEMON_BUSY_TIMEOUT_MS = 30_000


class DatabaseError(RuntimeError):
    """A database that cannot be used; the message is meant for an operator."""


def connect(
    path: str | Path,
    *,
    busy_timeout_ms: int = DAEMON_BUSY_TIMEOUT_MS,
    durable: bool = True,
    migrate: bool = True,
) -> sqlite3.Connection:
    """Open (and create or migrate) a BuurtWerkKamer database.

    ``durable`` selects ``synchronous=FULL`` (a room machine can lose power at
    any moment); central may use NORMAL, which WAL keeps consistent.
    """
    if str(path) != ":memory:":
        _private_files(Path(path))
    conn = sqlite3.connect(
        str(path), isolation_level=None, timeout=busy_timeout_ms / 1000, check_same_thread=False
    )
    conn.row_factory = sqlite3.Row
    conn.execute(f"PRAGMA busy_timeout = {int(busy_timeout_ms)}")
    mode = conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
    if str(mode).lower() != "wal" and str(path) != ":memory:":
        raise DatabaseError(f"{path}: could not switch to WAL mode (got {mode})")
    conn.execute(f"PRAGMA synchronous = {'FULL' if durable else 'NORMAL'}")
    conn.execute("PRAGMA foreign_keys = ON")
    # Deleted names are overwritten with zeros, not left in free pages.
    conn.execute("PRAGMA secure_delete = ON")
    if migrate:
        apply_migrations(conn)
    return conn


class SchemaNotCurrent(DatabaseError):
    """A database whose schema is not this program's; a reader must not change it."""


def open_for_reading(
    path: str | Path, *, busy_timeout_ms: int = DAEMON_BUSY_TIMEOUT_MS, check_schema: bool = True
) -> sqlite3.Connection:
    """Open an existing database only to read it: no migration, no change of journal mode,
    nothing written. A schema older than this program is refused in plain words: the
    program that owns the file (the daemon on central, the kiosk in a room) upgrades it."""
    uri = f"{Path(path).resolve().as_uri()}?mode=ro"
    try:
        conn = sqlite3.connect(
            uri,
            uri=True,
            isolation_level=None,
            timeout=busy_timeout_ms / 1000,
            check_same_thread=False,
        )
    except sqlite3.OperationalError as exc:
        raise DatabaseError(f"{path}: cannot open the database to read it ({exc})") from None
    conn.row_factory = sqlite3.Row
    conn.execute(f"PRAGMA busy_timeout = {int(busy_timeout_ms)}")
    conn.execute("PRAGMA query_only = ON")
    current = schema_version(conn) if check_schema else len(MIGRATIONS)
    if current != len(MIGRATIONS):
        conn.close()
        if current > len(MIGRATIONS):
            raise SchemaNotCurrent(
                f"{path}: the database has schema version {current}, newer than "
                f"this program ({len(MIGRATIONS)}): upgrade the program"
            )
        raise SchemaNotCurrent(
            f"{path}: the database has schema version {current}, older than this program "
            f"({len(MIGRATIONS)}); this view only reads it and does not upgrade it. Upgrade it "
            "first with the program that writes it: on central 'bwk-syncd once --config "
            "CENTRAL.toml' (or restart the daemon), in a room start the kiosk once."
        )
    return conn


# SQLite gives the WAL, SHM and journal files the database file's mode.
SIDE_FILES = ("", "-wal", "-shm", "-journal")


def make_private(path: str | Path, *, create: bool = False) -> None:
    """Mode 0600 for ``path`` (made empty first when ``create`` and missing).

    A file owned by someone else is left alone (chmod would fail): the
    operator sees its mode in the docs' checklist, the program keeps running.
    """
    path = Path(path)
    if create:
        try:
            os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
            return
        except OSError:  # exists already (the usual case), or a folder SQLite will name
            pass
    try:
        mode = os.lstat(path).st_mode
        if stat.S_ISREG(mode) and stat.S_IMODE(mode) & 0o077:
            os.chmod(path, stat.S_IMODE(mode) & 0o600)
    except OSError:  # missing, or not ours
        pass


def _private_files(database: Path) -> None:
    """A new database is created 0600; an existing one and its side files are fixed."""
    make_private(database, create=True)
    for suffix in SIDE_FILES[1:]:
        make_private(database.with_name(database.name + suffix))


# A write statement that changes nothing: it takes the write lock of the main database.
LOCK_MAIN = "DELETE FROM main.sync_state WHERE 0"


@contextmanager
def transaction(conn: sqlite3.Connection, main_only: bool = False) -> Iterator[sqlite3.Connection]:
    """One atomic write: ``BEGIN IMMEDIATE`` ... ``COMMIT`` (rolled back on error).

    ``BEGIN IMMEDIATE`` locks every attached database too. ``main_only`` locks the main
    one alone, so that another process may still write an attached scratch file until
    it is read (``shared.staging``)."""
    conn.execute("BEGIN" if main_only else "BEGIN IMMEDIATE")
    try:
        if main_only:
            conn.execute(LOCK_MAIN)
        yield conn
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")


def schema_version(conn: sqlite3.Connection) -> int:
    return int(conn.execute("PRAGMA user_version").fetchone()[0])


def apply_migrations(conn: sqlite3.Connection) -> int:
    """Bring the schema up to date; each step and its version record in one transaction."""
    current = schema_version(conn)
    if current == len(MIGRATIONS):
        return current  # the usual case: no need to load sqlite-utils at start-up
    import sqlite_utils

    db = sqlite_utils.Database(conn)
    if current > len(MIGRATIONS):
        raise DatabaseError(
            f"the database has schema version {current}, newer than this program "
            f"({len(MIGRATIONS)}): upgrade the program"
        )
    for number, step in enumerate(MIGRATIONS[current:], start=current + 1):
        with transaction(conn):
            if schema_version(conn) >= number:  # another process migrated meanwhile
                continue
            step(db)
            conn.execute(f"PRAGMA user_version = {number}")
    return schema_version(conn)


class ThreadConnections:
    """One connection per thread for one database file (Textual workers are threads)."""

    def __init__(self, path: str | Path, **options: Any) -> None:
        self.path = Path(path)
        self._options = options
        self._local = threading.local()
        self._all: list[sqlite3.Connection] = []
        self._lock = threading.Lock()
        self.get()  # create and migrate now, in the caller's thread

    def get(self) -> sqlite3.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = connect(self.path, **self._options)
            self._local.conn = conn
            with self._lock:
                self._all.append(conn)
        return conn

    def close(self) -> None:
        with self._lock:
            for conn in self._all:
                conn.close()
            self._all.clear()
        self._local = threading.local()
