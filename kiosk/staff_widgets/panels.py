"""The smaller panels: monthly trends, the popular budget, petty cash and freshness."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical, VerticalScroll
from textual.widgets import DataTable, Label, Sparkline, Static

from kiosk.staff_widgets.labels import tr
from shared.report_formats import euro, number
from shared.trends import handgeld_table


class RoomTrend(Vertical):
    """One room: check-ins and distinct visitors per month as sparklines."""

    DEFAULT_CSS = """
    RoomTrend { height: auto; margin: 0 0 1 0; }
    RoomTrend Sparkline { height: 2; width: 60; }
    RoomTrend .room-name { text-style: bold; }
    """

    def __init__(self, room: str, name: str, series: dict, lang: str) -> None:
        super().__init__(classes=f"trend-{room}")
        self.room_name, self.series, self.lang = name, series, lang

    def compose(self) -> ComposeResult:
        yield Label(self.room_name, classes="room-name", markup=False)
        for key in ("checkins", "visitors"):
            values = self.series[key]
            total = (f"{tr(self.lang, 'sum')} {number(sum(values), self.lang)}, "
                     if key == "checkins" else "")  # monthly distinct visitors do not add up
            yield Label(f"{tr(self.lang, key)} {tr(self.lang, 'per_month')}: {total}"
                        f"{tr(self.lang, 'max')} {number(max(values), self.lang)}  "
                        f"[{' '.join(str(v) for v in values)}]", classes=f"trend-{key}")
            yield Sparkline(values, summary_function=max)


class TrendPanel(VerticalScroll):
    def show(self, report: dict, lang: str) -> None:
        self.remove_children()
        trends = report.get("trends", {"rooms": {}})
        self.mount_all([RoomTrend(r, report["rooms"].get(r, r), s, lang)
                        for r, s in trends["rooms"].items()])


class BudgetTable(DataTable):
    """Volunteer hours per room and their value at the year's minimum wage."""

    def show(self, report: dict, lang: str) -> None:
        self.clear(columns=True)
        value = report.get("volunteer_value", {})
        rate = euro(value.get("hourly_rate"), lang)
        self.add_column(tr(lang, "room"), key="room")
        self.add_column(tr(lang, "hours"), key="hours")
        self.add_column(f"{tr(lang, 'rate')}", key="rate")
        self.add_column(tr(lang, "value"), key="value")
        hours = report["indicators"].get("vrijwilligersuren", {"rooms": {}, "total": 0})
        for room, name in report["rooms"].items():
            self.add_row(Text(name), number(hours["rooms"].get(room), lang), rate,
                         euro(value.get("rooms", {}).get(room), lang), key=room)
        self.add_row(Text(tr(lang, "total"), style="bold"), number(hours["total"], lang), rate,
                     Text(euro(value.get("total"), lang), style="bold"), key="total")


class HandgeldTable(DataTable):
    """Petty cash per room and month by category A–F, against the monthly cap."""

    def show(self, report: dict, lang: str) -> None:
        self.clear(columns=True)
        section = report.get("handgeld", {"categories": {}, "monthly_cap": 0, "rooms": {}})
        cats = list(section["categories"]) or list("ABCDEF")
        self.add_column(tr(lang, "room"), key="room")
        self.add_column(tr(lang, "month"), key="month")
        for c in cats:
            self.add_column(c, key=c)
        self.add_column(tr(lang, "spent"), key="spent")
        self.add_column(tr(lang, "cap"), key="cap")
        for row in handgeld_table(report):
            style = "bold red" if row["over_cap"] else ""
            spent = Text(euro(row["spent"], lang) + (" ⚠" if row["over_cap"] else ""), style=style)
            self.add_row(Text(report["rooms"].get(row["room"], row["room"])), Text(row["month"]),
                         *(euro(row[c], lang) if row[c] else "·" for c in cats), spent,
                         euro(row["cap"], lang), key=f"{row['room']}:{row['month']}")


def lag_text(hours: float | None, lang: str) -> str:
    """Hours under two days, else whole days: "5 uur", "20 dagen"."""
    if hours is None:
        return "–"
    if hours < 48:
        return f"{number(round(hours, 1), lang)} {'uur' if lang == 'nl' else 'h'}"
    return f"{int(hours // 24)} {'dagen' if lang == 'nl' else 'days'}"


class FreshnessTable(DataTable):
    """Per room: last event, last bundle merged, lag, waiting and quarantined files."""

    def show(self, report: dict, lang: str) -> None:
        self.clear(columns=True)
        fresh = report.get("freshness", {"rooms": {}})
        for key in ("room", "last_event", "last_bundle", "lag", "waiting", "quarantined", "status"):
            self.add_column(tr(lang, key), key=key)
        for room, name in report["rooms"].items():
            sync, info = report["sync"].get(room, {}), fresh["rooms"].get(room, {})
            stale = info.get("stale")
            style = "bold red" if stale else "green"
            self.add_row(
                Text(name, style="bold red" if stale else ""),
                # Stored text is shown as it is, never read as markup.
                Text((sync.get("last_event_at") or tr(lang, "never"))[:16].replace("T", " ")),
                Text((sync.get("last_bundle_at") or "–")[:16].replace("T", " ")),
                lag_text(info.get("lag_hours"), lang),
                number(info.get("waiting"), lang),
                number(info.get("quarantined"), lang),
                Text(tr(lang, "stale_status") if stale else tr(lang, "ok"), style=style),
                key=room)


class StaleBanner(Static):
    """Always visible above the tabs: names the rooms silent for more than two days."""

    DEFAULT_CSS = """
    StaleBanner { height: auto; padding: 0 1; color: $text-success; }
    StaleBanner.-stale { background: $error; color: $text; text-style: bold; }
    """

    def show(self, report: dict, lang: str) -> list[str]:
        fresh = report.get("freshness", {"rooms": {}})
        stale = [report["rooms"][r] for r, i in fresh["rooms"].items()
                 if i.get("stale") and r in report["rooms"]]
        self.set_class(bool(stale), "-stale")
        self.update(Text(tr(lang, "stale_banner", rooms=", ".join(stale))) if stale
                    else tr(lang, "all_fresh"))
        return stale
