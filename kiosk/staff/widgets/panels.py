"""The smaller panels: monthly trends, the popular budget, petty cash and freshness."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical, VerticalScroll
from textual.widgets import DataTable, Label, Sparkline, Static

from kiosk.staff.widgets.labels import tr
from shared import i18n
from shared.report_formats import NO_HOURS, euro, number, room_freshness, room_sync, stale_rooms
from shared.report_types import Report
from shared.report_types import RoomTrend as RoomSeries
from shared.trends import handgeld_table


class RoomTrend(Vertical):
    """One room: check-ins and distinct visitors per month as sparklines."""

    DEFAULT_CSS = """
    RoomTrend { height: auto; margin: 0 0 1 0; }
    RoomTrend Sparkline { height: 2; width: 48; }
    RoomTrend .months { width: 48; color: $text-muted; }
    RoomTrend .room-name { text-style: bold; }
    """

    def __init__(self, room: str, name: str, series: RoomSeries, lang: str) -> None:
        super().__init__(classes=f"trend-{room}")
        self.room_name, self.series, self.lang = name, series, lang

    def compose(self) -> ComposeResult:
        yield Label(self.room_name, classes="room-name", markup=False)
        for key in ("checkins", "visitors"):
            values = self.series[key]
            total = (
                f"{tr(self.lang, 'sum')} {number(sum(values), self.lang)}, "
                if key == "checkins"
                else ""
            )  # monthly distinct visitors do not add up
            yield Label(
                f"{tr(self.lang, key)} {tr(self.lang, 'per_month')}: {total}"
                f"{tr(self.lang, 'max')} {number(max(values), self.lang)}  "
                f"[{' '.join(str(v) for v in values)}]",
                classes=f"trend-{key}",
            )
            yield Sparkline(values, summary_function=max)
            yield Label(month_initials(self.lang), classes="months", markup=False)


SPARK_COLUMNS_PER_MONTH = 4  # the sparkline is 48 wide: four columns per month


def month_initials(lang: str) -> str:
    """``J   F   M   …``: one initial under the first column of each month's bar."""
    return "".join(m.ljust(SPARK_COLUMNS_PER_MONTH) for m in tr(lang, "months")).rstrip()


class TrendPanel(VerticalScroll):
    def show(self, report: Report, lang: str) -> None:
        self.remove_children()
        trends = report.get("trends")
        self.mount_all(
            [
                RoomTrend(r, report["rooms"].get(r, r), s, lang)
                for r, s in (trends["rooms"] if trends else {}).items()
            ]
        )


class BudgetTable(DataTable):
    """Volunteer hours per room and their value at the year's minimum wage."""

    def show(self, report: Report, lang: str) -> None:
        self.clear(columns=True)
        value = report.get("volunteer_value", {})
        # No minimum wage known for the year: a dash and why, never a silent zero.
        no_rate = not isinstance(value.get("hourly_rate"), (int, float))
        rate = f"– {tr(lang, 'no_rate')}" if no_rate else euro(value.get("hourly_rate"), lang)
        self.add_column(tr(lang, "room"), key="room")
        self.add_column(tr(lang, "hours"), key="hours")
        self.add_column(f"{tr(lang, 'rate')}", key="rate")
        self.add_column(tr(lang, "value"), key="value")
        hours = report["indicators"].get("vrijwilligersuren", NO_HOURS)
        for room, name in report["rooms"].items():
            self.add_row(
                Text(name),
                number(hours["rooms"].get(room), lang),
                rate,
                "–" if no_rate else euro(value.get("rooms", {}).get(room), lang),
                key=room,
            )
        self.add_row(
            Text(tr(lang, "total"), style="bold"),
            number(hours["total"], lang),
            rate,
            Text("–" if no_rate else euro(value.get("total"), lang), style="bold"),
            key="total",
        )


ROOM_NAME_WIDTH = 16  # room names in the narrow tables: cut, the full name is on Resultaten


def room_cell(name: str, style: str = "") -> Text:
    """A room name cut to fit (stored text, never markup)."""
    short = name if len(name) <= ROOM_NAME_WIDTH else name[: ROOM_NAME_WIDTH - 1] + "…"
    return Text(short, style=style)


class HandgeldTable(DataTable):
    """Petty cash per room and month: spent (⚠ over the cap) first, then categories A–F."""

    def __init__(self, **kwargs) -> None:
        super().__init__(fixed_columns=2, **kwargs)

    def show(self, report: Report, lang: str) -> None:
        self.clear(columns=True)
        section = report.get("handgeld", {"categories": {}, "monthly_cap": 0, "rooms": {}})
        cats = list(section["categories"]) or list("ABCDEF")
        self.add_column(tr(lang, "room"), key="room")
        self.add_column(tr(lang, "month"), key="month")
        self.add_column(tr(lang, "spent"), key="spent")
        self.add_column(tr(lang, "cap"), key="cap")
        for c in cats:
            self.add_column(c, key=c)
        for row in handgeld_table(report):
            style = "bold red" if row["over_cap"] else ""
            spent = Text(euro(row["spent"], lang) + (" ⚠" if row["over_cap"] else ""), style=style)
            self.add_row(
                room_cell(report["rooms"].get(row["room"], row["room"])),
                Text(row["month"]),
                spent,
                euro(row["cap"], lang),
                *(euro(row[c], lang) if row[c] else "·" for c in cats),
                key=f"{row['room']}:{row['month']}",
            )


def lag_text(hours: float | None, lang: str, minutes: int | None = None) -> str:
    """Minutes under an hour, hours under two days, else whole days: "12 min", "5 uur",
    "20 dagen"."""
    if hours is None:
        return "–"
    if minutes is None:
        minutes = round(hours * 60)
    if minutes < 60:
        return f"{max(0, minutes)} {tr(lang, 'minutes')}"
    if hours < 48:
        return f"{number(round(hours, 1), lang)} {tr(lang, 'hours_short')}"
    return f"{int(hours // 24)} {tr(lang, 'days')}"


def catalog_tr(lang: str, key: str, **fields: object) -> str:
    """The catalog column and banner line (issue 12, item 11)."""
    return i18n.texts(lang, "staff")[key].format(**fields)


def catalog_cell(report: Report, room: str) -> Text:
    """The revision a room said it runs; "⚠ 3 (4)" in red when older than the published one,
    "?" when it has not said yet."""
    section = report.get("catalog") or {}
    runs, published = (section.get("rooms") or {}).get(room), section.get("revision")
    if runs is None:
        return Text("?")
    if room in section.get("rooms_behind", []):
        return Text(f"⚠ {runs} ({published})", style="bold red")
    return Text(str(runs))


class FreshnessTable(DataTable):
    """Per room: status and lag first (they must show on a narrow screen), then the last event,
    last bundle merged, waiting and quarantined files."""

    def __init__(self, **kwargs) -> None:
        super().__init__(fixed_columns=1, **kwargs)

    def show(self, report: Report, lang: str) -> None:
        self.clear(columns=True)
        for key in ("room", "status", "lag", "last_event", "last_bundle", "waiting", "quarantined"):
            self.add_column(tr(lang, key), key=key)
        self.add_column(catalog_tr(lang, "catalog"), key="catalog")
        for room, name in report["rooms"].items():
            sync, info = room_sync(report, room), room_freshness(report, room)
            stale = info.get("stale")
            style = "bold red" if stale else "green"
            self.add_row(
                room_cell(name, "bold red" if stale else ""),
                Text(tr(lang, "stale_status") if stale else tr(lang, "ok"), style=style),
                lag_text(info.get("lag_hours"), lang, info.get("lag_minutes")),
                # Stored text is shown as it is, never read as markup.
                Text(str(sync.get("last_event_at") or tr(lang, "never"))[:16].replace("T", " ")),
                Text(str(sync.get("last_bundle_at") or "–")[:16].replace("T", " ")),
                number(info.get("waiting"), lang),
                number(info.get("quarantined"), lang),
                catalog_cell(report, room),
                key=room,
            )


class StaleBanner(Static):
    """Always visible above the tabs: names the rooms silent for more than two days."""

    DEFAULT_CSS = """
    StaleBanner { height: auto; padding: 0 1; color: $text-success; }
    StaleBanner.-stale { background: $error; color: $text; text-style: bold; }
    """

    def show(self, report: Report, lang: str) -> list[str]:
        """Shows the silent rooms and the rooms on an older catalog; returns the silent ones."""
        stale = stale_rooms(report)
        section = report.get("catalog") or {}
        behind = [
            f"{report['rooms'][r]} ({section['rooms'][r]})"
            for r in section.get("rooms_behind", [])
            if r in report["rooms"]
        ]
        lines = [tr(lang, "stale_banner", rooms=", ".join(stale))] if stale else []
        if behind:
            lines.append(
                catalog_tr(
                    lang,
                    "catalog_behind",
                    revision=section.get("revision"),
                    rooms=", ".join(behind),
                )
            )
        self.set_class(bool(stale or behind), "-stale")
        self.update(Text("\n".join(lines)) if lines else tr(lang, "all_fresh"))
        return stale
