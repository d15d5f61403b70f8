"""The room store's roles, shifts and jobs: who volunteers or holds a key here, their
shifts (hours), and the jobs a crew did. A part of ``shared.store.RoomStore``."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from shared import people
from shared.clock import parse_iso
from shared.db import transaction
from shared.errors import StoreError
from shared.events import Event, Kind
from shared.people import Person

SELECT_ROLE = "SELECT 1 FROM roles WHERE room = ? AND code = ? AND role = ?"
SELECT_ROLE_PEOPLE = (
    "SELECT p.code, p.name, p.pin_hash IS NOT NULL, p.last_seen FROM roles r "
    "JOIN people p ON p.code = r.code WHERE r.room = ? AND r.role = ? ORDER BY p.name_key"
)
SELECT_OPEN_SHIFT = "SELECT start_id, started_at FROM open_shifts WHERE room = ? AND code = ?"
SELECT_OPEN_SHIFTS = (
    "SELECT code, start_id, started_at FROM open_shifts WHERE room = ? ORDER BY started_at"
)


@dataclass(frozen=True)
class ShiftEnded:
    code: str
    started_at: str
    ended_at: str
    hours: float
    event: Event


@dataclass(frozen=True)
class OpenShift:
    code: str
    start_id: str
    started_at: str


def _hours_between(start: str, end: str) -> float:
    seconds = (parse_iso(end) - parse_iso(start)).total_seconds()
    return round(max(seconds, 0) / 3600, 2)


class RolesAndShifts:
    """Mixed into ``RoomStore``, which provides what is declared here."""

    room: str
    now: Callable[[], str]
    _append: Callable[..., Event]

    if TYPE_CHECKING:  # RoomStore's read-only property (one connection per thread)

        @property
        def conn(self) -> sqlite3.Connection: ...

    def has_role(self, code: str, role: str) -> bool:
        return self.conn.execute(SELECT_ROLE, (self.room, code, role)).fetchone() is not None

    def people_with_role(self, role: str) -> list[Person]:
        return [
            Person.from_row(r) for r in self.conn.execute(SELECT_ROLE_PEOPLE, (self.room, role))
        ]

    def set_volunteer(self, code: str, is_volunteer: bool, *, by: str) -> Event | None:
        kind = Kind.VOLUNTEER_ADDED if is_volunteer else Kind.VOLUNTEER_REMOVED
        with transaction(self.conn):
            if self.has_role(code, "volunteer") == is_volunteer:
                return None
            return self._append(kind, visitor=code, payload={"by": by})

    def open_shift(self, code: str) -> OpenShift | None:
        row = self.conn.execute(SELECT_OPEN_SHIFT, (self.room, code)).fetchone()
        return OpenShift(code, row[0], row[1]) if row else None

    def open_shifts(self) -> list[OpenShift]:
        return [OpenShift(*r) for r in self.conn.execute(SELECT_OPEN_SHIFTS, (self.room,))]

    def start_shift(self, code: str) -> Event:
        with transaction(self.conn):
            if not self.has_role(code, "volunteer"):
                raise StoreError("not_a_volunteer")
            if self.open_shift(code):
                raise StoreError("shift_already_open")
            event = self._append(Kind.SHIFT_STARTED, visitor=code)
            people.touch(self.conn, code, event.at)
            return event

    def end_shift(self, code: str, *, auto: bool = False) -> ShiftEnded:
        with transaction(self.conn):
            return self._end_shift(code, auto=auto)

    def _end_shift(self, code: str, *, auto: bool) -> ShiftEnded:
        shift = self.open_shift(code)
        if shift is None:
            raise StoreError("no_open_shift")
        at = self.now()
        hours = _hours_between(shift.started_at, at)
        payload = {"hours": hours, **({"auto": True} if auto else {})}
        event = self._append(
            Kind.SHIFT_ENDED, at=at, visitor=code, ref=shift.start_id, payload=payload
        )
        return ShiftEnded(code, shift.started_at, at, hours, event)

    def record_jobs(
        self, activity: str, count: int = 1, code: str | None = None
    ) -> tuple[Event, ...]:
        """Jobs done by a crew: one event per job, so voiding one undoes exactly one."""
        if count < 1 or count > 100:
            raise StoreError("job_count_invalid", str(count))
        with transaction(self.conn):
            at = self.now()
            return tuple(
                self._append(Kind.JOB_DONE, at=at, visitor=code, activity=activity)
                for _ in range(count)
            )
