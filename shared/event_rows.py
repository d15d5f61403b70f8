"""An event as a row: the columns of the ``events`` table and of a table bundle.

``EventRow`` names the nine columns (``EVENT_COLUMNS`` in SQL, the bundle's
``FIELDS``) where rows cross from the store to syncd: a room's export to its outbox
and central's export of a room's log for a restore. It is a tuple, so sqlite3 binds
it and a bundle encodes it exactly as before.

The merge reads tens of thousands of rows per bundle; building a NamedTuple per row
costs time there, so the merge path (``records.to_rows`` -> ``events.merge_rows`` ->
projections and tallies) keeps plain tuples in the same order, typed ``RawEventRow``.
An ``EventRow`` is a ``RawEventRow`` too.
"""

from typing import NamedTuple


class EventRow(NamedTuple):
    id: str
    room: str
    seq: int
    at: str  # local ISO time with offset
    kind: str
    visitor: str | None
    activity: str | None
    ref: str | None  # the event a void or shift end refers to
    payload: str  # the JSON text as stored: it travels unchanged


# The nine column names in that order, for SQL.
EVENT_COLUMNS = ", ".join(EventRow._fields)

# The same nine columns as a plain tuple (the merge's hot path).
RawEventRow = tuple[str, str, int, str, str, str | None, str | None, str | None, str]
