"""The xlsx report's Vrijwilligers sheet: the residents' volunteer hours and their value per
room, and below them the populaire begroting (the seed's section 7 financing table), with
what each figure rests on. Kept apart from xlsx.py, which assembles the workbook, because
this sheet is its own table with its own rules for missing and entered figures.
"""

from __future__ import annotations

from openpyxl.styles import Alignment, Font
from openpyxl.worksheet.worksheet import Worksheet

from shared.report_formats import NO_HOURS, columns, texts
from shared.report_formats.begroting import TOTAL_LINES, budget_rows, realised, row_label
from shared.report_formats.xlsx_layout import (
    BOLD,
    EURO,
    HEAD_FILL,
    TITLE,
    band,
    column_widths,
    header_row,
)
from shared.report_types import Report

RIGHT_WRAPPED = Alignment(horizontal="right", vertical="top", wrap_text=True)


def volunteers_sheet(ws: Worksheet, report: Report, lang: str) -> None:
    t = texts(lang)
    value = report.get("volunteer_value", {})
    hours = report["indicators"].get("vrijwilligersuren", NO_HOURS)
    ws["A1"] = f"{t['budget']} {report['year']}"
    ws["A1"].font = TITLE
    ws["A2"], ws["B2"] = t["rate"], value.get("hourly_rate")
    ws["B2"].number_format = EURO
    if value.get("rate_year") is not None:
        ws["C2"] = f"{t['rate_of']} {value['rate_year']}"
    if value.get("warning"):
        ws["A3"] = f"⚠ {value['warning']}"
        ws["A3"].font = Font(bold=True, color="A40000")
        # a paragraph as wide as the hours' table, not the wider financing table below
        ws.merge_cells("A3:C3")
        ws["A3"].alignment = Alignment(wrap_text=True, vertical="top")
    header_row(ws, 4, [t["room"], t["hours"], t["value"]])
    row = 5
    for room, name in report["rooms"].items():
        ws.cell(row=row, column=1, value=name)
        ws.cell(row=row, column=2, value=hours["rooms"].get(room))
        ws.cell(row=row, column=3, value=value.get("rooms", {}).get(room)).number_format = EURO
        row += 1
    ws.cell(row=row, column=1, value=t["total"]).font = BOLD
    ws.cell(row=row, column=2, value=hours["total"]).font = BOLD
    total = ws.cell(row=row, column=3, value=value.get("total"))
    total.font, total.number_format = BOLD, EURO
    column_widths(ws, {1: 26, 2: 18, 3: 16})
    _financing(ws, report, row + 2, lang)


def _financing(ws: Worksheet, report: Report, row: int, lang: str) -> None:
    """The seed's section 7 table below the hours: per room and in total two columns,
    received or counted, and planned. A figure not there shows what it lacks; under a
    line with figures, a row says what they rest on ("ingevoerd … door …")."""
    rows = budget_rows(report)
    if not rows:
        return
    t, value = texts(lang), report["volunteer_value"]
    ws.cell(row=row, column=1, value=t["financing"]).font = BOLD
    ws.cell(row=row + 1, column=1, value=t["zzp_rate"])
    ws.cell(row=row + 1, column=2, value=value.get("zzp_rate")).number_format = EURO
    if value.get("zzp_rate_year") is not None:
        ws.cell(row=row + 1, column=3, value=f"{t['rate_of']} {value['zzp_rate_year']}")
    row += 2
    if value.get("zzp_warning"):
        warning = ws.cell(row=row, column=1, value=f"⚠ {value['zzp_warning']}")
        warning.font = Font(bold=True, color="A40000")
        row += 1
    names = [*report["rooms"].values(), t["total"]]
    ws.cell(row=row, column=1).fill = HEAD_FILL
    for i, name in enumerate(names):
        band(ws, row, 2 + 2 * i, 3 + 2 * i, name)
    header_row(ws, row + 1, [t["financer"], *[t["received"], t["planned"]] * len(names)])
    row += 2
    first = row
    for key, line in rows:
        ws.cell(row=row, column=1, value=row_label(key, line, lang))
        notes = line.get("notes", {})
        for i, column in enumerate(columns(report)):
            got = realised(line, column)
            shown = ws.cell(
                row=row, column=2 + 2 * i, value=notes.get(column, "–") if got is None else got
            )
            planned = ws.cell(row=row, column=3 + 2 * i, value=line["planned"].get(column))
            if got is None:  # what it lacks, where the figure would stand
                shown.alignment = RIGHT_WRAPPED
            if line["unit"] == "euro":
                shown.number_format = planned.number_format = EURO
            if key in TOTAL_LINES:
                shown.font = planned.font = BOLD
        if key in TOTAL_LINES:
            ws.cell(row=row, column=1).font = BOLD
        row += 1
        if any(realised(line, c) is not None and notes.get(c) for c in columns(report)):
            ws.cell(row=row, column=1, value=f"  {t['entered_or_note']}")
            for i, column in enumerate(columns(report)):
                if realised(line, column) is not None and notes.get(column):
                    ws.cell(row=row, column=2 + 2 * i, value=notes[column])
            row += 1
    column_widths(ws, {1: 34, **{c: 13 for c in range(2, 2 + 2 * len(names))}})
    for col in range(2, 2 + 2 * len(names)):  # headings over figures line up with them
        ws.cell(row=first - 1, column=col).alignment = RIGHT_WRAPPED
