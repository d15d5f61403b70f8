"""Yearly tallies of check-ins, jobs and volunteer shifts, and monthly check-ins per visitor.

Both tables (``tallies``, ``monthly_visits``) are projections of the log.

Invariant: an event contributes to ``tallies`` exactly when it is stored, is
not voided, and (for a shift end) its shift start is not voided either. Every
update keeps that true whatever order events arrive in, so central can merge
bundles in any order and still agree with a rescan of the log.
"""

from __future__ import annotations

import json
from collections import Counter
from itertools import groupby
from operator import itemgetter
import sqlite3

TALLIED = ("checkin", "job_done", "shift_ended")
# Row columns for _count; a pair is (column, length kept): of "2017-03-01T10:00:00+01:00"
# the year "2017" and the month "2017-03".
_ROOM, _VISITOR, _ACTIVITY, _PAYLOAD, _YEAR, _MONTH = 1, 5, 6, 8, (3, 4), (3, 7)

ADD = (
    "INSERT INTO tallies (room, year, kind, activity, visitor, n, amount) VALUES (?, ?, ?, ?, ?, ?, ?) "
    "ON CONFLICT(year, kind, room, activity, visitor) DO UPDATE SET "
    "n = n + excluded.n, amount = ROUND(amount + excluded.amount, 2)"
)
ADD_MONTH = (
    "INSERT INTO monthly_visits (room, month, visitor, n) VALUES (?, ?, ?, ?) "
    "ON CONFLICT(month, room, visitor) DO UPDATE SET n = n + excluded.n"
)
# Check-ins counted by SQLite from the rows just stored (one room's seq range): no Python
# tuple per tally row. GROUP BY then upsert; the voided ones never count.
CHECKINS_HELD_IN = "SELECT COUNT(*) FROM events WHERE room = ? AND seq BETWEEN ? AND ? AND kind = 'checkin'"
_NEW_CHECKINS = ("FROM events e WHERE e.room = ? AND e.seq BETWEEN ? AND ? AND e.kind = 'checkin' "
                 "AND NOT EXISTS (SELECT 1 FROM voided v WHERE v.event_id = e.id)")
ADD_CHECKINS_OF_RANGE = (
    "INSERT INTO tallies (room, year, kind, activity, visitor, n, amount) "
    "SELECT e.room, CAST(substr(e.at, 1, 4) AS INTEGER), 'checkin', COALESCE(e.activity, ''), "
    f"COALESCE(e.visitor, ''), COUNT(*), 0.0 {_NEW_CHECKINS} GROUP BY 1, 2, 4, 5 "
    "ON CONFLICT(year, kind, room, activity, visitor) DO UPDATE SET n = n + excluded.n"
)
ADD_MONTHS_OF_RANGE = (
    "INSERT INTO monthly_visits (room, month, visitor, n) "
    f"SELECT e.room, substr(e.at, 1, 7), COALESCE(e.visitor, ''), COUNT(*) {_NEW_CHECKINS} "
    "GROUP BY 1, 2, 3 ON CONFLICT(month, room, visitor) DO UPDATE SET n = n + excluded.n"
)
IS_VOIDED = "SELECT 1 FROM voided WHERE event_id = ?"
VOIDED_BETWEEN = "SELECT event_id FROM voided WHERE event_id BETWEEN ? AND ?"
VOIDED_AMONG = "SELECT event_id FROM voided WHERE event_id IN (SELECT value FROM json_each(?))"
TARGET_COLUMNS = "id, room, at, kind, visitor, activity, ref, payload"
SELECT_TARGETS = f"SELECT {TARGET_COLUMNS} FROM events WHERE id IN (SELECT value FROM json_each(?))"
# "+kind": look up by ref (a few rows), not by kind (every shift end there is).
SELECT_ENDS_OF = (f"SELECT {TARGET_COLUMNS} FROM events WHERE +kind = 'shift_ended' "
                  "AND ref IN (SELECT value FROM json_each(?))")


def _key(room: str, at: str, kind: str, visitor: str | None, activity: str | None,
          payload: str | dict, sign: int) -> tuple:
    """The tally row an event adds to (``sign`` 1) or takes from (-1)."""
    if kind == "shift_ended":
        hours = _hours(payload if isinstance(payload, dict) else json.loads(payload or "{}"))
        return (room, int(at[:4]), kind, "", visitor or "", sign, sign * hours)
    who = visitor or "" if kind == "checkin" else ""  # jobs count per activity only
    return (room, int(at[:4]), kind, activity or "", who, sign, 0.0)


def _hours(payload: dict) -> float:
    """A shift's hours in hundredths, as every sum of them is kept: sums of 2-decimal
    values rounded to 2 decimals are exact, so they never depend on the order of adding."""
    return round(float(payload.get("hours", 0)), 2)


def _voided(conn: sqlite3.Connection, event_id: str | None) -> bool:
    return bool(event_id) and conn.execute(IS_VOIDED, (event_id,)).fetchone() is not None


def on_stored(conn: sqlite3.Connection, event) -> None:
    """A newly stored event of a tallied kind (``event`` is a shared.events.Event)."""
    if _voided(conn, event.id) or (event.kind == "shift_ended" and _voided(conn, event.ref)):
        return
    conn.execute(ADD, _key(event.room, event.at, event.kind, event.visitor, event.activity,
                           event.payload, 1))
    if event.kind == "checkin":
        conn.execute(ADD_MONTH, (event.room, event.at[:7], event.visitor or "", 1))


def before_voiding(conn: sqlite3.Connection, target_ids: list[str]) -> None:
    """Take out what ``target_ids`` contribute, just before they are recorded as voided.

    Callers pass only ids not voided yet. Works for many voids at once: a shift end
    counts while neither it nor its start is voided, so it is taken out exactly once
    even when a batch voids both, and even when the start has not arrived yet.
    """
    if not target_ids:
        return
    targets = json.dumps(target_ids)
    affected = {r[0]: r for r in conn.execute(SELECT_TARGETS, (targets,))}
    affected.update({r[0]: r for r in conn.execute(SELECT_ENDS_OF, (targets,))})
    linked = [x for r in affected.values() for x in (r[0], r[6]) if x]
    voided_before = {r[0] for r in conn.execute(VOIDED_AMONG, (json.dumps(linked),))}
    voided_after = voided_before | set(target_ids)
    take, take_month = [], []
    for event_id, room, at, kind, visitor, activity, ref, payload in affected.values():
        if kind == "shift_ended":
            counted_before = event_id not in voided_before and ref not in voided_before
            counted_after = event_id not in voided_after and ref not in voided_after
            if counted_before and not counted_after:
                take.append(_key(room, at, kind, visitor, activity, payload, -1))
        elif kind in ("checkin", "job_done"):
            take.append(_key(room, at, kind, visitor, activity, payload, -1))
            if kind == "checkin":
                take_month.append((room, at[:7], visitor or "", -1))
    conn.executemany(ADD, take)
    conn.executemany(ADD_MONTH, take_month)


def on_stored_many(conn: sqlite3.Connection, of_kind: dict[str, list[tuple]]) -> None:
    """Bulk ``on_stored`` for newly stored event rows (id, room, seq, at, kind, visitor,
    activity, ref, payload), given by kind (``shared.events.by_kind``).

    Keys are counted in C (Counter over zipped itemgetter maps), then the few
    voided rows are taken back out: a Python loop per event was most of the
    time of a central merge.
    """
    checkins, jobs, shifts = (of_kind.get(kind, []) for kind in TALLIED)
    if not (checkins or jobs or shifts):
        return
    if checkins and _count_checkins_in_sql(conn, checkins):
        checkins = []
    if not (checkins or jobs or shifts):
        return
    ids = [r[0] for r in checkins + jobs + shifts]
    # Ids are time-ordered: the voids of this batch's events sit in one short range of
    # the voided index (a superset, filtered below) instead of one look-up per event.
    bounds = ids + [r[7] for r in shifts if r[7]]
    voided = {r[0] for r in conn.execute(VOIDED_BETWEEN, (min(bounds), max(bounds)))}
    dropped = voided.intersection(ids)
    yearly = _count(checkins, _ROOM, _YEAR, _ACTIVITY, _VISITOR)
    monthly = _count(checkins, _ROOM, _MONTH, _VISITOR)
    per_job = _count(jobs, _ROOM, _YEAR, _ACTIVITY)
    if dropped:
        for r in checkins:
            if r[0] in dropped:
                yearly[r[1], r[3][:4], r[6], r[5]] -= 1
                monthly[r[1], r[3][:7], r[5]] -= 1
        per_job.subtract([(r[1], r[3][:4], r[6]) for r in jobs if r[0] in dropped])
    hours: dict[tuple, list] = {}
    hours_in: dict[str, float] = {}  # payload text -> hours: shifts repeat a few lengths
    for (room, year, visitor, payload), n in _count(
            [r for r in shifts if r[0] not in voided and r[7] not in voided],
            _ROOM, _YEAR, _VISITOR, _PAYLOAD).items():
        if payload not in hours_in:
            hours_in[payload] = _hours(json.loads(payload or "{}"))
        total = hours.setdefault((room, int(year), visitor or ""), [0, 0.0])
        total[0] += n
        total[1] = round(total[1] + n * hours_in[payload], 2)
    conn.executemany(ADD, [(room, int(year), "checkin", activity or "", visitor or "", n, 0.0)
                           for (room, year, activity, visitor), n in yearly.items() if n]
                     + [(room, int(year), "job_done", activity or "", "", n, 0.0)
                        for (room, year, activity), n in per_job.items() if n]
                     + [(room, year, "shift_ended", "", visitor, n, amount)
                        for (room, year, visitor), (n, amount) in hours.items()])
    conn.executemany(ADD_MONTH, [(room, month, visitor or "", n)
                                 for (room, month, visitor), n in monthly.items() if n])


def _count_checkins_in_sql(conn: sqlite3.Connection, checkins: list[tuple]) -> bool:
    """Count ``checkins`` (just stored) in SQLite when, per room, they are every check-in
    held in their seq range (a whole new bundle: the usual case); False, counting nothing,
    when a range also holds check-ins stored before (a partly re-sent bundle)."""
    ranges: dict[str, list[int]] = {}  # room -> [lowest seq, highest seq, check-ins]
    for room, run in groupby(zip(map(itemgetter(1), checkins), map(itemgetter(2), checkins)),
                             key=itemgetter(0)):  # runs of one room (bundles come whole)
        seqs = list(map(itemgetter(1), run))
        low, high, n = min(seqs), max(seqs), len(seqs)
        if room in ranges:
            span = ranges[room]
            low, high, n = min(span[0], low), max(span[1], high), span[2] + n
        ranges[room] = [low, high, n]
    for room, (low, high, n) in ranges.items():
        if conn.execute(CHECKINS_HELD_IN, (room, low, high)).fetchone()[0] != n:
            return False
    for room, (low, high, _) in ranges.items():
        conn.execute(ADD_CHECKINS_OF_RANGE, (room, low, high))
        conn.execute(ADD_MONTHS_OF_RANGE, (room, low, high))
    return True


def _count(rows: list[tuple], *columns: int | tuple[int, int]) -> Counter:
    """How many rows share each combination of ``columns``, counted in C."""
    def values(column):
        if isinstance(column, tuple):
            index, length = column
            return map(itemgetter(slice(0, length)), map(itemgetter(index), rows))
        return map(itemgetter(column), rows)
    return Counter(zip(*map(values, columns)))
