"""Central's backlog path (``syncd.opener``): a helper process opens, checks and stages
bundles while central merges, and counts their tallies.

It must leave exactly the central copy that opening every bundle in this process
leaves, meet hostile files the same way (same quarantine, same reasons), and never be
needed: a helper that cannot start leaves central to open the backlog itself. Real
keys, real bundles written by real rooms, a real helper process.
"""

from __future__ import annotations

import logging
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from bench.data import generate
from shared.bundle import bundle_name, seal
from shared.config import load_config
from shared.keys import load_private, load_public, write_keypair
from shared.records import FIELDS
from syncd import helper_process, opener
from syncd.central import CentralNode
from syncd.common import PassReport
from syncd.daemon import make_node
from syncd.demo import write_site
from syncd.room import RoomNode

ROOMS = ("cjm", "multibron", "handreiking")
PROJECTIONS = ("events", "roles", "open_shifts", "voided", "room_state")
AT = "2017-12-31T23:00:00+01:00"


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    """Three rooms that exported a year each (1,200 events, bundles of 300), the bundles
    kept aside in ``stash``; central has merged nothing."""
    root = tmp_path_factory.mktemp("backlog")
    write_site(root, ROOMS)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("BWK_SYNCD_MAX_EVENTS", "300")
        for number, room in enumerate(ROOMS):
            generate(root / room / "room.db", 1200, rooms=(room,), seed=number + 7)
            node = RoomNode(load_config(root / room / "room.toml"))
            node.export(PassReport())
            node.close()
    (root / "stash").mkdir()
    for path in (root / "central" / "inbox").glob("*.bwk"):
        shutil.move(path, root / "stash" / path.name)
    return root


def central_pass(
    site: Path,
    monkeypatch,
    *,
    helper: bool,
    steal: bool = True,
    extra: dict | None = None,
    early: bool = False,
) -> tuple[PassReport, dict[str, list]]:
    """One ``run_pass`` of a fresh central over the stash (and ``extra`` files): with the
    helper for any inbox of two files or more, or never; returns its report and tables.
    ``early``: the node made as ``once`` makes it (``make_node``)."""
    for suffix in ("", "-wal", "-shm"):
        Path(f"{site / 'central' / 'central.db'}{suffix}").unlink(missing_ok=True)
    shutil.rmtree(site / "central" / "quarantine", ignore_errors=True)
    inbox = site / "central" / "inbox"
    for path in inbox.iterdir():
        path.unlink()
    for path in sorted((site / "stash").glob("*.bwk")):
        shutil.copy(path, inbox / path.name)
    for name, data in (extra or {}).items():
        (inbox / name).write_bytes(data)
    monkeypatch.setattr(helper_process, "BACKLOG_FILES", 2 if helper else 10**9)
    monkeypatch.setattr(helper_process, "BACKLOG_BYTES", 0)
    monkeypatch.setattr(opener, "STEAL", steal)
    config = site / "central" / "central.toml"
    node = make_node(config, passes=True) if early else CentralNode(load_config(config))
    assert isinstance(node, CentralNode)
    try:
        report = node.run_pass()
        # A count taken back to nothing may stay as a row of 0, as test_merge_order says.
        tables = {t: _rows(node, f"SELECT * FROM {t}") for t in PROJECTIONS}
        for table in ("tallies", "monthly_visits"):
            tables[table] = _rows(node, f"SELECT * FROM {table} WHERE n != 0")
        tables["sync_rooms"] = _rows(node, "SELECT room, contiguous_seq, bundles FROM sync_rooms")
        tables["sync_quarantine"] = _rows(node, "SELECT name, room, reason FROM sync_quarantine")
    finally:
        node.close()
    assert not list(inbox.glob("*.bwk")), "every file was merged or quarantined"
    return report, tables


def _rows(node: CentralNode, sql: str) -> list[tuple]:
    return sorted((tuple(row) for row in node.conn.execute(sql)), key=repr)


def test_the_helper_gives_the_central_copy_that_opening_here_gives(
    site, monkeypatch, caplog, tmp_path
):
    stashed = len(list((site / "stash").glob("*.bwk")))
    here_report, here = central_pass(site, monkeypatch, helper=False)
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))  # where the scratch files go
    with caplog.at_level(logging.INFO, logger="bwk-syncd"):
        helper_report, helped = central_pass(site, monkeypatch, helper=True, steal=False)
    assert not list(tmp_path.iterdir()), "the scratch folder is removed after the pass"
    assert here_report.merged == helper_report.merged == 3 * 1200
    assert here_report.bundles_read == helper_report.bundles_read == stashed
    assert helped == here
    assert len(here["voided"]) > 0 and len(here["tallies"]) > 100  # a year with voids in it
    # Every bundle but the first (opened here while the helper starts) was staged.
    assert f"{stashed - 1} bundles staged by the helper process, 0 opened here" in caplog.text
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING], caplog.text


def test_opening_here_while_the_helper_is_busy_changes_nothing(site, monkeypatch, caplog):
    _, here = central_pass(site, monkeypatch, helper=False)
    with caplog.at_level(logging.INFO, logger="bwk-syncd"):
        _, helped = central_pass(site, monkeypatch, helper=True, steal=True)
    assert helped == here
    assert "staged by the helper process" in caplog.text


def _hostile_files(site: Path) -> dict[str, bytes]:
    """A bundle cut short, one with a flipped bit, and one validly signed by cjm's key
    that claims another room's events and a seq SQLite cannot hold."""
    honest = sorted((site / "stash").glob("events-cjm-*.bwk"))[0].read_bytes()
    cut = honest[: len(honest) // 2]
    flipped = bytearray(honest)
    flipped[-40] ^= 0x01
    cjm = load_private(site / "keys" / "cjm.key")
    central = load_public(site / "keys" / "central.pub")
    rows = [
        ("a" * 32, "multibron", 9001, AT, "checkin", None, None, None, "{}"),
        ("b" * 32, "cjm", 2**63, AT, "checkin", None, None, None, "{}"),
    ]
    name, signed = seal(
        "events", cjm, central, rows, room="cjm", created=AT, schema=9, columns=FIELDS
    )
    return {
        bundle_name("events", "cjm", cut): cut,
        bundle_name("events", "cjm", bytes(flipped)): bytes(flipped),
        name: signed,
    }


def test_hostile_files_in_a_backlog_meet_the_same_quarantine(site, monkeypatch, caplog):
    hostile = _hostile_files(site)
    here_report, here = central_pass(site, monkeypatch, helper=False, extra=hostile)
    with caplog.at_level(logging.INFO, logger="bwk-syncd"):
        helper_report, helped = central_pass(site, monkeypatch, helper=True, extra=hostile)
    assert "opening the inbox in this process" not in caplog.text  # the helper refused them
    assert here_report.quarantined == helper_report.quarantined == 3
    assert here_report.merged == helper_report.merged == 3 * 1200
    # The same files, the same reasons, attributed to the same verified signer.
    assert {(n, r, why) for n, r, why in helped["sync_quarantine"]} == {
        (n, r, why) for n, r, why in here["sync_quarantine"]
    }
    reasons = " | ".join(why for _, _, why in helped["sync_quarantine"])
    assert "bad signature" in reasons and "an event of another room" in reasons
    assert helped == here


def test_a_helper_that_cannot_start_leaves_central_to_open_the_backlog(
    site, monkeypatch, caplog, tmp_path
):
    """Central's key file is replaced after central loaded it: the helper refuses to open
    anything with another key, and central opens every bundle itself."""
    _, here = central_pass(site, monkeypatch, helper=False)
    key_file = site / "keys" / "central.key"
    kept = key_file.read_bytes()
    write_keypair(tmp_path, "central")
    real_init = CentralNode.__init__

    def init_then_swap_the_key(node, *args, **kwargs):
        real_init(node, *args, **kwargs)
        key_file.write_bytes((tmp_path / "central.key").read_bytes())

    monkeypatch.setattr(CentralNode, "__init__", init_then_swap_the_key)
    try:
        with caplog.at_level(logging.INFO, logger="bwk-syncd"):
            report, helped = central_pass(site, monkeypatch, helper=True, steal=False)
    finally:
        key_file.write_bytes(kept)
    assert report.merged == 3 * 1200 and report.quarantined == 0
    assert helped == here
    assert "opening the inbox in this process" in caplog.text


def test_without_a_temporary_folder_central_opens_the_backlog_itself(
    site, monkeypatch, caplog, tmp_path
):
    _, here = central_pass(site, monkeypatch, helper=False)
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "gone"))
    with caplog.at_level(logging.INFO, logger="bwk-syncd"):
        report, helped = central_pass(site, monkeypatch, helper=True)
    assert report.merged == 3 * 1200 and helped == here
    assert "opening the inbox in this process" in caplog.text


def test_an_everyday_inbox_is_opened_without_a_helper(site, monkeypatch, caplog):
    """The thresholds as shipped: the test's few small bundles are no backlog."""
    for path in (site / "central" / "inbox").iterdir():
        path.unlink()
    for suffix in ("", "-wal", "-shm"):
        Path(f"{site / 'central' / 'central.db'}{suffix}").unlink(missing_ok=True)
    small = sorted((site / "stash").glob("*.bwk"))[:2]
    for path in small:
        shutil.copy(path, site / "central" / "inbox" / path.name)
    node = CentralNode(load_config(site / "central" / "central.toml"))
    try:
        with caplog.at_level(logging.INFO, logger="bwk-syncd"):
            report = node.run_pass()
    finally:
        node.close()
    assert report.bundles_read == 2
    assert "helper process" not in caplog.text


def test_the_helper_answers_nothing_to_a_request_it_cannot_read(site):
    """``python -m syncd.opener`` given garbage instead of its set-up ends with an error,
    never with an answer central could take for an opened bundle."""
    done = subprocess.run(
        [sys.executable, "-m", "syncd.opener"],
        input=b"\x00\x00\x00\x00\x00\x00\x00\x05junk!",
        capture_output=True,
        timeout=60,
    )
    assert done.returncode != 0 and done.stdout == b""


def test_the_helper_runs_this_package_whatever_the_working_folder(
    site, monkeypatch, caplog, tmp_path
):
    """A ``syncd`` folder where the operator happens to stand (another checkout, say) is
    never what the helper runs."""
    other = tmp_path / "syncd"
    other.mkdir()
    (other / "__init__.py").write_text("")
    (other / "opener.py").write_text(
        "import pathlib\npathlib.Path(__file__).with_name('ran').write_text('ran')\n"
    )
    monkeypatch.chdir(tmp_path)
    _, here = central_pass(site, monkeypatch, helper=False)
    with caplog.at_level(logging.INFO, logger="bwk-syncd"):
        _, helped = central_pass(site, monkeypatch, helper=True)
    assert not (other / "ran").exists()
    assert helped == here
    assert "staged by the helper process" in caplog.text
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING], caplog.text


def test_a_backlog_found_at_start_has_its_helper_started_early(site, monkeypatch, caplog):
    """``once`` and ``run`` make their node with ``make_node``: a backlog already in the
    inbox starts its helper then, and the pass uses it; a node that runs no pass stops
    it; ``status`` starts none."""
    _, here = central_pass(site, monkeypatch, helper=False)
    monkeypatch.setattr(helper_process, "BACKLOG_FILES", 2)
    monkeypatch.setattr(helper_process, "BACKLOG_BYTES", 0)
    with caplog.at_level(logging.INFO, logger="bwk-syncd"):
        _, helped = central_pass(site, monkeypatch, helper=True, early=True)
    assert "opened with a helper process (started early)" in caplog.text
    assert helped == here
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING], caplog.text
    inbox = site / "central" / "inbox"
    for path in (site / "stash").glob("*.bwk"):
        shutil.copy(path, inbox / path.name)
    status_only = make_node(site / "central" / "central.toml")  # as `status` makes it
    assert isinstance(status_only, CentralNode) and status_only.early_helper is None
    status_only.close()
    unused = make_node(site / "central" / "central.toml", passes=True)
    assert isinstance(unused, CentralNode) and unused.early_helper is not None
    early = unused.early_helper
    unused.close()
    assert early.poll() is not None, "stopped with the node that ran no pass"
    for path in inbox.iterdir():
        path.unlink()
