"""Bundles staged in scratch files (``shared.staging``), as central's helper hands a
backlog over: central holds only the rows it projects one by one, and SQLite copies
the bulk (check-ins and jobs) from the scratch file.

A staged bundle must leave exactly what the same bundle merged from rows in hand
leaves, also when part of it is held already (then every row is read back from the
scratch file), and a scratch file central cannot read must not quarantine an honest
bundle: it waits for the next pass. Real SQLite files, a real room's log.
"""

from __future__ import annotations

import sqlite3
from dataclasses import replace
from pathlib import Path

import pytest

from bench.data import generate
from shared import staging, tallies
from shared.db import connect
from shared.merge import MERGE_DEFERRED, Incoming, Merged, MergeRefused, merge_bundles

NOW = "2018-01-02T10:00:00+01:00"
TABLES = ("events", "voided", "roles", "open_shifts", "room_state", "sync_rooms")
COUNTS = ("tallies", "monthly_visits")


@pytest.fixture(scope="module")
def log(tmp_path_factory) -> list[tuple]:
    """A room's year: 600 events with check-ins, jobs, shifts and voids."""
    path = tmp_path_factory.mktemp("room") / "room.db"
    generate(path, 600, rooms=("cjm",), seed=11)
    conn = sqlite3.connect(path)
    rows = conn.execute(
        "SELECT id, room, seq, at, kind, visitor, activity, ref, payload FROM events ORDER BY seq"
    ).fetchall()
    conn.close()
    assert {"checkin", "job_done", "void", "shift_ended"} <= {row[4] for row in rows}
    return rows


def plain(number: int, rows: list[tuple]) -> Incoming:
    header = {
        "room": "cjm",
        "kind": "events",
        "first_seq": rows[0][2],
        "last_seq": rows[-1][2],
        "created": NOW,
    }
    return Incoming(f"bundle-{number}", header, rows, f"digest-{number}")


def staged(folder: Path, number: int, rows: list[tuple]) -> Incoming:
    bundle = plain(number, rows)
    path = folder / f"scratch-{number}.db"
    staging.stage_rows(path, rows)
    one_by_one, bulk = staging.split(rows)
    assert bulk is not None and bulk.size > len(one_by_one)  # most rows stay out
    return replace(bundle, rows=one_by_one, staged=path, tally=tallies.count_rows(rows), bulk=bulk)


def merge(
    conn: sqlite3.Connection, bundles: list[Incoming], idle: bool = False
) -> list[Merged | MergeRefused]:
    """One transaction; ``idle``: each bundle projected as it is merged (as central does
    while it waits for its helper), not all of them at the end."""
    schemas = staging.attach(conn, [b.staged for b in bundles if b.staged])
    try:
        return merge_bundles(conn, bundles, NOW, schemas, lambda: idle)
    finally:
        staging.detach(conn, schemas.values())


def tables(conn: sqlite3.Connection) -> dict[str, list]:
    found = {t: _rows(conn, f"SELECT * FROM {t}") for t in TABLES}
    for table in COUNTS:  # a count taken back to nothing may stay as 0 (test_merge_order)
        found[table] = _rows(conn, f"SELECT * FROM {table} WHERE n != 0")
    return found


def _rows(conn: sqlite3.Connection, sql: str) -> list[tuple]:
    return sorted((tuple(row) for row in conn.execute(sql)), key=repr)


@pytest.mark.parametrize("order", ["in order", "last first"])
@pytest.mark.parametrize("runs", ["one transaction", "one each", "projected as merged"])
def test_staged_bundles_leave_what_rows_in_hand_leave(tmp_path, log, order, runs):
    """Last first, one each: voids recorded before the check-ins they void arrive."""
    chunks = [log[start : start + 100] for start in range(0, len(log), 100)]
    numbered = list(enumerate(chunks))
    if order == "last first":
        numbered.reverse()
    groups = [numbered] if runs == "one transaction" else [[one] for one in numbered]
    by_rows, by_scratch = connect(tmp_path / "a.db"), connect(tmp_path / "b.db")
    added = 0
    for group in groups:
        merge(by_rows, [plain(n, rows) for n, rows in group])
        results = merge(
            by_scratch,
            [staged(tmp_path, n, rows) for n, rows in group],
            idle=runs == "projected as merged",
        )
        added += sum(r.added for r in results if isinstance(r, Merged))
    assert added == len(log)
    assert tables(by_scratch) == tables(by_rows)
    assert by_scratch.execute("SELECT count(*) FROM voided").fetchone()[0] > 0


def test_a_staged_bundle_partly_held_is_merged_row_by_row(tmp_path, log):
    """A room that sends a stretch of its log again, in other bundles (after a restore):
    the staged bundle overlaps what central holds; the rest of it is still stored."""
    by_rows, by_scratch = connect(tmp_path / "a.db"), connect(tmp_path / "b.db")
    for conn in (by_rows, by_scratch):
        merge(conn, [plain(0, log[:250])])
    merge(by_rows, [plain(1, log[200:])])
    [result] = merge(by_scratch, [staged(tmp_path, 1, log[200:])])
    assert isinstance(result, Merged)
    assert (result.added, result.duplicates) == (len(log) - 250, 50)
    assert tables(by_scratch) == tables(by_rows)


def test_an_unreadable_scratch_file_leaves_its_bundle_for_the_next_pass(tmp_path, log):
    conn = connect(tmp_path / "central.db")
    first, second = staged(tmp_path, 0, log[:300]), staged(tmp_path, 1, log[300:])
    with sqlite3.connect(second.staged) as scratch:  # its rows gone: nothing to copy
        scratch.execute(f"DROP TABLE {staging.TABLE}")
    results = merge(conn, [first, second])
    assert isinstance(results[0], Merged) and results[0].added == 300
    assert isinstance(results[1], MergeRefused) and results[1].reason == MERGE_DEFERRED
    assert conn.execute("SELECT count(*) FROM events").fetchone()[0] == 300
    [again] = merge(conn, [plain(1, log[300:])])  # the next pass opens it itself
    assert isinstance(again, Merged) and again.added == len(log) - 300
    reference = connect(tmp_path / "reference.db")
    merge(reference, [plain(0, log[:300]), plain(1, log[300:])])
    assert tables(conn) == tables(reference)
