"""The populaire begroting of the seed's section 7, per room and in total.

Every line has the same shape (``Line``): the realised figure per room and in total,
the plan (the catalog), and a note per column saying what a figure rests on. Resident
hours come from the kiosk's closed volunteer shifts; the kiosk cannot tell a paid
professional from a resident volunteer (a volunteer is a visitor code with the volunteer
role, nothing more), so professionals' hours and the amounts received from each financer
are figures staff enter. A sum lacks what has not been entered yet, and says so.
Totals are summed unrounded and rounded once.
"""

from __future__ import annotations

import sqlite3
from typing import cast

from shared.budget_catalog import PROFESSIONAL_HOURS, received_figure
from shared.catalog import Catalog
from shared.report_types import Begroting, BudgetExtras
from shared.report_types import BudgetLine as Line  # the shape of every line
from shared.staff_figures import NOT_ALL_ROOMS, NOT_ENTERED, Recorded, entered_words, latest

TOTAL = "total"
NO_RATE = "geen tarief"
# The lines in the seed's order (after the financers' rows); the keys of "begroting".
LINES = (
    "formal_budget",
    "resident_hours",
    "resident_value",
    "professional_hours",
    "professional_value",
    "volunteer_total",
    "popular_total",
)


def _line(
    unit: str,
    rooms: list[str],
    real: dict[str, float | None],
    planned: dict[str, float | None],
    notes: dict[str, str],
) -> Line:
    """A line from unrounded figures: each rounded once, the totals from unrounded sums."""
    known = [v for r in rooms if (v := real.get(r)) is not None]  # floats for mypy, no ignore
    plans = [v for r in rooms if (v := planned.get(r)) is not None]
    return {
        "unit": unit,
        "rooms": {r: _round(real.get(r)) for r in rooms},
        "total": _round(sum(known)) if known else None,
        "planned": {
            **{r: _round(planned.get(r)) for r in rooms},
            TOTAL: _round(sum(plans)) if plans else None,
        },
        "notes": {k: v for k, v in notes.items() if v},
    }


def _round(value: float | None) -> float | None:
    return None if value is None else round(float(value), 2)


def _times(values: dict[str, float | None], rate: float | None) -> dict[str, float | None]:
    return {r: None if v is None or rate is None else v * rate for r, v in values.items()}


def _sum(
    parts: list[tuple[dict[str, float | None], str]], rooms: list[str]
) -> tuple[dict[str, float | None], dict[str, str]]:
    """Per room the sum of the parts that are known, and a note naming those that are not."""
    values: dict[str, float | None] = {}
    notes: dict[str, str] = {}
    for room in rooms:
        known = [v for p, _ in parts if (v := p.get(room)) is not None]
        missing = [name for p, name in parts if p.get(room) is None]
        values[room] = sum(known) if known else None
        if missing and known:
            notes[room] = "zonder " + "; ".join(missing)
    return values, notes


def _total_note(notes: dict[str, str], rooms: list[str]) -> dict[str, str]:
    """A total that lacks part of a room says so."""
    if any(notes.get(r) for r in rooms):
        return {**notes, TOTAL: "zonder wat bij een ruimte ontbreekt"}
    return notes


def _entered(
    found: dict[tuple[str, str], Recorded], figure: str, rooms: list[str]
) -> tuple[dict[str, float | None], dict[str, str]]:
    """A staff-entered figure per room, with its "ingevoerd … door …" mark or the reason."""
    values: dict[str, float | None] = {}
    notes = {}
    for room in rooms:
        got = found.get((figure, room))
        value = got.value if got and isinstance(got.value, (int, float)) else None
        values[room] = None if value is None else float(value)
        notes[room] = (
            entered_words(got.at[:10], got.by) if value is not None and got else NOT_ENTERED
        )
    entered = sum(v is not None for v in values.values())
    if entered < len(rooms):
        notes[TOTAL] = NOT_ALL_ROOMS if entered else NOT_ENTERED
    return values, notes


def zzp_warning(year: int, rate: float | None, rate_year: int | None) -> str | None:
    """Plain Dutch words when professionals' hours are not valued at the year's ZZP rate."""
    if rate_year == year:
        return None
    if rate is None:
        return (
            f"Let op: de catalogus heeft geen ZZP-tarief per uur voor {year} of eerder; "
            "de uren van medewerkers zijn niet gewaardeerd."
        )
    amount = f"{rate:.2f}".replace(".", ",")
    return (
        f"Let op: de catalogus heeft geen ZZP-tarief per uur voor {year}; de uren van "
        f"medewerkers zijn gewaardeerd tegen het tarief van {rate_year} (€ {amount})."
    )


def popular_budget(
    conn: sqlite3.Connection, catalog: Catalog, year: int, resident_hours: dict[str, float]
) -> BudgetExtras:
    """The keys the populaire begroting adds to the report's ``volunteer_value``."""
    rooms = list(resident_hours)
    plan = catalog.budget.budget_for(year)
    wml = catalog.rate_for(year)
    zzp, zzp_year = catalog.budget.zzp_rate_for(year), catalog.budget.zzp_rate_year_for(year)
    found = latest(conn, year)
    planned_hours = catalog.targets_for(year).get("vrijwilligersuren", {})
    lines: dict[str, Line] = {}

    resident: dict[str, float | None] = {r: resident_hours[r] for r in rooms}
    resident_plan: dict[str, float | None] = {r: planned_hours.get(r) for r in rooms}
    lines["resident_hours"] = _line("hours", rooms, resident, resident_plan, {})
    no_wml = {r: NO_RATE for r in (*rooms, TOTAL)} if wml is None else {}
    resident_value = _times(resident, wml)
    lines["resident_value"] = _line(
        "euro", rooms, resident_value, _times(resident_plan, wml), no_wml
    )

    prof, prof_notes = _entered(found, PROFESSIONAL_HOURS, rooms)
    prof_plan: dict[str, float | None] = {r: plan.professional_hours.get(r) for r in rooms}
    lines["professional_hours"] = _line("hours", rooms, prof, prof_plan, prof_notes)
    prof_value = _times(prof, zzp)
    value_notes = {r: NO_RATE for r in (*rooms, TOTAL)} if zzp is None else prof_notes
    lines["professional_value"] = _line(
        "euro", rooms, prof_value, _times(prof_plan, zzp), value_notes
    )

    volunteers, notes = _sum(
        [
            (resident_value, "bewonersuren: geen tarief"),
            (prof_value, "medewerkersuren: nog niet ingevoerd"),
        ],
        rooms,
    )
    volunteers_plan, _ = _sum(
        [(_times(resident_plan, wml), ""), (_times(prof_plan, zzp), "")], rooms
    )
    lines["volunteer_total"] = _line(
        "euro", rooms, volunteers, volunteers_plan, _total_note(notes, rooms)
    )

    financing: dict[str, Line] = {}
    received: list[tuple[dict[str, float | None], str]] = []
    for financer in catalog.budget.financers.values():
        got, got_notes = _entered(found, received_figure(financer.id), rooms)
        planned = plan.financing.get(financer.id, {})
        financing[financer.id] = {
            **_line("euro", rooms, got, {r: planned.get(r) for r in rooms}, got_notes),
            "label": financer.label,
        }
        received.append((got, financer.label))
    formal, formal_notes = _received(received, rooms)
    formal_plan = {r: plan.formal.get(r, _planned_sum(plan.financing, r)) for r in rooms}
    lines["formal_budget"] = _line("euro", rooms, formal, formal_plan, formal_notes)

    popular, notes = _sum(
        [(volunteers, "vrijwilligersuren"), (formal, "financiering: nog niet ingevoerd")], rooms
    )
    popular_plan, _ = _sum([(volunteers_plan, ""), (formal_plan, "")], rooms)
    lines["popular_total"] = _line("euro", rooms, popular, popular_plan, _total_note(notes, rooms))
    return {
        "zzp_rate": zzp,
        "zzp_rate_year": zzp_year,
        "zzp_warning": zzp_warning(year, zzp, zzp_year),
        # The lines under their LINES keys (mypy cannot follow the comprehension).
        "begroting": cast(
            Begroting, {"financing": financing, **{key: lines[key] for key in LINES}}
        ),
    }


def _planned_sum(financing: dict[str, dict[str, float]], room: str) -> float | None:
    amounts = [per_room[room] for per_room in financing.values() if room in per_room]
    return sum(amounts) if amounts else None


def _received(
    received: list[tuple[dict[str, float | None], str]], rooms: list[str]
) -> tuple[dict[str, float | None], dict[str, str]]:
    """The formal budget received per room: the sum of what staff entered per financer."""
    values: dict[str, float | None] = {}
    notes = {}
    for room in rooms:
        known = [v for got, _ in received if (v := got.get(room)) is not None]
        values[room] = sum(known) if known else None
        if not known:
            notes[room] = NOT_ENTERED
        elif len(known) < len(received):
            notes[room] = f"{len(known)} van {len(received)} financiers ingevoerd"
    return values, _total_note(notes, rooms) if any(v is not None for v in values.values()) else {
        **notes,
        TOTAL: NOT_ENTERED,
    }
