"""The results table: a row per indicator, a column per room and the total."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import DataTable

from kiosk.staff_widgets.labels import tr
from shared.catalog import Catalog
from shared.report_formats import cell, columns, label, number, progress, unit_label

BAR_WIDTH = 4
LABEL_WIDTH = 27


def bar(share: float | None) -> Text:
    """A small progress bar coloured by how far along (red < 50% <= yellow < 100% <= green)."""
    if share is None:
        return Text(" " * (BAR_WIDTH + 5))
    filled = min(BAR_WIDTH, round(share * BAR_WIDTH))
    style = "green" if share >= 1 else "yellow" if share >= 0.5 else "red"
    text = Text("▰" * filled, style=style)
    text.append("▱" * (BAR_WIDTH - filled), style="dim")
    text.append(f"{min(round(100 * share), 999):>4}%", style=style)
    return text


def cell_text(value: float | None, target: float | None, unit: str, lang: str) -> Text:
    """``12 / 50 ▰▱▱▱▱▱  24%``: value, target and progress of one cell."""
    suffix = "%" if unit == "percent" and value is not None else ""
    if unit == "hours" and value is not None:
        value = round(value)  # whole hours on screen; the reports keep the decimals
    text = Text(number(value, lang) + suffix, style="bold")
    if target is not None:
        text.append(f" / {number(target, lang)}{'%' if unit == 'percent' else ''} ", style="")
        text.append_text(bar(progress(value, target)))
    return text


class ResultsTable(DataTable):
    """Read-only; ``show`` replaces every row from a report dict."""

    DEFAULT_CSS = """
    ResultsTable { height: 1fr; }
    """

    def __init__(self, **kwargs) -> None:
        super().__init__(cursor_type="row", zebra_stripes=True, **kwargs)

    def show(self, report: dict, catalog: Catalog | None, lang: str) -> None:
        self.clear(columns=True)
        self.add_column(tr(lang, "indicator"), key="indicator", width=LABEL_WIDTH)
        self.add_column(tr(lang, "unit"), key="unit")
        for column in columns(report):
            name = tr(lang, "total") if column == "total" else report["rooms"][column]
            self.add_column(Text(name), key=column)
        for indicator, entry in report["indicators"].items():
            cells = [cell_text(*cell(entry, c), entry["unit"], lang) for c in columns(report)]
            self.add_row(label(indicator, catalog, lang), unit_label(entry["unit"], lang), *cells,
                         key=indicator)

    def plain(self, indicator: str, column: str) -> str:
        """The text shown in one cell (for tests and screen readers)."""
        value = self.get_cell(indicator, column)
        return value.plain if isinstance(value, Text) else str(value)
