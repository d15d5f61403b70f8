"""The yearly report: one dict in the contract shape of DESIGN.md, plus extras.

``build_report`` works on a room database (that room alone) or on the
central copy (every enrolled room, and any room found in the log).
"""

from __future__ import annotations

import sqlite3
from datetime import datetime

from shared.begroting import popular_budget
from shared.catalog import Catalog, room_revisions
from shared.clock import TZ, local_iso
from shared.indicators import collect, handgeld_summary, indicators, rooms_in_year, volunteer_value
from shared.report_types import CatalogSection, Report, SyncEntry
from shared.staff_figures import staff_indicators
from shared.sync_status import last_bundle_times

SELECT_LAST_EVENT = "SELECT seq, at FROM events WHERE room = ? ORDER BY seq DESC LIMIT 1"


def sync_section(conn: sqlite3.Connection, rooms: list[str]) -> dict[str, SyncEntry]:
    """Per room: the highest seq held here and when the last bundle was merged."""
    last = {
        room: tuple(row)
        for room in rooms
        if (row := conn.execute(SELECT_LAST_EVENT, (room,)).fetchone())
    }
    bundle_times = last_bundle_times(conn)
    return {
        room: {
            "last_seq": last.get(room, (0, None))[0] or 0,
            "last_event_at": last.get(room, (0, None))[1],
            "last_bundle_at": bundle_times.get(room),
        }
        for room in rooms
    }


def catalog_section(
    conn: sqlite3.Connection, catalog: Catalog, rooms: list[str], only_room: str | None
) -> CatalogSection:
    """The catalog revision the figures use, the one each room said it runs (None: not said
    yet), and the rooms on an older one: their kiosks show other targets than this report."""
    said = {only_room: catalog.revision} if only_room else room_revisions(conn)
    runs = {room: said.get(room) for room in rooms}
    return {
        "revision": catalog.revision,
        "rooms": runs,
        "rooms_behind": [
            r for r, rev in runs.items() if rev is not None and rev < catalog.revision
        ],
    }


def report_rooms(
    conn: sqlite3.Connection, catalog: Catalog, year: int, enrolled: list[str] | None
) -> list[str]:
    """The rooms a report covers: the enrolled ones plus any with events that year."""
    found = set(rooms_in_year(conn, year))
    if enrolled is not None:
        found |= set(enrolled)
    order = list(catalog.rooms)
    return sorted(found, key=lambda r: (order.index(r) if r in order else len(order), r))


def build_report(
    conn: sqlite3.Connection,
    catalog: Catalog,
    year: int,
    rooms: list[str] | None = None,
    *,
    only_room: str | None = None,
    now: datetime | None = None,
) -> Report:
    """The report for ``year``; ``only_room`` restricts it to one room (a room's config)."""
    chosen = [only_room] if only_room else report_rooms(conn, catalog, year, rooms)
    figures = collect(conn, year, chosen)
    return {
        "year": year,
        "rooms": {room: catalog.room_name(room) for room in chosen},
        "indicators": {
            **indicators(figures, catalog),
            **staff_indicators(conn, catalog, year, chosen),
        },
        "sync": sync_section(conn, chosen),
        "volunteer_value": {
            **volunteer_value(figures, catalog),
            **popular_budget(conn, catalog, year, {r: figures.hours.get(r, 0.0) for r in chosen}),
        },
        "handgeld": handgeld_summary(figures, catalog),
        "catalog": catalog_section(conn, catalog, chosen, only_room),
        "generated_at": local_iso(now or datetime.now(TZ)),
    }
