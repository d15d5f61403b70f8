"""Yearly tallies of check-ins, jobs and volunteer shifts, and monthly check-ins per visitor.

Both tables (``tallies``, ``monthly_visits``) are projections of the log.

Invariant: an event contributes to ``tallies`` exactly when it is stored, is
not voided, and (for a shift end) its shift start is not voided either. Every
update keeps that true whatever order events arrive in, so central can merge
bundles in any order and still agree with a rescan of the log.
"""

from __future__ import annotations

import json
import sqlite3
from collections import Counter
from collections.abc import Iterator
from operator import itemgetter
from typing import Any

from shared import staging
from shared.event_rows import EVENT_COLUMNS

TALLIED = ("checkin", "job_done", "shift_ended")
# Row columns (``EVENT_COLUMNS`` order) for _count; a pair is (column, length
# kept): of "2017-03-01T10:00:00+01:00" the year "2017" and the month "2017-03".
_ROOM, _VISITOR, _ACTIVITY, _REF, _PAYLOAD, _YEAR, _MONTH = 1, 5, 6, 7, 8, (3, 4), (3, 7)

ADD = (
    "INSERT INTO tallies (room, year, kind, activity, visitor, n, amount) "
    "VALUES (?, ?, ?, ?, ?, ?, ?) "
    "ON CONFLICT(year, kind, room, activity, visitor) DO UPDATE SET "
    "n = n + excluded.n, amount = ROUND(amount + excluded.amount, 2)"
)
ADD_MONTH = (
    "INSERT INTO monthly_visits (room, month, visitor, n) VALUES (?, ?, ?, ?) "
    "ON CONFLICT(month, room, visitor) DO UPDATE SET n = n + excluded.n"
)
IS_VOIDED = "SELECT 1 FROM voided WHERE event_id = ?"
VOIDED_BETWEEN = "SELECT event_id FROM voided WHERE event_id BETWEEN ? AND ?"
VOIDED_AMONG = "SELECT event_id FROM voided WHERE event_id IN (SELECT value FROM json_each(?))"
SELECT_TARGETS = f"SELECT {EVENT_COLUMNS} FROM events WHERE id IN (SELECT value FROM json_each(?))"
# "+kind": look up by ref (a few rows), not by kind (every shift end there is).
SELECT_ENDS_OF = (
    f"SELECT {EVENT_COLUMNS} FROM events WHERE +kind = 'shift_ended' "
    "AND ref IN (SELECT value FROM json_each(?))"
)


def _hours(payload: dict[str, Any]) -> float:
    """A shift's hours in hundredths, as every sum of them is kept: sums of 2-decimal
    values rounded to 2 decimals are exact, so they never depend on the order of adding."""
    return round(float(payload.get("hours", 0)), 2)


# What rows add to the tallies, counted (``count``): check-ins per (room, year, activity,
# visitor) and per (room, month, visitor), jobs per (room, year, activity), and per (room,
# year, volunteer) the shifts and their hours. Plain dicts, so a helper process can hand
# it over (``syncd.opener``).
Tally = tuple[
    dict[tuple[Any, ...], int],
    dict[tuple[Any, ...], int],
    dict[tuple[Any, ...], int],
    dict[tuple[Any, ...], list[Any]],
]


def on_stored_many(
    conn: sqlite3.Connection,
    of_kind: dict[str, list[tuple[Any, ...]]],
    counted: Tally | None = None,
    bulk: list[staging.StoredBulk] | None = None,
) -> None:
    """Newly stored event rows (id, room, seq, at, kind, visitor, activity, ref, payload),
    given by kind (``shared.events.by_kind``), added to the tallies; one event is a batch
    of one (``shared.events.project``). The voided ones, and shift ends whose start is
    voided, never count. ``counted``: the ``count`` of all these rows, made beforehand
    (by the helper that opened their bundles), and of the rows stored from attached
    scratch files, ``bulk`` (``shared.staging``); then only the voided ones are counted,
    to be taken out."""
    checkins, jobs, shifts = (list(of_kind.get(kind, [])) for kind in TALLIED)
    bulk = bulk or []
    assert counted is not None or not bulk, "bulk rows are counted beforehand"
    # Ids are time-ordered: the voids of this batch's events sit in one short range of
    # the voided index (a superset, filtered here) instead of one look-up per event.
    bounds = [r[0] for r in checkins + jobs + shifts] + [r[_REF] for r in shifts if r[_REF]]
    for stored in bulk:
        bounds += (stored.bulk.low_id, stored.bulk.high_id)
    if not bounds:
        return
    voided = {r[0] for r in conn.execute(VOIDED_BETWEEN, (min(bounds), max(bounds)))}
    if counted is not None:
        if voided:  # what the voided ones added to the count, taken out again
            in_order = sorted(voided)
            for stored in bulk:  # the few bulk rows already voided, read back
                for row in staging.voided_bulk_rows(conn, stored, in_order):
                    (checkins if row[4] == "checkin" else jobs).append(row)
            out = count(
                [r for r in checkins if r[0] in voided],
                [r for r in jobs if r[0] in voided],
                [r for r in shifts if r[0] in voided or r[_REF] in voided],
            )
            counted = without(counted, out)
        _apply(conn, counted, 1)
        return
    if voided:
        checkins = [r for r in checkins if r[0] not in voided]
        jobs = [r for r in jobs if r[0] not in voided]
        shifts = [r for r in shifts if r[0] not in voided and r[_REF] not in voided]
    _apply(conn, count(checkins, jobs, shifts), 1)


def before_voiding(conn: sqlite3.Connection, target_ids: list[str]) -> None:
    """Take out what ``target_ids`` contribute, just before they are recorded as voided.

    Callers pass only ids not voided yet. Works for many voids at once: a shift end
    counts while neither it nor its start is voided, so it is taken out exactly once
    even when a batch voids both, and even when the start has not arrived yet.
    """
    if not target_ids:
        return
    targets = json.dumps(target_ids)
    affected = {r[0]: tuple(r) for r in conn.execute(SELECT_TARGETS, (targets,))}
    affected.update({r[0]: tuple(r) for r in conn.execute(SELECT_ENDS_OF, (targets,))})
    linked = [x for r in affected.values() for x in (r[0], r[_REF]) if x]
    voided_before = {r[0] for r in conn.execute(VOIDED_AMONG, (json.dumps(linked),))}
    voided_after = voided_before | set(target_ids)
    checkins, jobs, shifts = [], [], []
    for row in affected.values():
        kind = row[4]
        if kind == "shift_ended":
            counted_before = row[0] not in voided_before and row[_REF] not in voided_before
            counted_after = row[0] not in voided_after and row[_REF] not in voided_after
            if counted_before and not counted_after:
                shifts.append(row)
        elif kind == "checkin":
            checkins.append(row)
        elif kind == "job_done":
            jobs.append(row)
    _apply(conn, count(checkins, jobs, shifts), -1)


def count_rows(rows: list[tuple[Any, ...]]) -> Tally:
    """``count`` of the tallied rows among ``rows`` (any kinds, voided or not)."""
    checkins: list[tuple[Any, ...]] = []
    jobs: list[tuple[Any, ...]] = []
    shifts: list[tuple[Any, ...]] = []
    into = dict(zip(TALLIED, (checkins.append, jobs.append, shifts.append)))
    for row in rows:
        add = into.get(row[4])
        if add:
            add(row)
    return count(checkins, jobs, shifts)


def count(
    checkins: list[tuple[Any, ...]], jobs: list[tuple[Any, ...]], shifts: list[tuple[Any, ...]]
) -> Tally:
    """The tally rule, the one place it is written: check-ins count per room, year, activity
    and visitor (and per room, month and visitor in ``monthly_visits``), jobs per room, year
    and activity, shift ends and their hours per room, year and volunteer. Keys are counted
    in C (Counter over zipped itemgetter maps): a Python loop per event was most of the time
    of a central merge."""
    hours: dict[tuple[Any, ...], list[Any]] = {}  # [shifts, hours]
    hours_in: dict[str, float] = {}  # payload text -> hours: shifts repeat a few lengths
    for (room, year, visitor, payload), n in _count(
        shifts, _ROOM, _YEAR, _VISITOR, _PAYLOAD
    ).items():
        if payload not in hours_in:
            hours_in[payload] = _hours(json.loads(payload or "{}"))
        total = hours.setdefault((room, int(year), visitor or ""), [0, 0.0])
        total[0] += n
        total[1] = round(total[1] + n * hours_in[payload], 2)
    return (
        dict(_count(checkins, _ROOM, _YEAR, _ACTIVITY, _VISITOR)),
        dict(_count(checkins, _ROOM, _MONTH, _VISITOR)),
        dict(_count(jobs, _ROOM, _YEAR, _ACTIVITY)),
        hours,
    )


def combined(tallies: list[Tally]) -> Tally:
    """Tallies added up (the first copied in C, the others added key by key)."""
    if not tallies:
        return ({}, {}, {}, {})
    first = tallies[0]
    yearly, monthly, jobs = (dict(part) for part in first[:3])
    hours = {key: list(total) for key, total in first[3].items()}
    for tally in tallies[1:]:
        _add_into((yearly, monthly, jobs, hours), tally, 1)
    return yearly, monthly, jobs, hours


def without(tally: Tally, out: Tally) -> Tally:
    """``tally`` with ``out`` taken out; a key left at nothing is dropped, as if never
    counted (all its rows voided)."""
    result = combined([tally])
    _add_into(result, out, -1)
    yearly, monthly, jobs, hours = result
    return (
        {key: n for key, n in yearly.items() if n},
        {key: n for key, n in monthly.items() if n},
        {key: n for key, n in jobs.items() if n},
        {key: total for key, total in hours.items() if total[0]},
    )


def _add_into(into: Tally, tally: Tally, sign: int) -> None:
    for counts, part in zip(into[:3], tally[:3]):
        for key, n in part.items():
            counts[key] = counts.get(key, 0) + sign * n
    for key, (n, amount) in tally[3].items():
        total = into[3].setdefault(key, [0, 0.0])
        total[0] += sign * n
        total[1] = round(total[1] + sign * amount, 2)


def _apply(conn: sqlite3.Connection, tally: Tally, sign: int) -> None:
    """Add a tally to the tables (``sign`` 1), or take it out (-1)."""
    yearly, monthly, per_job, hours = tally
    conn.executemany(
        ADD,
        [
            (room, int(year), "checkin", activity or "", visitor or "", sign * n, 0.0)
            for (room, year, activity, visitor), n in yearly.items()
        ]
        + [
            (room, int(year), "job_done", activity or "", "", sign * n, 0.0)
            for (room, year, activity), n in per_job.items()
        ]
        + [
            (room, year, "shift_ended", "", visitor, sign * n, sign * amount)
            for (room, year, visitor), (n, amount) in hours.items()
        ],
    )
    conn.executemany(
        ADD_MONTH,
        [(room, month, visitor or "", sign * n) for (room, month, visitor), n in monthly.items()],
    )


def _count(
    rows: list[tuple[Any, ...]], *columns: int | tuple[int, int]
) -> Counter[tuple[Any, ...]]:
    """How many rows share each combination of ``columns``, counted in C."""

    def values(column: int | tuple[int, int]) -> Iterator[Any]:
        if isinstance(column, tuple):
            index, length = column
            return map(itemgetter(slice(0, length)), map(itemgetter(index), rows))
        return map(itemgetter(column), rows)

    return Counter(zip(*map(values, columns)))
