"""The read-only staff view never migrates or writes the database it reads (issue 14 item 11).

An old central.db (schema 7, from tests/fixtures) opened by the dashboard or by
``bwk-staff report`` stays byte for byte the same; the staff are told in plain
words that the daemon upgrades it first.
"""

from __future__ import annotations

import hashlib
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

from test_syncd_site import child_env
from textual.worker import WorkerFailed

from kiosk.staff.app import StaffApp
from kiosk.staff.source import Source
from kiosk.staff.widgets.panels import StaleBanner
from shared.catalog import load_catalog
from shared.schema import MIGRATIONS

FIXTURES = Path(__file__).resolve().parent / "fixtures"
NOW = None


def _old_central(tmp_path: Path) -> Path:
    path = tmp_path / "central.db"
    shutil.copyfile(FIXTURES / "old-central.db", path)
    return path


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _version(path: Path) -> int:
    conn = sqlite3.connect(path)
    try:
        return conn.execute("PRAGMA user_version").fetchone()[0]
    finally:
        conn.close()


async def test_the_dashboard_leaves_an_old_central_db_unchanged_and_says_why(tmp_path):
    path = _old_central(tmp_path)
    before, version = _digest(path), _version(path)
    assert version < len(MIGRATIONS)  # else this tests nothing
    app = StaffApp(Source(path, load_catalog(), ["cjm", "multibron"], None), year=2017, watch=False)
    async with app.run_test(size=(140, 45)) as pilot:
        banner = ""
        for _ in range(100):  # until the load worker's refusal is on screen
            try:
                await app.workers.wait_for_complete()
            except WorkerFailed:  # the refusal of the old schema, as intended
                pass
            await pilot.pause()
            banner = str(app.screen.query_one(StaleBanner).render())
            if "older than this program" in banner:
                break
    assert "older than this program" in banner and "bwk-syncd once" in banner
    assert _digest(path) == before and _version(path) == version
    assert sorted(
        p.name for p in tmp_path.iterdir() if p.name.startswith("central.db") and p.stat().st_size
    ) == ["central.db"]  # no journal with changes beside it


def test_the_report_command_refuses_an_old_schema_without_touching_it(tmp_path):
    path = _old_central(tmp_path)
    before = _digest(path)
    (tmp_path / "keys").mkdir()
    config = tmp_path / "central.toml"
    config.write_text(
        '[central]\ndatabase = "central.db"\nkey = "keys/central.key"\ninbox = "inbox"\n'
    )
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "kiosk.staff.cli",
            "report",
            "--config",
            str(config),
            "--year",
            "2017",
        ],
        capture_output=True,
        text=True,
        env=child_env(),
        cwd=tmp_path,
        timeout=120,
    )
    assert result.returncode == 2, result.stderr
    assert "older than this program" in result.stderr and "upgrade" in result.stderr.lower()
    assert _digest(path) == before and _version(path) == 7


def test_after_the_daemon_upgrades_it_the_report_reads_it(tmp_path):
    from shared.db import connect

    path = _old_central(tmp_path)
    connect(path).close()  # what the daemon does when it opens central.db
    report = Source(path, load_catalog(), ["cjm", "multibron"], None).report(2017, trends=False)
    assert report["year"] == 2017
