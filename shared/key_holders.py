"""Key holders as ``bwk-kiosk init`` sees them: who can log in, and giving a
restored key holder (who has a role in the log but no name or PIN on this
machine) a name and PIN without making a new person."""

from __future__ import annotations

from dataclasses import dataclass

from shared import people, pin_attempts
from shared.db import transaction
from shared.errors import StoreError
from shared.people import Person
from shared.store import RoomStore
from shared.store_key_holders import validate_pin

SELECT_KEY_HOLDER_ROSTER = (
    "SELECT r.code, p.name, p.pin_hash IS NOT NULL, "
    "(SELECT MIN(at) FROM events e WHERE e.room = r.room AND e.visitor = r.code "
    "AND e.kind = 'key_holder_added'), "
    "(SELECT MAX(at) FROM events e WHERE e.room = r.room AND e.visitor = r.code "
    "AND e.kind IN ('room_opened', 'room_closed')) "
    "FROM roles r LEFT JOIN people p ON p.code = r.code "
    "WHERE r.room = ? AND r.role = 'key_holder' ORDER BY p.name_key IS NULL, p.name_key, r.code"
)


@dataclass(frozen=True)
class KeyHolderEntry:
    """A key holder of the room; a restored one has no name (and no PIN) here yet."""

    code: str
    name: str | None
    has_pin: bool
    since: str | None  # when the role was given (the log's time)
    last_opened_or_closed: str | None

    @property
    def can_log_in(self) -> bool:
        return bool(self.name) and self.has_pin


def roster(store: RoomStore) -> list[KeyHolderEntry]:
    """Every key holder of this room, named ones first."""
    return [
        KeyHolderEntry(r[0], r[1], bool(r[2]), r[3], r[4])
        for r in store.conn.execute(SELECT_KEY_HOLDER_ROSTER, (store.room,))
    ]


def set_login(store: RoomStore, code: str, name: str, pin: str) -> Person:
    """Give an existing key holder (restored, or one who forgot the PIN) a name and PIN.

    No event: the role is already in the log, so the funders' key-holder count
    stays the same; names and PINs never leave the room. Their wrong-PIN wait
    at the kiosk is cleared.
    """
    validate_pin(pin)
    name = people.clean_name(name)
    if not name:
        raise StoreError("name_empty")
    pin_hash = people.hash_pin(pin, store.secret)  # slow: outside the write lock
    conn = store.conn
    with transaction(conn):
        if not store.has_role(code, "key_holder"):
            raise StoreError("not_a_key_holder")
        known = store.person(code)
        people.remember(conn, code, name, known.last_seen if known else store.now())
        people.set_pin(conn, code, pin_hash)
        pin_attempts.clear(conn, pin_attempts.key_holder_counter("kiosk", code))
    return store.person(code)  # type: ignore[return-value]
