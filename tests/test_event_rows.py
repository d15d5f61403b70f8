"""EventRow names the columns of the events table and of a table bundle, in their order,
and the export still seals exactly the rows it sealed as plain tuples."""

from __future__ import annotations

from typing import get_args, get_type_hints

from shared.bundle import encode_records
from shared.event_rows import EventRow, RawEventRow
from shared.events import EVENT_COLUMNS
from shared.outbox import pending_events, room_log
from shared.records import FIELDS


def test_the_names_are_the_tables_and_the_bundles_columns_in_order():
    assert EventRow._fields == FIELDS == tuple(EVENT_COLUMNS.split(", "))
    assert tuple(get_type_hints(EventRow).values()) == get_args(RawEventRow)


def test_the_exports_are_event_rows_and_encode_as_plain_tuples(store):
    store.check_in(None, ["kookclub"])
    store.check_in(None, ["kookclub", "computerles"])
    rows = pending_events(store.conn, store.room, 0, 100)
    assert rows and all(type(row) is EventRow for row in rows)
    assert [row.seq for row in rows] == list(range(1, len(rows) + 1))
    assert room_log(store.conn, store.room) == rows
    plain = [tuple(row) for row in rows]
    assert encode_records(rows, FIELDS) == encode_records(plain, FIELDS)
