"""Local time: every event carries Europe/Amsterdam wall-clock time."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

TZ = ZoneInfo("Europe/Amsterdam")

Clock = Callable[[], datetime]


def system_clock() -> datetime:
    return datetime.now(TZ)


def local_iso(moment: datetime) -> str:
    """An aware datetime as local ISO text, e.g. ``2017-03-01T17:02:11+01:00``."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=TZ)
    return moment.astimezone(TZ).isoformat(timespec="seconds")


def parse_iso(text: str) -> datetime:
    return datetime.fromisoformat(text)


def year_bounds(year: int) -> tuple[str, str]:
    """Text bounds for ``at`` in a local year: the local date leads the ISO text."""
    return f"{year:04d}-01-01", f"{year + 1:04d}-01-01"


def day_bounds(day: date) -> tuple[str, str]:
    return day.isoformat(), (day + timedelta(days=1)).isoformat()


def month_bounds(year: int, month: int) -> tuple[str, str]:
    end = (year + 1, 1) if month == 12 else (year, month + 1)
    return f"{year:04d}-{month:02d}-01", f"{end[0]:04d}-{end[1]:02d}-01"
