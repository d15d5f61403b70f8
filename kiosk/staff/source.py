"""Where the staff views read: a ``Source`` names a database, its catalog and the rooms it
covers, and opens the database (read-only where it only reads) for each report, trend,
staff-entered figure, year list and health check; ``source_for_config`` builds one from a
room's or central's config. Used by the ``bwk-staff`` commands and the dashboard's workers,
and free of Textual so both can share it.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from shared.catalog import Catalog, CatalogError, current_catalog
from shared.config import CentralConfig, RoomConfig
from shared.db import UI_BUSY_TIMEOUT_MS, DatabaseError, connect, open_for_reading
from shared.report_types import Report, Trends
from shared.staff_figures import FigureError, Recorded, copy_figures, history, record_figure
from shared.trends import monthly_trends, staff_report, years_with_data


@dataclass(frozen=True)
class Source:
    """Where the staff view reads: a database, its catalog and the rooms it covers."""

    database: Path
    catalog: Catalog
    enrolled: list[str] | None  # central: the enrolled rooms
    only_room: str | None  # a room's config: that room alone
    inbox: Path | None = None

    def report(
        self,
        year: int,
        now: datetime | None = None,
        *,
        trends: bool = True,
        busy_timeout_ms: int = UI_BUSY_TIMEOUT_MS,
    ) -> Report:
        """The staff report (contract json plus freshness, trends); call from a worker."""
        if not self.database.exists():
            raise DatabaseError(f"{self.database}: no database yet")
        try:  # a catalog published (or received) since the dashboard started
            catalog = max(self.catalog, current_catalog(self.database), key=_revision)
        except CatalogError:
            catalog = self.catalog
        conn = open_for_reading(self.database, busy_timeout_ms=busy_timeout_ms)
        try:
            return staff_report(
                conn,
                catalog,
                year,
                self.enrolled,
                only_room=self.only_room,
                now=now,
                inbox=self.inbox,
                trends=trends,
            )
        finally:
            conn.close()

    def trends(
        self, year: int, rooms: list[str], busy_timeout_ms: int = UI_BUSY_TIMEOUT_MS
    ) -> Trends:
        """Monthly check-ins and distinct visitors per room; call from a worker."""
        conn = open_for_reading(self.database, busy_timeout_ms=busy_timeout_ms)
        try:
            return monthly_trends(conn, year, rooms)
        finally:
            conn.close()

    def record_figure(
        self,
        *,
        year: int,
        indicator: str,
        room: str,
        value: str,
        by: str,
        note: str = "",
        now: datetime | None = None,
    ) -> Recorded:
        """Store a staff-entered figure (central only); raises ``FigureError`` in plain words."""
        if self.only_room or self.enrolled is None:
            raise FigureError(
                "cijfers worden centraal ingevoerd: gebruik central.toml, niet de "
                "config van een ruimte"
            )
        conn = connect(self.database, busy_timeout_ms=UI_BUSY_TIMEOUT_MS)
        try:
            return record_figure(
                conn,
                self.catalog,
                year=year,
                indicator=indicator,
                room=room,
                value=value,
                rooms=list(self.enrolled),
                by=by,
                note=note,
                now=now,
            )
        finally:
            conn.close()

    def copy_figures(self, old_database: Path) -> tuple[int, int]:
        """Staff figures of another central database into this one: (copied, already here)."""
        if self.only_room or self.enrolled is None:
            raise FigureError("cijfers worden centraal ingevoerd: gebruik central.toml")
        conn = connect(self.database, busy_timeout_ms=UI_BUSY_TIMEOUT_MS)
        try:
            return copy_figures(conn, old_database)
        finally:
            conn.close()

    def figure_history(self, year: int | None = None) -> list[Recorded]:
        """Every staff-entered figure (of ``year``), oldest first; call from a worker."""
        conn = connect(self.database, busy_timeout_ms=UI_BUSY_TIMEOUT_MS, durable=False)
        try:
            return history(conn, year)
        finally:
            conn.close()

    def rooms(self) -> list[str]:
        """The rooms this view covers (for a room config: that room)."""
        if self.only_room:
            return [self.only_room]
        return sorted({*(self.enrolled or []), *self.catalog.rooms})

    def years(self, this_year: int, busy_timeout_ms: int = UI_BUSY_TIMEOUT_MS) -> list[int]:
        """The years with data, up to ``this_year`` (newest first); call from a worker."""
        conn = open_for_reading(self.database, busy_timeout_ms=busy_timeout_ms)
        try:
            return years_with_data(conn, this_year, self.rooms())
        finally:
            conn.close()

    def database_problem(self, busy_timeout_ms: int = UI_BUSY_TIMEOUT_MS) -> str | None:
        """``PRAGMA quick_check`` of the database: None when sound; call from a worker."""
        from shared.sync_status import database_problem

        if not self.database.exists():
            return None  # not damaged, missing: report() says so (and nothing creates it)
        try:
            conn = open_for_reading(
                self.database, busy_timeout_ms=busy_timeout_ms, check_schema=False
            )
        except (sqlite3.DatabaseError, DatabaseError) as exc:
            return str(exc)
        try:
            return database_problem(conn)
        finally:
            conn.close()

    def sync_health(self) -> dict:
        """What the daemon recorded about its passes beside the database (syncd/health.py)."""
        try:
            data = json.loads(Path(f"{self.database}.syncd-health.json").read_text("utf-8"))
        except (OSError, ValueError):
            return {}
        return data if isinstance(data, dict) else {}

    def signature(self) -> tuple:
        """Size and mtime of the database and of a non-empty WAL: changes on every write.

        A reader's own open/close creates and removes an empty WAL; that is
        ignored, or the dashboard would reload itself for ever.
        """
        out: list[tuple[int, int] | None] = []
        for path in (self.database, self.database.with_name(self.database.name + "-wal")):
            try:
                stat = path.stat()
            except OSError:
                out.append(None)
                continue
            out.append((stat.st_size, stat.st_mtime_ns) if stat.st_size else None)
        return tuple(out)


def _revision(catalog: Catalog) -> int:
    return catalog.revision


def source_for_config(config: RoomConfig | CentralConfig) -> Source:
    if isinstance(config, RoomConfig):
        database = config.room.database
        source = Source(database, current_catalog(database), None, config.room.id)
    else:
        database = config.central.database
        source = Source(
            database, current_catalog(database), list(config.rooms), None, config.central.inbox
        )
    if not database.exists():
        raise DatabaseError(
            f"{database}: no database yet (check [room]/[central] database in {config.path})"
        )
    return source
