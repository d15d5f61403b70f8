"""Room-local personal data: nicknames and key holder PIN hashes (peppered with the room secret).

These rows never enter the event log and never leave the room machine.
Deleting them (forget, retention) also scrubs the bytes from the file:
``secure_delete`` zeroes freed pages and a truncating checkpoint empties the WAL.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import sqlite3
import unicodedata
from dataclasses import dataclass
from typing import Any

MIN_SEARCH_LETTERS = 2
# scrypt cost: ~50 ms on a cheap machine, enough to make a stolen file's PINs slow to guess.
SCRYPT_N, SCRYPT_R, SCRYPT_P = 2**14, 8, 1

SELECT_PERSON = (
    "SELECT code, name, pin_hash IS NOT NULL AS has_pin, last_seen FROM people WHERE code = ?"
)
SEARCH_PEOPLE = (
    "SELECT code, name, pin_hash IS NOT NULL AS has_pin, last_seen FROM people "
    "WHERE name_key LIKE ? ESCAPE '\\' OR name_key LIKE ? ESCAPE '\\' "
    "ORDER BY name_key, code LIMIT ?"
)
INSERT_PERSON = (
    "INSERT INTO people (code, name, name_key, pin_hash, first_seen, last_seen) "
    "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT(code) DO UPDATE SET name = excluded.name, "
    "name_key = excluded.name_key, last_seen = excluded.last_seen"
)
TOUCH_PERSON = "UPDATE people SET last_seen = ? WHERE code = ? AND last_seen < ?"
SET_PIN = "UPDATE people SET pin_hash = ? WHERE code = ?"
CLEAR_PIN = "UPDATE people SET pin_hash = NULL WHERE code = ?"
SELECT_PIN = "SELECT pin_hash FROM people WHERE code = ?"
REPLACE_PIN = "UPDATE people SET pin_hash = ? WHERE code = ? AND pin_hash = ?"
DELETE_PERSON = "DELETE FROM people WHERE code = ?"
SELECT_IDLE = (
    "SELECT code FROM people WHERE last_seen < ? AND code NOT IN "
    "(SELECT code FROM roles WHERE room = ?)"
)


@dataclass(frozen=True)
class Person:
    code: str
    name: str
    has_pin: bool = False
    last_seen: str = ""

    @classmethod
    def from_row(cls, row: tuple[Any, ...]) -> Person:
        return cls(row[0], row[1], bool(row[2]), row[3])


def name_key(name: str) -> str:
    """Case- and accent-folded text for search: 'Zoë' -> 'zoe'."""
    decomposed = unicodedata.normalize("NFKD", name)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold().strip()


def clean_name(name: str) -> str:
    """Trim and collapse spaces; control characters out (they would garble the screen)."""
    printable = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C")
    return " ".join(printable.split())[:40]


def get_person(conn: sqlite3.Connection, code: str) -> Person | None:
    row = conn.execute(SELECT_PERSON, (code,)).fetchone()
    return Person.from_row(row) if row else None


def search(conn: sqlite3.Connection, typed: str, limit: int = 8) -> list[Person]:
    """People whose name (or a word of it) starts with ``typed``; nothing under 2 letters."""
    key = name_key(typed)
    if len(key) < MIN_SEARCH_LETTERS:
        return []
    escaped = key.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    rows = conn.execute(SEARCH_PEOPLE, (escaped + "%", "% " + escaped + "%", limit))
    return [Person.from_row(r) for r in rows]


def remember(conn: sqlite3.Connection, code: str, name: str, at: str) -> Person:
    name = clean_name(name)
    conn.execute(INSERT_PERSON, (code, name, name_key(name), None, at, at))
    return get_person(conn, code)  # type: ignore[return-value]


def touch(conn: sqlite3.Connection, code: str, at: str) -> None:
    conn.execute(TOUCH_PERSON, (at, code, at))


# "scrypt-hmac": scrypt over HMAC-SHA256(room secret, PIN), so a copied database
# without the secret file cannot be brute-forced. "scrypt" (the PIN itself) is
# the older form: still accepted, and replaced at the next successful login.
PEPPERED, UNPEPPERED = "scrypt-hmac", "scrypt"


def _pin_bytes(pin: str, pepper: bytes | None) -> bytes:
    return hmac.new(pepper, pin.encode(), "sha256").digest() if pepper else pin.encode()


# Phone-keypad lines and a few of the most used PINs: the first guesses of anyone.
GUESSED_FIRST = frozenset(
    {"2580", "0852", "1470", "0741", "3690", "0963", "1004", "2000", "2001", "6969"}
)


def is_trivial_pin(pin: str) -> bool:
    """True for a PIN anyone would try first: 1111, 1234, 4321, 1212, 1122, 2580, ..."""
    steps = {int(b) - int(a) for a, b in zip(pin, pin[1:])}
    repeated_block = any(
        len(pin) % size == 0 and pin == pin[:size] * (len(pin) // size)
        for size in range(1, len(pin) // 2 + 1)
    )
    doubled_digits = len(pin) % 2 == 0 and all(pin[i] == pin[i + 1] for i in range(0, len(pin), 2))
    return steps in ({1}, {-1}) or repeated_block or doubled_digits or pin in GUESSED_FIRST


def _scrypt(secret_input: bytes, salt: bytes, n: int, r: int, p: int) -> bytes:
    # hashlib's scrypt (OpenSSL, already loaded): the same bytes as cryptography's,
    # without loading its 7 MB extension into the kiosk
    return hashlib.scrypt(secret_input, salt=salt, n=n, r=r, p=p, dklen=32, maxmem=64 << 20)


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode()


def hash_pin(pin: str, pepper: bytes | None = None) -> str:
    salt = os.urandom(16)
    digest = _scrypt(_pin_bytes(pin, pepper), salt, SCRYPT_N, SCRYPT_R, SCRYPT_P)
    scheme = PEPPERED if pepper else UNPEPPERED
    return f"{scheme}${SCRYPT_N}${SCRYPT_R}${SCRYPT_P}${_b64(salt)}${_b64(digest)}"


def pin_matches(stored: str | None, pin: str, pepper: bytes | None = None) -> bool:
    if not stored:
        return False
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
        if scheme == PEPPERED and pepper:
            secret_input = _pin_bytes(pin, pepper)
        elif scheme == UNPEPPERED:
            secret_input = pin.encode()
        else:
            return False
        derived = _scrypt(secret_input, base64.b64decode(salt), int(n), int(r), int(p))
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(derived, base64.b64decode(digest))


def needs_pepper(stored: str | None) -> bool:
    """An older, unpeppered hash (replace it after the PIN was typed right)."""
    return bool(stored and stored.split("$", 1)[0] == UNPEPPERED)


def replace_pin_hash(conn: sqlite3.Connection, code: str, old: str, new: str) -> bool:
    """Swap one hash for another unless the PIN was changed meanwhile."""
    return conn.execute(REPLACE_PIN, (new, code, old)).rowcount > 0


def set_pin(conn: sqlite3.Connection, code: str, pin_hash: str | None) -> None:
    conn.execute(SET_PIN if pin_hash else CLEAR_PIN, (pin_hash, code) if pin_hash else (code,))


def stored_pin(conn: sqlite3.Connection, code: str) -> str | None:
    row = conn.execute(SELECT_PIN, (code,)).fetchone()
    return row[0] if row else None


def delete(conn: sqlite3.Connection, code: str) -> bool:
    return conn.execute(DELETE_PERSON, (code,)).rowcount > 0


def idle_codes(conn: sqlite3.Connection, room: str, cutoff: str) -> list[str]:
    return [r[0] for r in conn.execute(SELECT_IDLE, (cutoff, room))]


def scrub(conn: sqlite3.Connection) -> bool:
    """Push deleted names out of the WAL and empty it; False if a reader kept it busy."""
    busy, _, _ = conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
    return bool(busy == 0)
