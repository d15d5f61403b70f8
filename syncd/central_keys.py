"""Central's key rotation, room side: a new central key arrives in a config bundle.

Central announces its new public key in a ``config`` bundle signed by its OLD
key (``bwk-syncd enrol --central``). The room checks the signature against
the key it trusts now, keeps the new key in its database (``sync_state``) and
uses it from then on; the old fingerprint is remembered as replaced, so
bundles still signed with it are quarantined as "revoked key".

The room config's ``central_key`` file is not rewritten (it may be read-only
or shared). The stored key wins while the config still names a key it
replaced; an operator who points the config at another key overrides it.
"""

from __future__ import annotations

import sqlite3
import tempfile
from pathlib import Path
from typing import Any

from shared import sync_state
from shared.db import transaction
from shared.keys import KeyFileError, PublicKey, load_public
from shared.records import MergeRefused
from syncd.common import log

STORED_KEY = "central_key"  # the public key file's text
REPLACED = "central_keys_replaced"  # fingerprints, space separated, oldest first
MAX_KEY_TEXT = 16 * 1024


def key_from_text(text: str) -> PublicKey:
    """Load a public key carried as text, with every check of a ``.pub`` file."""
    with tempfile.TemporaryDirectory(prefix="bwk-key-") as folder:
        path = Path(folder) / "central.pub"
        path.write_text(text, "ascii")
        return load_public(path)


def check_record(record: dict[str, Any]) -> None:
    text = record.get("key")
    if type(text) is not str or not 0 < len(text) <= MAX_KEY_TEXT:
        raise MergeRefused("bad config", "central_key is not a key file's text")
    try:
        key_from_text(text)
    except (KeyFileError, UnicodeError):
        raise MergeRefused("bad config", "central_key does not load as a public key") from None


def _replaced(conn: sqlite3.Connection) -> list[str]:
    return (sync_state.get_state(conn, REPLACED) or "").split()


def replaced(conn: sqlite3.Connection, name: str) -> frozenset[tuple[str, str]]:
    """(central's name, fingerprint) of every central key this room has replaced."""
    return frozenset((name, fingerprint) for fingerprint in _replaced(conn))


def key_in_use(conn: sqlite3.Connection, configured: PublicKey) -> PublicKey:
    """The configured key, unless a rotation received since replaced it."""
    text = sync_state.get_state(conn, STORED_KEY)
    if not text or configured.fingerprint not in _replaced(conn):
        return configured
    return key_from_text(text)


def adopt(conn: sqlite3.Connection, current: PublicKey, text: str) -> PublicKey:
    """Store the announced key and trust it from now on."""
    new = key_from_text(text)
    if new.fingerprint == current.fingerprint:
        return current
    gone = [fp for fp in _replaced(conn) if fp != new.fingerprint] + [current.fingerprint]
    with transaction(conn):  # both or neither
        sync_state.set_state(conn, STORED_KEY, text)
        sync_state.set_state(conn, REPLACED, " ".join(gone))
    log.info("central's key is now %s (was %s)", new.fingerprint, current.fingerprint)
    return new
