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
import sqlite3
from typing import Iterable

TALLIED = ("checkin", "job_done", "shift_ended")

ADD = (
    "INSERT INTO tallies (room, year, kind, activity, visitor, n, amount) VALUES (?, ?, ?, ?, ?, ?, ?) "
    "ON CONFLICT(year, kind, room, activity, visitor) DO UPDATE SET "
    "n = n + excluded.n, amount = amount + excluded.amount"
)
ADD_MONTH = (
    "INSERT INTO monthly_visits (room, month, visitor, n) VALUES (?, ?, ?, ?) "
    "ON CONFLICT(month, room, visitor) DO UPDATE SET n = n + excluded.n"
)
IS_VOIDED = "SELECT 1 FROM voided WHERE event_id = ?"
VOIDED_AMONG = "SELECT event_id FROM voided WHERE event_id IN (SELECT value FROM json_each(?))"
SELECT_TARGET = "SELECT room, at, kind, visitor, activity, ref, payload FROM events WHERE id = ?"
SELECT_SHIFT_ENDS = "SELECT id, room, at, kind, visitor, activity, ref, payload FROM events WHERE ref = ? AND kind = 'shift_ended'"


def _key(room: str, at: str, kind: str, visitor: str | None, activity: str | None,
          payload: str | dict, sign: int) -> tuple:
    """The tally row an event adds to (``sign`` 1) or takes from (-1)."""
    if kind == "shift_ended":
        hours = (payload if isinstance(payload, dict) else json.loads(payload or "{}")).get("hours", 0)
        return (room, int(at[:4]), kind, "", visitor or "", sign, sign * float(hours))
    who = visitor or "" if kind == "checkin" else ""  # jobs count per activity only
    return (room, int(at[:4]), kind, activity or "", who, sign, 0.0)


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


def on_voided(conn: sqlite3.Connection, target_id: str) -> None:
    """``target_id`` has just become voided (call after recording it, only the first time)."""
    target = conn.execute(SELECT_TARGET, (target_id,)).fetchone()
    if target is not None:
        room, at, kind, visitor, activity, ref, payload = target
        if kind in ("checkin", "job_done") or (kind == "shift_ended" and not _voided(conn, ref)):
            conn.execute(ADD, _key(room, at, kind, visitor, activity, payload, -1))
            if kind == "checkin":
                conn.execute(ADD_MONTH, (room, at[:7], visitor or "", -1))
    # A voided shift start takes its end along, even when the start itself has
    # not arrived yet (merges come in any order); an end already voided counts nothing.
    for end_id, room, at, kind, visitor, activity, _, payload in conn.execute(
            SELECT_SHIFT_ENDS, (target_id,)).fetchall():
        if not _voided(conn, end_id):
            conn.execute(ADD, _key(room, at, kind, visitor, activity, payload, -1))


def on_stored_many(conn: sqlite3.Connection, rows: Iterable[tuple]) -> None:
    """Bulk ``on_stored`` for event rows (id, room, seq, at, kind, visitor, activity, ref, payload)."""
    rows = [r for r in rows if r[4] in TALLIED]
    if not rows:
        return
    ids = json.dumps([r[0] for r in rows] + [r[7] for r in rows if r[4] == "shift_ended" and r[7]])
    voided = {r[0] for r in conn.execute(VOIDED_AMONG, (ids,))}
    counted = [r for r in rows
               if r[0] not in voided and not (r[4] == "shift_ended" and r[7] in voided)]
    # Summed per key in Python first: far fewer upserts than events.
    checkins: Counter = Counter()  # the bulk of any log: counted without _key's generality
    monthly: Counter = Counter()
    others: dict[tuple, list] = {}
    for r in counted:
        if r[4] == "checkin":
            checkins[r[1], r[3][:4], r[6] or "", r[5] or ""] += 1
            monthly[r[1], r[3][:7], r[5] or ""] += 1
        else:
            *key, n, amount = _key(r[1], r[3], r[4], r[5], r[6], r[8], 1)
            total = others.setdefault(tuple(key), [0, 0.0])
            total[0] += n
            total[1] += amount
    conn.executemany(ADD, [(room, int(year), "checkin", activity, visitor, n, 0.0)
                           for (room, year, activity, visitor), n in checkins.items()])
    conn.executemany(ADD, [(*key, n, amount) for key, (n, amount) in others.items()])
    conn.executemany(ADD_MONTH, [(*key, n) for key, n in monthly.items()])
