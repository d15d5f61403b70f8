"""Central merging a backlog: one transaction per pass, each bundle still all or nothing.

Also: a bundle in the older object format still merges, and acknowledgements
lost to a crash between the commit and the ack are written on the next pass.
"""

from __future__ import annotations

import pytest
from test_syncd_site import Site, event_ids

from shared import merge
from shared.bundle import open_bundle, seal
from shared.db import connect
from shared.keys import load_private, load_public
from shared.records import FIELDS, to_rows
from syncd import transport


@pytest.fixture
def site(tmp_path):
    site = Site(tmp_path / "site", rooms=("cjm", "multibron"))
    for room in site.rooms:  # a backlog of small bundles ([sync] is the file's last section)
        with site.config(room).open("a") as config:
            config.write("max_events_per_bundle = 10\n")
    yield site
    site.close()


def _write_events(site: Site, room: str, visits: int) -> None:
    store = site.store(room)
    for _ in range(visits):
        store.check_in(None, ["kookclub"])


def _room_rows(site: Site, room: str) -> list[tuple]:
    conn = connect(site.db(room))
    try:
        return merge.pending_events(conn, room, 0, 10_000)
    finally:
        conn.close()


def _seal_as_room(site: Site, room: str, records, first: int, last: int, columns=None) -> None:
    me = load_private(site.root / "keys" / f"{room}.key")
    central = load_public(site.root / "keys" / "central.pub")
    name, data = seal(
        "events",
        me,
        central,
        records,
        room=room,
        created="2017-03-01T11:00:00+01:00",
        schema=7,
        first_seq=first,
        last_seq=last,
        columns=columns,
    )
    transport.write_atomic(site.inbox, name, data)


def _acked_everything(site: Site, room: str) -> bool:
    status = site.status(room)
    return status["acked_seq"] == status["max_seq"] > 0


def test_a_backlog_merges_in_one_pass_and_a_conflicting_bundle_alone_is_refused(site):
    _write_events(site, "cjm", 30)
    _write_events(site, "multibron", 12)
    for room in site.rooms:
        site.once(room)
    assert len(list(site.inbox.glob("events-cjm-*.bwk"))) == 3
    forged = list(_room_rows(site, "cjm")[24])
    forged[6] = "computerles"  # seq 25 again, with other content, signed by the room's own key
    _seal_as_room(site, "cjm", [tuple(forged)], 25, 25, columns=FIELDS)

    report = site.once("central")

    assert report.bundles_read == 5 and report.quarantined == 1 and report.merged == 42
    assert [reason for _, reason in transport.quarantined(site.inbox)] == [
        "conflict: seq 25 already held with other content"
    ]
    union = event_ids(site.db("cjm"), "cjm") | event_ids(site.db("multibron"), "multibron")
    assert event_ids(site.db("central")) == union
    for room in site.rooms:
        site.once(room)
        assert _acked_everything(site, room)


def test_a_bundle_of_json_objects_from_a_room_not_yet_upgraded_still_merges(site):
    _write_events(site, "cjm", 4)
    rows = _room_rows(site, "cjm")
    _seal_as_room(site, "cjm", [dict(zip(FIELDS, row)) for row in rows], 1, len(rows))

    report = site.once("central")

    assert report.merged == 4 and report.quarantined == 0
    assert event_ids(site.db("central")) == event_ids(site.db("cjm"), "cjm")


def test_acks_lost_to_a_crash_after_the_commit_are_written_on_the_next_pass(site):
    _write_events(site, "cjm", 15)
    site.once("cjm")
    # What a central daemon killed after its commit leaves: merged, files gone, no ack.
    me = load_private(site.root / "keys" / "central.key")
    rooms = {"cjm": load_public(site.root / "keys" / "cjm.pub")}
    conn = connect(site.db("central"))
    try:
        waiting = []
        for path in sorted(site.inbox.glob("*.bwk")):
            opened = open_bundle(path.read_bytes(), me, rooms)
            rows = to_rows(
                "cjm",
                opened.records,
                opened.header["first_seq"],
                opened.header["last_seq"],
                opened.columns,
            )
            waiting.append(merge.Incoming(path.name, opened.header, rows, opened.digest))
            path.unlink()
        merge.merge_bundles(conn, waiting, "2017-03-01T11:00:00+01:00")
    finally:
        conn.close()
    assert not list((site.root / "cjm" / "inbox").glob("ack-*.bwk"))

    site.once("central")

    assert len(list((site.root / "cjm" / "inbox").glob("ack-*.bwk"))) == 1
    site.once("cjm")
    assert _acked_everything(site, "cjm")
    assert not list((site.root / "cjm" / "inbox").glob("ack-*.bwk"))  # read and removed
    site.once("central")
    assert not list((site.root / "cjm" / "inbox").glob("ack-*.bwk"))  # nothing new: no ack
