"""Issue 10 gap, the operator's way out: an event id squatted at central by another room
(an old unkeyed import, ids leaked from a room machine) keeps the honest room's bundle in
quarantine. ``verify`` names the conflict, ``release`` takes the squatter's event out of
central's copy as a logged decision, and the honest bundle merges when delivered again.
Real keys, real bundles, a real folder, real ``bwk-syncd`` processes."""

from __future__ import annotations

import json
import subprocess

import pytest
from test_syncd_site import REPO, Site, event_ids
from test_trust_content import figures, reasons, room_rows, visits

from shared.db import transaction
from shared.events import merge_rows


@pytest.fixture
def site(tmp_path):
    site = Site(tmp_path / "site")
    yield site
    site.close()


def _squat(site: Site) -> tuple[str, str]:
    """One of cjm's unsent ids lands in handreiking's own log at seq 2 (as a paper list
    imported the old unkeyed way would put it there) and reaches central first; then cjm's
    honest bundle is quarantined. Returns (squatted id, quarantined file)."""
    visits(site, "cjm", 4)
    visits(site, "handreiking", 1)
    site.sync_all()
    visits(site, "cjm", 3)  # not sent yet; one of these ids leaks
    leaked = room_rows(site, "cjm")[5]
    squatter = site.store("handreiking").conn
    with transaction(squatter):
        merge_rows(squatter, [(leaked[0], "handreiking", 2, *leaked[3:])])
    site.once("handreiking")
    site.once("central")
    assert leaked[0] in event_ids(site.db("central"), "handreiking")
    site.once("cjm")
    site.once("central")
    [(name, reason)] = [(n, r) for n, r in reasons(site).items() if "id of another room" in r]
    assert "seq 6: id of another room" in reason
    return leaked[0], name


def _redeliver_as_the_guide_says(site: Site, name: str) -> None:
    """The ``mv`` line of docs/OPERATIONS.md ("An id of another room"), run as written
    with this site's central folder and the file's name filled in."""
    text = (REPO / "docs" / "OPERATIONS.md").read_text("utf-8")
    section = text.split("## An id of another room", 1)[1].split("\n## ", 1)[0]
    [line] = [ln.strip() for ln in section.splitlines() if ln.strip().startswith("mv ")]
    line = line.replace("/srv/bwk/central", str(site.inbox.parent)).replace("FILE", name)
    subprocess.run(line, shell=True, check=True, timeout=30)
    assert (site.inbox / name).exists()
    assert not (site.inbox.parent / "quarantine" / f"{name}.reason").exists()


def test_verify_names_the_squatted_id_and_the_way_out(site):
    squatted, quarantined = _squat(site)
    result = site.syncd("verify", "--config", str(site.config("central")), check=False)
    assert result.returncode == 1, result.stdout
    out = result.stdout
    assert quarantined in out and "handreiking" in out and squatted in out
    assert (
        f"bwk-syncd release --config {site.config('central')} --room handreiking "
        f"--event-id {squatted}"
    ) in out
    as_json = json.loads(
        site.syncd("verify", "--config", str(site.config("central")), "--json", check=False).stdout
    )
    [conflict] = as_json["conflicts"]
    assert conflict == {
        "file": quarantined,
        "room": "cjm",
        "seq": 6,
        "id": squatted,
        "held_by": "handreiking",
        "held_seq": 2,
    }


def test_release_then_redeliver_merges_the_honest_bundle_and_verify_stays_green(site):
    squatted, quarantined = _squat(site)
    central = str(site.config("central"))
    out = site.syncd(
        "release", "--config", central, "--room", "handreiking", "--event-id", squatted
    ).stdout
    assert f"released {squatted}" in out and "handreiking seq 2" in out
    quarantine = site.inbox.parent / "quarantine"
    assert (
        f"mv {quarantine / quarantined} {site.inbox}/ && rm {quarantine / quarantined}.reason"
        in out
    )  # the guide's line, filled in
    assert squatted not in event_ids(site.db("central"))
    verify = site.syncd("verify", "--config", central, check=False)
    assert verify.returncode == 1 and quarantined in verify.stdout  # not merged yet

    _redeliver_as_the_guide_says(site, quarantined)
    site.sync_all()

    assert squatted in event_ids(site.db("central"), "cjm")
    status = site.status("cjm")
    assert status["acked_seq"] == status["max_seq"] == 7
    # The squatting room goes on: its next events merge and are acknowledged.
    visits(site, "handreiking", 2)
    site.sync_all()
    status = site.status("handreiking")
    assert status["acked_seq"] == status["max_seq"] == 4
    held = event_ids(site.db("central"), "handreiking")
    assert {r[0] for r in room_rows(site, "handreiking")} - held == {squatted}
    assert figures(site.db("central"), "cjm") == figures(site.db("cjm"), "cjm")
    verify = site.syncd("verify", "--config", central, "--json", check=False)
    result = json.loads(verify.stdout)
    assert verify.returncode == 0, verify.stdout
    assert result["rooms"]["handreiking"]["gaps"] == []
    assert result["released"] == [
        {
            "room": "handreiking",
            "seq": 2,
            "id": squatted,
            "released_at": result["released"][0]["released_at"],
        }
    ]
    text = site.syncd("verify", "--config", central).stdout
    assert "released by central: handreiking seq 2" in text
    # A second release of the same id says plainly there is nothing to release.
    again = site.syncd(
        "release", "--config", central, "--room", "handreiking", "--event-id", squatted, check=False
    )
    assert again.returncode == 2 and "handreiking holds no event" in again.stderr


def test_release_all_conflicting_takes_every_squatted_id_of_the_room(site):
    squatted, quarantined = _squat(site)
    central = str(site.config("central"))
    out = site.syncd(
        "release", "--config", central, "--room", "handreiking", "--all-conflicting"
    ).stdout
    assert f"released {squatted}" in out
    _redeliver_as_the_guide_says(site, quarantined)
    site.sync_all()
    assert site.syncd("verify", "--config", central, check=False).returncode == 0


def test_release_refuses_what_it_cannot_do(site):
    squatted, _ = _squat(site)
    central = str(site.config("central"))
    wrong_room = site.syncd(
        "release", "--config", central, "--room", "multibron", "--event-id", squatted, check=False
    )
    assert wrong_room.returncode == 2 and "multibron holds no event" in wrong_room.stderr
    room = site.syncd(
        "release",
        "--config",
        str(site.config("cjm")),
        "--room",
        "handreiking",
        "--event-id",
        squatted,
        check=False,
    )
    assert room.returncode == 2 and "central" in room.stderr
    assert squatted in event_ids(site.db("central"), "handreiking")  # nothing changed
