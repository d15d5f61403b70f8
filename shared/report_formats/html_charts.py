"""The HTML report's inline SVG charts: per indicator, horizontal bars of each room's result
with a tick at its target; per room, check-ins per month as bars and distinct visitors as a
line. Plain strings, no remote assets, so the page stays one self-contained file; the colours
are shared with the page's legends.
"""

from __future__ import annotations

from shared.catalog import Catalog
from shared.report_formats import cell, label, number, row_unit
from shared.report_formats import escape_text as esc
from shared.report_types import Cell, IndicatorEntry, Report, RoomTrend

BAR, TARGET, LINE = "#5b9bd5", "#1d2733", "#e07b39"


def _amount(value: Cell) -> float:
    """A bar's length: 0 without a figure. Bars are drawn for numeric rows only (``to_html``
    leaves judgements out), so text here is a mistake and fails as loudly as before."""
    if isinstance(value, str):
        raise TypeError(f"a bar for the text {value!r}")
    return value or 0


def bar_chart(
    indicator: str, entry: IndicatorEntry, report: Report, catalog: Catalog | None, lang: str
) -> str:
    """Horizontal bars: each room's value, a dark tick at its target."""
    rooms = list(report["rooms"])
    pairs = [cell(entry, r) for r in rooms]
    top = max([1.0, *(_amount(v) for v, _ in pairs), *(_amount(tg) for _, tg in pairs)])
    width, left, row_h = 360, 120, 22
    height = row_h * len(rooms) + 8
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'role="img" aria-label="{esc(label(indicator, catalog, lang))}">'
    ]
    scale = (width - left - 50) / top
    for i, (room, (value, target)) in enumerate(zip(rooms, pairs)):
        y = 4 + i * row_h
        parts.append(f'<text x="0" y="{y + 14}" font-size="11">{esc(report["rooms"][room])}</text>')
        parts.append(
            f'<rect x="{left}" y="{y + 3}" width="{_amount(value) * scale:.1f}" '
            f'height="{row_h - 8}" fill="{BAR}"/>'
        )
        if target:
            x = left + _amount(target) * scale
            parts.append(
                f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{y}" y2="{y + row_h - 2}" '
                f'stroke="{TARGET}" stroke-width="2"/>'
            )
        end = left + max(_amount(value), _amount(target)) * scale + 4
        parts.append(
            f'<text x="{end:.1f}" y="{y + 14}" font-size="10">{esc(number(value, lang))}</text>'
        )
    parts.append("</svg>")
    return (
        f'<div class="chart"><h3>{esc(label(indicator, catalog, lang))} '
        f"({esc(row_unit(entry, lang))})</h3>{''.join(parts)}</div>"
    )


def trend_chart(name: str, series: RoomTrend, months: list[str], lang: str) -> str:
    """Bars: check-ins per month; line: distinct visitors."""
    width, height, pad = 360, 140, 24
    checkins, visitors = series["checkins"], series["visitors"]
    top = max([1, *checkins, *visitors])
    step = (width - 2 * pad) / len(months)
    scale = (height - 2 * pad) / top
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'role="img" aria-label="{esc(name)}">',
        f'<line x1="{pad}" x2="{width - pad}" y1="{height - pad}" y2="{height - pad}" '
        f'stroke="#888"/>',
    ]
    points = []
    for i, month in enumerate(months):
        x = pad + i * step
        h = checkins[i] * scale
        parts.append(
            f'<rect x="{x + 2:.1f}" y="{height - pad - h:.1f}" width="{step - 4:.1f}" '
            f'height="{h:.1f}" fill="{BAR}"><title>{month}: {checkins[i]}</title></rect>'
        )
        parts.append(
            f'<text x="{x + step / 2:.1f}" y="{height - 8}" font-size="9" '
            f'text-anchor="middle">{month[5:]}</text>'
        )
        points.append(f"{x + step / 2:.1f},{height - pad - visitors[i] * scale:.1f}")
    parts.append(
        f'<polyline points="{" ".join(points)}" fill="none" stroke="{LINE}" '
        f'stroke-width="2" data-checkins="{" ".join(map(str, checkins))}" '
        f'data-visitors="{" ".join(map(str, visitors))}"/>'
    )
    parts.append(f'<text x="{pad}" y="12" font-size="10">max {number(top, lang)}</text></svg>')
    return f'<div class="chart"><h3>{esc(name)}</h3>{"".join(parts)}</div>'
