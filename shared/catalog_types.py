"""What a catalog is, once read and checked: the activities, rooms, survey questions, the
figures staff enter, and the Catalog that holds them with the targets, rates and handgeld
rules, plus the CatalogError any mistake in one raises. Plain frozen dataclasses with no
reading or storage, so every module may import them; shared/catalog.py reads a catalog
from TOML and keeps the published copies.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from shared.budget_catalog import (
    BUDGET_SECTION,
    PROFESSIONAL_HOURS,
    BudgetCatalog,
    received_figure,
)

DEFAULT_ACTIVE_MIN_HOURS = 250.0  # the seed's "gem. 250 uren/jaar"


class CatalogError(ValueError):
    """A catalog file with a mistake; the message names the file and key."""


@dataclass(frozen=True)
class Activity:
    id: str
    unit: str  # "unique" or "jobs"
    icon: str
    labels: dict[str, str]
    crew: bool = False  # a jobs crew whose volunteers record jobs done
    report_label: str = ""  # the seed's exact wording of the row, for the funders' report

    def label(self, lang: str = "nl") -> str:
        """The short, friendly text of the kiosk tile."""
        return self.labels.get(lang) or self.labels["nl"]

    def funder_label(self, lang: str = "nl") -> str:
        """The row label in the funders' report: the seed's wording in Dutch."""
        if lang == "nl" and self.report_label:
            return self.report_label
        return self.label(lang)


@dataclass(frozen=True)
class Room:
    id: str
    name: str
    area: str = ""


@dataclass(frozen=True)
class SurveyQuestion:
    id: str
    goal: float
    texts: dict[str, str]


@dataclass(frozen=True)
class StaffFigure:
    """A row of the seed's table that staff enter (members, interviews, INPUT judgements)."""

    id: str
    section: str
    label: str  # the seed's wording
    unit: str  # the seed's "Eenheid" column (Aantal, Interviews, Begroting, Controle)
    value: str  # count | percent | judgement
    expect: str = ""  # a judgement's target text ("positief", "0 tekort")
    target_note: str = ""  # words the seed adds to a numeric target ("op 20")
    target: dict[str, int] = field(default_factory=dict)  # room -> the seed's minimum


@dataclass(frozen=True)
class Catalog:
    revision: int
    rooms: dict[str, Room]
    activities: dict[str, Activity]  # in catalog order
    targets: dict[int, dict[str, dict[str, int]]]  # year -> indicator -> room -> target
    survey: dict[str, SurveyQuestion]
    hourly_rate: dict[int, float]
    handgeld_cap: float
    handgeld_categories: dict[str, str]
    handgeld_monthly_budget: float = 250.0  # the budget line (section 7), below the cap
    handgeld_yearly_budget: float = 3000.0
    source: str = field(default="", compare=False)
    handgeld_labels: dict[str, dict[str, str]] = field(
        default_factory=dict
    )  # letter -> lang -> text
    staff_figures: dict[str, StaffFigure] = field(default_factory=dict)  # in catalog order
    active_min_hours: float = DEFAULT_ACTIVE_MIN_HOURS
    budget: BudgetCatalog = field(default_factory=BudgetCatalog)  # section 7: the begroting

    def budget_figures(self) -> dict[str, StaffFigure]:
        """The begroting's figures staff enter per room: the professionals' volunteer hours
        and the amount received from each financer (whole hours and euros)."""
        figures = {
            PROFESSIONAL_HOURS: StaffFigure(
                PROFESSIONAL_HOURS,
                BUDGET_SECTION,
                "Vrijwilligersuren van betaalde professionals",
                "Uren",
                "count",
            )
        }
        for financer in self.budget.financers.values():
            fid = received_figure(financer.id)
            figures[fid] = StaffFigure(
                fid, BUDGET_SECTION, f"Ontvangen: {financer.label}", "Euro", "count"
            )
        return figures

    def enterable_figures(self) -> dict[str, StaffFigure]:
        """Every figure staff may enter: the seed's table's rows, then the begroting's."""
        return {**self.staff_figures, **self.budget_figures()}

    def handgeld_label(self, letter: str, lang: str = "nl") -> str:
        """A handgeld category in ``lang`` where the catalog has it, else the Dutch text."""
        return self.handgeld_labels.get(letter, {}).get(lang) or self.handgeld_categories[letter]

    def activity(self, activity_id: str) -> Activity:
        return self.activities[activity_id]

    def jobs_activities(self) -> list[str]:
        return [a.id for a in self.activities.values() if a.unit == "jobs"]

    def unique_activities(self) -> list[str]:
        return [a.id for a in self.activities.values() if a.unit == "unique"]

    def targets_for(self, year: int) -> dict[str, dict[str, int]]:
        years = [y for y in self.targets if y <= year]
        return self.targets[max(years)] if years else {}

    def rate_for(self, year: int) -> float | None:
        """The hourly rate of ``year``, or else of the latest earlier year that has one."""
        rate_year = self.rate_year_for(year)
        return None if rate_year is None else self.hourly_rate[rate_year]

    def rate_year_for(self, year: int) -> int | None:
        """The year whose rate ``rate_for(year)`` uses (``year`` itself when it has one)."""
        years = [y for y in self.hourly_rate if y <= year]
        return max(years) if years else None

    def room_name(self, room_id: str) -> str:
        room = self.rooms.get(room_id)
        return room.name if room else room_id
