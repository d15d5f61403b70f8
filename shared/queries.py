"""Read-side SQL for the kiosk screens (the kiosk itself holds no SQL).

Every function takes a connection and returns frozen dataclasses or plain
values; voided events never count. Days and months are local
(Europe/Amsterdam): the ``at`` text starts with the local date.
"""

from __future__ import annotations

import json
import sqlite3
from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from shared.clock import day_bounds, month_bounds

NOT_VOIDED = "NOT EXISTS (SELECT 1 FROM voided v WHERE v.event_id = e.id)"
SELECT_ROOM_STATE = "SELECT is_open, changed_at FROM room_state WHERE room = ?"
SELECT_DAY_CHECKINS = (
    "SELECT e.at, e.visitor, e.activity FROM events e WHERE e.room = ? AND e.kind = 'checkin' "
    f"AND e.at >= ? AND e.at < ? AND {NOT_VOIDED}"
)
SELECT_DAY_JOBS = (
    "SELECT e.activity, COUNT(*) FROM events e WHERE e.room = ? AND e.kind = 'job_done' "
    f"AND e.at >= ? AND e.at < ? AND {NOT_VOIDED} GROUP BY e.activity ORDER BY e.activity"
)
SELECT_DAY_SHIFTS = (
    "SELECT e.visitor, p.name, e.payload FROM events e LEFT JOIN people p ON p.code = e.visitor "
    "WHERE e.room = ? AND e.kind = 'shift_ended' AND e.at >= ? AND e.at < ? "
    f"AND {NOT_VOIDED} AND NOT EXISTS (SELECT 1 FROM voided v WHERE v.event_id = e.ref) "
    "ORDER BY e.seq"
)
SELECT_OPEN_SHIFTS_NAMED = (
    "SELECT s.code, p.name, s.started_at FROM open_shifts s LEFT JOIN people p ON p.code = s.code "
    "WHERE s.room = ? ORDER BY s.started_at"
)
SELECT_DAY_CASH = (
    "SELECT e.kind, e.payload FROM events e WHERE e.room = ? AND e.kind IN "
    f"('cash_expense', 'cash_counted') AND e.at >= ? AND e.at < ? AND {NOT_VOIDED} ORDER BY e.seq"
)
CORRECTABLE_KINDS = (
    "checkin",
    "job_done",
    "shift_started",
    "shift_ended",
    "cash_expense",
    "survey_answered",
)
# ``by``: the key holder who entered a handgeld line, named through the room's own people
SELECT_DAY_ENTRIES = (
    "SELECT e.id, e.at, e.kind, e.visitor, p.name, e.activity, e.payload, b.name FROM events e "
    "LEFT JOIN people p ON p.code = e.visitor "
    "LEFT JOIN people b ON b.code = json_extract(e.payload, '$.by') "
    "WHERE e.room = ? AND e.at >= ? AND e.at < ? "
    f"AND e.kind IN ({', '.join(repr(k) for k in CORRECTABLE_KINDS)}) AND {NOT_VOIDED} "
    "ORDER BY e.seq DESC LIMIT ?"
)
SELECT_MONTH_EXPENSES = (
    "SELECT e.payload FROM events e WHERE e.room = ? AND e.kind = 'cash_expense' "
    f"AND e.at >= ? AND e.at < ? AND {NOT_VOIDED}"
)
SELECT_ROLES_OF = "SELECT role FROM roles WHERE room = ? AND code = ? ORDER BY role"


@dataclass(frozen=True)
class RoomState:
    is_open: bool
    changed_at: str | None


@dataclass(frozen=True)
class ShiftLine:
    code: str
    name: str | None  # None when the room has no name for the code (forgotten)
    hours: float
    started_at: str = ""


@dataclass(frozen=True)
class DaySummary:
    day: str
    visits: int  # check-in events (one per activity chosen), as the funders' report counts them
    distinct_visitors: int  # known codes only
    anonymous_visits: int  # check-in events without a code
    per_activity: dict[str, int]  # activity -> check-ins
    jobs: dict[str, int]  # activity -> jobs done
    shifts: tuple[ShiftLine, ...]  # shifts ended today
    open_shifts: tuple[ShiftLine, ...]  # still running; closing ends them
    expenses_cents: int
    volunteer_hours: float = field(default=0.0)


@dataclass(frozen=True)
class Entry:
    id: str
    at: str
    kind: str
    visitor: str | None
    name: str | None
    activity: str | None
    payload: dict[str, Any]
    by_name: str | None = None  # the name of the payload's ``by`` code, if the room knows it

    @property
    def by(self) -> str | None:
        return self.payload.get("by")


@dataclass(frozen=True)
class MonthCash:
    spent_cents: int
    cap_cents: int
    by_category: dict[str, int]

    @property
    def left_cents(self) -> int:
        return self.cap_cents - self.spent_cents


def room_state(conn: sqlite3.Connection, room: str) -> RoomState:
    row = conn.execute(SELECT_ROOM_STATE, (room,)).fetchone()
    return RoomState(bool(row[0]), row[1]) if row else RoomState(False, None)


def day_summary(conn: sqlite3.Connection, room: str, day: date) -> DaySummary:
    bounds = (room, *day_bounds(day))
    # Count events: two visits in the same second (or two anonymous visitors) stay two.
    rows = conn.execute(SELECT_DAY_CHECKINS, bounds).fetchall()
    per_activity = Counter(activity for _, _, activity in rows)
    jobs = dict(conn.execute(SELECT_DAY_JOBS, bounds).fetchall())
    shifts = tuple(
        ShiftLine(code, name, float(json.loads(payload).get("hours", 0)))
        for code, name, payload in conn.execute(SELECT_DAY_SHIFTS, bounds)
    )
    open_shifts = tuple(
        ShiftLine(code, name, 0.0, started)
        for code, name, started in conn.execute(SELECT_OPEN_SHIFTS_NAMED, (room,))
    )
    expenses = sum(
        int(json.loads(p).get("cents", 0))
        for kind, p in conn.execute(SELECT_DAY_CASH, bounds)
        if kind == "cash_expense"
    )
    return DaySummary(
        day=day.isoformat(),
        visits=len(rows),
        distinct_visitors=len({v for _, v, _ in rows if v}),
        anonymous_visits=sum(1 for _, v, _ in rows if not v),
        per_activity=dict(sorted(per_activity.items(), key=lambda kv: (-kv[1], kv[0]))),
        jobs=jobs,
        shifts=shifts,
        open_shifts=open_shifts,
        expenses_cents=expenses,
        volunteer_hours=round(sum(s.hours for s in shifts), 2),
    )


def day_entries(conn: sqlite3.Connection, room: str, day: date, limit: int = 60) -> list[Entry]:
    """The day's correctable entries, newest first (already voided ones left out)."""
    return [
        Entry(i, at, kind, visitor, name, activity, json.loads(payload or "{}"), by_name)
        for i, at, kind, visitor, name, activity, payload, by_name in conn.execute(
            SELECT_DAY_ENTRIES, (room, *day_bounds(day), limit)
        )
    ]


def month_cash(
    conn: sqlite3.Connection, room: str, year: int, month: int, cap_euros: float = 500.0
) -> MonthCash:
    by_category: Counter[str] = Counter()
    for (payload,) in conn.execute(SELECT_MONTH_EXPENSES, (room, *month_bounds(year, month))):
        data = json.loads(payload)
        by_category[data.get("category", "?")] += int(data.get("cents", 0))
    return MonthCash(
        sum(by_category.values()), round(cap_euros * 100), dict(sorted(by_category.items()))
    )


def roles_of(conn: sqlite3.Connection, room: str, code: str) -> tuple[str, ...]:
    return tuple(r[0] for r in conn.execute(SELECT_ROLES_OF, (room, code)))


# --- visitor kiosk (branch visitor) -------------------------------------------
SELECT_FIRST_SEEN = "SELECT first_seen FROM people WHERE code = ?"
SELECT_LAST_SURVEY_OF = "SELECT MAX(at) FROM events WHERE kind = 'survey_answered' AND visitor = ?"
SELECT_SURVEY_OFFERED = "SELECT offered_on FROM survey_offers WHERE code = ?"


def survey_eligible(
    conn: sqlite3.Connection, code: str | None, today: date, quarter_start: date
) -> bool:
    """A visitor to ask: known here since before ``today`` (so this is at least a
    second visit, on another day), not offered the survey (answered or skipped) and
    no answer since ``quarter_start``."""
    if not code:
        return False
    row = conn.execute(SELECT_FIRST_SEEN, (code,)).fetchone()
    if row is None or row[0] >= today.isoformat():
        return False
    offered = conn.execute(SELECT_SURVEY_OFFERED, (code,)).fetchone()
    if offered and offered[0] >= quarter_start.isoformat():
        return False
    last = conn.execute(SELECT_LAST_SURVEY_OF, (code,)).fetchone()[0]
    return last is None or last < quarter_start.isoformat()
