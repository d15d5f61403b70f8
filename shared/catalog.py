"""The activity catalog, rooms, targets, rates and the handgeld rules, as data.

The packaged ``shared/data/catalog.toml`` is the default; central publishes
newer revisions to the rooms. Central and every room keep the catalog they
published or received twice: inside their database (``sync_state``, so a
database backup carries it) and beside it as ``published-catalog.toml`` (so it
outlives a database that is moved aside and rebuilt). Each uses the newest
revision it has of the packaged one and these two copies: rooms never go back
to an older revision, so neither does central, and both show the same targets
and rates. (``catalog.toml`` beside central's config is the operator's source
for ``publish-config``: it counts only once published.)

This module reads and checks a catalog and keeps those copies; the types a catalog
is made of are in ``shared/catalog_types.py``.
"""

from __future__ import annotations

import sqlite3
import tomllib
from contextlib import nullcontext
from importlib import resources
from pathlib import Path
from typing import Any

from shared.atomic_file import write_atomic
from shared.budget_catalog import budget_from_dict
from shared.catalog_types import (
    DEFAULT_ACTIVE_MIN_HOURS,
    Activity,
    Room,
    StaffFigure,
    SurveyQuestion,
)
from shared.catalog_types import Catalog as Catalog  # re-exported: callers import it from here
from shared.catalog_types import CatalogError as CatalogError
from shared.db import transaction

UNITS = ("unique", "jobs")
INDICATOR_UNITS = {
    "totaal_uniek": "unique",
    "vrijwilligersuren": "hours",
    "actieve_vrijwilligers": "count",
    "sleutelbeheerders": "count",
    "nieuwe_bewoners": "count",
    "doorverwezen_wpi": "count",
}
PUBLISHED_NAME = "published-catalog.toml"
# Before there was a copy inside the database, a room kept what it received as catalog.toml
# beside it (and its revision in sync_state): still read, only when the revisions agree.
LEGACY_NAME = "catalog.toml"
# sync_state keys: the published text and its revision (central's, or the one a room runs),
# and at central the revision each room last said it runs.
TEXT_KEY, REVISION_KEY = "catalog_text", "catalog_revision"
ROOM_REVISION_PREFIX = "catalog_revision:"
SAVE_STATE = (
    "INSERT INTO sync_state (key, value) VALUES (?, ?) "
    "ON CONFLICT(key) DO UPDATE SET value = excluded.value"
)
SELECT_KEPT = "SELECT key, value FROM sync_state WHERE key IN ('catalog_text', 'catalog_revision')"
SELECT_ROOM_REVISIONS = (
    "SELECT substr(key, length('catalog_revision:') + 1), value "
    "FROM sync_state WHERE key LIKE 'catalog_revision:%'"
)
# Staff-entered figures: what a value may be, and the seed's sections they sit in.
FIGURE_VALUES = ("count", "percent", "judgement")
FIGURE_SECTIONS = ("EFFECT", "OUTPUT", "PROCES", "INPUT")


def _need(table: dict[str, Any], key: str, kind: type | tuple[type, ...], where: str) -> Any:
    if key not in table:
        raise CatalogError(f"{where}: missing key '{key}'")
    value = table[key]
    if not isinstance(value, kind) or isinstance(value, bool) and kind is not bool:
        raise CatalogError(f"{where}: '{key}' has the wrong type ({type(value).__name__})")
    return value


def _table(data: dict[str, Any], key: str, source: str) -> dict[str, Any]:
    value = data.get(key, {})
    if not isinstance(value, dict):
        raise CatalogError(f"{source}: '{key}' must be a table ([{key}])")
    return value


def _amount(value: Any, where: str) -> float:
    """An amount of money: a number >= 0."""
    if not isinstance(value, (int, float)) or isinstance(value, bool) or value < 0:
        raise CatalogError(f"{where}: expected an amount (a number >= 0), not {value!r}")
    return float(value)


def catalog_from_dict(data: dict[str, Any], source: str = "catalog") -> Catalog:
    """Validate and build a catalog; every error names ``source`` and the key."""
    rooms = {
        rid: Room(rid, _need(r, "name", str, f"{source}: rooms.{rid}"), r.get("area", ""))
        for rid, r in _need(data, "rooms", dict, source).items()
    }
    activities: dict[str, Activity] = {}
    for i, a in enumerate(_need(data, "activities", list, source)):
        where = f"{source}: activities[{i}]"
        aid = _need(a, "id", str, where)
        unit = _need(a, "unit", str, where)
        if unit not in UNITS:
            raise CatalogError(f"{where}: unit must be one of {', '.join(UNITS)}, not {unit!r}")
        labels = _need(a, "label", dict, where)
        if "nl" not in labels:
            raise CatalogError(f"{where}: label needs a Dutch text (label.nl)")
        if aid in activities:
            raise CatalogError(f"{where}: duplicate activity id {aid!r}")
        report_label = a.get("report", "")
        if not isinstance(report_label, str):
            raise CatalogError(f"{where}: 'report' must be a text (the report's row label)")
        activities[aid] = Activity(
            aid, unit, a.get("icon", "•"), dict(labels), bool(a.get("crew", False)), report_label
        )
    staff_figures = _staff_figures(data, source, set(activities) | set(INDICATOR_UNITS), rooms)
    budget = budget_from_dict(data, source, set(rooms), CatalogError, _amount)
    known = set(activities) | set(INDICATOR_UNITS) | set(staff_figures)
    targets: dict[int, dict[str, dict[str, int]]] = {}
    for year, table in data.get("targets", {}).items():
        if not str(year).isdigit():
            raise CatalogError(f"{source}: targets.{year}: the key must be a year")
        for indicator, per_room in table.items():
            if indicator not in known:
                raise CatalogError(f"{source}: targets.{year}.{indicator}: unknown indicator")
            for rid, value in per_room.items():
                if rid not in rooms:
                    raise CatalogError(f"{source}: targets.{year}.{indicator}.{rid}: unknown room")
                if not isinstance(value, int) or isinstance(value, bool) or value < 0:
                    raise CatalogError(
                        f"{source}: targets.{year}.{indicator}.{rid}: expected a whole number >= 0"
                    )
        targets[int(year)] = {k: dict(v) for k, v in table.items()}
    survey = {}
    for qid, q in _table(data, "survey", source).items():
        where = f"{source}: survey.{qid}"
        if not isinstance(q, dict):
            raise CatalogError(f"{where}: expected a table with goal and texts")
        goal = _need(q, "goal", (int, float), where)
        if not 0 <= goal <= 1:
            raise CatalogError(f"{where}: 'goal' is a share between 0 and 1, not {goal}")
        survey[qid] = SurveyQuestion(qid, float(goal), {k: v for k, v in q.items() if k != "goal"})
    rates = {}
    for year, rate in _table(data, "hourly_rate", source).items():
        if not str(year).isdigit():
            raise CatalogError(f"{source}: hourly_rate.{year}: the key must be a year")
        rates[int(year)] = _amount(rate, f"{source}: hourly_rate.{year}")
    handgeld = _table(data, "handgeld", source)
    for key in ("monthly_cap", "monthly_budget", "yearly_budget"):
        if key in handgeld:
            _amount(handgeld[key], f"{source}: handgeld.{key}")
    revision = data.get("revision", 0)
    if not isinstance(revision, int) or isinstance(revision, bool) or revision < 0:
        raise CatalogError(f"{source}: revision: expected a whole number >= 0, not {revision!r}")
    min_hours = data.get("volunteers", {}).get("active_min_hours", DEFAULT_ACTIVE_MIN_HOURS)
    if type(min_hours) not in (int, float) or not 0 <= min_hours <= 8784:
        raise CatalogError(f"{source}: volunteers.active_min_hours: expected hours (0 to 8784)")
    return Catalog(
        revision=revision,
        rooms=rooms,
        activities=activities,
        targets=targets,
        survey=survey,
        hourly_rate=rates,
        handgeld_cap=float(handgeld.get("monthly_cap", 500.0)),
        handgeld_categories=dict(handgeld.get("categories", {})),
        handgeld_monthly_budget=float(handgeld.get("monthly_budget", 250.0)),
        handgeld_yearly_budget=float(handgeld.get("yearly_budget", 3000.0)),
        source=source,
        handgeld_labels={
            k: dict(v) for k, v in handgeld.get("labels", {}).items() if isinstance(v, dict)
        },
        staff_figures=staff_figures,
        active_min_hours=float(min_hours),
        budget=budget,
    )


def _staff_figures(
    data: dict[str, Any], source: str, taken: set[str], rooms: dict[str, Room]
) -> dict[str, StaffFigure]:
    figures: dict[str, StaffFigure] = {}
    for i, f in enumerate(data.get("staff_figures", [])):
        where = f"{source}: staff_figures[{i}]"
        if not isinstance(f, dict):
            raise CatalogError(f"{where}: expected a table")
        fid = _need(f, "id", str, where)
        if fid in taken or fid in figures:
            raise CatalogError(f"{where}: id {fid!r} is already used")
        section = _need(f, "section", str, where)
        if section not in FIGURE_SECTIONS:
            raise CatalogError(f"{where}: section must be one of {', '.join(FIGURE_SECTIONS)}")
        value = _need(f, "value", str, where)
        if value not in FIGURE_VALUES:
            raise CatalogError(f"{where}: value must be one of {', '.join(FIGURE_VALUES)}")
        target = f.get("target", {})
        if not isinstance(target, dict) or any(
            rid not in rooms or type(n) is not int or n < 0 for rid, n in target.items()
        ):
            raise CatalogError(f"{where}: target must map known rooms to whole numbers >= 0")
        figures[fid] = StaffFigure(
            fid,
            section,
            _need(f, "report", str, where),
            _need(f, "unit", str, where),
            value,
            str(f.get("expect", "")),
            str(f.get("target_note", "")),
            dict(target),
        )
    return figures


def packaged_text() -> str:
    return resources.files("shared").joinpath("data", "catalog.toml").read_text("utf-8")


def load_catalog(path: str | Path | None = None) -> Catalog:
    """The catalog at ``path``, or the packaged default."""
    if path is None:
        return catalog_from_text(packaged_text(), "shared/data/catalog.toml")
    path = Path(path)
    return catalog_from_text(path.read_text("utf-8"), str(path))


def catalog_from_text(text: str, source: str) -> Catalog:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise CatalogError(f"{source}: not valid TOML: {exc}") from None
    return catalog_from_dict(data, source)


def current_catalog(database: str | Path | None) -> Catalog:
    """The newest of the packaged catalog and the one published or received for ``database``
    (its copy beside the database and its copy inside it)."""
    best = load_catalog()
    if database is None:
        return best
    for candidate, _ in _published_copies(Path(database)):
        if candidate.revision >= best.revision:
            best = candidate
    return best


def _published_copies(database: Path) -> list[tuple[Catalog, str]]:
    """(catalog, text) of the copy beside ``database`` and of the one inside it."""
    copies = []
    text, revision = stored(database)
    beside = database.parent / PUBLISHED_NAME
    if beside.exists():
        copies.append((load_catalog(beside), beside.read_text("utf-8")))
    legacy = database.parent / LEGACY_NAME
    if text is None and revision is not None and legacy.exists():
        old = load_catalog(legacy)
        if str(old.revision) == revision:  # what this room applied before copies were kept
            copies.append((old, legacy.read_text("utf-8")))
    if text is not None:
        try:
            copies.append((catalog_from_text(text, f"{database} (the catalog kept inside)"), text))
        except CatalogError:
            pass  # only a validated text is ever saved; the file beside still counts
    return copies


def keep_copies_in_step(conn: sqlite3.Connection, database: Path) -> None:
    """At start: when one copy is missing or older (a database restored from a backup on a
    new machine, or one rebuilt from the rooms), write the newest into both places."""
    copies = _published_copies(database)
    if not copies:
        return
    newest, text = max(copies, key=lambda pair: pair[0].revision)
    if len(copies) < 2 or any(c.revision != newest.revision for c, _ in copies):
        keep_published(conn, database, newest, text)


def stored(database: Path) -> tuple[str | None, str | None]:
    """The catalog text kept inside ``database`` and the revision recorded there (None, None:
    no database, nothing kept yet)."""
    if not database.exists():
        return None, None
    try:
        conn = sqlite3.connect(f"file:{database}?mode=ro", uri=True, timeout=5)
    except sqlite3.Error:
        return None, None
    try:
        kept = dict(conn.execute(SELECT_KEPT).fetchall())
    except sqlite3.Error:  # no sync_state yet, or a damaged file: other code says so
        return None, None
    finally:
        conn.close()
    return kept.get(TEXT_KEY), kept.get(REVISION_KEY)


def keep_published(conn: sqlite3.Connection, database: Path, catalog: Catalog, text: str) -> None:
    """Keep a validated, published catalog inside ``conn`` (its database) and beside it."""
    # Inside the caller's transaction, that one commits both; else one of their own.
    with nullcontext() if conn.in_transaction else transaction(conn):
        conn.execute(SAVE_STATE, (TEXT_KEY, text))
        conn.execute(SAVE_STATE, (REVISION_KEY, str(catalog.revision)))
    folder = database.parent
    write_atomic(folder / PUBLISHED_NAME, text, tmp=folder / f".{PUBLISHED_NAME}.tmp")


def note_room_revision(conn: sqlite3.Connection, room: str, revision: int) -> None:
    """Central: ``room`` said (in a bundle header) that it runs catalog ``revision``."""
    conn.execute(SAVE_STATE, (f"{ROOM_REVISION_PREFIX}{room}", str(revision)))


def room_revisions(conn: sqlite3.Connection) -> dict[str, int]:
    """Central: the catalog revision each room last said it runs (rooms that said so)."""
    try:
        rows = conn.execute(SELECT_ROOM_REVISIONS).fetchall()
    except sqlite3.OperationalError:  # no sync_state table
        return {}
    return {room: int(value) for room, value in rows if str(value).isdigit()}


def refuse_unless_newer(new: Catalog, current: Catalog) -> None:
    """A publish the rooms would ignore (they keep the newest) is refused, with what to do."""
    if new.revision < current.revision:
        raise CatalogError(
            f"{new.source}: revision {new.revision} is older than revision "
            f"{current.revision}, which was already published; the rooms keep "
            f"the newest. Raise 'revision' above {current.revision}."
        )
    if new.revision == current.revision and new != current:
        raise CatalogError(
            f"{new.source}: revision {new.revision} was already published with "
            f"other content; the rooms would keep the old one. Raise 'revision' "
            f"to {current.revision + 1}."
        )
