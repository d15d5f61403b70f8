"""Central's check of the records of a verified bundle, before anything is merged.

A room's signature proves who sent a bundle, not that its content is sane:
every record must be an event of that room, inside the bundle's seq range,
with the fields, types and shapes the log holds, and a payload that fits the
schema of its kind (``PAYLOADS``): finite numbers in plausible ranges, short
texts, known answers, nothing nested. One bad record refuses the whole bundle
(``MergeRefused``, quarantined with the record's seq and the reason), so the
report can never fail on stored data.

The checks run column by column over the whole bundle with C-speed set, map,
regex and type operations (a bundle holds up to 20,000 events, and per-event
Python was most of a merge's time). Only when a column check fails does a
per-record pass run, to name the first bad record.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable
from datetime import date
from operator import itemgetter
from typing import Any

from shared.errors import Refusal
from shared.event_rows import RawEventRow
from shared.events import ALL_KINDS, CENTRAL_KINDS, ROOM_KINDS, Kind

FIELDS = ("id", "room", "seq", "at", "kind", "visitor", "activity", "ref", "payload")
MAX_SEQ = 2**53  # exclusive: every seq is exact in a JSON number, a float and SQLite
MAX_PAYLOAD_CHARS = 2048
MAX_TEXT = 64  # a payload text value (a code, a catalog id, an answer key)
MAX_HOURS = 8784  # one shift: at most a (leap) year
MAX_EXPENSE_CENTS = 100_000  # what the kiosk accepts for one handgeld entry
MAX_COUNTED_CENTS = 100_000_000
_ID = r"[0-9A-Za-z_-]{1,64}"
_IDS = re.compile(rf"{_ID}(?:\n{_ID})*")  # every id of a bundle, one per line, in one match
# Local ISO time as the kiosk writes it ("2017-03-01T17:02:11+01:00"), checked in full: the
# tallies read the year and month from its first characters, the dashboard shows it.
_AT = (
    r"(?:19[7-9]\d|20\d\d)-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12]\d|3[01])"
    r"T(?:[01]\d|2[0-3]):[0-5]\d:[0-5]\d(?:\.\d{1,6})?(?:[+-](?:0\d|1[0-4]):[0-5]\d|Z)"
)
_ATS = re.compile(rf"{_AT}(?:\n{_AT})*")
_ONE_ID, _ONE_AT = re.compile(_ID), re.compile(_AT)  # one text (the per-record pass)
_DAY_OF = itemgetter(slice(0, 10))
_ROW = itemgetter(*FIELDS)
_OPTIONAL = {str, type(None)}
_NUMBER = {int, float}


class MergeRefused(Refusal):
    """A verified bundle whose content cannot be merged; ``reason`` is short fixed text."""


def _refuse(seq: Any, why: str) -> MergeRefused:
    where = f"seq {seq}" if type(seq) is int else "a record"
    return MergeRefused("bad event", f"{where}: {why}")


# --- payload schemas: key -> check of the value; None = the value is fine -----------------
def _text(value: Any) -> str | None:
    return None if type(value) is str and 0 < len(value) <= MAX_TEXT else "not a short text"


def _any_text(value: Any) -> str | None:
    return None if type(value) is str else "not a text"


def _flag(value: Any) -> str | None:
    return None if type(value) is bool else "not true or false"


def _number(low: float, high: float, whole: bool = False) -> Callable[[Any], str | None]:
    def check(value: Any) -> str | None:
        if type(value) not in ((int,) if whole else (int, float)):
            return "not a whole number" if whole else "not a number"
        if not math.isfinite(value) or not low <= value <= high:
            return f"outside {low}..{high}"
        return None

    return check


def _one_of(*allowed: Any) -> Callable[[Any], str | None]:
    return lambda value: (
        None if value in allowed and type(value) is type(allowed[0]) else "not a known value"
    )


def _category(value: Any) -> str | None:
    return (
        None
        if type(value) is str and len(value) == 1 and "A" <= value <= "Z"
        else "not a category letter"
    )


_BY: dict[str, Callable[[Any], str | None]] = {"by": _text}
MAX_FIGURE_TEXT = 200  # a staff judgement ("positief", "0 tekort") or a note on a figure


def _figure_value(value: Any) -> str | None:
    """A count, a percentage or a judgement's short text."""
    if type(value) is str:
        return None if 0 < len(value) <= MAX_FIGURE_TEXT else "not a short text"
    return _number(0, 10**9)(value)


def _figure_note(value: Any) -> str | None:
    return None if type(value) is str and len(value) <= MAX_FIGURE_TEXT else "not a short text"


PAYLOADS: dict[str, dict[str, Callable[[Any], str | None]]] = {
    Kind.SHIFT_ENDED: {"hours": _number(0, MAX_HOURS), "auto": _flag},
    Kind.CASH_EXPENSE: {
        "cents": _number(1, MAX_EXPENSE_CENTS, whole=True),
        "category": _category,
        "note": _any_text,
        **_BY,
    },
    Kind.CASH_COUNTED: {"cents": _number(0, MAX_COUNTED_CENTS, whole=True), **_BY},
    Kind.SURVEY_ANSWERED: {"question": _text, "answer": _one_of(1, 2, 3)},
    Kind.VISITOR_REGISTERED: {"new_in_area": _flag, "heard_via": _text, "lang": _text},
    Kind.VOLUNTEER_ADDED: _BY,
    Kind.VOLUNTEER_REMOVED: _BY,
    Kind.KEY_HOLDER_ADDED: _BY,
    Kind.KEY_HOLDER_REMOVED: _BY,
    Kind.VOID: _BY,
    Kind.FORGET: _BY,
    Kind.FIGURE_RECORDED: {
        "year": _number(1970, 2099, whole=True),
        "indicator": _text,
        "room": _text,
        "value": _figure_value,
        "note": _figure_note,
        "by": _text,
    },
}
REQUIRED: dict[str, set[str]] = {
    Kind.SHIFT_ENDED: {"hours"},
    Kind.CASH_EXPENSE: {"cents", "category"},
    Kind.SURVEY_ANSWERED: {"question", "answer"},
    Kind.FIGURE_RECORDED: {"year", "indicator", "room", "value", "by"},
}
# Free text stays in the room: rooms not yet upgraded still send a handgeld note, which
# central drops before storing (re-serialised exactly as rooms serialise payloads).
DROPPED: dict[str, tuple[str, ...]] = {Kind.CASH_EXPENSE: ("note",)}
_EMPTY_IS_FINE = {(kind, "{}") for kind in ALL_KINDS if kind not in REQUIRED}


def _other(value: Any) -> str | None:
    """A key this version does not know (a newer room): a short scalar, never a structure."""
    if value is None or type(value) is bool:
        return None
    if type(value) in _NUMBER:
        return _number(-MAX_SEQ, MAX_SEQ)(value)
    return _text(value)


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a number")


def payload_problem(kind: str, text: str) -> tuple[str | None, str]:
    """(why the payload of an event of ``kind`` is refused or None, the text to store)."""
    if len(text) > MAX_PAYLOAD_CHARS:
        return f"payload longer than {MAX_PAYLOAD_CHARS} characters", text
    try:
        payload = json.loads(text, parse_constant=_no_constant)
    except (ValueError, RecursionError):
        return "payload is not a JSON object", text
    if type(payload) is not dict:
        return "payload is not a JSON object", text
    schema = PAYLOADS.get(kind, {})
    missing = REQUIRED.get(kind, set()) - payload.keys()
    if missing:
        return f"payload lacks {', '.join(sorted(missing))}", text
    for key, value in payload.items():
        if len(key) > MAX_TEXT:
            return "payload key too long", text
        problem = schema.get(key, _other)(value)
        if problem:
            return f"payload {key[:20]!r} {problem}", text
    dropped = [key for key in DROPPED.get(kind, ()) if key in payload]
    if dropped:
        for key in dropped:
            del payload[key]
        text = json.dumps(payload, ensure_ascii=False, sort_keys=True)
    return None, text


def to_rows(
    room: str,
    records: list[dict[str, Any]] | list[list[Any]],
    first: int | None,
    last: int | None,
    columns: tuple[str, ...] | None = None,
) -> list[RawEventRow]:
    """Validate bundle records into event rows of ``room``; raises ``MergeRefused``.

    ``records`` are objects, or (``columns`` given, a format 2 bundle) lists of
    values named by ``columns``. A row is ``(id, room, seq, at, kind, visitor,
    activity, ref, payload JSON text)``.
    """
    if not records:
        return []
    if columns is not None:
        if sorted(columns) != sorted(FIELDS) or set(map(len, records)) != {len(FIELDS)}:
            raise MergeRefused("bad event", "unexpected fields")
        in_order = itemgetter(*map(columns.index, FIELDS))
        rows = list(map(tuple, records)) if columns == FIELDS else list(map(in_order, records))
    else:
        # Nine keys each, and each of FIELDS present: exactly FIELDS.
        if set(map(type, records)) != {dict} or set(map(len, records)) != {len(FIELDS)}:
            raise MergeRefused("bad event", "unexpected fields")
        try:
            rows = list(map(_ROW, records))
        except KeyError:
            raise MergeRefused("bad event", "unexpected fields") from None
    if not _columns_valid(room, rows, first, last):
        raise _first_bad_record(room, rows, first, last)
    return _with_checked_payloads(rows)


def _columns_valid(
    room: str, rows: list[tuple[Any, ...]], first: int | None, last: int | None
) -> bool:
    """Every column of every row at once; False sends the caller to the per-record pass."""
    ids, rooms, seqs, ats, kinds, visitors, activities, refs, payloads = zip(*rows)
    try:
        return _columns_valid_or_raise(
            room, ids, rooms, seqs, ats, kinds, (visitors, activities, refs), payloads, first, last
        )
    except TypeError:  # a value of the wrong type: unhashable, or not text where text goes
        return False


def _columns_valid_or_raise(
    room: str,
    ids: tuple[Any, ...],
    rooms: tuple[Any, ...],
    seqs: tuple[Any, ...],
    ats: tuple[Any, ...],
    kinds: tuple[Any, ...],
    optionals: tuple[tuple[Any, ...], ...],
    payloads: tuple[Any, ...],
    first: int | None,
    last: int | None,
) -> bool:
    # The text columns are not typed value by value: ``set`` raises TypeError on a list
    # or an object, and joining the ids, times, codes and refs for their regex (below)
    # raises it on anything but text. Seqs and payloads are looked at one by one.
    if (
        set(rooms) != {room}
        or set(map(type, seqs)) != {int}
        or set(map(type, payloads)) != {str}
        or not set(kinds) <= ROOM_KINDS
    ):
        return False
    low, high = first or 1, last if last is not None else MAX_SEQ - 1
    if min(seqs) < max(low, 1) or max(seqs) > min(high, MAX_SEQ - 1) or len(set(seqs)) != len(seqs):
        return False
    optional = set().union(*optionals)  # a few thousand distinct codes, few activities and refs
    optional.discard(None)
    if (
        not _all_match(_IDS, ids)
        or not _all_match(_IDS, list(optional))
        or not _all_match(_ATS, ats)
    ):
        return False
    try:  # the regex allows 31 February: each distinct day (a few in a bundle) as a date
        set(map(date.fromisoformat, set(map(_DAY_OF, ats))))
    except ValueError:
        return False
    return max(map(len, payloads)) <= MAX_PAYLOAD_CHARS


def _first_bad_record(
    room: str, rows: list[tuple[Any, ...]], first: int | None, last: int | None
) -> MergeRefused:
    """The refusal naming the first record that fails, and why (the slow path)."""
    low, high = max(first or 1, 1), min(last if last is not None else MAX_SEQ - 1, MAX_SEQ - 1)
    seen: set[int] = set()
    for row in rows:
        id_, row_room, seq, at, kind, visitor, activity, ref, payload = row
        if type(seq) is not int:
            return _refuse(None, "seq is not a whole number")
        why = None
        if type(id_) is not str or not _ONE_ID.fullmatch(id_):
            why = "bad id"
        elif row_room != room:
            why = "an event of another room"
        elif not low <= seq <= high:
            why = "seq outside the bundle's range" if seq < MAX_SEQ else "seq too large"
        elif seq in seen:
            why = "seq twice in one bundle"
        elif type(at) is not str or not _ONE_AT.fullmatch(at) or not _is_day(at[:10]):
            why = "bad time"
        elif kind in CENTRAL_KINDS:
            why = f"{kind} is written by central only"
        elif kind not in ALL_KINDS:
            why = "unknown kind"
        elif any(
            v is not None and (type(v) is not str or not _ONE_ID.fullmatch(v))
            for v in (visitor, activity, ref)
        ):
            why = "bad visitor, activity or ref"
        elif type(payload) is not str:
            why = "payload has the wrong type"
        elif len(payload) > MAX_PAYLOAD_CHARS:
            why = f"payload longer than {MAX_PAYLOAD_CHARS} characters"
        if why:
            return _refuse(seq, why)
        seen.add(seq)
    return MergeRefused("bad event", "a field has the wrong type")


def _is_day(text: str) -> bool:
    try:
        date.fromisoformat(text)
    except ValueError:
        return False
    return True


def _with_checked_payloads(rows: list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
    """Each distinct (kind, payload) once (a few hundred in 20,000 events); payloads
    rewritten for central (a dropped note) replace the text in their rows."""
    kinds, payloads = map(itemgetter(4), rows), map(itemgetter(8), rows)
    rewritten: dict[tuple[str, str], str] = {}
    for kind, text in set(zip(kinds, payloads)) - _EMPTY_IS_FINE:
        problem, stored = payload_problem(kind, text)
        if problem:
            seq = next(r[2] for r in rows if r[4] == kind and r[8] == text)
            raise _refuse(seq, problem)
        if stored != text:
            rewritten[kind, text] = stored
    if not rewritten:
        return rows
    return [
        (*row[:8], rewritten[row[4], row[8]]) if (row[4], row[8]) in rewritten else row
        for row in rows
    ]


def _all_match(pattern: re.Pattern[str], texts: tuple[str, ...] | list[str]) -> bool:
    """Every text matches ``pattern`` (one line's worth), checked as one joined string;
    a newline inside a text would add a line, hence the count."""
    if not texts:
        return True
    joined = "\n".join(texts)
    return joined.count("\n") == len(texts) - 1 and pattern.fullmatch(joined) is not None


def nested_too_deep(body: bytes) -> MergeRefused:
    """A record line nested deeper than the JSON parser goes: the refusal naming its seq.

    Called by ``shared.bundle`` when parsing the records hit the recursion limit; a
    record is flat, so the seq is the first whole number after the id and the room
    (a table row) or after ``"seq":`` (an object line).
    """
    for line in body.split(b"\n"):
        try:
            json.loads(line)
        except RecursionError:
            found = re.match(rb'\["[^"]*","[^"]*",(\d{1,20})[,\]]', line) or re.search(
                rb'"seq":(\d{1,20})[,}]', line[:4096]
            )
            return _refuse(int(found.group(1)) if found else None, "record nested too deep")
        except ValueError:
            continue
    return _refuse(None, "record nested too deep")
