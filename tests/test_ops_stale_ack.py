"""A stale acknowledgement after rebuilding central: an ack written by the lost central,
still in transit when the room ran ``bwk-syncd resend --all`` (or delivered again by
Syncthing), must not make the room believe central holds what it no longer holds.
Real bundles, a real folder, real ``bwk-syncd`` processes for the operator's commands."""

from __future__ import annotations

import shutil

import pytest
from test_syncd_e2e import _populate
from test_syncd_site import Site, event_ids


@pytest.fixture
def site(tmp_path):
    site = Site(tmp_path / "site")
    _populate(site)
    site.sync_all()
    yield site
    site.close()


def _lose_central(site: Site) -> None:
    """central.db is gone, and with it central's inbox (as the guide says to empty it)."""
    site.close()
    for path in (site.root / "central").glob("central.db*"):
        path.unlink()
    for path in site.inbox.glob("*"):
        if path.is_file():
            path.unlink()


def _acks(site: Site, room: str) -> list:
    return sorted((site.root / room / "inbox").glob("ack-*.bwk"))


def test_an_ack_of_the_lost_central_arriving_after_resend_is_ignored(site):
    late = site.store("cjm").check_in(None, ["kookclub"]).events[0]
    site.once("cjm")
    site.once("central")  # merged, and an ack for seq `late.seq` is on its way to cjm
    [in_transit] = _acks(site, "cjm")
    parked = site.root / "in-transit.bwk"
    shutil.move(in_transit, parked)  # Syncthing has not delivered it yet

    _lose_central(site)
    for room in site.rooms:
        site.syncd("resend", "--config", str(site.config(room)), "--all")
    shutil.move(parked, in_transit)  # ... and now it arrives, from the central that is gone

    site.once("cjm")
    status = site.status("cjm")
    assert status["acked_seq"] == 0, "an ack of the lost central counted after resend"
    assert not _acks(site, "cjm")  # read, and put away: it says nothing true any more
    site.sync_all()
    held = event_ids(site.db("central"), "cjm")
    assert late.id in held and event_ids(site.db("cjm")) <= event_ids(site.db("central"))
    status = site.status("cjm")
    assert status["acked_seq"] == status["max_seq"] and status["unacknowledged"] == 0
    verify = site.syncd("verify", "--config", str(site.config("central")), check=False)
    assert verify.returncode == 0, verify.stdout


def test_a_copy_of_an_old_ack_delivered_again_after_resend_is_ignored(site):
    site.store("multibron").check_in(None, ["kookclub"])
    site.once("multibron")
    site.once("central")
    [ack] = _acks(site, "multibron")
    kept = site.root / "kept.bwk"
    shutil.copy(ack, kept)  # Syncthing's versioning (or a conflict copy) keeps one
    site.once("multibron")  # read: acknowledged up to the top
    top = site.status("multibron")["max_seq"]
    assert site.status("multibron")["acked_seq"] == top

    _lose_central(site)
    site.syncd("resend", "--config", str(site.config("multibron")), "--all")
    shutil.copy(kept, ack)  # delivered again, after the resend
    site.once("multibron")
    assert site.status("multibron")["acked_seq"] == 0
    site.sync_all()
    assert site.status("multibron")["acked_seq"] == top
    assert event_ids(site.db("multibron")) <= event_ids(site.db("central"))


@pytest.mark.parametrize("created", ["yesterday", "2017-03-01T11:00:00", 17])
def test_an_ack_with_a_bad_bundle_time_is_refused_whole(site, created):
    """Signed by central, but not a time with its offset: quarantined, nothing applied."""
    from shared.bundle import SCHEMA_VERSION, seal
    from shared.keys import load_private, load_public
    from syncd import transport

    before = site.status("cjm")["acked_seq"]
    central = load_private(site.root / "keys" / "central.key")
    name, data = seal(
        "ack",
        central,
        load_public(site.root / "keys" / "cjm.pub"),
        [{"type": "ack", "room": "cjm", "seq": before + 5, "bundle_created": created}],
        room="cjm",
        created="2017-03-01T11:00:00+01:00",
        schema=SCHEMA_VERSION,
    )
    transport.write_atomic(site.root / "cjm" / "inbox", name, data)
    site.store("cjm").check_in(None, ["kookclub"])
    site.once("cjm")
    status = site.status("cjm")
    assert status["acked_seq"] == before
    assert [q["reason"] for q in status["quarantined"] if q["file"] == name] == ["bad ack"]
