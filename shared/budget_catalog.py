"""The catalog's part of the populaire begroting (seed section 7, "Begroting en financiering").

Per year: the ZZP rate at which professionals' volunteer hours are valued, the formal
budget per room, the professionals' volunteer hours per room, and the financing table
(planned amount per financer per room). What was really received from each financer,
and the professionals' hours really given, staff enter as figures (``figure_recorded``):
:func:`budget_figures` names them. These live in their own TOML tables (``zzp_rate``,
``financiers``, ``begroting``), which a room on an older program ignores.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

BUDGET_SECTION = "BEGROTING"  # the section of a staff-entered figure of the begroting
PROFESSIONAL_HOURS = "medewerkersuren"  # the figure: professionals' volunteer hours
RECEIVED_PREFIX = "ontvangen_"  # the figure per financer: the amount received
# Checks one sum of money from the catalog (value, where it stands) and returns it.
Amount = Callable[[Any, str], float]


@dataclass(frozen=True)
class Financer:
    id: str
    label: str  # the seed's wording of the row


@dataclass(frozen=True)
class BudgetYear:
    """The planned figures of one year, per room (euros and hours)."""

    formal: dict[str, float] = field(default_factory=dict)  # room -> formal budget
    professional_hours: dict[str, float] = field(default_factory=dict)  # room -> hours
    financing: dict[str, dict[str, float]] = field(default_factory=dict)  # financer -> room


@dataclass(frozen=True)
class BudgetCatalog:
    zzp_rate: dict[int, float] = field(default_factory=dict)
    financers: dict[str, Financer] = field(default_factory=dict)  # in catalog order
    years: dict[int, BudgetYear] = field(default_factory=dict)

    def zzp_rate_year_for(self, year: int) -> int | None:
        """The year whose ZZP rate values ``year`` (``year`` itself when it has one)."""
        years = [y for y in self.zzp_rate if y <= year]
        return max(years) if years else None

    def zzp_rate_for(self, year: int) -> float | None:
        rate_year = self.zzp_rate_year_for(year)
        return None if rate_year is None else self.zzp_rate[rate_year]

    def budget_for(self, year: int) -> BudgetYear:
        """The plan of ``year``: its own table, else the latest earlier one."""
        years = [y for y in self.years if y <= year]
        return self.years[max(years)] if years else BudgetYear()


def received_figure(financer_id: str) -> str:
    return RECEIVED_PREFIX + financer_id


def budget_from_dict(
    data: dict[str, Any], source: str, rooms: set[str], error: type, amount: Amount
) -> BudgetCatalog:
    """Validate and build the begroting tables; ``amount`` checks one sum of money."""
    rates = {}
    for year, rate in _table(data, "zzp_rate", source, error).items():
        _year(year, f"{source}: zzp_rate.{year}", error)
        rates[int(year)] = amount(rate, f"{source}: zzp_rate.{year}")
    financers: dict[str, Financer] = {}
    listed = data.get("financiers", [])
    if not isinstance(listed, list):
        raise error(f"{source}: 'financiers' must be a list ([[financiers]])")
    for i, item in enumerate(listed):
        where = f"{source}: financiers[{i}]"
        if (
            not isinstance(item, dict)
            or not isinstance(item.get("id"), str)
            or not isinstance(item.get("report"), str)
        ):
            raise error(f"{where}: expected a table with an 'id' and a 'report' text")
        if item["id"] in financers or not item["id"].isidentifier():
            raise error(f"{where}: id {item['id']!r} is used twice or is not a plain name")
        financers[item["id"]] = Financer(item["id"], item["report"])
    years = {}
    for year, table in _table(data, "begroting", source, error).items():
        where = f"{source}: begroting.{year}"
        _year(year, where, error)
        if not isinstance(table, dict):
            raise error(f"{where}: expected a table")
        financing = {}
        for fid, per_room in _table(table, "financiering", where, error).items():
            if fid not in financers:
                raise error(f"{where}.financiering.{fid}: unknown financer (see [[financiers]])")
            financing[fid] = _per_room(
                per_room, f"{where}.financiering.{fid}", rooms, error, amount
            )
        years[int(year)] = BudgetYear(
            _per_room(table.get("formeel", {}), f"{where}.formeel", rooms, error, amount),
            _per_room(
                table.get("medewerkersuren", {}), f"{where}.medewerkersuren", rooms, error, amount
            ),
            financing,
        )
    return BudgetCatalog(rates, financers, years)


def _table(data: dict[str, Any], key: str, source: str, error: type) -> dict[str, Any]:
    value = data.get(key, {})
    if not isinstance(value, dict):
        raise error(f"{source}: '{key}' must be a table ([{key}])")
    return value


def _year(key: object, where: str, error: type) -> None:
    if not str(key).isdigit():
        raise error(f"{where}: the key must be a year")


def _per_room(
    value: object, where: str, rooms: set[str], error: type, amount: Amount
) -> dict[str, float]:
    if not isinstance(value, dict):
        raise error(f"{where}: expected a table of rooms")
    for room in value:
        if room not in rooms:
            raise error(f"{where}.{room}: unknown room")
    return {room: amount(v, f"{where}.{room}") for room, v in value.items()}
