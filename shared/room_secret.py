"""The room secret: 32 random bytes in a file beside the room database (mode 0600).

It keys what must not be derivable from personal data or from a copied
database alone: paper-list event ids (HMAC) and the PIN pepper. It never
leaves the room and is never written into the database, so a copy of
``room.db`` without this file gives up no PIN and no name behind an id.

Losing the file: paper-list ids made with it can no longer be recognised
(importing an old list again would add it twice) and key holders' PINs must
be set again (``bwk-kiosk init --add-key-holder``). Back it up apart from the database.
"""

from __future__ import annotations

import logging
import os
import secrets
import stat
from pathlib import Path

from shared.config import ConfigError
from shared.db import make_private

SECRET_BYTES = 32
SUFFIX = ".secret"

log = logging.getLogger("bwk.secret")


class SecretError(ConfigError):
    """A secret file that exists but cannot be used; the message is meant for an operator.

    A ConfigError, so every command that reports a bad set-up reports this too.
    """


def secret_path(database: str | Path) -> Path:
    """The default place: ``room.db`` -> ``room.db.secret`` in the same folder."""
    database = Path(database)
    return database.with_name(database.name + SUFFIX)


def load_or_create(path: str | Path) -> bytes:
    """The secret in ``path``; a new one is written (0600) when the file is missing."""
    path = Path(path)
    try:
        return _read(path)
    except FileNotFoundError:
        pass
    fresh = secrets.token_bytes(SECRET_BYTES)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
    except FileExistsError:  # another process made it just now: use theirs
        return _read(path)
    with os.fdopen(fd, "w", encoding="ascii") as handle:
        handle.write(fresh.hex() + "\n")
        handle.flush()
        os.fsync(handle.fileno())
    _fsync_dir(path.parent)
    log.info("created the room secret %s (back it up apart from the database)", path)
    return fresh


def _read(path: Path) -> bytes:
    fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW)
    with os.fdopen(fd, "r", encoding="ascii", errors="replace") as handle:
        if not stat.S_ISREG(os.fstat(handle.fileno()).st_mode):
            raise SecretError(f"{path}: the room secret must be a regular file")
        text = handle.read(1024).strip()
    make_private(path)
    try:
        secret = bytes.fromhex(text)
    except ValueError:
        secret = b""
    if len(secret) != SECRET_BYTES:
        raise SecretError(
            f"{path}: not a room secret ({SECRET_BYTES * 2} hex characters "
            "expected); restore it from the backup, or move it away to make a "
            "new one (then key holders set their PINs again)"
        )
    return secret


def _fsync_dir(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
