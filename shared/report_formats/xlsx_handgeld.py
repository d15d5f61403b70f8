"""The xlsx report's Handgeld sheet: petty cash per room and month by category against the
monthly cap and budget line, then the year per room against the yearly budget line, and
what each category letter means. Kept apart from xlsx.py, which assembles the workbook.
"""

from __future__ import annotations

from openpyxl.worksheet.worksheet import Worksheet

from shared.report_formats import handgeld_rows, handgeld_year_rows, texts
from shared.report_formats.xlsx_layout import BOLD, EURO, RED, TITLE, column_widths, header_row
from shared.report_types import Report


def handgeld_sheet(ws: Worksheet, report: Report, lang: str) -> None:
    t = texts(lang)
    section = report.get("handgeld", {"categories": {}, "monthly_cap": None, "rooms": {}})
    cats = list(section["categories"]) or list("ABCDEF")
    ws["A1"] = f"{t['handgeld']} {report['year']}"
    ws["A1"].font = TITLE
    ws["A2"], ws["B2"] = t["cap"], section.get("monthly_cap")
    ws["B2"].number_format = EURO
    ws["C2"], ws["D2"] = t["budget_line"], section.get("monthly_budget")
    ws["D2"].number_format = EURO
    header_row(
        ws,
        4,
        [
            t["room"],
            t["month"],
            *cats,
            t["spent"],
            t["cap"],
            t["over_cap"],
            t["budget_line"],
            t["over_budget"],
        ],
    )
    row = 5
    for item in handgeld_rows(report):
        values = [
            report["rooms"].get(item["room"], item["room"]),
            item["month"],
            *(item[c] for c in cats),
            item["spent"],
            item["cap"],
            t["yes"] if item["over_cap"] else t["no"],
            item["budget"],
            t["yes"] if item["over_budget"] else t["no"],
        ]
        for col, v in enumerate(values, start=1):
            c = ws.cell(row=row, column=col, value=v)
            if 3 <= col <= 4 + len(cats) or col == 6 + len(cats):
                c.number_format = EURO
        if item["over_cap"]:
            ws.cell(row=row, column=3 + len(cats)).fill = RED
        row += 1
    if row == 5:
        ws.cell(row=5, column=1, value=t["none"])
        row = 6
    row = _handgeld_year(ws, row + 1, report, lang)
    note = row + 1
    for i, (code, text) in enumerate(section["categories"].items()):
        ws.cell(row=note + i, column=1, value=code).font = BOLD
        ws.cell(row=note + i, column=2, value=text)
    column_widths(ws, {1: 22, 2: 12, **{c: 12 for c in range(3, 8 + len(cats))}})


def _handgeld_year(ws: Worksheet, row: int, report: Report, lang: str) -> int:
    """The year per room against the yearly budget line and twelve monthly caps."""
    t = texts(lang)
    years = handgeld_year_rows(report)
    if not years:
        return row
    ws.cell(row=row, column=1, value=t["handgeld_year"]).font = BOLD
    header_row(
        ws,
        row + 1,
        [
            t["room"],
            t["spent"],
            t["budget_line"],
            t["cap"],
            t["over_budget"],
            t["over_cap"],
            t["months_over_budget"],
            t["months_over_cap"],
        ],
    )
    row += 2
    for item in years:
        values = [
            item["name"],
            item["spent"],
            item["budget"],
            item["cap"],
            t["yes"] if item["over_budget"] else t["no"],
            t["yes"] if item["over_cap"] else t["no"],
            item["months_over_budget"],
            item["months_over_cap"],
        ]
        for col, v in enumerate(values, start=1):
            c = ws.cell(row=row, column=col, value=v)
            if 2 <= col <= 4:
                c.number_format = EURO
        if item["over_budget"]:
            ws.cell(row=row, column=2).fill = RED
        row += 1
    return row
