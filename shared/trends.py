"""What the staff view adds to the yearly report: monthly trends and freshness.

``staff_report`` is ``shared.report.build_report`` plus two extra sections
(the json contract allows extras): ``trends`` (per room and month: check-ins
and distinct visitors) and ``freshness`` (per room: last event, last bundle,
lag, silent for more than two days). Every report format and the dashboard
render this one dict, so they all carry the same numbers.
"""

from __future__ import annotations

import sqlite3
from collections import defaultdict
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from shared.bundle import NAME_RE
from shared.catalog import Catalog
from shared.clock import TZ, local_iso, parse_iso
from shared.report import build_report
from shared.report_types import Freshness, Report, RoomFreshness, RoomTrend, Trends
from shared.sync_status import room_status

STALE_AFTER = timedelta(days=2)
# Check-ins (one per activity chosen, anonymous ones under visitor '') per
# room, month and visitor, not voided: the monthly_visits projection.
SELECT_MONTHLY_VISITS = (
    "SELECT room, month, visitor, n FROM monthly_visits WHERE month >= ? AND month < ? AND n > 0"
)
# First and last event of one room through the (room, seq) index.
SELECT_FIRST_EVENT = "SELECT at FROM events WHERE room = ? ORDER BY seq LIMIT 1"
SELECT_LAST_EVENT = "SELECT at, seq FROM events WHERE room = ? ORDER BY seq DESC LIMIT 1"


def months_of(year: int) -> list[str]:
    return [f"{year:04d}-{m:02d}" for m in range(1, 13)]


def monthly_trends(conn: sqlite3.Connection, year: int, rooms: list[str]) -> Trends:
    """``{"months": [...12], "rooms": {room: {"checkins": [12], "visitors": [12]}}}``."""
    months = months_of(year)
    index = {m: i for i, m in enumerate(months)}
    out: dict[str, RoomTrend] = {
        room: {"checkins": [0] * 12, "visitors": [0] * 12} for room in rooms
    }
    bounds = (f"{year:04d}-01", f"{year + 1:04d}-01")
    for room, month, visitor, n in conn.execute(SELECT_MONTHLY_VISITS, bounds):
        if room in out and month in index:
            out[room]["checkins"][index[month]] += n
            out[room]["visitors"][index[month]] += visitor != ""
    return {"months": months, "rooms": out}


def room_spans(conn: sqlite3.Connection, rooms: list[str]) -> dict[str, tuple[str, str, int]]:
    """Per room with events: (first event at, last event at, last seq)."""
    out = {}
    for room in rooms:
        first = conn.execute(SELECT_FIRST_EVENT, (room,)).fetchone()
        last = conn.execute(SELECT_LAST_EVENT, (room,)).fetchone()
        if first and last:
            out[room] = (first[0], last[0], last[1])
    return out


def years_with_data(conn: sqlite3.Connection, this_year: int, rooms: list[str]) -> list[int]:
    """The years a selector offers: from the rooms' first event to this year (newest first)."""
    spans = room_spans(conn, rooms).values()
    years = {this_year}
    # A time stored before records were checked may not start with a year: skipped.
    years |= {int(at[:4]) for first, last, _ in spans for at in (first, last) if at[:4].isdigit()}
    return sorted(range(min(years), max(years) + 1), reverse=True)


def _sync_files(inbox: Path | None) -> tuple[dict[str, int], int | None, int | None]:
    """Bundles waiting in the inbox (per sending room, and in all) and files in quarantine."""
    if inbox is None or not inbox.is_dir():
        return {}, None, None
    per_room: dict[str, int] = defaultdict(int)
    waiting = 0
    for path in inbox.iterdir():
        if not path.is_file() or path.name.startswith(".") or path.name.endswith(".tmp"):
            continue
        match = NAME_RE.match(path.name)  # events-ROOM-HASH.bwk: the files syncd picks up
        if not match:
            continue
        waiting += 1
        per_room[match.group(2)] += 1
    quarantined = 0
    for folder in (inbox.parent / "quarantine", inbox / "quarantine"):
        if folder.is_dir():
            quarantined = sum(
                1
                for p in folder.iterdir()
                if p.is_file() and not p.name.endswith((".reason", ".txt"))
            )
            break
    return dict(per_room), waiting, quarantined


def _syncd_status(conn: sqlite3.Connection) -> dict[str, Any]:
    """Per-room status from syncd's bookkeeping in the store."""
    return dict(room_status(conn))


def _minutes_since(now: datetime, last: str | None) -> int | None:
    """Whole minutes from ``last`` to ``now`` (the dashboard shows a lag under an hour so)."""
    try:
        return int((now - parse_iso(last)).total_seconds() // 60) if last else None
    except (ValueError, TypeError):
        return None


def _hours_since(now: datetime, last: str | None) -> float | None:
    """Hours from ``last`` to ``now``; None for no time or one that is not a time (stored
    before times were checked in full)."""
    try:
        return round((now - parse_iso(last)).total_seconds() / 3600, 1) if last else None
    except (ValueError, TypeError):
        return None


def freshness(
    conn: sqlite3.Connection, report: Report, now: datetime, inbox: Path | None = None
) -> Freshness:
    """Per room: last event/bundle, lag in hours, stale (> 2 days silent); plus queue totals."""
    extra = _syncd_status(conn)
    waiting_by_room, waiting, quarantined = _sync_files(inbox)
    rooms: dict[str, RoomFreshness] = {}
    for room, sync in report["sync"].items():
        last = sync.get("last_bundle_at") or sync.get("last_event_at")
        lag_hours = _hours_since(now, last)
        entry: RoomFreshness = {
            "last_event_at": sync.get("last_event_at"),
            "last_bundle_at": sync.get("last_bundle_at"),
            "lag_hours": lag_hours,
            "lag_minutes": _minutes_since(now, last),
            "stale": lag_hours is None or lag_hours > STALE_AFTER.total_seconds() / 3600,
        }
        if waiting is not None:
            entry["waiting"] = waiting_by_room.get(room, 0)
        if isinstance(extra.get(room), dict) and "quarantined" in extra[room]:
            entry["quarantined"] = extra[room]["quarantined"]
        rooms[room] = entry
    return {
        "checked_at": local_iso(now),
        "stale_after_hours": STALE_AFTER.total_seconds() / 3600,
        "rooms": rooms,
        "waiting": waiting,
        "quarantined": quarantined,
    }


def staff_report(
    conn: sqlite3.Connection,
    catalog: Catalog,
    year: int,
    rooms: list[str] | None = None,
    *,
    only_room: str | None = None,
    now: datetime | None = None,
    inbox: Path | None = None,
    trends: bool = True,
) -> Report:
    """The yearly report (contract shape) plus ``freshness`` and (optional) ``trends``.

    The monthly trends read the ``monthly_visits`` projection (one row per room, month
    and visitor); callers that do not draw them may still leave them out.
    """
    now = now or datetime.now(TZ)
    report = build_report(conn, catalog, year, rooms, only_room=only_room, now=now)
    if trends:
        report["trends"] = monthly_trends(conn, year, list(report["rooms"]))
    report["freshness"] = freshness(conn, report, now, inbox)
    return report


def handgeld_table(report: Report) -> list[dict[str, Any]]:
    """Flat rows (room, month, A..F, spent, cap, over_cap) for tables and sheets."""
    section = report["handgeld"]
    categories = list(section["categories"]) or list("ABCDEF")
    rows = []
    for room, months in section["rooms"].items():
        for month, entry in months.items():
            by_category = defaultdict(float, entry["categories"])
            rows.append(
                {
                    "room": room,
                    "month": month,
                    **{c: by_category[c] for c in categories},
                    "spent": entry["spent"],
                    "cap": section["monthly_cap"],
                    "over_cap": entry["over_cap"],
                }
            )
    return rows
