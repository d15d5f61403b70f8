"""The report's TypedDicts (shared/report_types.py) against real reports, at runtime.

Walks a report built from a central database (every room, staff figures entered, the
inbox known) and a room's own report, checking every key against the declared types:
required keys present, no key the types do not declare, every value of its type. The
walk also records which declared keys it met, so an optional key the data never has
(a type that drifted from the builder) shows up too.
"""

from __future__ import annotations

import copy
import json
import types
from collections import defaultdict
from datetime import datetime
from typing import Any, Union, get_args, get_origin, get_type_hints, is_typeddict

import pytest

from shared.clock import TZ
from shared.report import build_report
from shared.report_types import IndicatorEntry, Report
from shared.staff_figures import record_figure
from shared.store import RoomStore
from shared.trends import staff_report
from tests.test_staff_data import CATALOG, ROOMS, build_central

NOW = datetime(2017, 12, 20, 12, tzinfo=TZ)
# Declared keys a test report cannot show: syncd writes "quarantined" per room only
# after it has quarantined a file of that room.
NOT_IN_TEST_DATA = {("RoomFreshness", "quarantined")}


class Walk:
    """Checks a value against a type hint; collects the problems and the keys met."""

    def __init__(self) -> None:
        self.problems: list[str] = []
        self.seen: dict[str, set[str]] = defaultdict(set)

    def check(self, value: Any, hint: Any, path: str) -> bool:
        """True when ``value`` fits ``hint``; a mismatch is recorded with its path."""
        problem = self._problem(value, hint, path)
        if problem:
            self.problems.append(problem)
        return not problem

    def _problem(self, value: Any, hint: Any, path: str) -> str | None:
        origin = get_origin(hint)
        if is_typeddict(hint):
            return self._typeddict(value, hint, path)
        if origin in (Union, types.UnionType):
            trial = Walk()  # a union fits when one member fits, without recording the others
            for member in get_args(hint):
                trial.problems.clear()
                if trial.check(value, member, path):
                    self.check(value, member, path)  # again, to record the keys met
                    return None
            return f"{path}: {value!r} is none of {hint}"
        if origin is dict:
            if type(value) is not dict:
                return f"{path}: {type(value).__name__}, not a dict"
            key_type, value_type = get_args(hint)
            for key, item in value.items():
                self.check(key, key_type, f"{path}[{key!r}] (key)")
                self.check(item, value_type, f"{path}[{key!r}]")
            return None
        if origin is list:
            if type(value) is not list:
                return f"{path}: {type(value).__name__}, not a list"
            for i, item in enumerate(value):
                self.check(item, get_args(hint)[0], f"{path}[{i}]")
            return None
        return None if _is_plain(value, hint) else f"{path}: {value!r} is not {hint}"

    def _typeddict(self, value: Any, hint: Any, path: str) -> str | None:
        if type(value) is not dict:
            return f"{path}: {type(value).__name__}, not a {hint.__name__}"
        fields = get_type_hints(hint)
        missing = hint.__required_keys__ - value.keys()
        unknown = value.keys() - fields.keys()
        if missing or unknown:
            return (
                f"{path} ({hint.__name__}): missing {sorted(missing)}, undeclared {sorted(unknown)}"
            )
        for key, item in value.items():
            self.seen[hint.__name__].add(key)
            self.check(item, fields[key], f"{path}.{key}")
        return None


def _is_plain(value: Any, hint: Any) -> bool:
    """Exact types: a bool is no number, an int is a float (as for mypy)."""
    if hint is type(None):
        return value is None
    if hint is float:
        return type(value) in (int, float)
    return type(value) is hint


def declared_keys(hint: Any, out: dict[str, set[str]] | None = None) -> dict[str, set[str]]:
    """Every TypedDict reachable from ``hint`` with its keys."""
    out = {} if out is None else out
    if is_typeddict(hint):
        if hint.__name__ in out:
            return out
        fields = get_type_hints(hint)
        out[hint.__name__] = set(fields)
        for field in fields.values():
            declared_keys(field, out)
    for arg in get_args(hint):
        declared_keys(arg, out)
    return out


@pytest.fixture(scope="module")
def central(tmp_path_factory):
    folder = tmp_path_factory.mktemp("central")
    path = folder / "central.db"
    build_central(path)
    store = RoomStore(path, "cjm")
    try:  # staff figures: a room's count with a note, a total, a judgement
        for indicator, room, value, note in (
            ("betalende_leden", "cjm", "120", "ledenlijst maart"),
            ("betalende_leden", "cjm", "125", ""),
            ("interviews_huisuitzettingen", "total", "40", ""),
            ("input_controle", "multibron", "positief", ""),
        ):
            record_figure(
                store.conn,
                CATALOG,
                year=2017,
                indicator=indicator,
                room=room,
                value=value,
                rooms=ROOMS,
                by="Anna",
                note=note,
                now=NOW,
            )
    finally:
        store.close()
    inbox = folder / "inbox"
    inbox.mkdir()
    return path, inbox


@pytest.fixture(scope="module")
def reports(central) -> list[tuple[str, Report]]:
    path, inbox = central
    store = RoomStore(path, "cjm")
    try:
        return [
            ("staff report", staff_report(store.conn, CATALOG, 2017, ROOMS, now=NOW, inbox=inbox)),
            ("contract report", build_report(store.conn, CATALOG, 2017, ROOMS, now=NOW)),
            ("one room", build_report(store.conn, CATALOG, 2017, only_room="cjm", now=NOW)),
            ("empty year", staff_report(store.conn, CATALOG, 2011, ROOMS, now=NOW, trends=False)),
        ]
    finally:
        store.close()


def test_every_report_fits_the_declared_types(reports):
    for name, report in reports:
        walk = Walk()
        walk.check(report, Report, name)
        assert walk.problems == [], "\n".join(walk.problems)


def test_every_declared_key_occurs_in_the_reports(reports):
    """An optional key no report has is a type that drifted from the builder."""
    walk = Walk()
    for name, report in reports:
        walk.check(report, Report, name)
    declared = declared_keys(Report)
    never = sorted(
        (typed, key)
        for typed, keys in declared.items()
        for key in keys
        if key not in walk.seen[typed] and (typed, key) not in NOT_IN_TEST_DATA
    )
    assert never == []


def test_the_walk_catches_a_drifted_report(reports):
    report = copy.deepcopy(reports[0][1])
    entry = report["indicators"]["kookclub"]
    entry["rooms"]["cjm"] = [12]  # type: ignore[dict-item]  # what the walk must catch
    del report["sync"]["cjm"]["last_seq"]  # type: ignore[misc]
    report["handgeld"]["extra"] = 1  # type: ignore[typeddict-unknown-key]
    report["indicators"]["kookclub"]["indicative"] = {"cjm": 1}  # type: ignore[dict-item]
    walk = Walk()
    walk.check(report, Report, "report")
    text = "\n".join(walk.problems)
    for words in (
        "kookclub'].rooms['cjm']",
        "missing ['last_seq']",
        "undeclared ['extra']",
        "indicative['cjm']",
    ):
        assert words in text


def test_the_types_leave_the_json_as_it_was(reports):
    """TypedDicts are plain dicts: the json contract prints exactly as a dict would."""
    report = reports[0][1]
    plain: dict[str, Any] = json.loads(json.dumps(report))
    assert json.dumps(plain, ensure_ascii=False, indent=2) == json.dumps(
        report, ensure_ascii=False, indent=2
    )
    assert type(report) is dict and all(type(e) is dict for e in report["indicators"].values())
    assert set(IndicatorEntry.__required_keys__) == {"unit", "rooms", "total"}
