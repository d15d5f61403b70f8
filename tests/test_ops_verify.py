"""``bwk-syncd verify``: a real site, real processes; each kind of damage is named, exit 1."""

from __future__ import annotations

import json
import sqlite3

import pytest
from test_syncd_e2e import _populate
from test_syncd_site import Site


@pytest.fixture
def site(tmp_path):
    site = Site(tmp_path / "site")
    _populate(site)
    site.sync_all()
    yield site
    site.close()


def _verify(site: Site, node: str, *extra: str):
    return site.syncd("verify", "--config", str(site.config(node)), *extra, check=False)


def _tamper(site: Site, node: str, sql: str, *params) -> None:
    site.close()
    conn = sqlite3.connect(site.db(node))
    with conn:
        conn.execute(sql, params)
    conn.close()


def test_a_synced_site_adds_up_everywhere(site):
    for node in ("central", *site.rooms):
        result = _verify(site, node)
        assert result.returncode == 0, result.stdout + result.stderr
        assert "everything adds up" in result.stdout
    data = json.loads(_verify(site, "central", "--json").stdout)
    assert data["ok"] and data["role"] == "central" and data["projections"] == {}
    assert data["rooms"]["cjm"]["max_seq"] == site.status("cjm")["max_seq"]
    assert data["rooms"]["cjm"]["gaps"] == []
    assert data["catalog_revision"] >= 1
    room = json.loads(_verify(site, "cjm", "--json").stdout)
    assert room["ok"] and room["acked_seq"] == room["max_seq"] > 0
    assert room["catalog_revision"] == data["catalog_revision"]  # nothing newer published


def test_a_tally_that_differs_from_the_log_is_named(site):
    _tamper(site, "central", "UPDATE tallies SET n = n + 1 WHERE room = 'cjm'")
    result = _verify(site, "central")
    assert result.returncode == 1
    assert "PROBLEM" in result.stdout and "tallies" in result.stdout
    assert "what to do:" in result.stdout and "NOT OK" in result.stdout
    data = json.loads(_verify(site, "central", "--json").stdout)
    assert not data["ok"] and data["projections"]["tallies"]["only_held"] > 0


def test_a_gap_at_central_is_named_with_the_missing_seq(site):
    _tamper(site, "central", "DELETE FROM events WHERE room = 'cjm' AND seq = 2")
    result = _verify(site, "central")
    assert result.returncode == 1
    assert "cjm: holds" in result.stdout and "missing 2" in result.stdout
    assert "resend" in result.stdout  # what to do
    data = json.loads(_verify(site, "central", "--json").stdout)
    assert data["rooms"]["cjm"]["gaps"] == [[2, 2]]
    assert data["rooms"]["cjm"]["contiguous_seq"] == 1


def test_central_bookkeeping_that_differs_from_its_log_is_named(site):
    _tamper(site, "central", "UPDATE sync_rooms SET contiguous_seq = 3 WHERE room = 'cjm'")
    result = _verify(site, "central")
    assert result.returncode == 1
    assert "the bookkeeping says seq 3" in result.stdout and "rebuild central" in result.stdout


def test_a_room_that_holds_less_than_central_acknowledged_is_named(site):
    _tamper(site, "cjm", "UPDATE sync_state SET value = '999' WHERE key = 'acked_seq'")
    result = _verify(site, "cjm")
    assert result.returncode == 1
    assert "acknowledged seq 999" in result.stdout and "older than" in result.stdout


def test_a_gap_in_a_rooms_own_log_is_named(site):
    _tamper(site, "multibron", "DELETE FROM events WHERE room = 'multibron' AND seq = 1")
    result = _verify(site, "multibron")
    assert result.returncode == 1 and "gaps in its seq: 1" in result.stdout


def test_a_damaged_file_and_a_missing_one_are_said_plainly(site):
    site.close()
    conn = sqlite3.connect(site.db("central"))
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    page = conn.execute("PRAGMA page_size").fetchone()[0]
    conn.close()
    data = bytearray(site.db("central").read_bytes())
    for offset in range(page * 2, len(data), page):  # every page but the first two
        data[offset : offset + 64] = b"\xa5" * 64
    site.db("central").write_bytes(bytes(data))
    result = _verify(site, "central")
    assert result.returncode in (1, 2)
    text = result.stdout + result.stderr
    assert "integrity" in text or "malformed" in text or "damaged" in text, text
    assert "Traceback" not in text

    for path in site.db("cjm").parent.glob("room.db*"):
        path.unlink()
    result = _verify(site, "cjm")
    assert result.returncode == 1 and "does not exist" in result.stdout
    assert not site.db("cjm").exists()  # verify never creates a database


def test_every_syncd_command_in_the_operations_guide_parses_and_is_run_by_a_test():
    """docs/OPERATIONS.md: each ``bwk-syncd`` line is one the program accepts, and each
    subcommand it uses is run by some test (as a quoted argument of ``site.syncd``)."""
    import re
    import shlex
    from pathlib import Path

    from syncd.cli import _parser

    repo = Path(__file__).resolve().parents[1]
    text = (repo / "docs" / "OPERATIONS.md").read_text("utf-8")
    blocks = re.findall(r"```sh\n(.*?)```", text, re.S)
    inline = re.findall(r"`(bwk-syncd [^`]+)`", text)
    lines = [line.strip() for block in blocks for line in block.splitlines()] + inline
    commands = [line.split("#")[0].strip() for line in lines if line.startswith("bwk-syncd ")]
    commands = [c for c in commands if "..." not in c]  # "resend --all" style mentions
    assert len(commands) >= 8
    tests = "".join(p.read_text("utf-8") for p in (repo / "tests").glob("test_*.py"))
    for command in commands:
        args = shlex.split(command)[1:]
        _parser().parse_args(args)  # SystemExit (a failed test) when not accepted
        assert f'"{args[0]}"' in tests, f"no test runs bwk-syncd {args[0]}"
