"""Central's check of every record in a verified bundle before anything is merged."""

import pytest

from shared.records import MergeRefused, to_rows


def record(**changes):
    base = {"id": "0190a1b2c3d4e5f6a7b8c9d0e1f2a3b4", "room": "cjm", "seq": 1,
            "at": "2017-03-01T10:00:00+01:00", "kind": "checkin", "visitor": None,
            "activity": "kookclub", "ref": None, "payload": "{}"}
    return {**base, **changes}


def test_good_records_become_rows_in_column_order():
    rows = to_rows("cjm", [record(), record(id="b" * 32, seq=2, payload='{"hours": 2}')], 1, 2)
    assert rows[1] == ("b" * 32, "cjm", 2, "2017-03-01T10:00:00+01:00", "checkin", None,
                       "kookclub", None, '{"hours": 2}')


@pytest.mark.parametrize("bad, reason", [
    ({"seq": "1"}, "wrong type"), ({"seq": True}, "wrong type"), ({"visitor": 5}, "wrong type"),
    ({"payload": {}}, "wrong type"), ({"room": "multibron"}, "another room"),
    ({"seq": 9}, "outside the bundle's range"), ({"kind": "drop_table"}, "bad id, time or kind"),
    ({"id": "../../etc"}, "bad id, time or kind"), ({"at": "x" * 41}, "bad id, time or kind"),
    ({"id": "a" * 10 + "\n" + "b" * 10}, "bad id, time or kind"), ({"id": ""}, "bad id, time or kind"),
    ({"at": "yesterday"}, "bad id, time or kind"), ({"at": "2017-03-01"}, "bad id, time or kind"),
    ({"at": "2017-13-01T10:00:00+01:00"}, "bad id, time or kind"),
    ({"at": "in the year 2017 or so"}, "bad id, time or kind"),
    ({"payload": "[1, 2]"}, "not a JSON object"), ({"payload": "{"}, "not a JSON object"),
])
def test_one_bad_record_refuses_the_bundle(bad, reason):
    with pytest.raises(MergeRefused, match=reason):
        to_rows("cjm", [record(id="a" * 32, seq=2), record(**bad)], 1, 2)


def test_extra_or_missing_fields_and_repeated_seq():
    with pytest.raises(MergeRefused, match="unexpected fields"):
        to_rows("cjm", [{**record(), "name": "Zoë"}], 1, 1)
    with pytest.raises(MergeRefused, match="unexpected fields"):
        to_rows("cjm", [{k: v for k, v in record().items() if k != "ref"}], 1, 1)
    with pytest.raises(MergeRefused, match="seq twice"):
        to_rows("cjm", [record(), record(id="c" * 32)], 1, 2)


def test_table_rows_in_any_column_order_become_the_same_rows():
    columns = ("payload", "ref", "activity", "visitor", "kind", "at", "seq", "room", "id")
    as_objects = [record(), record(id="b" * 32, seq=2)]
    as_table = [[r[c] for c in columns] for r in as_objects]
    assert to_rows("cjm", as_table, 1, 2, columns) == to_rows("cjm", as_objects, 1, 2)


@pytest.mark.parametrize("columns", [
    ("id", "room", "seq", "at", "kind", "visitor", "activity", "ref"),  # payload missing
    ("id", "room", "seq", "at", "kind", "visitor", "activity", "ref", "name"),
])
def test_table_with_other_columns_is_refused(columns):
    with pytest.raises(MergeRefused, match="unexpected fields"):
        to_rows("cjm", [["x"] * len(columns)], 1, 1, columns)
