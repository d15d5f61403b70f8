"""Backups of central while its daemon runs (with a restore drill), and rebuilding a lost
central from the rooms with ``bwk-syncd resend --all``: real processes, real folders."""

from __future__ import annotations

import json
import signal
import stat

import pytest
from test_syncd_e2e import _populate, _report
from test_syncd_site import Site, event_ids, wait_for

# Fields of the report that say when, not what: they differ after any rebuild.
WHEN_FIELDS = {"generated_at", "checked_at", "last_bundle_at", "lag_hours"}


@pytest.fixture
def site(tmp_path):
    site = Site(tmp_path / "site")
    _populate(site)
    site.sync_all()
    yield site
    site.close()


def _comparable(value):
    if isinstance(value, dict):
        return {k: _comparable(v) for k, v in value.items() if k not in WHEN_FIELDS}
    if isinstance(value, list):
        return [_comparable(v) for v in value]
    return value


def _stop(proc) -> None:
    proc.send_signal(signal.SIGTERM)
    try:
        _, err = proc.communicate(timeout=30)
    except Exception:
        proc.kill()
        raise
    assert proc.returncode == 0, err


def _central_config_for(site: Site, database: str):
    """A copy of central's config that reads another database file (to verify a backup)."""
    text = (
        site.config("central")
        .read_text()
        .replace('database = "central.db"', f'database = "{database}"', 1)
    )
    path = site.root / "central" / f"{database}.toml"
    path.write_text(text)
    return path


def _all_merged(site: Site) -> bool:
    held = event_ids(site.db("central"))
    return all(event_ids(site.db(r)) <= held for r in site.rooms)


def test_backup_while_the_daemon_merges_then_a_restore_drill(site):
    daemon = site.daemon("central")
    try:
        # A batch in flight: the daemon merges it while the backups are taken.
        for _ in range(40):
            site.store("cjm").check_in(None, ["kookclub"])
        site.once("cjm")
        during = site.root / "central" / "during.db"
        site.syncd("backup", "--config", str(site.config("central")), "--out", str(during))
        verify = site.syncd(
            "verify", "--config", str(_central_config_for(site, "during.db")), check=False
        )
        assert verify.returncode == 0, verify.stdout  # a consistent snapshot, whenever taken

        wait_for(lambda: _all_merged(site), site.root, what="central to merge the batch")
        backup = site.root / "backup" / "central-backup.db"
        backup.parent.mkdir()
        out = site.syncd(
            "backup", "--config", str(site.config("central")), "--out", str(backup)
        ).stdout
        assert "wrote" in out and str(backup) in out
    finally:
        _stop(daemon)
    assert stat.S_IMODE(backup.stat().st_mode) == 0o600
    assert sorted(p.name for p in backup.parent.iterdir()) == ["central-backup.db"]  # no .tmp
    before = _report(site)

    # The drill: central.db is lost; the backup is put in its place.
    for path in (site.root / "central").glob("central.db*"):
        path.unlink()
    (site.root / "central" / "central.db").write_bytes(backup.read_bytes())
    verify = site.syncd("verify", "--config", str(site.config("central")), check=False)
    assert verify.returncode == 0, verify.stdout
    assert _comparable(_report(site)) == _comparable(before)
    assert _report(site)["sync"] == before["sync"]  # the bookkeeping came back too


def test_backup_refuses_the_database_itself_and_a_missing_folder(site):
    central = str(site.config("central"))
    same = site.syncd("backup", "--config", central, "--out", str(site.db("central")), check=False)
    assert same.returncode == 2 and "the database itself" in same.stderr
    nowhere = site.syncd(
        "backup", "--config", central, "--out", str(site.root / "nowhere" / "b.db"), check=False
    )
    assert nowhere.returncode == 2 and "no such folder" in nowhere.stderr
    # a room's database can be backed up the same way (it holds names: 0600)
    room_copy = site.root / "cjm-backup.db"
    site.syncd("backup", "--config", str(site.config("cjm")), "--out", str(room_copy))
    assert stat.S_IMODE(room_copy.stat().st_mode) == 0o600
    assert event_ids(room_copy) == event_ids(site.db("cjm"))


def test_rebuild_central_from_the_rooms_gives_the_same_report(site):
    # One room has a bundle out that central never merged before it was lost.
    late = site.store("multibron").check_in(None, ["kookclub"]).events[0]
    site.once("multibron")
    assert list(site.inbox.glob("*.bwk"))
    site.once("central")
    before = _report(site)
    status_before = {r: site.status(r)["max_seq"] for r in site.rooms}

    site.close()
    for path in (site.root / "central").glob("central.db*"):
        path.unlink()
    for path in site.inbox.glob("*"):  # central's folder and its bookkeeping went with it
        if path.is_file():
            path.unlink()
    for room in site.rooms:
        out = site.syncd("resend", "--config", str(site.config(room)), "--all").stdout
        assert f"seq 1 to {status_before[room]}" in out
        if room == "multibron":  # the lost central's ack, never read, must not count
            assert "removed 1 old acknowledgement" in out
        status = site.status(room)
        assert status["acked_seq"] == 0 and status["exported_seq"] == 0
    site.sync_all()

    assert late.id in event_ids(site.db("central"))
    after = _report(site)
    assert _comparable(after) == _comparable(before)
    for room in site.rooms:
        status = site.status(room)
        assert status["acked_seq"] == status["max_seq"] == status_before[room]
        assert status["unacknowledged"] == 0 and status["outbox_waiting"] == 0
    assert not list(site.inbox.glob("*.bwk"))
    verify = site.syncd("verify", "--config", str(site.config("central")), check=False)
    assert verify.returncode == 0, verify.stdout
    # a room's outbox bookkeeping is empty again: the re-export replaced the old bundles
    from shared import merge
    from shared.db import connect

    for room in site.rooms:
        conn = connect(site.db(room))
        try:
            assert merge.outbox(conn) == []
        finally:
            conn.close()


def test_resend_is_for_a_room_and_needs_all(site):
    central = site.syncd("resend", "--config", str(site.config("central")), "--all", check=False)
    assert central.returncode == 2 and "resend runs in a room" in central.stderr
    bare = site.syncd("resend", "--config", str(site.config("cjm")), check=False)
    assert bare.returncode == 2 and "--all" in bare.stderr
    assert (
        json.loads(site.syncd("status", "--config", str(site.config("cjm")), "--json").stdout)[
            "acked_seq"
        ]
        > 0
    )  # nothing changed


def test_restoring_an_older_backup_then_resend_brings_back_what_came_after(site):
    backup = site.root / "older.db"
    site.syncd("backup", "--config", str(site.config("central")), "--out", str(backup))
    later = site.store("cjm").check_in(None, ["computerles"]).events[0]
    site.sync_all()  # merged and acknowledged after the backup was made
    assert site.status("cjm")["acked_seq"] == later.seq
    before = _report(site)

    site.close()
    for path in (site.root / "central").glob("central.db*"):
        path.unlink()
    (site.root / "central" / "central.db").write_bytes(backup.read_bytes())
    assert later.id not in event_ids(site.db("central"))
    site.sync_all()
    assert later.id not in event_ids(site.db("central"))  # the room believes it is there
    for room in site.rooms:
        site.syncd("resend", "--config", str(site.config(room)), "--all")
    site.sync_all()
    assert later.id in event_ids(site.db("central"))
    assert _comparable(_report(site)) == _comparable(before)
    assert (
        site.syncd("verify", "--config", str(site.config("central")), check=False).returncode == 0
    )
