"""End to end over a real folder, real keys, real subprocesses: rooms -> central -> report."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from test_syncd_site import Site, child_env, event_ids

from shared.catalog import current_catalog, load_catalog, packaged_text

NAMES = ("Qwertina", "Blorvakje", "Zyxelle", "Kwispelotte")  # invented, distinctive


@pytest.fixture
def site(tmp_path):
    site = Site(tmp_path / "site")
    yield site
    site.close()


def _populate(site: Site) -> dict[str, str]:
    cjm, multibron, handreiking = (site.store(r) for r in ("cjm", "multibron", "handreiking"))
    keeper = cjm.add_key_holder(NAMES[3], "4711", by=None)
    zoe = cjm.register_visitor(NAMES[0])
    mo = cjm.register_visitor(NAMES[1])
    cjm.check_in(zoe.code, ["kookclub"])
    cjm.check_in(mo.code, ["kookclub", "computerles"])
    multibron.check_in(mo.code, ["kookclub"])  # the same person in a second room, no name there
    ayse = multibron.register_visitor(NAMES[2])
    multibron.check_in(ayse.code, [])
    handreiking.check_in(None, ["inloop"])
    return {"keeper": keeper.code, "zoe": zoe.code, "mo": mo.code, "ayse": ayse.code}


def _report(site: Site) -> dict:
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys; from kiosk.staff.cli import main; sys.exit(main())",
            "report",
            "--config",
            str(site.config("central")),
            "--year",
            "2017",
            "--format",
            "json",
        ],
        capture_output=True,
        text=True,
        timeout=60,
        env=child_env(),
        cwd=site.root,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def _verify_all(site: Site) -> None:
    """``bwk-syncd verify`` at the end of a scenario: every node adds up."""
    for node in ("central", *site.rooms):
        result = site.syncd("verify", "--config", str(site.config(node)), check=False)
        assert result.returncode == 0, f"verify {node}:\n{result.stdout}{result.stderr}"


def test_three_rooms_once_central_report_and_no_names_at_central(site):
    site.subprocess = True  # every pass and status a real `bwk-syncd` process
    _populate(site)
    site.sync_all()
    union = set().union(*(event_ids(site.db(r)) for r in site.rooms))
    assert event_ids(site.db("central")) == union

    report = _report(site)
    kook = report["indicators"]["kookclub"]
    assert kook["rooms"] == {"cjm": 2, "multibron": 1, "handreiking": 0}
    assert kook["total"] == 2  # Mo counted once across two rooms
    unique = report["indicators"]["totaal_uniek"]
    assert unique["rooms"]["cjm"] == 2 and unique["rooms"]["multibron"] == 2
    assert unique["total"] == sum(unique["rooms"].values()) - 1
    assert report["sync"]["cjm"]["last_seq"] == len(event_ids(site.db("cjm")))
    assert report["sync"]["cjm"]["last_bundle_at"]

    # Names never leave the rooms: scan central's bytes, WAL included.
    raw = b"".join(p.read_bytes() for p in (site.root / "central").glob("central.db*"))
    assert raw and not any(name.encode() in raw for name in NAMES)
    # ... and nothing in transit or in the folders carries them either
    for path in site.root.rglob("*.bwk"):
        assert not any(name.encode() in path.read_bytes() for name in NAMES)

    # Every room has its acknowledgement: nothing waits, the outbox is empty.
    for room in site.rooms:
        status = site.status(room)
        assert status["acked_seq"] == status["max_seq"] > 0, status
        assert status["unacknowledged"] == 0
    assert not list(site.inbox.glob("*.bwk"))
    central = site.status("central")
    assert {r: e["contiguous_seq"] for r, e in central["rooms"].items()} == {
        r: len(event_ids(site.db(r))) for r in site.rooms
    }
    _verify_all(site)


def test_second_pass_is_idempotent_and_new_events_follow(site):
    _populate(site)
    site.sync_all()
    site.sync_all()
    before = event_ids(site.db("central"))
    site.store("cjm").check_in(None, ["kookclub"])
    site.sync_all()
    assert event_ids(site.db("central")) == before | event_ids(site.db("cjm"))
    assert site.status("cjm")["unacknowledged"] == 0
    _verify_all(site)


def test_forget_in_one_room_removes_the_name_in_the_others(site):
    codes = _populate(site)
    # multibron also knows Mo by name
    from shared import people

    multibron = site.store("multibron")
    people.remember(multibron.conn, codes["mo"], "Blorvakje", multibron.now())
    assert multibron.person(codes["mo"]) is not None
    site.sync_all()
    site.store("cjm").forget(codes["mo"], by=codes["keeper"])
    site.sync_all()  # cjm -> central, which relays the forget to every room at once
    assert site.store("multibron").person(codes["mo"]) is None
    assert site.store("cjm").person(codes["mo"]) is None
    # counts stay: the code is still in the log
    assert _report(site)["indicators"]["kookclub"]["rooms"]["multibron"] == 1
    # the forget is applied once: a name re-learnt later is not deleted again
    people.remember(multibron.conn, codes["mo"], "Blorvakje", multibron.now())
    site.store("multibron").check_in(codes["mo"], [])
    site.sync_all()
    assert site.store("multibron").person(codes["mo"]) is not None
    _verify_all(site)


def test_publish_config_reaches_rooms_only_when_newer(site):
    _populate(site)
    packaged = site.root / "central" / "catalog.toml"  # beside central.toml: published by default
    text = packaged_text()
    revision = load_catalog().revision
    packaged.write_text(text.replace(f"revision = {revision}", f"revision = {revision + 5}", 1))
    out = site.syncd("publish-config", "--config", str(site.config("central"))).stdout
    assert f"revision {revision + 5}" in out
    for room in site.rooms:
        site.once(room)
        assert current_catalog(site.db(room)).revision == revision + 5
        assert site.status(room)["catalog_revision"] == revision + 5
    # an older revision is refused (the rooms would not take it), and sends nothing
    packaged.write_text(text)
    refused = site.syncd("publish-config", "--config", str(site.config("central")), check=False)
    assert refused.returncode == 2 and "older" in refused.stderr
    site.once("cjm")
    assert current_catalog(site.db("cjm")).revision == revision + 5


def test_restore_rebuilds_a_lost_room_and_seq_continues(site):
    _populate(site)
    site.sync_all()
    before = event_ids(site.db("cjm"))
    top = site.status("cjm")["max_seq"]
    site.close()
    for path in (site.root / "cjm").glob("room.db*"):
        path.unlink()
    export = site.root / "cjm-export.bwk"
    site.syncd(
        "export-room",
        "--config",
        str(site.config("central")),
        "--room",
        "cjm",
        "--out",
        str(export),
    )
    out = site.syncd("restore", "--config", str(site.config("cjm")), "--from", str(export)).stdout
    assert f"continues at seq {top + 1}" in out
    assert event_ids(site.db("cjm")) == before
    event = site.store("cjm").check_in(None, ["kookclub"]).events[0]
    assert event.seq == top + 1
    status = site.status("cjm")
    assert status["acked_seq"] == top and status["exported_seq"] == top
    site.sync_all()
    assert event.id in event_ids(site.db("central"))
    _verify_all(site)
    # restoring into a database that already has events is refused, nothing changes
    again = site.syncd(
        "restore", "--config", str(site.config("cjm")), "--from", str(export), check=False
    )
    assert again.returncode == 2 and "already holds" in again.stderr
    # the export is sealed to cjm: another room cannot open it
    other = site.syncd(
        "restore", "--config", str(site.config("multibron")), "--from", str(export), check=False
    )
    assert other.returncode == 2 and "refused" in other.stderr


def test_status_json_reports_quarantined_files_and_once_still_exits_0(site):
    site.subprocess = True
    _populate(site)
    site.once("cjm")
    good = next(site.inbox.glob("*.bwk"))
    data = bytearray(good.read_bytes())
    data[-5] ^= 0x01
    good.write_bytes(bytes(data))
    (site.inbox / ("events-cjm-" + "f" * 40 + ".bwk")).write_bytes(b"garbage")
    result = site.once("central")
    assert result.returncode == 0
    status = site.status("central")
    reasons = sorted(q["reason"] for q in status["quarantined"])
    assert len(reasons) == 2 and any("signature" in r for r in reasons), reasons
    assert (site.root / "central" / "quarantine" / f"{good.name}.reason").exists()
    # Neither file's signature verified: attributed to nobody, never to the name's "cjm".
    assert status["rooms"]["cjm"]["quarantined"] == 0
    text = site.syncd("status", "--config", str(site.config("central"))).stdout
    assert "quarantine: 2 file(s)" in text


def test_unenrolled_room_is_refused(site):
    site.store("cjm").check_in(None, [])
    site.once("cjm")
    conf = site.config("central")
    text = conf.read_text()
    conf.write_text(
        text.split("[rooms.cjm]")[0] + "[rooms.multibron]" + text.split("[rooms.multibron]")[1]
    )
    site.once("central")
    reasons = [q["reason"] for q in site.status("central")["quarantined"]]
    assert reasons == ["unknown sender: cjm"]
    assert event_ids(site.db("central")) == set()


def test_once_without_usable_config_exits_2_with_message(site):
    result = site.syncd("once", "--config", str(site.root / "missing.toml"), check=False)
    assert result.returncode == 2 and "not found" in result.stderr
    (site.root / "keys" / "cjm.key").chmod(0o644)
    result = site.syncd("once", "--config", str(site.config("cjm")), check=False)
    assert result.returncode == 2 and "chmod 600" in result.stderr


def test_demo_builds_a_synced_site_and_refuses_a_used_folder(tmp_path):
    from test_syncd_site import REPO

    cmd = [sys.executable, "-m", "syncd", "demo", "--dir", str(tmp_path / "demo")]
    result = subprocess.run(
        cmd, capture_output=True, text=True, timeout=120, env=child_env(), cwd=REPO
    )
    assert result.returncode == 0, result.stderr
    assert "bwk-kiosk --config" in result.stdout and "bwk-staff --config" in result.stdout
    central = tmp_path / "demo" / "central" / "central.toml"
    status = subprocess.run(
        [sys.executable, "-m", "syncd", "status", "--config", str(central), "--json"],
        capture_output=True,
        text=True,
        timeout=60,
        env=child_env(),
    )
    rooms = json.loads(status.stdout)["rooms"]
    assert set(rooms) == {"cjm", "multibron", "handreiking"}
    assert all(r["contiguous_seq"] == r["max_seq"] > 0 for r in rooms.values())
    again = subprocess.run(cmd, capture_output=True, text=True, timeout=60, env=child_env())
    assert again.returncode == 2 and "not empty" in again.stderr
