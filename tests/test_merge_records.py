"""Central's check of every record in a verified bundle before anything is merged."""

import pytest

from shared.records import MergeRefused, to_rows


def record(**changes):
    base = {
        "id": "0190a1b2c3d4e5f6a7b8c9d0e1f2a3b4",
        "room": "cjm",
        "seq": 1,
        "at": "2017-03-01T10:00:00+01:00",
        "kind": "checkin",
        "visitor": None,
        "activity": "kookclub",
        "ref": None,
        "payload": "{}",
    }
    return {**base, **changes}


def test_good_records_become_rows_in_column_order():
    rows = to_rows("cjm", [record(), record(id="b" * 32, seq=2, payload='{"hours": 2}')], 1, 2)
    assert rows[1] == (
        "b" * 32,
        "cjm",
        2,
        "2017-03-01T10:00:00+01:00",
        "checkin",
        None,
        "kookclub",
        None,
        '{"hours": 2}',
    )


@pytest.mark.parametrize(
    "bad, reason",
    [
        ({"seq": "1"}, "seq is not a whole number"),
        ({"seq": True}, "seq is not a whole number"),
        ({"visitor": 5}, "seq 2: bad visitor"),
        ({"payload": {}}, "seq 2: payload has the wrong type"),
        ({"room": "multibron"}, "seq 2: an event of another room"),
        ({"seq": 9}, "seq 9: seq outside the bundle's range"),
        ({"kind": "drop_table"}, "unknown kind"),
        ({"id": "../../etc"}, "bad id"),
        ({"at": "x" * 41}, "bad time"),
        ({"id": "a" * 10 + "\n" + "b" * 10}, "bad id"),
        ({"id": ""}, "bad id"),
        ({"at": "yesterday"}, "bad time"),
        ({"at": "2017-03-01"}, "bad time"),
        ({"at": "2017-13-01T10:00:00+01:00"}, "bad time"),
        ({"at": "in the year 2017 or so"}, "bad time"),
        ({"payload": "[1, 2]"}, "seq 2: payload is not a JSON object"),
        ({"payload": "{"}, "not a JSON object"),
    ],
)
def test_one_bad_record_refuses_the_bundle(bad, reason):
    with pytest.raises(MergeRefused, match=reason):
        to_rows("cjm", [record(id="a" * 32, seq=1), record(**{"seq": 2, **bad})], 1, 2)


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


@pytest.mark.parametrize(
    "columns",
    [
        ("id", "room", "seq", "at", "kind", "visitor", "activity", "ref"),  # payload missing
        ("id", "room", "seq", "at", "kind", "visitor", "activity", "ref", "name"),
    ],
)
def test_table_with_other_columns_is_refused(columns):
    with pytest.raises(MergeRefused, match="unexpected fields"):
        to_rows("cjm", [["x"] * len(columns)], 1, 1, columns)


# --- issue 10 item 2 (content), 7, 8: a validly signed bundle with hostile content -----------
def deep(depth: int) -> str:
    return "[" * depth + "]" * depth


@pytest.mark.parametrize(
    "bad, reason",
    [
        ({"seq": 2**63}, "seq 9223372036854775808: seq too large"),
        ({"seq": 2**53}, "seq too large"),
        ({"seq": 0}, "seq 0: seq outside"),
        (
            {"kind": "shift_ended", "payload": '{"hours": "x"}'},
            "seq 2: payload 'hours' not a number",
        ),
        (
            {"kind": "shift_ended", "payload": '{"hours": [1]}'},
            "seq 2: payload 'hours' not a number",
        ),
        (
            {"kind": "shift_ended", "payload": '{"hours": NaN}'},
            "seq 2: payload is not a JSON object",
        ),
        ({"kind": "shift_ended", "payload": '{"hours": Infinity}'}, "not a JSON object"),
        ({"kind": "shift_ended", "payload": '{"hours": 1e999}'}, "seq 2: payload 'hours' outside"),
        ({"kind": "shift_ended", "payload": '{"hours": 1e308}'}, "payload 'hours' outside"),
        ({"kind": "shift_ended", "payload": '{"hours": -1}'}, "payload 'hours' outside"),
        ({"kind": "shift_ended", "payload": '{"auto": true}'}, "payload lacks hours"),
        (
            {"kind": "shift_ended", "payload": '{"hours": 1, "x": {"y": 1}}'},
            "payload 'x' not a short text",
        ),
        (
            {"kind": "cash_expense", "payload": '{"cents": "x", "category": "A"}'},
            "'cents' not a whole",
        ),
        (
            {"kind": "cash_expense", "payload": '{"cents": 1e999, "category": "A"}'},
            "'cents' not a whole",
        ),
        (
            {"kind": "cash_expense", "payload": '{"cents": 5.5, "category": "A"}'},
            "'cents' not a whole",
        ),
        (
            {"kind": "cash_expense", "payload": '{"cents": 10, "category": [1]}'},
            "'category' not a category",
        ),
        ({"kind": "cash_counted", "payload": '{"cents": -10}'}, "'cents' outside"),
        (
            {"kind": "survey_answered", "payload": '{"question": {}, "answer": 3}'},
            "'question' not a short",
        ),
        (
            {"kind": "survey_answered", "payload": '{"question": "pleasant", "answer": 9}'},
            "not a known",
        ),
        (
            {"kind": "survey_answered", "payload": '{"question": "pleasant", "answer": true}'},
            "not a known",
        ),
        ({"kind": "visitor_registered", "payload": '{"new_in_area": "yes"}'}, "not true or false"),
        ({"kind": "void", "payload": '{"by": "' + "x" * 65 + '"}'}, "'by' not a short text"),
        ({"payload": '{"a": ' + deep(5000) + "}"}, "seq 2: payload longer than"),
        ({"payload": '{"a": ' + deep(900) + "}"}, "seq 2: payload 'a' not a short text"),
        ({"payload": '{"a": ' + deep(1020) + "}"}, "seq 2: payload is not a JSON object"),
        ({"payload": '{"n": "' + "x" * 3000 + '"}'}, "seq 2: payload longer than"),
        ({"at": "2026-11-[/]xxxxxxxxxx"}, "seq 2: bad time"),
        ({"at": "2017-02-30T10:00:00+01:00"}, "seq 2: bad time"),
        ({"at": "2017-03-01T25:00:00+01:00"}, "seq 2: bad time"),
        ({"at": "2017-03-01T10:00:00+01:00[/]"}, "seq 2: bad time"),
        ({"activity": "[/]kookclub"}, "seq 2: bad visitor, activity or ref"),
        ({"visitor": "[b]X"}, "seq 2: bad visitor, activity or ref"),
        ({"ref": "a\nb"}, "seq 2: bad visitor, activity or ref"),
    ],
)
def test_hostile_content_is_refused_naming_the_seq(bad, reason):
    with pytest.raises(MergeRefused, match=reason.replace("[", r"\[")):
        to_rows("cjm", [record(id="a" * 32, seq=1), record(**{"seq": 2, **bad})], 1, 2**64)


def test_every_payload_the_kiosk_writes_is_accepted():
    payloads = [
        ("shift_ended", '{"auto": true, "hours": 2.25}'),
        ("shift_ended", '{"hours": 0}'),
        ("cash_expense", '{"by": "AB12CD34", "category": "F", "cents": 100000}'),
        ("cash_counted", '{"by": "AB12CD34", "cents": 0}'),
        ("survey_answered", '{"answer": 1, "question": "confidence"}'),
        ("visitor_registered", '{"heard_via": "neighbours", "lang": "tr", "new_in_area": false}'),
        ("key_holder_added", "{}"),
        ("void", '{"by": "AB12CD34"}'),
        ("room_opened", "{}"),
    ]
    records = [
        record(id=f"{i:032x}", seq=i + 1, kind=kind, payload=payload)
        for i, (kind, payload) in enumerate(payloads)
    ]
    assert [row[8] for row in to_rows("cjm", records, 1, len(records))] == [p for _, p in payloads]


def test_a_handgeld_note_is_dropped_before_storing_the_same_way_every_time():
    sent = '{"by": "AB12CD34", "category": "B", "cents": 450, "note": "taxi Ayşe naar huisarts"}'
    rows = to_rows(
        "cjm",
        [
            record(kind="cash_expense", payload=sent),
            record(id="b" * 32, seq=2, kind="cash_expense", payload=sent),
        ],
        1,
        2,
    )
    assert rows[0][8] == rows[1][8] == '{"by": "AB12CD34", "category": "B", "cents": 450}'
    without = to_rows("cjm", [record(kind="cash_expense", payload=rows[0][8])], 1, 1)
    assert without[0] == rows[0]  # an upgraded room's payload is the same row: a duplicate


def test_a_record_line_nested_too_deep_is_refused_naming_its_seq():
    from shared.bundle import decode_records

    honest = b'["a","cjm",1,"2017-03-01T10:00:00+01:00","checkin",null,null,null,"{}"]'
    hostile = (
        b'["b","cjm",7,"2017-03-01T10:00:00+01:00","checkin",null,null,null,'
        + b"[" * 100_000
        + b"]" * 100_000
        + b"]"
    )
    with pytest.raises(MergeRefused, match="seq 7: record nested too deep"):
        decode_records(honest + b"\n" + hostile + b"\n")
