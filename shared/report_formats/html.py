"""The yearly report as one self-contained, printable HTML file.

No remote assets: the style sheet is inline and the charts are inline SVG
(per indicator: each room's result against its target; per room: check-ins
and distinct visitors month by month). Every number in a table cell also
sits in ``data-value``/``data-target`` attributes, machine-readable. The
charts are drawn in html_charts.py.
"""

from __future__ import annotations

from collections.abc import Iterator

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
    progress,
    rate_line,
    respondents,
    room_freshness,
    room_sync,
    row_unit,
    shown,
    stale_rooms,
    target_words,
    texts,
    yes_no,
)
from shared.report_formats import escape_text as esc
from shared.report_formats.begroting import (
    TOTAL_LINES,
    budget_cell,
    budget_rows,
    realised,
    row_label,
    zzp_line,
)
from shared.report_formats.html_charts import BAR, LINE, TARGET, bar_chart, trend_chart
from shared.report_formats.seed_table import not_counted_cell, sections
from shared.report_types import IndicatorEntry, Report

STYLE = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,Arial,sans-serif;margin:2rem;color:#1d2733}
h1{margin-bottom:.2rem}h2{margin-top:2rem;border-bottom:2px solid #dde7f0;padding-bottom:.2rem}
.meta{color:#4a5a6a}table{border-collapse:collapse;margin:.5rem 0;font-size:.92rem}
th,td{border:1px solid #c9d3dd;padding:.25rem .5rem;text-align:right}
th:first-child,td:first-child,td.unit{text-align:left}thead th{background:#dde7f0}
tr.section th{text-align:left;background:#eef3f8}tr.not-counted td{color:#6a7a8a}
td.ok{background:#d9f2df}td.mid{background:#fff3cd}td.low{background:#f8d7da}
.charts{display:flex;flex-wrap:wrap;gap:1rem}.chart{break-inside:avoid}
.chart h3{font-size:.9rem;margin:.3rem 0}.stale{color:#a40000;font-weight:bold}
.legend span{display:inline-block;width:.8rem;height:.8rem;margin:0 .3rem 0 1rem}
@page{size:A4 landscape;margin:1cm 1cm 1.2cm 1.5cm}
@media print{body{margin:0;font-size:9pt}table{font-size:8.5pt;width:100%}
th,td{padding:.1rem .3rem}thead{display:table-header-group}tr,.chart{break-inside:avoid}
h2{break-after:avoid}#budget,#financing,#handgeld-year,#freshness{break-inside:avoid}
td.ok,td.mid,td.low,thead th,tr.section th{print-color-adjust:exact;-webkit-print-color-adjust:exact}}
"""  # noqa: E501  (the style sheet goes into the page as written)


def _level(share: float | None) -> str:
    if share is None:
        return ""
    return "ok" if share >= 1 else "mid" if share >= 0.5 else "low"


def _seed_rows(
    report: Report, catalog: Catalog | None, lang: str, width: int, out: list[str]
) -> Iterator[tuple[str, IndicatorEntry]]:
    """The indicators in the seed's order; writes section headings and the rows the kiosk
    cannot count into ``out`` on the way."""
    for section, rows in sections(report, catalog):
        out.append(f'<tr class="section"><th colspan="{width}">{esc(section)}</th></tr>')
        for row in rows:
            if isinstance(row, tuple):
                out.append(
                    f'<tr class="not-counted" data-row="{esc(row[0])}"><td>{esc(row[2])}'
                    f'</td><td class="unit">{esc(row[3])}</td>'
                    + "".join(
                        f"<td>{esc(not_counted_cell(row, c, lang))}</td>" for c in columns(report)
                    )
                    + "</tr>"
                )
            else:
                yield row, report["indicators"][row]


def _results_table(report: Report, catalog: Catalog | None, lang: str) -> list[str]:
    t = texts(lang)
    heads = [*report["rooms"].values(), t["total"]]
    out = [
        '<table id="results"><thead><tr>',
        f"<th>{esc(t['indicator'])}</th>",
        f"<th>{esc(t['unit'])}</th>",
        *(f"<th>{esc(h)}</th>" for h in heads),
        "</tr></thead><tbody>",
    ]
    width = len(heads) + 2
    for indicator, entry in _seed_rows(report, catalog, lang, width, out):
        out.append(
            f'<tr data-indicator="{esc(indicator)}"><td>{esc(label(indicator, catalog, lang))}'
            f'</td><td class="unit">{esc(row_unit(entry, lang))}</td>'
        )
        for column in columns(report):
            value, target = cell(entry, column)
            share = progress(value, target)
            text = shown(value, entry["unit"], lang)
            if target is not None:
                text += f" / {shown(target, entry['unit'], lang)}{target_words(entry, column)}"
            if share is not None:
                text += f" ({round(100 * share)}%)"
            note = cell_note(entry, column, lang)
            n, indicative = respondents(entry, column)
            extra = (
                "" if n is None else f' data-n="{n}" data-indicative="{str(indicative).lower()}"'
            )
            entered = entry.get("entries", {}).get(column) if entry.get("staff_entered") else None
            if entered:  # a figure staff entered: when and by whom, machine-readable too
                extra += f' data-entered="{esc(entered["date"])}" data-by="{esc(entered["by"])}"'
            out.append(
                f'<td class="{_level(share)}" data-room="{esc(column)}" '
                f'data-value="{"" if value is None else esc(value)}" '
                f'data-target="{"" if target is None else esc(target)}"{extra}>{esc(text)}'
                + (f'<br><small class="n">{esc(note)}</small>' if note else "")
                + "</td>"
            )
        out.append("</tr>")
    out.append("</tbody></table>")
    return out


def _how_counted(report: Report, catalog: Catalog | None, lang: str) -> list[str]:
    """Every figure says how it was counted."""
    out = [f"<h2>{texts(lang)['how_counted']}</h2>", '<dl id="how-counted">']
    for name, text in how_counted(report, catalog, lang):
        out.append(f"<dt>{esc(name)}</dt><dd>{esc(text)}</dd>")
    return out + ["</dl>"]


def _budget(report: Report, lang: str) -> list[str]:
    t = texts(lang)
    value = report.get("volunteer_value", {})
    hours = report["indicators"].get("vrijwilligersuren", NO_HOURS)
    out = [f"<h2>{esc(t['budget'])}</h2>", f'<p id="rate">{esc(rate_line(value, lang))}</p>']
    if value.get("warning"):
        out.append(f'<p class="stale" id="rate-warning">⚠ {esc(value["warning"])}</p>')
    out += [
        f'<table id="budget"><thead><tr><th>{esc(t["room"])}</th><th>{esc(t["hours"])}</th>'
        f"<th>{esc(t['value'])}</th></tr></thead><tbody>"
    ]
    rows = [(r, n) for r, n in report["rooms"].items()] + [("total", t["total"])]
    for room, name in rows:
        h = hours["total"] if room == "total" else hours["rooms"].get(room)
        v = value.get("total") if room == "total" else value.get("rooms", {}).get(room)
        out.append(
            f'<tr data-room="{esc(room)}" data-hours="{h}" data-value="{v}"><td>{esc(name)}'
            f"</td><td>{esc(number(h, lang))}</td><td>{esc(euro(v, lang))}</td></tr>"
        )
    out.append("</tbody></table>")
    return out + _financing(report, lang)


def _financing(report: Report, lang: str) -> list[str]:
    """The seed's section 7 table: received or counted / planned per room and in total;
    every figure also in data-value/data-planned, and what it rests on in data-note."""
    rows = budget_rows(report)
    if not rows:
        return []
    t, value = texts(lang), report["volunteer_value"]
    out = [f"<h3>{esc(t['financing'])}</h3>", f'<p id="zzp-rate">{esc(zzp_line(value, lang))}</p>']
    if value.get("zzp_warning"):
        out.append(f'<p class="stale" id="zzp-warning">⚠ {esc(value["zzp_warning"])}</p>')
    heads = "".join(f"<th>{esc(n)}</th>" for n in [*report["rooms"].values(), t["total"]])
    out += [
        f"<p>{esc(t['financing_cells'])}</p>",
        f'<table id="financing"><thead><tr><th>{esc(t["financer"])}</th>{heads}</tr>'
        "</thead><tbody>",
    ]
    for key, line in rows:
        name = esc(row_label(key, line, lang))
        name = f"<strong>{name}</strong>" if key in TOTAL_LINES else name
        cells = "".join(
            f'<td data-room="{esc(c)}" data-value="{_data(realised(line, c))}" '
            f'data-planned="{_data(line["planned"].get(c))}" '
            f'data-note="{esc(line.get("notes", {}).get(c, ""))}">'
            f"{esc(budget_cell(line, c, lang))}</td>"
            for c in columns(report)
        )
        out.append(
            f'<tr data-line="{esc(key)}" data-unit="{esc(line["unit"])}"><td>{name}</td>'
            f"{cells}</tr>"
        )
    return out + ["</tbody></table>"]


def _data(value: float | None) -> str:
    return "" if value is None else str(value)


def _handgeld(report: Report, lang: str) -> list[str]:
    t = texts(lang)
    section = report.get("handgeld", {"categories": {}, "monthly_cap": None, "rooms": {}})
    cats = list(section["categories"]) or list("ABCDEF")
    out = [
        f"<h2>{esc(t['handgeld'])}</h2>",
        f"<p>{esc(t['cap'])}: {esc(euro(section.get('monthly_cap'), lang))} / {esc(t['month'])}"
        f" (note 22); {esc(t['budget_line'])}: {esc(euro(section.get('monthly_budget'), lang))}"
        f" / {esc(t['month'])}. "
        + "; ".join(f"{esc(c)}: {esc(d)}" for c, d in section["categories"].items())
        + "</p>",
    ]
    rows = handgeld_rows(report)
    if not rows:
        return out + [f"<p>{esc(t['none'])}</p>"]
    heads = [t["room"], t["month"], *cats, t["spent"], t["over_budget"], t["over_cap"]]
    out.append(
        '<table id="handgeld"><thead><tr>'
        + "".join(f"<th>{esc(h)}</th>" for h in heads)
        + "</tr></thead><tbody>"
    )
    for row in rows:
        level = "low" if row["over_cap"] else "mid" if row["over_budget"] else ""
        out.append(
            f'<tr data-room="{esc(row["room"])}" data-month="{row["month"]}" '
            f'data-spent="{row["spent"]}" data-over-budget="{str(row["over_budget"]).lower()}" '
            f'data-over-cap="{str(row["over_cap"]).lower()}">'
            f"<td>{esc(report['rooms'].get(row['room'], row['room']))}"
            f"</td><td>{row['month']}</td>"
            + "".join(f"<td>{esc(euro(row[c], lang))}</td>" for c in cats)
            + f'<td class="{level}">{esc(euro(row["spent"], lang))}</td>'
            + f"<td>{esc(yes_no(row['over_budget'], lang))}</td>"
            + f"<td>{esc(yes_no(row['over_cap'], lang))}</td></tr>"
        )
    out.append("</tbody></table>")
    years = handgeld_year_rows(report)
    if years:
        out.append(f"<h3>{esc(t['handgeld_year'])}</h3>")
        out.append(
            '<table id="handgeld-year"><thead><tr>'
            + "".join(f"<th>{esc(h)}</th>" for h in handgeld_year_heads(report, lang))
            + "</tr></thead><tbody>"
        )
        for row in years:
            out.append(
                f'<tr data-room="{esc(row["room"])}" data-year-spent="{row["spent"]}">'
                + "".join(f"<td>{esc(c)}</td>" for c in handgeld_year_cells(row, lang))
                + "</tr>"
            )
        out.append("</tbody></table>")
    return out


def _freshness(report: Report, lang: str) -> list[str]:
    t = texts(lang)
    out = [
        f"<h2>{esc(t['freshness'])}</h2>",
        '<table id="freshness"><thead><tr>'
        + "".join(
            f"<th>{esc(h)}</th>"
            for h in [t["room"], t["last_event"], t["last_bundle"], t["lag"], t["stale"]]
        )
        + "</tr></thead><tbody>",
    ]
    for room, name in report["rooms"].items():
        sync, info = room_sync(report, room), room_freshness(report, room)
        stale = info.get("stale")
        out.append(
            f'<tr data-room="{esc(room)}"><td>{esc(name)}</td>'
            f"<td>{esc(sync.get('last_event_at') or '–')}</td>"
            f"<td>{esc(sync.get('last_bundle_at') or '–')}</td>"
            f"<td>{esc(number(info.get('lag_hours'), lang))}</td>"
            f'<td class="{"stale" if stale else ""}">{esc(t["yes"] if stale else t["no"])}'
            "</td></tr>"
        )
    out.append("</tbody></table>")
    return out


def to_html(report: Report, catalog: Catalog | None = None, lang: str = "nl") -> str:
    t = texts(lang)
    title = f"{t['title']} {report['year']}"
    body = [
        f"<h1>{esc(title)}</h1>",
        f'<p class="meta">{esc(t["year"])}: <span id="year">{report["year"]}</span> · '
        f'{esc(t["generated"])}: <span id="generated">{esc(report.get("generated_at", ""))}'
        "</span> · " + ", ".join(esc(n) for n in report["rooms"].values()) + "</p>",
    ]
    stale = stale_rooms(report)
    if stale:
        body.append(f'<p class="stale">{esc(t["stale"])}: {esc(", ".join(stale))}</p>')
    body += [f"<h2>{esc(t['title'])}</h2>", *_results_table(report, catalog, lang)]
    body.append(
        '<p class="legend">'
        + f'<span style="background:{BAR}"></span>'
        + t["result"]
        + f'<span style="background:{TARGET};width:.2rem"></span>'
        + t["goal"]
        + "</p>"
    )
    body.append(
        '<div class="charts">'
        + "".join(
            bar_chart(i, e, report, catalog, lang)
            for i, e in report["indicators"].items()
            if e["unit"] not in ("percent", "judgement")
            or e["unit"] == "percent"
            and any(v is not None for v in e["rooms"].values())
        )
        + "</div>"
    )
    trends = report.get("trends")
    if trends:
        body.append(f"<h2>{esc(t['trends'])}</h2>")
        body.append(
            '<p class="legend">'
            + f'<span style="background:{BAR}"></span>{esc(t["checkins"])}'
            + f'<span style="background:{LINE}"></span>{esc(t["visitors"])}</p>'
        )
        body.append(
            '<div class="charts">'
            + "".join(
                trend_chart(report["rooms"].get(r, r), s, trends["months"], lang)
                for r, s in trends["rooms"].items()
            )
            + "</div>"
        )
    body += _how_counted(report, catalog, lang)
    body += _budget(report, lang) + _handgeld(report, lang) + _freshness(report, lang)
    return (
        "<!DOCTYPE html>\n"
        f'<html lang="{esc(lang)}"><head><meta charset="utf-8">'
        f"<title>{esc(title)}</title><style>{STYLE}</style></head><body>\n"
        + "\n".join(body)
        + "\n</body></html>\n"
    )
