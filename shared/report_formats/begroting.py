"""The populaire begroting in the seed's layout (section 7), shared by md, html, xlsx and csv.

Rows: the financers (received / planned), the total formal budget, residents' and
professionals' hours and their value, the total volunteer investment and the total
populaire begroting; columns: the rooms and the total. A report without the
``begroting`` key (one made before it existed) renders none of it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import cast

from shared.report_formats import columns, euro, number, texts
from shared.report_types import BudgetLine, Report, VolunteerValue

# The seed's order after the financers' rows (shared.begroting.LINES).
LINE_ORDER = (
    "formal_budget",
    "resident_hours",
    "resident_value",
    "professional_hours",
    "professional_value",
    "volunteer_total",
    "popular_total",
)
TOTAL_LINES = ("formal_budget", "volunteer_total", "popular_total")  # printed bold


def budget_rows(report: Report) -> list[tuple[str, BudgetLine]]:
    """(row key, line) in the seed's order: "financing.<id>" for a financer, else the line."""
    section = report.get("volunteer_value", {}).get("begroting")
    if not section:
        return []
    rows = [(f"financing.{fid}", line) for fid, line in section.get("financing", {}).items()]
    lines = cast(Mapping[str, BudgetLine], section)  # under LINE_ORDER's keys: lines
    return rows + [(key, lines[key]) for key in LINE_ORDER if key in section]


def row_label(key: str, line: BudgetLine, lang: str = "nl") -> str:
    return line.get("label", key) if key.startswith("financing.") else texts(lang)[key]


def amount(line: BudgetLine, value: float | None, lang: str = "nl") -> str:
    """Euros as "€ 1.234,50", hours as "1.234,5"; a dash for nothing."""
    return euro(value, lang) if line["unit"] == "euro" else number(value, lang)


def realised(line: BudgetLine, column: str) -> float | None:
    return line["total"] if column == "total" else line["rooms"].get(column)


def budget_cell(line: BudgetLine, column: str, lang: str = "nl") -> str:
    """ "€ 50.000,00 / € 54.500,00 (ingevoerd 2017-03-01 door Anna)": received / planned."""
    text = (
        f"{amount(line, realised(line, column), lang)} / "
        f"{amount(line, line['planned'].get(column), lang)}"
    )
    note = line.get("notes", {}).get(column)
    return f"{text} ({note})" if note else text


def zzp_line(value: VolunteerValue, lang: str = "nl") -> str:
    """ "ZZP-tarief per uur (medewerkers): € 35,00 (tarief van 2017)"."""
    t = texts(lang)
    text = f"{t['zzp_rate']}: {euro(value.get('zzp_rate'), lang)}"
    if value.get("zzp_rate_year") is not None:
        text += f" ({t['rate_of']} {value['zzp_rate_year']})"
    return text


def budget_markdown(report: Report, lang: str = "nl") -> list[str]:
    rows = budget_rows(report)
    if not rows:
        return []
    t, value = texts(lang), report["volunteer_value"]
    names = [*report["rooms"].values(), t["total"]]
    lines = ["", f"### {t['financing']}", "", zzp_line(value, lang), ""]
    if value.get("zzp_warning"):
        lines += [f"> ⚠ {value['zzp_warning']}", ""]
    lines += [
        t["financing_cells"],
        "",
        "| " + " | ".join([t["financer"], *names]) + " |",
        "|---|" + "---:|" * len(names),
    ]
    for key, line in rows:
        name = row_label(key, line, lang)  # not bold: "| **" opens a section in this report
        cells = [budget_cell(line, column, lang) for column in columns(report)]
        lines.append("| " + " | ".join([name, *cells]) + " |")
    return lines


def budget_csv_rows(report: Report, names: dict[str, str], lang: str = "nl") -> list[list[object]]:
    """CSV rows (the report's CSV_HEADER): indicator "begroting_<line>" or
    "begroting_financiering_<financer>", value = received or counted, target = planned,
    note = what the figure rests on, or the rate's warning."""
    value = report.get("volunteer_value", {})
    out: list[list[object]] = []
    for key, line in budget_rows(report):
        indicator = "begroting_" + key.replace("financing.", "financiering_")
        warning = {
            "resident_value": value.get("warning"),
            "professional_value": value.get("zzp_warning"),
        }.get(key)
        for column in columns(report):
            got, planned = realised(line, column), line["planned"].get(column)
            share = None if got is None or not planned else round(100 * got / planned, 1)
            note = "; ".join(n for n in (line.get("notes", {}).get(column), warning) if n)
            out.append(
                [
                    report["year"],
                    indicator,
                    row_label(key, line, lang),
                    line["unit"],
                    column,
                    names[column],
                    "" if got is None else got,
                    "" if planned is None else planned,
                    "" if share is None else share,
                    "",
                    "",
                    note,
                ]
            )
    return out
