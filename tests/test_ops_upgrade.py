"""Upgrades (issue 13, item 7): old databases upgrade intact; newer bundles are refused whole.

The fixtures in tests/fixtures/ were made by an OLD release (see
tests/fixtures/make_fixtures.py); every migration since runs on copies of
them here. A bundle or restore file from a program newer than this one is
refused with both versions named and the side to upgrade, and nothing of it
is merged.
"""

from __future__ import annotations

import json
import shutil
import sqlite3
from pathlib import Path

import pytest
from test_syncd_site import Site, event_ids

from kiosk.staff.source import source_for_config
from shared.bundle import NEWEST_FORMAT, SCHEMA_VERSION, canonical, seal
from shared.config import load_config
from shared.db import connect
from shared.keys import SUITE, load_private, load_public
from shared.records import FIELDS
from shared.schema import MIGRATIONS
from syncd import transport

FIXTURES = Path(__file__).resolve().parent / "fixtures"
FIGURES = json.loads((FIXTURES / "old-fixtures.json").read_text())


@pytest.fixture
def site(tmp_path):
    site = Site(tmp_path / "site")
    yield site
    site.close()


def _user_version(path: Path) -> int:
    conn = sqlite3.connect(path)
    try:
        return conn.execute("PRAGMA user_version").fetchone()[0]
    finally:
        conn.close()


def _install_fixtures(site: Site) -> None:
    """Copies of the old databases in place of central's and cjm's (fresh keys, same rooms)."""
    shutil.copyfile(FIXTURES / "old-central.db", site.db("central"))
    shutil.copyfile(FIXTURES / "old-room-cjm.db", site.db("cjm"))


def _figures(report: dict) -> dict:
    out = {k: {"rooms": v["rooms"], "total": v["total"]} for k, v in report["indicators"].items()}
    # The old release counted anyone with a shift as an active volunteer; that count is now
    # `with_shift` (active: at least the catalog's hours, issue 12).
    volunteers = report["indicators"]["actieve_vrijwilligers"]
    if "with_shift" in volunteers:
        out["actieve_vrijwilligers"] = {
            "rooms": {r: volunteers["with_shift"][r] for r in volunteers["rooms"]},
            "total": volunteers["with_shift"]["total"],
        }
    return out


def test_the_fixtures_are_old_and_hold_what_the_script_recorded():
    assert FIGURES["schema"] < len(MIGRATIONS)  # else they test no migration at all
    for name in ("old-central.db", "old-room-cjm.db"):
        assert _user_version(FIXTURES / name) == FIGURES["schema"]
    assert sum(FIGURES["central_events"].values()) >= 300 and FIGURES["room_people"] >= 10


def _report(site, node: str) -> dict:
    return source_for_config(load_config(site.config(node))).report(2017, trends=False)


def test_every_migration_upgrades_old_databases_with_every_count_intact(site):
    _install_fixtures(site)
    for node in ("central", "cjm"):
        connect(site.db(node)).close()  # today's code: every later migration runs
        assert _user_version(site.db(node)) == len(MIGRATIONS)
    conn = sqlite3.connect(site.db("central"))
    try:
        assert (
            dict(conn.execute("SELECT room, COUNT(*) FROM events GROUP BY room"))
            == FIGURES["central_events"]
        )
        assert (
            dict(conn.execute("SELECT room, MAX(seq) FROM events GROUP BY room"))
            == FIGURES["central_max_seq"]
        )
        assert (
            dict(conn.execute("SELECT room, contiguous_seq FROM sync_rooms"))
            == FIGURES["central_contiguous_seq"]
        )
    finally:
        conn.close()
    room = sqlite3.connect(site.db("cjm"))
    try:
        assert room.execute("SELECT COUNT(*) FROM events").fetchone()[0] == FIGURES["room_events"]
        assert room.execute("SELECT COUNT(*) FROM people").fetchone()[0] == FIGURES["room_people"]
    finally:
        room.close()
    # The report figures the old release computed, indicator by indicator (new ones may be added).
    now = _figures(_report(site, "central"))
    assert {k: now[k] for k in FIGURES["report_indicators"]} == FIGURES["report_indicators"]
    in_room = _figures(_report(site, "cjm"))
    assert {k: in_room[k] for k in FIGURES["room_report_indicators"]} == FIGURES[
        "room_report_indicators"
    ]


def test_an_upgraded_room_and_central_keep_syncing_where_they_left_off(site):
    _install_fixtures(site)
    site.store("cjm").check_in(None, ["kookclub"])
    site.sync_all()
    top = FIGURES["central_max_seq"]["cjm"] + 1
    assert event_ids(site.db("central"), "cjm") == event_ids(site.db("cjm"))
    assert site.status("central")["rooms"]["cjm"]["contiguous_seq"] == top
    assert site.status("cjm")["acked_seq"] == top


# --- newer bundles are refused whole, naming both versions ---------------------------------


def _keys(site: Site, name: str):
    return load_private(site.root / "keys" / f"{name}.key")


def _events_bundle(
    site: Site, *, schema: int = SCHEMA_VERSION, bwk: int | None = None
) -> tuple[str, bytes]:
    """cjm's real key signs a bundle of its real pending events, as a newer program would."""
    store = site.store("cjm")
    store.check_in(None, ["kookclub"])
    from shared import merge

    records = merge.pending_events(store.conn, "cjm", 0, 1000)
    name, data = seal(
        "events",
        _keys(site, "cjm"),
        load_public(site.root / "keys" / "central.pub"),
        records,
        room="cjm",
        created="2017-03-01T10:00:00+01:00",
        schema=schema,
        first_seq=records[0][2],
        last_seq=records[-1][2],
        columns=FIELDS,
    )
    if bwk is None:
        return name, data
    # A newer format: the header says so, and it is signed (its payload layout is unknown to us).
    header = json.loads(data[: data.index(b"\n")])
    header["bwk"] = bwk
    line = canonical(header) + b"\n"
    ciphertext = SUITE.encrypt(
        b"whatever format 3 holds",
        load_public(site.root / "keys" / "central.pub").kem_key,
        info=line,
    )
    data = line + _keys(site, "cjm").sign_key.sign(line + ciphertext) + ciphertext
    return name.replace(name[-44:-4], "0" * 40), data


def _quarantine_reasons(inbox: Path) -> list[str]:
    return [reason for _, reason in transport.quarantined(inbox)]


@pytest.mark.parametrize(
    "newer, message",
    [
        (
            {"schema": SCHEMA_VERSION + 1},
            f"central runs schema {SCHEMA_VERSION}, this bundle is schema {SCHEMA_VERSION + 1}: "
            "upgrade central first",
        ),
        (
            {"bwk": NEWEST_FORMAT + 1},
            f"central runs format {NEWEST_FORMAT}, this bundle is format {NEWEST_FORMAT + 1}: "
            "upgrade central first",
        ),
    ],
)
def test_central_refuses_a_newer_bundle_whole_and_says_to_upgrade_central_first(
    site, newer, message
):
    site.store("multibron").check_in(None, ["inloop"])  # an honest room in the same pass
    site.once("multibron")
    name, data = _events_bundle(site, **newer)
    transport.write_atomic(site.inbox, name, data)
    site.once("central")
    assert event_ids(site.db("central"), "cjm") == set()  # nothing of it merged
    assert event_ids(site.db("central"), "multibron") == event_ids(site.db("multibron"))
    assert any(message in reason for reason in _quarantine_reasons(site.inbox)), (
        _quarantine_reasons(site.inbox)
    )
    text = site.syncd("status", "--config", str(site.config("central"))).stdout
    assert "upgrade central first" in text


def test_a_room_refuses_an_ack_from_a_newer_central_and_says_to_upgrade_this_room(site):
    site.store("cjm").check_in(None, ["kookclub"])
    site.once("cjm")
    name, data = seal(
        "ack",
        _keys(site, "central"),
        load_public(site.root / "keys" / "cjm.pub"),
        [{"type": "ack", "room": "cjm", "seq": 1}],
        room="cjm",
        created="2017-03-01T10:00:00+01:00",
        schema=SCHEMA_VERSION + 1,
    )
    transport.write_atomic(site.root / "cjm" / "inbox", name, data)
    site.once("cjm")
    assert site.status("cjm")["acked_seq"] == 0  # not applied
    expected = (
        f"this room runs schema {SCHEMA_VERSION}, this bundle is schema "
        f"{SCHEMA_VERSION + 1}: upgrade this room"
    )
    assert any(expected in r for r in _quarantine_reasons(site.root / "cjm" / "inbox"))
    # the same central, at this program's schema, is heard again
    site.once("central")
    site.once("cjm")
    assert site.status("cjm")["acked_seq"] == 1


def test_restore_refuses_a_file_from_a_newer_central_and_restores_nothing(site, tmp_path):
    site.store("cjm").check_in(None, ["kookclub"])
    site.sync_all()
    out = tmp_path / "cjm.restore"
    _, data = seal(
        "restore",
        _keys(site, "central"),
        load_public(site.root / "keys" / "cjm.pub"),
        [],
        room="cjm",
        created="2017-03-01T10:00:00+01:00",
        schema=SCHEMA_VERSION + 1,
        columns=FIELDS,
    )
    out.write_bytes(data)
    site.close()
    for suffix in ("", "-wal", "-shm"):
        Path(str(site.db("cjm")) + suffix).unlink(missing_ok=True)
    result = site.syncd(
        "restore", "--config", str(site.config("cjm")), "--from", str(out), check=False
    )
    assert result.returncode == 2
    assert (
        f"this room runs schema {SCHEMA_VERSION}, this restore file is schema "
        f"{SCHEMA_VERSION + 1}: upgrade this room"
    ) in result.stderr
    assert "Traceback" not in result.stderr
    assert event_ids(site.db("cjm")) == set()


def test_the_fixture_script_makes_the_same_figures_again(tmp_path):
    """Re-runnable, and the committed files are what it makes (the codes differ, the counts not)."""
    import subprocess
    import sys

    have = subprocess.run(
        ["git", "-C", str(FIXTURES), "cat-file", "-e", "cb653db^{commit}"], capture_output=True
    )
    if have.returncode != 0:
        pytest.skip("this checkout has no git history with release cb653db")
    result = subprocess.run(
        [sys.executable, str(FIXTURES / "make_fixtures.py"), "--out", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    assert json.loads((tmp_path / "old-fixtures.json").read_text()) == FIGURES
    assert _user_version(tmp_path / "old-central.db") == FIGURES["schema"]
