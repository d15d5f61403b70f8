"""Central's tallies of check-ins equal the room's own, however the log arrives (P10: whole
bundles, partly re-sent ranges, one event at a time)."""

from __future__ import annotations

import random

import pytest

from shared.db import connect, transaction
from shared.events import merge_many
from tests.test_merge_order import MONTHLY, TALLIES, write_room

OPS = (
    [("visit", who, "kookclub", 40) for who in range(4)] * 3
    + [("anon", 0, "inloop", 30)]
    + [
        ("void", 0, "inloop", 5),
        ("job", 1, "inloop", 5),
        ("shift", 0, "inloop", 5),
        ("shift", 0, "inloop", 90),
        ("visit", 2, "inloop", 60 * 24 * 40),
        ("void", 1, "inloop", 5),
    ]
)


@pytest.mark.parametrize("arrival", ["whole", "odd seqs first", "second half first", "one by one"])
def test_central_counts_check_ins_like_the_room(tmp_path, arrival):
    log = write_room(tmp_path / "room.db", OPS, random.Random(7))
    assert sum(e.kind == "checkin" for e in log) >= 10
    parts = {
        "whole": [log],
        "odd seqs first": [[e for e in log if e.seq % 2], log],
        "second half first": [log[len(log) // 2 :], log],
        "one by one": [[e] for e in log],
    }[arrival]
    central = connect(tmp_path / "central.db")
    for part in parts:
        with transaction(central):
            merge_many(central, part)
    room = connect(tmp_path / "room.db")
    assert central.execute(TALLIES).fetchall() == room.execute(TALLIES).fetchall()
    assert central.execute(MONTHLY).fetchall() == room.execute(MONTHLY).fetchall()
    room.close()
    central.close()
