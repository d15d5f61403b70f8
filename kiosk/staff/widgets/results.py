"""The results table: a row per indicator, a column per room and the total.

The table fits itself to the width it has: the label column stays put when
the table scrolls sideways and wraps long labels; when every room and the
total do not fit, the cells drop their bars (the percentage stays), then the
unit column goes (it is in the line under the table), and at last the table
shows one room at a time next to the total (``v`` shows the next room). The
Totaal column is always visible: it is the funders' key figure.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TypeGuard, cast

from rich.text import Text
from textual.widgets import DataTable

from kiosk.staff.widgets.labels import tr
from shared.catalog import Catalog
from shared.report_formats import explanation, label, number, progress, unit_label
from shared.report_types import IndicatorEntry, Report
from shared.staff_figures import entered_mark

BAR_WIDTH = 4
NO_REPORT = cast(Report, {"rooms": {}, "indicators": {}})  # before the first: fit reads these two
MIN_LABEL_WIDTH = 20
MAX_LABEL_WIDTH = 44
CELL_PADDING = 2  # DataTable pads every cell with one space on each side
SCROLLBAR = 2


def bar(share: float | None) -> Text:
    """A small bar coloured by how far along (red < 50% <= yellow < 100% <= green), with the
    percentage beside it. A segment fills only when reached: 90% shows three of four."""
    if share is None:
        return Text("")
    filled = BAR_WIDTH if share >= 1 else min(BAR_WIDTH - 1, math.floor(share * BAR_WIDTH))
    style = "green" if share >= 1 else "yellow" if share >= 0.5 else "red"
    text = Text("▰" * filled, style=style)
    text.append("▱" * (BAR_WIDTH - filled), style="dim")
    text.append(f"{percent(share):>5}", style=style)
    return text


def percent(share: float) -> str:
    """Whole percents, never rounded up to 100% before the target is reached."""
    whole = round(100 * share)
    return f"{min(whole, 99 if share < 1 else 999)}%"


def _is_number(value: object) -> TypeGuard[float]:
    return type(value) in (int, float) and math.isfinite(value)  # type: ignore[arg-type]


def missing_reason(entry: IndicatorEntry, column: str, lang: str) -> str:
    """Why a cell has no figure, in a few words."""
    reasons = entry.get("reasons")
    if isinstance(reasons, dict) and isinstance(reasons.get(column), str):
        return reasons[column]
    if entry.get("unit") == "percent" and not (entry.get("answers") or {}).get(column):
        return tr(lang, "no_answers")
    return tr(lang, "not_computable")


def cell_text(
    value: object,
    target: object,
    unit: str,
    lang: str,
    *,
    bars: bool = True,
    reason: str | None = None,
) -> Text:
    """``12 / 50 ▰▱▱▱  24%`` (or ``12/50 24%`` without bars); ``– reason`` without a value."""
    if isinstance(value, str):  # a judgement staff entered ("positief")
        return Text(value, style="bold")
    if not _is_number(value):
        text = Text("– ", style="bold")
        text.append(reason or tr(lang, "not_computable"), style="dim italic")
        return text
    pct = "%" if unit == "percent" else ""
    if unit == "hours":
        value = round(value)  # whole hours on screen; reports keep decimals
    text = Text(number(value, lang) + pct, style="bold")
    if _is_number(target):
        share = progress(value, target)
        sep = " / " if bars else "/"
        text.append(f"{sep}{number(target, lang)}{pct}")
        if share is not None:
            if bars:
                text.append(" ")
                text.append_text(bar(share))
            else:
                text.append(
                    f" {percent(share)}",
                    style="green" if share >= 1 else "yellow" if share >= 0.5 else "red",
                )
    return text


def short_name(name: str, width: int) -> str:
    """A room name cut to ``width`` with an ellipsis (the full names are in the line below)."""
    return name if len(name) <= width else name[: max(1, width - 1)] + "…"


@dataclass(frozen=True)
class Layout:
    columns: tuple[str, ...]  # room ids shown, then "total"
    bars: bool
    unit: bool
    label_width: int
    one_room: bool


def safe_cell(entry: IndicatorEntry, column: str) -> tuple[object, object]:
    """(value, target) of one cell; missing parts are None (an entry may lack a room)."""
    if not isinstance(entry, dict):
        return None, None
    value = entry.get("total") if column == "total" else (entry.get("rooms") or {}).get(column)
    return value, (entry.get("targets") or {}).get(column)


def _cells(report: Report, lang: str, column: str, bars: bool) -> list[Text]:
    return [
        cell_text(
            *safe_cell(entry, column),
            entry.get("unit", ""),
            lang,
            bars=bars,
            reason=missing_reason(entry, column, lang),
        )
        for entry in report["indicators"].values()
    ]


def fit(report: Report, lang: str, width: int, room: str | None = None) -> Layout:
    """The richest layout that shows the label, the chosen rooms and the total in ``width``."""
    rooms = list(report["rooms"])
    unit_width = max(
        [len(unit_label(e.get("unit", ""), lang)) for e in report["indicators"].values()]
        + [len(tr(lang, "unit"))]
    )
    widths: dict[tuple[str, bool], int] = {}

    def column_width(column: str, bars: bool) -> int:
        if (column, bars) not in widths:
            widths[(column, bars)] = (
                max([c.cell_len for c in _cells(report, lang, column, bars)] + [6]) + CELL_PADDING
            )
        return widths[(column, bars)]

    focus = room if room in rooms else (rooms[0] if rooms else None)
    choices = [(tuple(rooms), False), ((focus,) if focus else (), True)]
    for shown, one_room in choices:
        for bars, unit in ((True, True), (True, False), (False, True), (False, False)):
            used = sum(column_width(c, bars) for c in (*shown, "total"))
            used += (unit_width + CELL_PADDING) if unit else 0
            label_width = min(MAX_LABEL_WIDTH, width - SCROLLBAR - used - CELL_PADDING)
            if label_width >= MIN_LABEL_WIDTH:
                return Layout((*shown, "total"), bars, unit, label_width, one_room)
    return Layout(((focus,) if focus else ()) + ("total",), False, False, MIN_LABEL_WIDTH, True)


class ResultsTable(DataTable):
    """Read-only; ``show`` replaces every row from a report dict."""

    DEFAULT_CSS = """
    ResultsTable { height: 1fr; }
    """

    def __init__(self, **kwargs) -> None:
        super().__init__(cursor_type="row", zebra_stripes=True, fixed_columns=1, **kwargs)
        self.report: Report | None = None
        self.catalog: Catalog | None = None
        self.lang = "nl"
        self.room: str | None = None  # the room shown when one room at a time fits
        self.fitted: Layout | None = None

    def show(self, report: Report, catalog: Catalog | None, lang: str) -> None:
        self.report, self.catalog, self.lang = report, catalog, lang
        self._draw()

    def on_resize(self) -> None:
        if self.report is not None and self.fitted != self._fit():
            self._draw()
            self.screen.refresh_bindings()

    def _fit(self) -> Layout:
        width = self.size.width or self.app.size.width
        return fit(self.report or NO_REPORT, self.lang, width, self.room)

    def _draw(self) -> None:
        report, lang = self.report, self.lang
        if report is None:
            return
        layout = self.fitted = self._fit()
        row = self.cursor_row
        self.clear(columns=True)
        self.add_column(tr(lang, "indicator"), key="indicator", width=layout.label_width)
        if layout.unit:
            self.add_column(tr(lang, "unit"), key="unit")
        cells = {c: _cells(report, lang, c, layout.bars) for c in layout.columns}
        for column in layout.columns:
            name = tr(lang, "total") if column == "total" else report["rooms"][column]
            width = max(c.cell_len for c in cells[column]) if cells[column] else len(name)
            self.add_column(Text(short_name(name, max(width, 9)), style="bold"), key=column)
        for index, (indicator, entry) in enumerate(report["indicators"].items()):
            first = [Text(label(indicator, self.catalog, lang))]  # wraps in its column
            if layout.unit:
                first.append(Text(unit_label(entry.get("unit", ""), lang)))
            self.add_row(
                *first, *(cells[c][index] for c in layout.columns), key=indicator, height=None
            )
        if row:
            self.move_cursor(row=min(row, self.row_count - 1))

    def action_next_room(self) -> None:
        """One room at a time: show the next one (the total stays)."""
        if not self.report or not self.report["rooms"]:
            return
        rooms = list(self.report["rooms"])
        current = self.fitted.columns[0] if self.fitted and self.fitted.one_room else None
        self.room = rooms[(rooms.index(current) + 1) % len(rooms)] if current in rooms else rooms[0]
        self._draw()

    def detail(self) -> str:
        """The full label, unit and how the highlighted row is counted (the line below)."""
        if not self.report or not self.row_count:
            return ""
        indicator = list(self.report["indicators"])[min(self.cursor_row, self.row_count - 1)]
        entry = self.report["indicators"][indicator]
        parts = [
            label(indicator, self.catalog, self.lang),
            unit_label(entry.get("unit", ""), self.lang),
        ]
        how = explanation(indicator, entry) if self.lang == "nl" else ""  # written in Dutch
        if how:
            parts.append(how)
        if entry.get("staff_entered"):  # per column: entered when and by whom, or why not
            names = {**self.report["rooms"], "total": tr(self.lang, "total")}
            parts.append("; ".join(f"{names[c]}: {entered_mark(entry, c)}" for c in names))
        if self.fitted and self.fitted.one_room and len(self.report["rooms"]) > 1:
            parts.append(tr(self.lang, "next_room_hint"))
        return " · ".join(parts)

    def plain(self, indicator: str, column: str) -> str:
        """The text shown in one cell (for tests and screen readers)."""
        value = self.get_cell(indicator, column)
        return value.plain if isinstance(value, Text) else str(value)
