"""The funders' indicators for a year, per room and in total.

The same functions run on a room database and on the central copy. Voided
events never count; years are local (Europe/Amsterdam) years, which the
``at`` text carries in its first ten characters. "Unique" counts a visitor
code once: per room, and once across rooms in the total.
"""

from __future__ import annotations

import json
import math
import sqlite3
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field

from shared.catalog import INDICATOR_UNITS, Catalog
from shared.clock import year_bounds
from shared.report_types import (
    Cell,
    Handgeld,
    HandgeldMonth,
    HandgeldYear,
    IndicatorEntry,
    VolunteerValue,
)

NOT_VOIDED = "NOT EXISTS (SELECT 1 FROM voided v WHERE v.event_id = e.id)"
# Check-ins, jobs and shifts come from the tallies projection (shared.tallies),
# which already leaves voided events out.
# The year's distinct (activity, room, visitor) participations; one fetch, then
# Python sets (cheaper here than four COUNT(DISTINCT) passes in SQLite).
SELECT_PARTICIPATIONS = (
    "SELECT activity, room, visitor FROM tallies "
    "WHERE year = ? AND kind = 'checkin' AND visitor != '' AND n > 0"
)
SELECT_ANONYMOUS = (
    "SELECT room, activity, n FROM tallies WHERE year = ? AND kind = 'checkin' AND visitor = ''"
)
SELECT_JOBS = "SELECT room, activity, n FROM tallies WHERE year = ? AND kind = 'job_done'"
SELECT_SHIFTS = (
    "SELECT room, visitor, amount FROM tallies WHERE year = ? AND kind = 'shift_ended' AND n > 0"
)
SELECT_KEY_HOLDER_CHANGES = (
    "SELECT e.room, e.visitor, e.kind FROM events e "
    "WHERE (e.kind = 'key_holder_added' OR e.kind = 'key_holder_removed') "  # partial index (m010)
    f"AND e.at < ? AND {NOT_VOIDED} ORDER BY e.room, e.seq"
)
SELECT_REGISTRATIONS = (
    "SELECT e.room, e.visitor, e.payload FROM events e WHERE e.kind = 'visitor_registered' "
    f"AND e.at >= ? AND e.at < ? AND {NOT_VOIDED}"
)
SELECT_SURVEY = (
    "SELECT e.room, e.visitor, e.id, e.payload FROM events e WHERE e.kind = 'survey_answered' "
    f"AND e.at >= ? AND e.at < ? AND {NOT_VOIDED} ORDER BY e.at, e.room, e.seq"
)
SELECT_EXPENSES = (
    "SELECT e.room, substr(e.at, 1, 7), e.payload FROM events e WHERE e.kind = 'cash_expense' "
    f"AND e.at >= ? AND e.at < ? AND {NOT_VOIDED}"
)
SELECT_ROOMS_WITH_EVENTS = "SELECT DISTINCT room FROM tallies WHERE year = ? AND n != 0"
POSITIVE_ANSWER = 3
# Below this many people a survey percentage is shown as indicative only.
SURVEY_MIN_PEOPLE = 20


@dataclass(frozen=True)
class YearFigures:
    """Raw figures of one year; ``indicators`` turns them into the report shape."""

    year: int
    rooms: tuple[str, ...]
    unique: dict[str, dict[str, int]]  # activity -> room -> distinct visitors
    unique_total: dict[str, int]  # activity -> distinct visitors over the rooms
    people: dict[str, int]  # room -> distinct visitors over all activities
    people_total: int  # distinct visitors over rooms and activities
    jobs: dict[str, dict[str, int]]  # activity -> room -> jobs done
    anonymous: dict[str, dict[str, int]]  # room -> activity -> anonymous check-ins
    hours: dict[str, float]  # room -> volunteer hours
    volunteers: dict[str, set[str]]  # room -> volunteer codes with a shift
    key_holders: dict[str, int]  # room -> key holders at the end of the year
    new_residents: dict[str, set[str]]
    referred_by_wpi: dict[str, set[str]]
    # question -> room -> person -> positive?, each person's latest answer in the year
    # (in that room); anonymous answers cannot be told apart and count one person each.
    survey: dict[str, dict[str, dict[str, bool]]]
    survey_total: dict[str, dict[str, bool]]  # question -> person -> latest answer over rooms
    survey_answers: dict[str, dict[str, int]]  # question -> room -> answers given
    handgeld: dict[str, dict[str, dict[str, int]]]  # room -> "YYYY-MM" -> category -> cents
    # room -> volunteer code -> hours of closed shifts in the year
    volunteer_hours: dict[str, dict[str, float]] = field(default_factory=dict)


def _plain(conn: sqlite3.Connection) -> sqlite3.Cursor:
    """A cursor that returns plain tuples: several times cheaper than sqlite3.Row here."""
    cursor = conn.cursor()
    cursor.row_factory = None
    return cursor


def rooms_in_year(conn: sqlite3.Connection | sqlite3.Cursor, year: int) -> list[str]:
    return sorted(r[0] for r in conn.execute(SELECT_ROOMS_WITH_EVENTS, (year,)))


def collect(conn: sqlite3.Connection, year: int, rooms: list[str] | None = None) -> YearFigures:
    """Read one year's figures with one pass per kind of event."""
    start, end = year_bounds(year)
    plain = _plain(conn)
    if rooms is None:
        rooms = rooms_in_year(plain, year)
    keep = set(rooms)
    by_activity_room: defaultdict[tuple[str, str], set[str]] = defaultdict(set)
    by_activity: defaultdict[str, set[str]] = defaultdict(set)
    by_room: defaultdict[str, set[str]] = defaultdict(set)
    for activity, room, visitor in plain.execute(SELECT_PARTICIPATIONS, (year,)):
        if room in keep:
            by_activity_room[activity, room].add(visitor)
            by_activity[activity].add(visitor)
            by_room[room].add(visitor)
    unique: defaultdict[str, dict[str, int]] = defaultdict(dict)
    for (activity, room), visitors in by_activity_room.items():
        unique[activity][room] = len(visitors)
    unique_total = {activity: len(visitors) for activity, visitors in by_activity.items()}
    people = {room: len(visitors) for room, visitors in by_room.items()}
    people_total = len(set().union(*by_room.values()))
    jobs: defaultdict[str, dict[str, int]] = defaultdict(dict)
    for room, activity, count in plain.execute(SELECT_JOBS, (year,)):
        if room in keep and count:
            jobs[activity][room] = count
    anonymous: defaultdict[str, dict[str, int]] = defaultdict(dict)
    for room, activity, count in plain.execute(SELECT_ANONYMOUS, (year,)):
        if room in keep and count:
            anonymous[room][activity] = count
    hours: defaultdict[str, float] = defaultdict(float)
    volunteers: defaultdict[str, set[str]] = defaultdict(set)
    volunteer_hours: defaultdict[str, defaultdict[str, float]] = defaultdict(
        lambda: defaultdict(float)
    )
    for room, visitor, amount in plain.execute(SELECT_SHIFTS, (year,)):
        if room in keep and _finite(amount):
            hours[room] += amount
            volunteers[room].add(visitor)
            volunteer_hours[room][visitor] += amount
    holders: defaultdict[str, dict[str, bool]] = defaultdict(dict)
    for room, visitor, kind in plain.execute(SELECT_KEY_HOLDER_CHANGES, (end,)):
        holders[room][visitor] = kind == "key_holder_added"
    new_residents: defaultdict[str, set[str]] = defaultdict(set)
    referred: defaultdict[str, set[str]] = defaultdict(set)
    for room, visitor, payload in plain.execute(SELECT_REGISTRATIONS, (start, end)):
        answers = _object(payload)
        if room in keep and answers.get("new_in_area") is True:
            new_residents[room].add(visitor)
        if room in keep and answers.get("heard_via") == "benefits_agency":
            referred[room].add(visitor)
    survey: defaultdict[str, dict[str, dict[str, bool]]] = defaultdict(lambda: defaultdict(dict))
    survey_total: defaultdict[str, dict[str, bool]] = defaultdict(dict)
    survey_answers: defaultdict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for room, visitor, event_id, payload in plain.execute(SELECT_SURVEY, (start, end)):
        answer = _object(payload)
        if room in keep:
            question = answer.get("question")
            question = question if type(question) is str else "?"
            person = visitor or f"anonymous:{event_id}"
            positive = answer.get("answer") == POSITIVE_ANSWER
            survey[question][room][person] = positive  # in time order: the latest stays
            survey_total[question][person] = positive
            survey_answers[question][room] += 1
    handgeld: defaultdict[str, dict[str, dict[str, int]]] = defaultdict(
        lambda: defaultdict(lambda: defaultdict(int))
    )
    for room, month, payload in plain.execute(SELECT_EXPENSES, (start, end)):
        expense = _object(payload)
        cents, category = expense.get("cents", 0), expense.get("category")
        if room in keep and type(cents) is int and abs(cents) < 2**53:
            handgeld[room][month][category if type(category) is str else "?"] += cents
    return YearFigures(
        year,
        tuple(rooms),
        unique,
        unique_total,
        people,
        people_total,
        jobs,
        anonymous,
        hours,
        volunteers,
        {room: sum(holders.get(room, {}).values()) for room in rooms},
        new_residents,
        referred,
        survey,
        survey_total,
        survey_answers,
        handgeld,
        {room: dict(by_visitor) for room, by_visitor in volunteer_hours.items()},
    )


def _object(payload: str) -> dict[str, object]:
    """A stored payload as a dict; anything else (stored before records were checked at
    the boundary) counts as empty, so no stored text can break a report."""
    try:
        value = json.loads(payload)
    except (ValueError, RecursionError, TypeError):
        return {}
    return value if type(value) is dict else {}


def _finite(value: object) -> bool:
    return (type(value) is int or type(value) is float) and math.isfinite(value)


def _indicator(
    unit: str,
    per_room: Mapping[str, Cell],
    total: Cell,
    targets: dict[str, int] | None,
    rooms: tuple[str, ...],
) -> IndicatorEntry:
    entry: IndicatorEntry = {
        "unit": unit,
        "rooms": {room: per_room.get(room, 0) for room in rooms},
        "total": total,
    }
    room_targets = {r: targets[r] for r in rooms if targets and r in targets}
    if room_targets:
        entry["targets"] = {**room_targets, "total": sum(room_targets.values())}
    return entry


def _percent(answered: int, positive: int) -> float | None:
    return round(100 * positive / answered, 1) if answered else None


def indicators(figures: YearFigures, catalog: Catalog) -> dict[str, IndicatorEntry]:
    """The report's "indicators" object: one entry per indicator id."""
    rooms = figures.rooms
    targets = catalog.targets_for(figures.year)
    out: dict[str, IndicatorEntry] = {}
    for activity in catalog.activities.values():
        if activity.unit == "jobs":
            per_room = figures.jobs.get(activity.id, {})
            total = sum(per_room.get(r, 0) for r in rooms)
        else:
            per_room = figures.unique.get(activity.id, {})
            total = figures.unique_total.get(activity.id, 0)
        out[activity.id] = _indicator(
            activity.unit, per_room, total, targets.get(activity.id), rooms
        )
    out["totaal_uniek"] = _indicator(
        "unique", figures.people, figures.people_total, targets.get("totaal_uniek"), rooms
    )
    hours = {r: round(figures.hours.get(r, 0.0), 2) for r in rooms}
    total_hours = round(sum(figures.hours.get(r, 0.0) for r in rooms), 2)  # round once
    out["vrijwilligersuren"] = _indicator(
        "hours", hours, total_hours, targets.get("vrijwilligersuren"), rooms
    )
    # "Actieve vrijwilligers (gem. 250 uren/jaar)": volunteers with at least N hours.
    least = catalog.active_min_hours
    active = {
        r: sum(h >= least - 1e-9 for h in figures.volunteer_hours.get(r, {}).values())
        for r in rooms
    }
    out["actieve_vrijwilligers"] = _indicator(
        "count", active, sum(active.values()), targets.get("actieve_vrijwilligers"), rooms
    )
    out["actieve_vrijwilligers"]["min_hours"] = least
    with_shift = {r: len(figures.volunteers.get(r, ())) for r in rooms}
    out["actieve_vrijwilligers"]["with_shift"] = {**with_shift, "total": sum(with_shift.values())}
    out["sleutelbeheerders"] = _indicator(
        "count",
        dict(figures.key_holders),
        sum(figures.key_holders.values()),
        targets.get("sleutelbeheerders"),
        rooms,
    )
    for indicator_id, sets in (
        ("nieuwe_bewoners", figures.new_residents),
        ("doorverwezen_wpi", figures.referred_by_wpi),
    ):
        out[indicator_id] = _indicator(
            INDICATOR_UNITS[indicator_id],
            {r: len(sets.get(r, ())) for r in rooms},
            len(set().union(*(sets.get(r, set()) for r in rooms))),
            targets.get(indicator_id),
            rooms,
        )
    anonymous = {r: sum(figures.anonymous.get(r, {}).values()) for r in rooms}
    out["anonieme_bezoeken"] = _indicator("visits", anonymous, sum(anonymous.values()), None, rooms)
    for question in catalog.survey.values():
        out[f"enquete_{question.id}"] = _survey_entry(figures, question.id, question.goal)
    return out


def _survey_entry(figures: YearFigures, question: str, goal: float) -> IndicatorEntry:
    """Share of people whose latest answer in the year is positive, with n and whether
    it rests on too few people to be more than indicative."""
    rooms = figures.rooms
    by_room = figures.survey.get(question, {})
    people = {r: by_room.get(r, {}) for r in rooms}
    total = figures.survey_total.get(question, {})
    per_room = {r: _percent(len(people[r]), sum(people[r].values())) for r in rooms}
    entry = _indicator("percent", per_room, _percent(len(total), sum(total.values())), None, rooms)
    goal_percent = round(goal * 100, 1)
    entry["targets"] = {**{r: goal_percent for r in rooms}, "total": goal_percent}
    answers = figures.survey_answers.get(question, {})
    entry["answers"] = {r: answers.get(r, 0) for r in rooms} | {
        "total": sum(answers.get(r, 0) for r in rooms)
    }
    entry["respondents"] = {r: len(people[r]) for r in rooms} | {"total": len(total)}
    entry["indicative"] = {
        key: 0 < n < SURVEY_MIN_PEOPLE for key, n in entry["respondents"].items()
    }
    return entry


def volunteer_value(figures: YearFigures, catalog: Catalog) -> VolunteerValue:
    """Volunteer hours valued at the year's minimum wage (the "populaire begroting")."""
    rate = catalog.rate_for(figures.year)
    rate_year = catalog.rate_year_for(figures.year)
    hours = {r: figures.hours.get(r, 0.0) for r in figures.rooms}
    per_room = {r: round(h * (rate or 0), 2) for r, h in hours.items()}
    # The total from the unrounded hours, rounded once: summing rounded room values drifts.
    total = round(sum(hours.values()) * (rate or 0), 2)
    return {
        "hourly_rate": rate,
        "rooms": per_room,
        "total": total,
        "rate_year": rate_year,
        "warning": rate_warning(figures.year, rate, rate_year),
    }


def rate_warning(year: int, rate: float | None, rate_year: int | None) -> str | None:
    """Plain Dutch words when the hours are not valued at the year's own minimum wage."""
    if rate_year == year:
        return None
    if rate is None:
        return (
            f"Let op: de catalogus heeft geen minimumloon (WML) per uur voor {year} of "
            "eerder; de vrijwilligersuren zijn niet gewaardeerd."
        )
    amount = f"{rate:.2f}".replace(".", ",")
    return (
        f"Let op: de catalogus heeft geen minimumloon (WML) per uur voor {year}; de uren "
        f"zijn gewaardeerd tegen het tarief van {rate_year} (€ {amount})."
    )


def handgeld_summary(figures: YearFigures, catalog: Catalog) -> Handgeld:
    """Petty cash spent per room and month (euros), by category, against both the monthly
    cap (note 22) and the lower budget line (section 7), and per room for the year."""
    rooms: dict[str, dict[str, HandgeldMonth]]
    year: dict[str, HandgeldYear]
    rooms, year = {}, {}
    cap, budget = catalog.handgeld_cap, catalog.handgeld_monthly_budget
    for room in figures.rooms:
        months: dict[str, HandgeldMonth] = {}
        for month, by_category in sorted(figures.handgeld.get(room, {}).items()):
            cents = sum(by_category.values())
            spent = cents / 100
            months[month] = {
                "spent": spent,
                "over_cap": spent > cap,
                "over_budget": spent > budget,
                "categories": {c: v / 100 for c, v in sorted(by_category.items())},
            }
        rooms[room] = months
        # Summed in cents, so the year's figure is exact.
        spent = sum(sum(m.values()) for m in figures.handgeld.get(room, {}).values()) / 100
        year[room] = {
            "spent": spent,
            "budget": catalog.handgeld_yearly_budget,
            "cap": round(12 * cap, 2),
            "over_budget": spent > catalog.handgeld_yearly_budget,
            "over_cap": spent > 12 * cap,
            "months_over_budget": sum(m["over_budget"] for m in months.values()),
            "months_over_cap": sum(m["over_cap"] for m in months.values()),
        }
    return {
        "monthly_cap": cap,
        "monthly_budget": budget,
        "yearly_budget": catalog.handgeld_yearly_budget,
        "categories": catalog.handgeld_categories,
        "rooms": rooms,
        "year": year,
    }


def year_indicators(
    conn: sqlite3.Connection, catalog: Catalog, year: int, rooms: list[str] | None = None
) -> dict[str, IndicatorEntry]:
    return indicators(collect(conn, year, rooms), catalog)
