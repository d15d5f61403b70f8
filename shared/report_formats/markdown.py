"""The yearly report as Markdown: the seed's table, how each figure is counted, the
populaire begroting and petty cash, with the numbers of the json report."""

from __future__ import annotations

from shared.catalog import Catalog
from shared.report_formats import (
    NO_HOURS,
    cell,
    cell_note,
    columns,
    euro,
    handgeld_rows,
    handgeld_year_cells,
    handgeld_year_heads,
    handgeld_year_rows,
    how_counted,
    label,
    number,
    rate_line,
    row_unit,
    shown,
    target_words,
    texts,
    yes_no,
)
from shared.report_formats.seed_table import not_counted_cell, sections
from shared.report_types import IndicatorEntry, Report


def _md_cell(entry: IndicatorEntry, column: str, lang: str) -> str:
    value, target = cell(entry, column)
    text = shown(value, entry["unit"], lang)
    if target is not None:
        text += f" / {shown(target, entry['unit'], lang)}{target_words(entry, column)}"
    note = cell_note(entry, column, lang)
    return f"{text} ({note})" if note else text


def to_markdown(report: Report, catalog: Catalog | None = None, lang: str = "nl") -> str:
    t = texts(lang)
    names = [*report["rooms"].values(), t["total"]]
    lines = [
        f"# {t['title']} {report['year']}",
        "",
        f"{t['generated']}: {report.get('generated_at', '')}. {t['cells_legend']}",
        "",
        "| " + " | ".join([t["indicator"], t["unit"], *names]) + " |",
        "|" + "---|" * 2 + "---:|" * len(names),
    ]
    for heading, seed_rows in sections(report, catalog):
        lines.append(f"| **{heading}** |" + " |" * (len(names) + 1))
        for seed_row in seed_rows:
            if isinstance(seed_row, tuple):  # a row of the seed's table the kiosk cannot count
                cells = [not_counted_cell(seed_row, c, lang) for c in columns(report)]
                lines.append("| " + " | ".join([seed_row[2], seed_row[3], *cells]) + " |")
                continue
            entry = report["indicators"][seed_row]
            cells = [_md_cell(entry, c, lang) for c in columns(report)]
            lines.append(
                "| "
                + " | ".join([label(seed_row, catalog, lang), row_unit(entry, lang), *cells])
                + " |"
            )
    lines += ["", f"## {t['how_counted']}", ""]
    lines += [f"- **{name}**: {text}" for name, text in how_counted(report, catalog, lang)]
    value = report.get("volunteer_value", {})
    hours = report["indicators"].get("vrijwilligersuren", NO_HOURS)
    lines += ["", f"## {t['budget']}", "", rate_line(value, lang), ""]
    if value.get("warning"):
        lines += [f"> ⚠ {value['warning']}", ""]
    lines += [f"| {t['room']} | {t['hours']} | {t['value']} |", "|---|---:|---:|"]
    for room, name in report["rooms"].items():
        lines.append(
            f"| {name} | {number(hours['rooms'].get(room), lang)} | "
            f"{euro((value.get('rooms') or {}).get(room), lang)} |"
        )
    lines.append(
        f"| {t['total']} | {number(hours['total'], lang)} | {euro(value.get('total'), lang)} |"
    )
    from shared.report_formats.begroting import budget_markdown

    lines += budget_markdown(report, lang)
    section = report.get("handgeld", {"categories": {}, "monthly_cap": 0})
    cats = list(section["categories"]) or list("ABCDEF")
    lines += [
        "",
        f"## {t['handgeld']} ({t['cap']} {euro(section.get('monthly_cap'), lang)}, "
        f"{t['budget_line']} {euro(section.get('monthly_budget'), lang)})",
        "",
    ]
    rows = handgeld_rows(report) if "rooms" in section else []
    if rows:
        heads = [t["room"], t["month"], *cats, t["spent"], t["over_budget"], t["over_cap"]]
        lines += ["| " + " | ".join(heads) + " |", "|---|---|" + "---:|" * (len(cats) + 3)]
        for row in rows:
            flag = " ⚠" if row["over_cap"] else ""
            lines.append(
                "| "
                + " | ".join(
                    [
                        report["rooms"][row["room"]],
                        row["month"],
                        *(euro(row[c], lang) for c in cats),
                        euro(row["spent"], lang) + flag,
                        yes_no(row["over_budget"], lang),
                        yes_no(row["over_cap"], lang),
                    ]
                )
                + " |"
            )
    else:
        lines.append(t["none"])
    years = handgeld_year_rows(report)
    if years:
        lines += [
            "",
            f"### {t['handgeld_year']}",
            "",
            "| " + " | ".join(handgeld_year_heads(report, lang)) + " |",
            "|---|" + "---:|" * 7,
        ]
        for row in years:
            lines.append("| " + " | ".join(handgeld_year_cells(row, lang)) + " |")
    return "\n".join(lines) + "\n"
