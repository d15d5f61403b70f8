"""The room store's key holders: adding and removing them, checking a PIN (rate limited),
and acting on a forget another room relayed for one of them. A part of
``shared.store.RoomStore``."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING

from shared import people, pin_attempts, room_local
from shared.db import transaction
from shared.errors import StoreError
from shared.events import Event, Kind
from shared.people import Person
from shared.room_local import delete_person as _delete_person


class PinLocked(StoreError):
    """Too many wrong tries: wait ``seconds``; ``unknown_name`` when the typed name is no key
    holder."""

    def __init__(self, seconds: int, *, unknown_name: bool = False):
        super().__init__("pin_locked", f"{seconds} s")
        self.seconds = seconds
        self.unknown_name = unknown_name


class PinWrong(StoreError):
    """A wrong PIN; ``wait_seconds`` is set when this miss started a wait."""

    def __init__(self, reason: str = "pin_wrong", wait_seconds: int | None = None):
        super().__init__(reason)
        self.wait_seconds = wait_seconds


class KeyHolders:
    """Mixed into ``RoomStore`` (with ``RolesAndShifts``), which provide what is declared here."""

    room: str
    secret: bytes
    clock: Callable[[], datetime]
    now: Callable[[], str]
    _append: Callable[..., Event]
    person: Callable[[str], Person | None]
    _unused_code: Callable[[], str]

    if TYPE_CHECKING:  # RoomStore's read-only property (one connection per thread)

        @property
        def conn(self) -> sqlite3.Connection: ...

    has_role: Callable[[str, str], bool]
    people_with_role: Callable[[str], list[Person]]

    def add_key_holder(
        self, name: str, pin: str, *, by: str | None, code: str | None = None
    ) -> Person:
        """A key holder: an existing person (``code``) or a new one; ``by`` None only at init."""
        validate_pin(pin)
        pin_hash = people.hash_pin(pin, self.secret)  # slow: outside the write lock
        with transaction(self.conn):
            if code is None:
                code = self._unused_code()
                registered = self._append(Kind.VISITOR_REGISTERED, visitor=code)
                people.remember(self.conn, code, name, registered.at)
            elif self.person(code) is None:
                people.remember(self.conn, code, name, self.now())
            if not self.has_role(code, "key_holder"):
                self._append(Kind.KEY_HOLDER_ADDED, visitor=code, payload={"by": by} if by else {})
            people.set_pin(self.conn, code, pin_hash)
            # a new PIN from a colleague also ends a wait someone else's wrong PINs started
            pin_attempts.clear(self.conn, pin_attempts.key_holder_counter("kiosk", code))
            return self.person(code)  # type: ignore[return-value]

    def remove_key_holder(self, code: str, *, by: str) -> Event:
        with transaction(self.conn):
            if not self.has_role(code, "key_holder"):
                raise StoreError("not_a_key_holder")
            if len(self.people_with_role("key_holder")) <= 1:
                raise StoreError("last_key_holder")
            people.set_pin(self.conn, code, None)
            event = self._append(Kind.KEY_HOLDER_REMOVED, visitor=code, payload={"by": by})
            waiting = room_local.drop_forget_notice(self.conn, code)
            if waiting:  # another room's forget waited for the key: it applies now
                _delete_person(self.conn, code)
        if waiting:
            people.scrub(self.conn)
        return event

    def verify_key_holder(self, code: str, pin: str, scope: str = "kiosk") -> Person:
        """The key holder if the PIN is right; wrong PINs are rate limited per key holder.

        After 5 wrong PINs for one key holder, the next try for that key holder
        waits 60 s, doubling with every further miss up to an hour; other key
        holders are not affected. A code that is no key holder counts as an
        unknown name (``unknown_name_tried``). ``scope`` keeps separate counters
        for separate doors (the kiosk, a test).
        """
        if not self.has_role(code, "key_holder"):
            self.unknown_name_tried(scope)
        counter = pin_attempts.key_holder_counter(scope, code)
        self._wait_if_locked(counter, unknown_name=False)
        if self._pin_ok(code, pin):
            with transaction(self.conn):  # a key holder got in: both counts start again
                pin_attempts.clear(self.conn, counter)
                pin_attempts.clear(self.conn, pin_attempts.unknown_name_counter(scope))
            return self.person(code)  # type: ignore[return-value]
        wait = pin_attempts.count_miss(
            self.conn, counter, pin_attempts.KEY_HOLDER_LIMIT, self.clock()
        )
        raise PinWrong("pin_wrong", wait)

    def unknown_name_tried(self, scope: str = "kiosk") -> None:
        """Someone tried to log in with a name that is no key holder: always raises.

        ``PinWrong("pin_no_match")`` (with the wait it started, if any) or
        ``PinLocked`` once the gentle limit for unknown names is reached.
        """
        counter = pin_attempts.unknown_name_counter(scope)
        self._wait_if_locked(counter, unknown_name=True)
        wait = pin_attempts.count_miss(
            self.conn, counter, pin_attempts.UNKNOWN_NAME_LIMIT, self.clock()
        )
        raise PinWrong("pin_no_match", wait)

    def _wait_if_locked(self, counter: str, *, unknown_name: bool) -> None:
        seconds = pin_attempts.seconds_locked(self.conn, counter, self.clock())
        if seconds:
            raise PinLocked(seconds, unknown_name=unknown_name)

    def _pin_ok(self, code: str, pin: str) -> bool:
        """The PIN checked against the peppered hash; an older unpeppered one is replaced."""
        stored = people.stored_pin(self.conn, code)
        if not people.pin_matches(stored, pin, self.secret):
            return False
        if people.needs_pepper(stored):
            peppered = people.hash_pin(pin, self.secret)  # slow: outside the write lock
            with transaction(self.conn):
                people.replace_pin_hash(self.conn, code, stored, peppered)  # type: ignore[arg-type]
        return True

    def forget_notices(self) -> list[tuple[Person, str]]:
        """Key holders here whom another room was asked to forget: (person, received at)."""
        return [
            (person, at)
            for code, _, _, at in room_local.forget_notices(self.conn)
            if (person := self.person(code)) is not None
        ]

    def dismiss_forget_notice(self, code: str) -> bool:
        """Keep the key holder as is (they stay a key holder here, by name)."""
        with transaction(self.conn):
            return room_local.drop_forget_notice(self.conn, code)

    def forget_here(self, code: str, *, by: str) -> Event | None:
        """Act on a relayed forget: the key and PIN go, then the name (never the last key
        holder)."""
        with transaction(self.conn):
            removed = None
            if self.has_role(code, "key_holder"):
                if len(self.people_with_role("key_holder")) <= 1:
                    raise StoreError("last_key_holder")
                people.set_pin(self.conn, code, None)
                removed = self._append(Kind.KEY_HOLDER_REMOVED, visitor=code, payload={"by": by})
            _delete_person(self.conn, code)
        people.scrub(self.conn)
        return removed


def validate_pin(pin: str) -> None:
    """A PIN to set: 4 to 8 digits, and not one anyone would try first (1111, 1234, ...)."""
    if not (pin.isdigit() and 4 <= len(pin) <= 8):
        raise StoreError("pin_format")
    if people.is_trivial_pin(pin):
        raise StoreError("pin_trivial")
