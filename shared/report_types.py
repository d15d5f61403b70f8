"""The yearly report's shape, as types: one TypedDict per object of the json report.

The report stays a plain dict (``json.dumps`` prints it byte for byte as before, and
the json shape is the contract of DESIGN.md); these types let mypy check the builder
(``shared.report.build_report``, ``shared.trends.staff_report``), every format in
``shared.report_formats`` and the staff dashboard against one description.
``tests/test_report_types.py`` walks a real report against them, so they cannot
drift from the data.

No ``from __future__ import annotations`` here: TypedDict reads ``NotRequired`` from
the evaluated annotations, and the runtime check relies on that.
"""

from typing import NotRequired, TypedDict

# A figure in one column (a room or "total"): a number, a judgement staff entered
# ("positief"), or None where there is no figure (no answers, not entered yet).
# ``float`` admits ``int`` too: counts are ints, hours and percentages floats.
Cell = float | str | None
# A target: a number, or the words of a judgement's expected outcome.
Target = float | str


class StaffEntry(TypedDict):
    """One recorded staff figure behind a cell (``entries.ROOM`` / ``entries.total``)."""

    value: float | str
    at: str
    date: str
    by: str
    note: str
    event: str
    earlier: int  # how many earlier entries this one replaced


class IndicatorEntry(TypedDict):
    """One row of the results: a value per room and in total, with targets when known.

    The keys after ``targets`` belong to some rows only: ``min_hours``/``with_shift`` to
    actieve_vrijwilligers, ``answers``..``indicative`` to the survey rows, the rest to
    the rows staff enter (``staff_entered`` is then True).
    """

    unit: str  # unique, jobs, hours, count, visits, percent or judgement
    rooms: dict[str, Cell]
    total: Cell
    targets: NotRequired[dict[str, Target]]  # per room and "total"
    min_hours: NotRequired[float]
    with_shift: NotRequired[dict[str, int]]
    answers: NotRequired[dict[str, int]]
    respondents: NotRequired[dict[str, int]]
    indicative: NotRequired[dict[str, bool]]
    staff_entered: NotRequired[bool]
    section: NotRequired[str]
    label: NotRequired[str]
    seed_unit: NotRequired[str]
    entries: NotRequired[dict[str, StaffEntry]]
    total_from: NotRequired[str | None]  # "entered", "sum" or None (no total)
    reasons: NotRequired[dict[str, str]]  # why a cell has no figure
    target_note: NotRequired[str]


class SyncEntry(TypedDict):
    last_seq: int
    last_event_at: str | None
    last_bundle_at: str | None


class BudgetLine(TypedDict):
    """One line of the populaire begroting (seed section 7): realised and planned."""

    unit: str  # "hours" or "euro"
    rooms: dict[str, float | None]  # realised per room (None: not known)
    total: float | None
    planned: dict[str, float | None]  # per room and "total"
    notes: dict[str, str]  # room or "total" -> what the figure rests on, or why it lacks
    label: NotRequired[str]  # a financer's line: the seed's wording


class Begroting(TypedDict):
    """The lines of the populaire begroting, in the seed's order after the financers."""

    financing: dict[str, BudgetLine]  # financer id -> received / planned
    formal_budget: BudgetLine
    resident_hours: BudgetLine
    resident_value: BudgetLine
    professional_hours: BudgetLine
    professional_value: BudgetLine
    volunteer_total: BudgetLine
    popular_total: BudgetLine


class BudgetExtras(TypedDict):
    """What ``shared.begroting.popular_budget`` adds to ``volunteer_value``."""

    zzp_rate: float | None  # professionals' hourly rate; None: none in the catalog
    zzp_rate_year: int | None
    zzp_warning: str | None
    begroting: Begroting


class VolunteerValue(TypedDict):
    """Volunteer hours valued at the minimum wage, and (from ``build_report`` always) the
    whole populaire begroting: the keys of ``BudgetExtras``."""

    hourly_rate: float | None  # None: the catalog has no rate for the year or before
    rooms: dict[str, float]
    total: float
    rate_year: int | None
    warning: str | None
    zzp_rate: NotRequired[float | None]
    zzp_rate_year: NotRequired[int | None]
    zzp_warning: NotRequired[str | None]
    begroting: NotRequired[Begroting]


class HandgeldMonth(TypedDict):
    spent: float
    over_cap: bool
    over_budget: bool
    categories: dict[str, float]


class HandgeldYear(TypedDict):
    spent: float
    budget: float
    cap: float
    over_budget: bool
    over_cap: bool
    months_over_budget: int
    months_over_cap: int


class Handgeld(TypedDict):
    monthly_cap: float
    monthly_budget: float
    yearly_budget: float
    categories: dict[str, str]  # letter -> description
    rooms: dict[str, dict[str, HandgeldMonth]]  # room -> "YYYY-MM" -> month
    year: dict[str, HandgeldYear]


class CatalogSection(TypedDict):
    revision: int
    rooms: dict[str, int | None]  # the revision each room said it runs (None: not yet)
    rooms_behind: list[str]


class RoomTrend(TypedDict):
    checkins: list[int]  # twelve months
    visitors: list[int]


class Trends(TypedDict):
    months: list[str]
    rooms: dict[str, RoomTrend]


class RoomFreshness(TypedDict):
    last_event_at: str | None
    last_bundle_at: str | None
    lag_hours: float | None
    lag_minutes: int | None
    stale: bool
    waiting: NotRequired[int]  # only when the inbox is known
    quarantined: NotRequired[int]  # only when syncd has recorded it


class Freshness(TypedDict):
    checked_at: str
    stale_after_hours: float
    rooms: dict[str, RoomFreshness]
    waiting: int | None
    quarantined: int | None


class Report(TypedDict):
    """The whole report: the contract keys, then what the staff view adds."""

    year: int
    rooms: dict[str, str]  # id -> name, in report order
    indicators: dict[str, IndicatorEntry]
    sync: dict[str, SyncEntry]
    volunteer_value: VolunteerValue
    handgeld: Handgeld
    catalog: CatalogSection
    generated_at: str
    trends: NotRequired[Trends]  # shared.trends.staff_report(trends=True)
    freshness: NotRequired[Freshness]  # shared.trends.staff_report
