"""The room store: every fact the kiosk records, as one call each.

Each write is one ``BEGIN IMMEDIATE`` transaction that appends events (with
gapless ``seq``) and updates the projections; when the call returns, the fact
is on disk. Reads for screens live in ``shared.queries``.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from shared import clock_check, codes, people, room_local, room_secret
from shared.clock import Clock, local_iso, parse_iso, system_clock
from shared.db import DAEMON_BUSY_TIMEOUT_MS, ThreadConnections, transaction

# "X as X": names that the kiosk, syncd and the tests import from here (explicit re-exports)
from shared.errors import StoreError as StoreError
from shared.events import Event, Kind, append
from shared.people import Person
from shared.room_local import delete_person as _delete_person
from shared.room_local import forget_local as forget_local
from shared.store_key_holders import KeyHolders
from shared.store_key_holders import PinLocked as PinLocked
from shared.store_key_holders import PinWrong as PinWrong
from shared.store_key_holders import validate_pin as validate_pin
from shared.store_roles import OpenShift as OpenShift
from shared.store_roles import RolesAndShifts
from shared.store_roles import ShiftEnded as ShiftEnded

INLOOP = "inloop"
HEARD_VIA = ("neighbours", "housing_corporation", "benefits_agency", "other")
CASH_CATEGORIES = "ABCDEF"
SURVEY_ANSWERS = (1, 2, 3)  # sad, neutral, happy smiley
SURVEY_INTERVAL_DAYS = 91  # at most once a quarter per person

SELECT_LAST_SURVEY = "SELECT MAX(at) FROM events WHERE kind = 'survey_answered' AND visitor = ?"
SELECT_REGISTERED = "SELECT 1 FROM events WHERE kind = 'visitor_registered' AND visitor = ? LIMIT 1"
SELECT_EVENT_KIND = "SELECT kind, room FROM events WHERE id = ?"
SELECT_IS_VOIDED = "SELECT 1 FROM voided WHERE event_id = ?"


@dataclass(frozen=True)
class CheckIn:
    events: tuple[Event, ...]
    person: Person | None  # None for anonymous or a code this room has no name for
    code: str | None


class RoomStore(KeyHolders, RolesAndShifts):
    """The room database for one room; safe to share between threads.

    Visitors, the room's opening, money and corrections are here; roles, shifts and jobs
    in ``shared.store_roles``; key holders and PINs in ``shared.store_key_holders``.
    """

    def __init__(
        self,
        path: str | Path,
        room: str,
        *,
        clock: Clock = system_clock,
        busy_timeout_ms: int = DAEMON_BUSY_TIMEOUT_MS,
        durable: bool = True,
        secret_file: str | Path | None = None,
    ):
        self.room = room
        self.clock = clock
        self.path = Path(path)
        self._connections = ThreadConnections(
            path, busy_timeout_ms=busy_timeout_ms, durable=durable
        )
        # Made at first start; keys PIN hashes and paper-list ids, never leaves the room.
        self.secret_file = Path(secret_file) if secret_file else room_secret.secret_path(self.path)
        self.secret = room_secret.load_or_create(self.secret_file)

    @property
    def conn(self) -> sqlite3.Connection:
        return self._connections.get()

    def close(self) -> None:
        self._connections.close()

    def now(self) -> str:
        return local_iso(self.clock())

    def _append(self, kind: str, **fields: Any) -> Event:
        fields.setdefault("at", self.now())
        return append(self.conn, room=self.room, kind=kind, **fields)

    # --- visitors -------------------------------------------------------
    def register_visitor(
        self,
        name: str,
        *,
        new_in_area: bool | None = None,
        heard_via: str | None = None,
        lang: str | None = None,
    ) -> Person:
        """A new visitor: a fresh code, the nickname kept locally, the answers in the log."""
        name = people.clean_name(name)
        if not name:
            raise StoreError("name_empty")
        if heard_via is not None and heard_via not in HEARD_VIA:
            raise StoreError("heard_via_unknown", heard_via)
        payload = {
            k: v
            for k, v in (("new_in_area", new_in_area), ("heard_via", heard_via), ("lang", lang))
            if v is not None
        }
        with transaction(self.conn):
            return self.register_within(name, payload=payload)

    def register_within(
        self, name: str, *, at: str | None = None, payload: dict[str, Any] | None = None
    ) -> Person:
        """Register inside the caller's write transaction (the paper-list import uses this)."""
        code = self._unused_code()
        event = self._append(
            Kind.VISITOR_REGISTERED, at=at or self.now(), visitor=code, payload=payload or {}
        )
        return people.remember(self.conn, code, name, event.at)

    def _unused_code(self) -> str:
        while True:
            code = codes.new_code()
            seen = self.conn.execute(SELECT_REGISTERED, (code,))
            if seen.fetchone() is None and people.get_person(self.conn, code) is None:
                return code

    def person(self, code: str) -> Person | None:
        return people.get_person(self.conn, code)

    def find_people(self, typed: str, limit: int = 8) -> list[Person]:
        return people.search(self.conn, typed, limit)

    def check_in(self, code: str | None, activities: Iterable[str] = ()) -> CheckIn:
        """One check-in event per activity (none chosen = inloop), in one transaction.

        ``code`` may be typed text: it is normalised, and a valid code this room
        has never seen is accepted without a name (the same code works in every room).
        """
        chosen = list(dict.fromkeys(activities)) or [INLOOP]
        normal = codes.normalise(code) if code else None
        with transaction(self.conn):
            at = self.now()
            events = tuple(
                self._append(Kind.CHECKIN, at=at, visitor=normal, activity=a) for a in chosen
            )
            if normal:
                people.touch(self.conn, normal, at)
        return CheckIn(events, self.person(normal) if normal else None, normal)

    def survey_due(self, code: str | None) -> bool:
        if not code:
            return False
        last = self.conn.execute(SELECT_LAST_SURVEY, (code,)).fetchone()[0]
        return last is None or parse_iso(self.now()) - parse_iso(last) >= timedelta(
            days=SURVEY_INTERVAL_DAYS
        )

    def note_survey_offered(self, code: str) -> None:
        """The survey was shown to ``code`` today: not again this quarter, even if skipped."""
        with transaction(self.conn):
            room_local.note_survey_offered(self.conn, code, self.clock().date().isoformat())

    def answer_survey(self, code: str | None, answers: dict[str, int]) -> tuple[Event, ...]:
        """Smiley answers (1 sad, 2 neutral, 3 happy); skipped questions are simply absent."""
        for question, answer in answers.items():
            if answer not in SURVEY_ANSWERS:
                raise StoreError("survey_answer_invalid", f"{question}={answer}")
        with transaction(self.conn):
            return tuple(
                self._append(
                    Kind.SURVEY_ANSWERED, visitor=code, payload={"question": q, "answer": a}
                )
                for q, a in sorted(answers.items())
            )

    # --- the room ---------------------------------------------------------
    def open_room(self, *, by: str) -> Event:
        with transaction(self.conn):
            return self._append(Kind.ROOM_OPENED, visitor=by)

    def close_room(
        self, *, by: str, cash_counted_cents: int | None = None
    ) -> tuple[Event, list[ShiftEnded]]:
        """Close: open shifts end now (listed), the cash count is recorded, then the close."""
        with transaction(self.conn):
            ended = [self._end_shift(s.code, auto=True) for s in self.open_shifts()]
            if cash_counted_cents is not None:
                if cash_counted_cents < 0:
                    raise StoreError("amount_invalid")
                self._append(Kind.CASH_COUNTED, payload={"cents": cash_counted_cents, "by": by})
            return self._append(Kind.ROOM_CLOSED, visitor=by), ended

    def clock_warning(self) -> str | None:
        """A catalog key when the machine's clock looks wrong, else None."""
        return clock_check.clock_warning(self.conn, self.room, self.clock())

    # --- money ------------------------------------------------------------
    def record_expense(self, amount_cents: int, category: str, note: str, *, by: str) -> Event:
        if amount_cents <= 0 or amount_cents > 100_000:
            raise StoreError("amount_invalid")
        if category not in CASH_CATEGORIES or len(category) != 1:
            raise StoreError("category_invalid", category)
        with transaction(self.conn):
            event = self._append(
                Kind.CASH_EXPENSE, payload={"cents": amount_cents, "category": category, "by": by}
            )
            room_local.keep_note(self.conn, event.id, note, event.at)  # the note stays here
            return event

    def expense_note(self, event_id: str) -> str | None:
        """The handgeld note typed with an expense (room-only; None when there was none)."""
        return room_local.note_of(self.conn, event_id)

    def expense_notes(self, event_ids: list[str]) -> dict[str, str]:
        return room_local.notes_of(self.conn, event_ids)

    # --- corrections and privacy -------------------------------------------
    def void(self, event_id: str, *, by: str) -> Event:
        with transaction(self.conn):
            row = self.conn.execute(SELECT_EVENT_KIND, (event_id,)).fetchone()
            if row is None or row[1] != self.room:
                raise StoreError("event_unknown")
            if row[0] in (Kind.VOID, Kind.FORGET):
                raise StoreError("event_not_voidable")
            if self.conn.execute(SELECT_IS_VOIDED, (event_id,)).fetchone():
                raise StoreError("event_already_voided")
            return self._append(Kind.VOID, ref=event_id, payload={"by": by})

    def forget(self, code: str, *, by: str) -> Event:
        """Erase a visitor's name here and tell every room; counts stay as they are."""
        with transaction(self.conn):
            if self.has_role(code, "key_holder"):
                raise StoreError("forget_key_holder")
            _delete_person(self.conn, code)
            event = self._append(Kind.FORGET, visitor=code, payload={"by": by})
        people.scrub(self.conn)
        return event

    def purge_idle_names(self, months: int) -> int:
        """Delete names of people not seen for ``months`` (key holders and volunteers stay).

        Not while the clock looks wrong: a clock years ahead would purge everyone.
        """
        if not clock_check.purge_allowed(self.conn, self.room, self.clock()):
            return 0
        cutoff = local_iso(_months_before(self.clock(), months))
        with transaction(self.conn):
            idle = people.idle_codes(self.conn, self.room, cutoff)
            for code in idle:
                _delete_person(self.conn, code)
            old_notes = room_local.delete_notes_before(self.conn, cutoff)
        if idle or old_notes:
            people.scrub(self.conn)
        return len(idle)


def _months_before(moment: datetime, months: int) -> datetime:
    month_index = moment.year * 12 + moment.month - 1 - months
    year, month = divmod(month_index, 12)
    day = min(moment.day, 28)
    return moment.replace(year=year, month=month + 1, day=day)
