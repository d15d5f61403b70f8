"""The yearly report as json, csv, markdown, xlsx and self-contained html.

json and csv are here with the helpers every format shares; markdown.py, html.py
and xlsx.py hold the others. The report's shape: ``shared.report_types.Report``.

Every renderer takes the one report dict (``shared.trends.staff_report`` or
``shared.report.build_report``) and only formats it: no database, no Textual,
so every format carries exactly the numbers of the json report.
"""

from __future__ import annotations

import csv
import io
import json
import math
from html import escape
from typing import Any, cast

from shared import i18n
from shared.catalog import Catalog
from shared.report_types import (
    Cell,
    IndicatorEntry,
    Report,
    RoomFreshness,
    SyncEntry,
    VolunteerValue,
)
from shared.staff_figures import entered_mark

FORMATS = ("json", "csv", "md", "xlsx", "html")
BINARY_FORMATS = ("xlsx",)

# Every text is in shared/data/i18n/<lang>.toml: the tables [report], [report_units],
# [report_labels] and [report_explanations] (Dutch only).
EXPLAINED = "report_explanations"


def texts(lang: str) -> dict[str, str]:
    """The report's texts in ``lang``, Dutch for any it lacks."""
    return i18n.texts(lang, "report")


# What the budget tables read when a report has no hours row (a hand-made report).
NO_HOURS: IndicatorEntry = {"unit": "hours", "rooms": {}, "total": 0}


def label(indicator: str, catalog: Catalog | None, lang: str = "nl") -> str:
    if catalog and indicator in catalog.activities:
        return catalog.activities[indicator].funder_label(lang)
    if catalog and indicator in catalog.staff_figures:
        return catalog.staff_figures[indicator].label
    if indicator in i18n.section(i18n.DEFAULT_LANG, "report_labels"):
        return i18n.st(lang, "report_labels", indicator)
    return indicator


def explanation(indicator: str, entry: IndicatorEntry) -> str:
    if entry.get("staff_entered"):
        note = (
            i18n.st("nl", EXPLAINED, "staff_target", note=entry["target_note"])
            if entry.get("target_note")
            else ""
        )
        return i18n.st("nl", EXPLAINED, "staff_entered") + note
    if indicator == "actieve_vrijwilligers" and "min_hours" in entry:
        return i18n.st(
            "nl",
            EXPLAINED,
            "active_volunteers_hours",
            min_hours=number(entry["min_hours"]),
            with_shift=number(entry.get("with_shift", {}).get("total")),
        )
    explained = i18n.section("nl", EXPLAINED)
    return explained.get(indicator) or explained.get(f"activity_{entry['unit']}", "")


def unit_label(unit: str, lang: str = "nl") -> str:
    return i18n.texts(lang, "report_units").get(unit, unit)


def how_counted(report: Report, catalog: Catalog | None, lang: str = "nl") -> list[tuple[str, str]]:
    """(row label, how it is counted) for every row; the staff-entered rows together."""
    out, staff = [], []
    for indicator, entry in report["indicators"].items():
        if entry.get("staff_entered"):
            note = f" ({entry['target_note']})" if entry.get("target_note") else ""
            staff.append(label(indicator, catalog, lang) + note)
        elif explanation(indicator, entry):
            out.append((label(indicator, catalog, lang), explanation(indicator, entry)))
    if staff:
        out.append(
            (
                texts(lang)["entered_by_staff"] + ": " + "; ".join(staff),
                i18n.st("nl", EXPLAINED, "staff_entered"),
            )
        )
    if report.get("volunteer_value", {}).get("begroting"):
        out.append((texts(lang)["financing"], texts(lang)["budget_how"]))
    return out


def row_unit(entry: IndicatorEntry, lang: str = "nl") -> str:
    """The unit column of a row: the seed's own word for staff-entered rows."""
    return entry.get("seed_unit") or unit_label(entry["unit"], lang)


def cell_note(entry: IndicatorEntry, column: str, lang: str = "nl") -> str:
    """What a cell rests on: "n=12, indicatief" under a survey percentage, "ingevoerd
    2017-03-01 door Anna" (or why there is no figure) under a staff-entered one."""
    if entry.get("staff_entered"):
        return entered_mark(entry, column)
    return survey_note(entry, column, lang)


def room_sync(report: Report, room: str) -> SyncEntry | dict[str, Any]:
    """A room's ``sync`` entry; {} when the report has none for it."""
    return report.get("sync", {}).get(room, {})


def room_freshness(report: Report, room: str) -> RoomFreshness | dict[str, Any]:
    """A room's ``freshness`` entry; {} in a report without freshness (build_report's)."""
    fresh = report.get("freshness")
    return {} if fresh is None else fresh["rooms"].get(room, {})


def stale_rooms(report: Report) -> list[str]:
    """The names of the rooms silent for more than two days."""
    fresh = report.get("freshness")
    return [
        report["rooms"][r]
        for r, i in (fresh["rooms"] if fresh else {}).items()
        if i.get("stale") and r in report["rooms"]
    ]


def columns(report: Report) -> list[str]:
    """The room ids in report order, then "total"."""
    return [*report["rooms"], "total"]


def cell(entry: IndicatorEntry, column: str) -> tuple[Cell, Cell]:
    """(value, target) of one indicator in one room or the total."""
    value = entry["total"] if column == "total" else entry["rooms"].get(column)
    return value, entry.get("targets", {}).get(column)


def respondents(entry: IndicatorEntry, column: str) -> tuple[int | None, bool]:
    """(people a survey percentage rests on, indicative?); (None, False) for other rows."""
    people = entry.get("respondents")
    if people is None:
        return None, False
    return people.get(column, 0), bool(entry.get("indicative", {}).get(column))


def survey_note(entry: IndicatorEntry, column: str, lang: str = "nl") -> str:
    """ "n=12, indicatief" under a survey percentage; "" for other rows."""
    n, indicative = respondents(entry, column)
    if n is None:
        return ""
    return f"n={n}" + (f", {texts(lang)['indicative']}" if indicative else "")


def progress(value: Cell, target: Cell) -> float | None:
    """Value as a fraction of the target (None without a target or value)."""
    if value is None or not target or isinstance(value, str) or isinstance(target, str):
        return None
    return value / target


def number(value: Cell, lang: str = "nl", empty: str = "–") -> str:
    """A number for people: 10.000 and 3,5 in Dutch, 10,000 and 3.5 in English."""
    if value is None:
        return empty
    if isinstance(value, str):  # a staff judgement ("positief")
        return value
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = f"{value:,}" if isinstance(value, int) else f"{value:,.2f}".rstrip("0").rstrip(".")
    if lang == "nl":
        text = text.replace(",", "\0").replace(".", ",").replace("\0", ".")
    return text


def rate_line(value: VolunteerValue, lang: str = "nl") -> str:
    """ "Tarief per uur (WML): € 8,96 (tarief van 2017)"."""
    t = texts(lang)
    text = f"{t['rate']}: {euro(value.get('hourly_rate'), lang)}"
    if value.get("rate_year") is not None:
        text += f" ({t['rate_of']} {value['rate_year']})"
    return text


def euro(value: float | None, lang: str = "nl") -> str:
    if value is None:
        return "–"
    text = f"{value:,.2f}"
    if lang == "nl":
        text = text.replace(",", "\0").replace(".", ",").replace("\0", ".")
    return f"€ {text}"


# --- json and csv ----------------------------------------------------------
def finite(value: object) -> object:
    """The report with every number that is not finite (NaN, infinity) as None: JSON has
    no such numbers, and no renderer can draw them. Checked records cannot produce one;
    this holds for whatever was stored before the checks existed."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {key: finite(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [finite(item) for item in value]
    return value


def to_json(report: Report, catalog: Catalog | None = None, lang: str = "nl") -> str:
    return json.dumps(finite(report), ensure_ascii=False, indent=2, allow_nan=False) + "\n"


CSV_HEADER = [
    "year",
    "indicator",
    "label",
    "unit",
    "room",
    "room_name",
    "value",
    "target",
    "percent_of_target",
    "n",
    "indicative",
    "note",
]


def to_csv(report: Report, catalog: Catalog | None = None, lang: str = "nl") -> str:
    """One row per indicator and room (and "total"), machine-readable numbers."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_HEADER)
    names = {**report["rooms"], "total": texts(lang)["total"]}
    for indicator, entry in report["indicators"].items():
        for column in columns(report):
            value, target = cell(entry, column)
            share = progress(value, target)
            n, indicative = respondents(entry, column)
            note = entered_mark(entry, column) if entry.get("staff_entered") else ""
            writer.writerow(
                [
                    report["year"],
                    indicator,
                    entry.get("label") or label(indicator, catalog, lang),
                    entry["unit"],
                    column,
                    names[column],
                    "" if value is None else value,
                    "" if target is None else target,
                    "" if share is None else round(100 * share, 1),
                    "" if n is None else n,
                    "yes" if indicative else "",
                    note,
                ]
            )
    worth = report.get("volunteer_value")
    if worth:  # the populaire begroting: the hours' value, with any warning on the rate
        for column in columns(report):
            amount = worth.get("total") if column == "total" else worth["rooms"].get(column)
            writer.writerow(
                [
                    report["year"],
                    "vrijwilligerswaarde",
                    texts(lang)["value_label"],
                    "euro",
                    column,
                    names[column],
                    "" if amount is None else amount,
                    "",
                    "",
                    "",
                    "",
                    worth.get("warning") or "",
                ]
            )
    from shared.report_formats.begroting import budget_csv_rows

    writer.writerows(budget_csv_rows(report, names, lang))  # the seed's section 7, new rows
    return out.getvalue()


# --- helpers of the markdown and html tables (markdown.py, html.py) ----------
def shown(value: Cell, unit: str, lang: str = "nl") -> str:
    """A number with "%" for percentages: 12, 4,5, 50%."""
    text = number(value, lang)
    return f"{text}%" if unit == "percent" and value is not None else text


def target_words(entry: IndicatorEntry, column: str) -> str:
    """Words the seed adds to a room's target ("op 20"), after the number."""
    return f" {entry['target_note']}" if entry.get("target_note") and column != "total" else ""


def yes_no(value: bool, lang: str = "nl") -> str:
    return texts(lang)["yes"] if value else texts(lang)["no"]


def handgeld_rows(report: Report) -> list[dict[str, Any]]:
    """Month rows (room, month, A..F, spent, cap, over_cap, budget, over_budget)."""
    from shared.trends import handgeld_table

    section = report["handgeld"]
    budget = section.get("monthly_budget")
    rows = []
    for row in handgeld_table(report):
        entry = section["rooms"][row["room"]][row["month"]]
        over = entry.get("over_budget", budget is not None and row["spent"] > budget)
        rows.append({**row, "budget": budget, "over_budget": over})
    return rows


def handgeld_year_rows(report: Report) -> list[dict[str, Any]]:
    """Per room, the year's spending against the yearly budget line and twelve caps."""
    section = report.get("handgeld", {})
    return [
        {"room": room, "name": report["rooms"].get(room, room), **entry}
        for room, entry in section.get("year", {}).items()
    ]


def handgeld_year_heads(report: Report, lang: str) -> list[str]:
    t = texts(lang)
    section = report["handgeld"]
    return [
        t["room"],
        t["spent"],
        f"{t['budget_line']} {euro(section.get('yearly_budget'), lang)}",
        f"{t['cap']} 12 × {euro(section.get('monthly_cap'), lang)}",
        t["over_budget"],
        t["over_cap"],
        t["months_over_budget"],
        t["months_over_cap"],
    ]


def handgeld_year_cells(row: dict[str, Any], lang: str) -> list[str]:
    return [
        row["name"],
        euro(row["spent"], lang),
        euro(row["budget"], lang),
        euro(row["cap"], lang),
        yes_no(row["over_budget"], lang),
        yes_no(row["over_cap"], lang),
        str(row["months_over_budget"]),
        str(row["months_over_cap"]),
    ]


# --- dispatch --------------------------------------------------------------
def render(
    report: Report, fmt: str, catalog: Catalog | None = None, lang: str = "nl"
) -> str | bytes:
    """The report in ``fmt``: text for json/csv/md/html, bytes for xlsx."""
    report = cast(Report, finite(report))  # the same shape, non-finite numbers as None
    if fmt == "json":
        return to_json(report)
    if fmt == "csv":
        return to_csv(report, catalog, lang)
    if fmt == "md":
        from shared.report_formats.markdown import to_markdown

        return to_markdown(report, catalog, lang)
    if fmt == "xlsx":
        from shared.report_formats.xlsx import to_xlsx

        return to_xlsx(report, catalog, lang)
    if fmt == "html":
        from shared.report_formats.html import to_html

        return to_html(report, catalog, lang)
    raise ValueError(f"unknown report format {fmt!r} (choose from {', '.join(FORMATS)})")


def escape_text(value: object) -> str:
    return escape(str(value), quote=True)
