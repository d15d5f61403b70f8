"""The yearly report as an Excel workbook (openpyxl), for the funders.

Sheets: the results table (value, target and progress per room and in
total, with data bars), volunteer hours and their value (the "populaire
begroting"), petty cash per month against the cap, the freshness of every
room's data and an explanation of each indicator. Numbers are stored as
numbers (no formulas), so every program shows them without recalculating.
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
    NO_HOURS,
    cell,
    columns,
    explanation,
    handgeld_rows,
    handgeld_year_rows,
    label,
    progress,
    respondents,
    room_freshness,
    room_sync,
    row_unit,
    texts,
    unit_label,
)
from shared.report_formats.begroting import TOTAL_LINES, budget_rows, realised, row_label
from shared.report_formats.seed_table import not_counted_cell, sections
from shared.report_formats.xlsx_layout import (
    BOLD,
    HEAD_FILL,
    align_right,
    band,
    fit_row_heights,
    print_setup,
    wrap_what_would_be_cut,
)
from shared.report_types import IndicatorEntry, Report, VolunteerValue
from shared.staff_figures import entered_mark

TITLE = Font(bold=True, size=14)
GREEN = PatternFill("solid", fgColor="C6EFCE")
RED = PatternFill("solid", fgColor="FFC7CE")
EURO = '"€" #,##0.00'
RIGHT_WRAPPED = Alignment(horizontal="right", vertical="top", wrap_text=True)
SHEETS = ("results", "volunteers", "handgeld", "freshness", "explanation")  # sheet_* texts


def _header(ws: Worksheet, row: int, values: list[str]) -> None:
    for col, value in enumerate(values, start=1):
        c = ws.cell(row=row, column=col, value=value)
        c.font, c.fill = BOLD, HEAD_FILL
        c.alignment = Alignment(wrap_text=True, vertical="top")


def _widths(ws: Worksheet, widths: dict[int, float]) -> None:
    for col, width in widths.items():
        ws.column_dimensions[get_column_letter(col)].width = width


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
    _header(ws, 4, [t["indicator"], t["unit"], *sub * len(names)])
    for col in (1, 2):
        ws.cell(row=3, column=col).fill = HEAD_FILL
    for i, name in enumerate(names):
        band(ws, 3, 3 + 3 * i, 5 + 3 * i, name)
    _widths(ws, {1: 50, 2: 10})
    for i in range(len(names)):
        _widths(ws, {3 + 3 * i: 11, 4 + 3 * i: 13, 5 + 3 * i: 7})


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


def _volunteers(ws: Worksheet, report: Report, lang: str) -> None:
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
    _header(ws, 4, [t["room"], t["hours"], t["value"]])
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
    _widths(ws, {1: 26, 2: 18, 3: 16})
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
    _header(ws, row + 1, [t["financer"], *[t["received"], t["planned"]] * len(names)])
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
    _widths(ws, {1: 34, **{c: 13 for c in range(2, 2 + 2 * len(names))}})
    for col in range(2, 2 + 2 * len(names)):  # headings over figures line up with them
        ws.cell(row=first - 1, column=col).alignment = RIGHT_WRAPPED


def _handgeld(ws: Worksheet, report: Report, lang: str) -> None:
    t = texts(lang)
    section = report.get("handgeld", {"categories": {}, "monthly_cap": None, "rooms": {}})
    cats = list(section["categories"]) or list("ABCDEF")
    ws["A1"] = f"{t['handgeld']} {report['year']}"
    ws["A1"].font = TITLE
    ws["A2"], ws["B2"] = t["cap"], section.get("monthly_cap")
    ws["B2"].number_format = EURO
    ws["C2"], ws["D2"] = t["budget_line"], section.get("monthly_budget")
    ws["D2"].number_format = EURO
    _header(
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
    _widths(ws, {1: 22, 2: 12, **{c: 12 for c in range(3, 8 + len(cats))}})


def _handgeld_year(ws: Worksheet, row: int, report: Report, lang: str) -> int:
    """The year per room against the yearly budget line and twelve monthly caps."""
    t = texts(lang)
    years = handgeld_year_rows(report)
    if not years:
        return row
    ws.cell(row=row, column=1, value=t["handgeld_year"]).font = BOLD
    _header(
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


def _freshness(ws: Worksheet, report: Report, lang: str) -> None:
    t = texts(lang)
    ws["A1"] = t["freshness"]
    ws["A1"].font = TITLE
    ws["A2"] = f"{t['generated']}: {report.get('generated_at', '')}"
    _header(ws, 4, [t["room"], "last seq", t["last_event"], t["last_bundle"], t["lag"], t["stale"]])
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
    _widths(ws, {1: 22, 2: 10, 3: 27, 4: 27, 5: 16, 6: 14})


def _explain(ws: Worksheet, report: Report, catalog: Catalog | None, lang: str) -> None:
    t = texts(lang)
    ws["A1"] = t["explanation"]
    ws["A1"].font = TITLE
    _header(ws, 3, ["id", t["indicator"], t["unit"], t["explanation"]])
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
    _widths(ws, {1: 22, 2: 46, 3: 10, 4: 80})


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
    _volunteers(wb.create_sheet(names[1]), report, lang)
    _handgeld(wb.create_sheet(names[2]), report, lang)
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
