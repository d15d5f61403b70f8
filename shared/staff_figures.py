"""Figures staff enter: the rows of the seed's table the kiosk cannot count.

A coordinator records a figure or judgement per year, indicator and room
(``bwk-staff record`` or the dashboard's screen). Each is a ``figure_recorded``
event in central's log under ``CENTRAL_AUTHOR`` (its own gapless seq; no room
can write one), with who and when. Changing a figure is a new event; the
latest per (year, indicator, room) counts and the earlier ones stay as history.
"""

from __future__ import annotations

import json
import math
import re
import sqlite3
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from shared import events, i18n
from shared.budget_catalog import BUDGET_SECTION
from shared.catalog_types import Catalog, StaffFigure
from shared.clock import TZ, local_iso, parse_iso
from shared.db import transaction
from shared.events import CENTRAL_AUTHOR, Kind
from shared.records import MAX_FIGURE_TEXT, payload_problem
from shared.report_types import IndicatorEntry, StaffEntry, Target

TOTAL = "total"  # the room key of a figure the seed has once for all rooms
TOTAL_ALIASES = {"total", "totaal", "all", "alle"}
MAX_COUNT = 10**9
SELECT_FIGURES = (
    "SELECT id, seq, at, payload FROM events WHERE room = ? AND kind = 'figure_recorded' "
    "ORDER BY seq"
)
SELECT_FIGURE_ROWS = (
    "SELECT id, at, payload FROM events WHERE room = ? AND kind = 'figure_recorded' ORDER BY seq"
)
HAS_EVENT = "SELECT 1 FROM events WHERE id = ?"
MARKS = "report_marks"  # the table of shared/data/i18n/nl.toml with these texts
NOT_ENTERED = i18n.st("nl", MARKS, "not_entered")
NOT_ALL_ROOMS = i18n.st("nl", MARKS, "not_all_rooms")


class FigureError(ValueError):
    """A figure that cannot be recorded; the message says why in plain words."""


@dataclass(frozen=True)
class Recorded:
    """One recorded figure (the latest or an earlier one)."""

    event: str
    seq: int
    at: str
    year: int
    indicator: str
    room: str
    value: int | float | str
    note: str
    by: str

    def as_entry(self, earlier: int) -> StaffEntry:
        """The report's ``entries.ROOM``; ``earlier``: how many entries this one replaced."""
        return {
            "value": self.value,
            "at": self.at,
            "date": self.at[:10],
            "by": self.by,
            "note": self.note,
            "event": self.event,
            "earlier": earlier,
        }


def parse_value(figure: StaffFigure, text: str) -> int | float | str:
    """The typed value of ``text`` for ``figure``: a whole number, a percentage or a judgement."""
    text = text.strip()
    if not text:
        raise FigureError("geef een waarde op")
    if figure.value == "judgement":
        if len(text) > MAX_FIGURE_TEXT:
            raise FigureError(f"een oordeel is hooguit {MAX_FIGURE_TEXT} tekens")
        return text
    if figure.value == "count":
        return _count(figure, text)
    plain = text.removesuffix("%").strip().replace(",", ".")
    try:
        number = float(plain)
    except ValueError:
        kind = "een heel getal" if figure.value == "count" else "een percentage (0 tot 100)"
        raise FigureError(f"{text!r} is geen getal: {figure.id} vraagt {kind}") from None
    if not math.isfinite(number):
        raise FigureError(f"{text!r} is geen getal")
    if not 0 <= number <= 100:
        raise FigureError(f"{text!r}: een percentage ligt tussen 0 en 100")
    return int(number) if number.is_integer() else round(number, 2)


def _count(figure: StaffFigure, text: str) -> int:
    """A whole number; "1.000" is a thousand (Dutch), "1,5" or "2.5" is no count."""
    if re.fullmatch(r"\d{1,3}(\.\d{3})+", text):
        text = text.replace(".", "")
    if not re.fullmatch(r"\d+", text):
        if re.fullmatch(r"-?[\d.,]+", text):
            raise FigureError(f"{text!r}: {figure.id} vraagt een heel getal van 0 of meer")
        raise FigureError(f"{text!r} is geen getal: {figure.id} vraagt een heel getal")
    if int(text) > MAX_COUNT:
        raise FigureError(f"{text!r}: dat is meer dan {MAX_COUNT}")
    return int(text)


def check_room(room: str, rooms: list[str]) -> str:
    """An enrolled room id, or ``TOTAL`` for the figure of all rooms together."""
    room = room.strip()
    if room.lower() in TOTAL_ALIASES:
        return TOTAL
    if room not in rooms:
        raise FigureError(f"onbekende ruimte {room!r}: kies uit {', '.join(rooms)} of 'totaal'")
    return room


def check_figure(catalog: Catalog, indicator: str) -> StaffFigure:
    figures = catalog.enterable_figures()  # the seed's table's rows and the begroting's
    if indicator not in figures:
        raise FigureError(
            f"{indicator!r} is geen cijfer dat medewerkers invoeren; kies uit: "
            + ", ".join(figures)
        )
    return figures[indicator]


def record_figure(
    conn: sqlite3.Connection,
    catalog: Catalog,
    *,
    year: int,
    indicator: str,
    room: str,
    value: str,
    rooms: list[str],
    by: str,
    note: str = "",
    now: datetime | None = None,
) -> Recorded:
    """Check and store one figure as a new event (never overwriting an earlier one)."""
    if not 1970 <= year <= 2099:
        raise FigureError(f"{year} is geen geldig jaar")
    figure = check_figure(catalog, indicator)
    room = check_room(room, rooms)
    if room == TOTAL and figure.section == BUDGET_SECTION:  # the begroting adds up rooms
        raise FigureError(f"{indicator} wordt per ruimte ingevoerd: kies een ruimte")
    typed = parse_value(figure, value)
    by, note = by.strip(), note.strip()
    if not by:
        raise FigureError("zeg wie het cijfer invoert (--by NAAM)")
    if len(by) > 64:
        raise FigureError("een naam is hooguit 64 tekens")
    if len(note) > MAX_FIGURE_TEXT:
        raise FigureError(f"een toelichting is hooguit {MAX_FIGURE_TEXT} tekens")
    payload = {"year": year, "indicator": indicator, "room": room, "value": typed, "by": by}
    if note:
        payload["note"] = note
    problem, _ = payload_problem(Kind.FIGURE_RECORDED, json.dumps(payload, ensure_ascii=False))
    if problem:
        raise FigureError(problem)
    with transaction(conn):
        event = events.append(
            conn,
            room=CENTRAL_AUTHOR,
            at=local_iso(now or datetime.now(TZ)),
            kind=Kind.FIGURE_RECORDED,
            payload=payload,
        )
    recorded = _recorded(event.id, event.seq, event.at, event.payload)
    assert recorded is not None  # payload_problem accepted this payload above
    return recorded


def _recorded(event_id: str, seq: int, at: str, payload: dict[str, Any]) -> Recorded | None:
    try:
        return Recorded(
            event_id,
            seq,
            at,
            int(payload["year"]),
            str(payload["indicator"]),
            str(payload["room"]),
            payload["value"],
            str(payload.get("note", "")),
            str(payload.get("by", "")),
        )
    except (KeyError, TypeError, ValueError):
        return None


def copy_figures(conn: sqlite3.Connection, old_database: str | Path) -> tuple[int, int]:
    """Bring the staff figures of another central database (a backup, the copy moved aside
    before a rebuild from the rooms) into this one: (copied, already here). Each keeps its
    id, time and content; copying twice adds nothing."""
    path = Path(old_database)
    if not path.is_file():
        raise FigureError(f"{path}: geen database gevonden")
    try:
        old = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
        try:
            rows = old.execute(SELECT_FIGURE_ROWS, (CENTRAL_AUTHOR,)).fetchall()
        finally:
            old.close()
    except sqlite3.DatabaseError as exc:
        raise FigureError(f"{path}: niet te lezen ({exc})") from None
    copied = already = 0
    with transaction(conn):
        for event_id, at, text in rows:
            if conn.execute(HAS_EVENT, (event_id,)).fetchone():
                already += 1
                continue
            problem, _ = payload_problem(Kind.FIGURE_RECORDED, text)
            if problem:
                raise FigureError(f"{path}: invoer {event_id} is onleesbaar ({problem})")
            events.append(
                conn,
                room=CENTRAL_AUTHOR,
                at=at,
                kind=Kind.FIGURE_RECORDED,
                payload=json.loads(text),
                event_id=event_id,
            )
            copied += 1
    return copied, already


def _when(found: Recorded) -> tuple[float, int]:
    """Entries in the order they were made: by time (copied ones keep theirs), then seq."""
    try:
        return parse_iso(found.at).timestamp(), found.seq
    except ValueError:
        return 0.0, found.seq


def history(conn: sqlite3.Connection, year: int | None = None) -> list[Recorded]:
    """Every recorded figure in the order made (of ``year`` when given)."""
    out = []
    for event_id, seq, at, text in conn.execute(SELECT_FIGURES, (CENTRAL_AUTHOR,)):
        try:
            payload = json.loads(text)
        except ValueError:
            continue
        found = _recorded(event_id, seq, at, payload) if isinstance(payload, dict) else None
        if found and (year is None or found.year == year):
            out.append(found)
    return sorted(out, key=_when)


def latest(conn: sqlite3.Connection, year: int) -> dict[tuple[str, str], Recorded]:
    """(indicator, room) -> the figure that counts: the latest recorded."""
    return {(r.indicator, r.room): r for r in history(conn, year)}


def staff_indicators(
    conn: sqlite3.Connection, catalog: Catalog, year: int, rooms: list[str]
) -> dict[str, IndicatorEntry]:
    """The report entries of the staff-entered rows, each marked ``staff_entered``."""
    found = latest(conn, year)
    earlier: dict[tuple[str, str], int] = {}
    for r in history(conn, year):
        earlier[r.indicator, r.room] = earlier.get((r.indicator, r.room), -1) + 1
    targets = catalog.targets_for(year)
    out: dict[str, IndicatorEntry] = {}
    for figure in catalog.staff_figures.values():
        entries: dict[str, StaffEntry] = {
            key: found[figure.id, key].as_entry(earlier[figure.id, key])
            for key in (*rooms, TOTAL)
            if (figure.id, key) in found
        }
        values = {r: entries[r]["value"] if r in entries else None for r in rooms}
        reasons = {r: NOT_ENTERED for r in rooms if r not in entries}
        total, total_from = None, None
        if TOTAL in entries:
            total, total_from = entries[TOTAL]["value"], "entered"
        elif figure.value == "count" and rooms and not reasons:
            total, total_from = sum(values.values()), "sum"  # type: ignore[arg-type]
        else:
            reasons[TOTAL] = NOT_ALL_ROOMS if figure.value == "count" and entries else NOT_ENTERED
        entry: IndicatorEntry = {
            "unit": figure.value,
            "rooms": values,
            "total": total,
            "staff_entered": True,
            "section": figure.section,
            "label": figure.label,
            "seed_unit": figure.unit,
            "entries": entries,
            "total_from": total_from,
            "reasons": reasons,
        }
        room_targets = _targets(figure, targets.get(figure.id) or figure.target, rooms)
        if room_targets:
            entry["targets"] = room_targets
        if figure.target_note:
            entry["target_note"] = figure.target_note
        out[figure.id] = entry
    return out


def _targets(figure: StaffFigure, numbers: dict[str, int], rooms: list[str]) -> dict[str, Target]:
    if figure.value == "judgement":
        return {**{r: figure.expect for r in rooms}, TOTAL: figure.expect} if figure.expect else {}
    per_room = {r: numbers[r] for r in rooms if r in numbers}
    if not per_room:
        return {}
    if figure.value == "count":
        return {**per_room, TOTAL: sum(per_room.values())}
    same = set(per_room.values())  # a percentage: the total's target only when all agree
    return {**per_room, **({TOTAL: same.pop()} if len(same) == 1 else {})}


def entered_words(date: str, by: str) -> str:
    """ "ingevoerd 2017-03-01 door Anna" ("door" only when a name was given)."""
    if by:
        return i18n.st("nl", MARKS, "entered_by", date=date, by=by)
    return i18n.st("nl", MARKS, "entered", date=date)


def entered_mark(entry: IndicatorEntry, column: str) -> str:
    """ "ingevoerd 2017-03-01 door Anna" under a staff figure; the reason when none."""
    found = entry.get("entries", {}).get(column)
    if found:
        return entered_words(found["date"], found.get("by", ""))
    if column == TOTAL and entry.get("total_from") == "sum":
        return i18n.st("nl", MARKS, "sum_of_rooms")
    return entry.get("reasons", {}).get(column, NOT_ENTERED)
