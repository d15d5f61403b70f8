"""Central's check of the records of a verified bundle, before anything is merged.

A room's signature proves who sent a bundle, not that its content is sane:
every record must be an event of that room, inside the bundle's seq range,
with the fields, types and shapes the log holds. One bad record refuses the
whole bundle (``MergeRefused``, quarantined with the reason).
"""

from __future__ import annotations

import json
import re
from operator import itemgetter
from typing import Any

from shared.events import ALL_KINDS

FIELDS = ("id", "room", "seq", "at", "kind", "visitor", "activity", "ref", "payload")
_ID = r"[0-9A-Za-z_-]{1,64}"
_IDS = re.compile(rf"{_ID}(?:\n{_ID})*")  # every id of a bundle, one per line, in one match
# Local ISO time as the kiosk writes it ("2017-03-01T17:02:11+01:00"): the tallies read
# the year and month from it, so its first 8 characters must be "YYYY-MM-".
_AT_START = re.compile(r"\d{4}-(0[1-9]|1[0-2])-")
_AT_LENGTHS = range(19, 41)
_AT_START_OF = itemgetter(slice(0, 8))
_ROW = itemgetter(*FIELDS)
_OPTIONAL = {str, type(None)}


class MergeRefused(ValueError):
    """A verified bundle whose content cannot be merged; ``reason`` is short fixed text."""

    def __init__(self, reason: str, detail: str = ""):
        super().__init__(f"{reason}{': ' + detail if detail else ''}")
        self.reason = reason
        self.detail = detail


def to_rows(room: str, records: list[dict[str, Any]] | list[list[Any]], first: int | None,
            last: int | None, columns: tuple[str, ...] | None = None) -> list[tuple]:
    """Validate bundle records into event rows of ``room``; raises ``MergeRefused``.

    ``records`` are objects, or (``columns`` given, a format 2 bundle) lists of
    values named by ``columns``. A row is ``(id, room, seq, at, kind, visitor,
    activity, ref, payload JSON text)``. Checks are done column by column over
    the whole bundle with C-speed set, map and type operations: a bundle holds
    up to 20,000 events, and per-event Python was most of a merge's time.
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
    ids, rooms, seqs, ats, kinds, visitors, activities, refs, payloads = zip(*rows)
    if set(map(type, ids)) != {str} or set(map(type, ats)) != {str} \
            or set(map(type, payloads)) != {str} or set(map(type, seqs)) != {int} \
            or not set(map(type, visitors)) | set(map(type, activities)) | set(map(type, refs)) \
            <= _OPTIONAL:
        raise MergeRefused("bad event", "a field has the wrong type")
    if set(rooms) != {room}:
        raise MergeRefused("bad event", "an event of another room")
    low, high = first or 1, last if last is not None else float("inf")
    if min(seqs) < low or max(seqs) > high:
        raise MergeRefused("bad event", "seq outside the bundle's range")
    if len(set(seqs)) != len(seqs):
        raise MergeRefused("bad event", "seq twice in one bundle")
    if not set(kinds) <= ALL_KINDS or not _all_match(_IDS, ids) or not _valid_times(ats):
        raise MergeRefused("bad event", "bad id, time or kind")
    for payload in set(payloads) - {"{}"}:  # a few hundred distinct ones in 20,000 events
        try:
            if type(json.loads(payload)) is not dict:
                raise ValueError
        except ValueError:
            raise MergeRefused("bad event", "payload is not a JSON object") from None
    return rows


def _all_match(pattern: re.Pattern, texts: tuple[str, ...]) -> bool:
    """Every text matches ``pattern`` (one line's worth), checked as one joined string;
    a newline inside a text would add a line, hence the count."""
    joined = "\n".join(texts)
    return joined.count("\n") == len(texts) - 1 and pattern.fullmatch(joined) is not None


def _valid_times(ats: tuple[str, ...]) -> bool:
    """Lengths of an ISO time, and each distinct "YYYY-MM-" start (a bundle has a few)."""
    return min(map(len, ats)) in _AT_LENGTHS and max(map(len, ats)) in _AT_LENGTHS \
        and all(map(_AT_START.fullmatch, set(map(_AT_START_OF, ats))))
