"""The yearly report as an Excel workbook (openpyxl), for the funders.

Sheets: the results table (value, target and progress per room and in
total, with data bars), volunteer hours and their value (the "populaire
begroting"), petty cash per month against the cap, the freshness of every
room's data and an explanation of each indicator. Numbers are stored as
numbers (no formulas), so every program shows them without recalculating.
The volunteers and handgeld sheets are built in xlsx_budget.py and
xlsx_handgeld.py; the shared styles and the print layout are in xlsx_layout.py.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from typing import cast

from openpyxl import Workbook
from openpyxl.formatting.rule import CellIsRule, DataBarRule, FormulaRule
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from shared import i18n
from shared.catalog import Catalog
from shared.report_formats import (
    EXPLAINED,
    cell,
    columns,
    explanation,
    label,
    progress,
    respondents,
    room_freshness,
    room_sync,
    row_unit,
    texts,
    unit_label,
)
from shared.report_formats.seed_table import not_counted_cell, sections
from shared.report_formats.xlsx_budget import volunteers_sheet
from shared.report_formats.xlsx_handgeld import handgeld_sheet
from shared.report_formats.xlsx_layout import (
    BOLD,
    HEAD_FILL,
    RED,
    TITLE,
    align_right,
    band,
    column_widths,
    fit_row_heights,
    header_row,
    print_setup,
    wrap_what_would_be_cut,
)
from shared.report_types import IndicatorEntry, Report, VolunteerValue
from shared.staff_figures import entered_mark

GREEN = PatternFill("solid", fgColor="C6EFCE")
SHEETS = ("results", "volunteers", "handgeld", "freshness", "explanation")  # sheet_* texts


def _results(ws: Worksheet, report: Report, catalog: Catalog | None, lang: str) -> None:
    t = texts(lang)
    ws["A1"] = f"{t['title']} {report['year']}"
    ws["A1"].font = TITLE
    ws["A2"] = f"{t['generated']}: {report.get('generated_at', '')}"
    names = [*report["rooms"].values(), t["total"]]
    _results_header(ws, names, lang)
    row = 5
    for indicator, entry in _seed_rows(ws, report, catalog, lang):
        row = ws.max_row + 1
        ws.cell(row=row, column=1, value=label(indicator, catalog, lang))
        ws.cell(row=row, column=2, value=row_unit(entry, lang))
        for i, column in enumerate(columns(report)):
            value, target = cell(entry, column)
            share = progress(value, target)
            base = 3 + 3 * i
            ws.cell(row=row, column=base, value=value)
            ws.cell(row=row, column=base + 1, value=target)
            pct = ws.cell(
                row=row, column=base + 2, value=None if share is None else round(share, 4)
            )
            pct.number_format = "0%"
        row += 1
        if "respondents" in entry:
            row = _respondents_row(ws, row, entry, report, lang)
        if entry.get("staff_entered"):  # under a staff figure: "ingevoerd <date> door <name>"
            ws.cell(row=row, column=1, value=f"  {texts(lang)['entered']}")
            for i, column in enumerate(columns(report)):
                ws.cell(row=row, column=3 + 3 * i, value=entered_mark(entry, column))
    last = ws.max_row
    # types-openpyxl leaves the rule helpers untyped: hence the ignores below.
    for i in range(len(names)):
        letter = get_column_letter(5 + 3 * i)
        area = f"{letter}5:{letter}{last}"
        ws.conditional_formatting.add(
            area,
            DataBarRule(  # type: ignore[no-untyped-call]
                start_type="num", start_value=0, end_type="num", end_value=1, color="5B9BD5"
            ),
        )
        ws.conditional_formatting.add(
            area,
            CellIsRule(  # type: ignore[no-untyped-call]
                operator="greaterThanOrEqual", formula=["1"], fill=GREEN
            ),
        )
        # An empty cell (no target) is no shortfall: only numbers below half are red.
        first = f"{letter}5"
        ws.conditional_formatting.add(
            area,
            FormulaRule(  # type: ignore[no-untyped-call]
                formula=[f"AND(ISNUMBER({first}),{first}<0.5)"], fill=RED
            ),
        )
    ws.freeze_panes = "C5"
    align_right(ws, first_row=4, first_col=3)  # figures, targets and their headings line up
    note = ws.cell(
        row=last + 2,
        column=1,
        value="– " + texts(lang)["to_enter"] + ": " + texts(lang)["not_counted_reason"],
    )
    note.font = Font(italic=True)


def _results_header(ws: Worksheet, names: list[str], lang: str) -> None:
    """Row 3: each room's name over its three columns; row 4: what each column holds, so
    result, target and % can be told apart as in the seed's table."""
    t = texts(lang)
    sub = [t["result"].capitalize(), t["target"].capitalize(), "%"]
    header_row(ws, 4, [t["indicator"], t["unit"], *sub * len(names)])
    for col in (1, 2):
        ws.cell(row=3, column=col).fill = HEAD_FILL
    for i, name in enumerate(names):
        band(ws, 3, 3 + 3 * i, 5 + 3 * i, name)
    column_widths(ws, {1: 50, 2: 10})
    for i in range(len(names)):
        column_widths(ws, {3 + 3 * i: 11, 4 + 3 * i: 13, 5 + 3 * i: 7})


def _seed_rows(
    ws: Worksheet, report: Report, catalog: Catalog | None, lang: str
) -> Iterator[tuple[str, IndicatorEntry]]:
    """The indicators in the seed's order; appends section headings and the rows the kiosk
    cannot count (a dash, the seed's target and the reason) on the way."""
    for section, rows in sections(report, catalog):
        ws.cell(row=ws.max_row + 1, column=1, value=section).font = BOLD
        for row in rows:
            if isinstance(row, tuple):
                at = ws.max_row + 1
                ws.cell(row=at, column=1, value=row[2])
                ws.cell(row=at, column=2, value=row[3])
                for i, column in enumerate(columns(report)):
                    text = not_counted_cell(row, column, lang)
                    ws.cell(row=at, column=3 + 3 * i, value="–")
                    ws.cell(
                        row=at,
                        column=4 + 3 * i,
                        value=text.partition(" / ")[2] or _short_reason(text, lang),
                    )
            else:
                yield row, report["indicators"][row]


def _short_reason(text: str, lang: str) -> str:
    """The total column of a row the kiosk cannot count: a word that fits the printed cell;
    the full reason stands once under the table (see _results)."""
    return texts(lang)["to_enter"] if text.startswith("– (") else text


def _respondents_row(
    ws: Worksheet, row: int, entry: IndicatorEntry, report: Report, lang: str
) -> int:
    """Under a survey percentage: the people it rests on, and "indicatief" below 20."""
    t = texts(lang)
    ws.cell(row=row, column=1, value=f"  n ({t['people']})")
    ws.cell(row=row, column=2, value=t["people"])
    for i, column in enumerate(columns(report)):
        n, indicative = respondents(entry, column)
        ws.cell(row=row, column=3 + 3 * i, value=n)
        if indicative:
            ws.cell(row=row, column=4 + 3 * i, value=t["indicative"])
    return row + 1


def _freshness(ws: Worksheet, report: Report, lang: str) -> None:
    t = texts(lang)
    ws["A1"] = t["freshness"]
    ws["A1"].font = TITLE
    ws["A2"] = f"{t['generated']}: {report.get('generated_at', '')}"
    header_row(
        ws, 4, [t["room"], "last seq", t["last_event"], t["last_bundle"], t["lag"], t["stale"]]
    )
    row = 5
    for room, name in report["rooms"].items():
        sync, info = room_sync(report, room), room_freshness(report, room)
        values = [
            name,
            sync.get("last_seq"),
            sync.get("last_event_at"),
            sync.get("last_bundle_at"),
            info.get("lag_hours"),
            t["yes"] if info.get("stale") else t["no"],
        ]
        for col, v in enumerate(values, start=1):
            ws.cell(row=row, column=col, value=v)
        if info.get("stale"):
            ws.cell(row=row, column=6).fill = RED
        row += 1
    column_widths(ws, {1: 22, 2: 10, 3: 27, 4: 27, 5: 16, 6: 14})


def _explain(ws: Worksheet, report: Report, catalog: Catalog | None, lang: str) -> None:
    t = texts(lang)
    ws["A1"] = t["explanation"]
    ws["A1"].font = TITLE
    header_row(ws, 3, ["id", t["indicator"], t["unit"], t["explanation"]])
    row = 4
    for indicator, entry in report["indicators"].items():
        for col, v in enumerate(
            [
                indicator,
                label(indicator, catalog, lang),
                unit_label(entry["unit"], lang),
                explanation(indicator, entry),
            ],
            start=1,
        ):
            ws.cell(row=row, column=col, value=v).alignment = Alignment(
                wrap_text=True, vertical="top"
            )
        row += 1
    notes = [
        *(
            i18n.st("nl", EXPLAINED, key)
            for key in ("sheet_targets", "sheet_unique", "sheet_walk_in")
        ),
        _rate_note(report.get("volunteer_value", {})),
        *_budget_notes(report, lang),
    ]
    for i, note in enumerate(notes, start=row + 1):
        ws.cell(row=i, column=1, value=note)
    column_widths(ws, {1: 22, 2: 46, 3: 10, 4: 80})


def _rate_note(value: VolunteerValue) -> str:
    """What the Toelichting says of the rate: the year's own, or the warning."""
    warning = value.get("warning")
    if warning:
        return warning
    return i18n.st("nl", EXPLAINED, "sheet_rate")


def _budget_notes(report: Report, lang: str) -> list[str]:
    """How the begroting is counted, and the ZZP rate's warning."""
    value = report.get("volunteer_value", {})
    if not value.get("begroting"):
        return []
    return [
        f"{texts(lang)['financing']}: {texts(lang)['budget_how']}",
        *([warning] if (warning := value.get("zzp_warning")) else []),
    ]


def to_xlsx(report: Report, catalog: Catalog | None = None, lang: str = "nl") -> bytes:
    names = tuple(texts(lang)[f"sheet_{sheet}"] for sheet in SHEETS)
    wb = Workbook()
    results = cast(Worksheet, wb.active)  # a new workbook has one sheet, a worksheet
    results.title = names[0]
    _results(results, report, catalog, lang)
    volunteers_sheet(wb.create_sheet(names[1]), report, lang)
    handgeld_sheet(wb.create_sheet(names[2]), report, lang)
    _freshness(wb.create_sheet(names[3]), report, lang)
    _explain(wb.create_sheet(names[4]), report, catalog, lang)
    header_rows = dict(zip(names, [(3, 4), (4, 4), (4, 4), (4, 4), (3, 3)]))
    for ws in wb.worksheets:  # every sheet, also one added later, prints one page wide
        wrap_what_would_be_cut(ws, first_row=2)
        fit_row_heights(ws)
        print_setup(ws, header_rows=header_rows.get(ws.title))
    wb[names[1]].page_setup.fitToHeight = 1  # the hours and the financing table on one page
    wb.properties.title = f"{texts(lang)['title']} {report['year']}"
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()
