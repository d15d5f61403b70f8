"""status.json and the sync set-up (issue 11, items 18 and 19): lastchange only moves when
the room opens or closes, the SpaceAPI fields come from the room config, and a [sync]
section whose key files are missing is named at start-up and on the sync screen."""

from __future__ import annotations

import json

import pytest
from test_kiosk_keyholder import as_key_holder
from test_kiosk_room_screens import SMALL, key_holder_screen
from test_kiosk_support import SIZE, make_app, screen_text, settle


# --- 18 status.json -------------------------------------------------------------------
async def test_status_lastchange_stays_when_a_restart_finds_the_same_state(tmp_path):
    from kiosk.app import KioskApp

    app, store, _, clock = make_app(tmp_path)
    status = tmp_path / "status.json"
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
    first = json.loads(status.read_text())["state"]
    assert first["open"] is True
    clock.advance(hours=3)
    again = KioskApp(store, app.catalog, app.settings)  # the kiosk restarts, room still open
    async with again.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert json.loads(status.read_text())["state"]["lastchange"] == first["lastchange"]
        await as_key_holder(pilot)  # closing is a change: a new time
        await pilot.click("#kh-close")
        await settle(pilot)
        await pilot.click("#close-confirm")
        await settle(pilot)
    state = json.loads(status.read_text())["state"]
    assert state["open"] is False and state["lastchange"] == first["lastchange"] + 3 * 3600


async def test_status_carries_the_spaceapi_fields_from_the_room_config(tmp_path):
    from shared.config import load_room_config
    from shared.spaceapi import room_details

    config = tmp_path / "room.toml"
    config.write_text(
        '[room]\nid = "cjm"\ndatabase = "room.db"\nstatus_file = "status.json"\n'
        'space_name = "Casa Jepie"\nspace_url = "https://example.org/cjm"\n'
        'space_address = "Voorbeeldstraat 1, Amsterdam"\nspace_lat = 52.3\n'
        'space_lon = 4.97\nspace_email = "cjm@example.org"\n',
        "utf-8",
    )
    details = room_details(load_room_config(config).room)
    app, *_ = make_app(tmp_path, status_details=details)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
    doc = json.loads((tmp_path / "status.json").read_text())
    assert doc["space"] == "Casa Jepie" and doc["url"] == "https://example.org/cjm"
    assert doc["location"] == {"address": "Voorbeeldstraat 1, Amsterdam", "lat": 52.3, "lon": 4.97}
    assert doc["contact"] == {"email": "cjm@example.org"}
    assert doc["state"]["open"] is True and "logo" not in doc


def test_spaceapi_config_keys_are_checked(tmp_path):
    from shared.config import ConfigError, load_room_config

    config = tmp_path / "room.toml"
    config.write_text('[room]\nid = "cjm"\ndatabase = "room.db"\nspace_lat = 152.0\n', "utf-8")
    with pytest.raises(ConfigError, match=r"room.toml:4: \[room\] space_lat: expected degrees"):
        load_room_config(config)
    config.write_text('[room]\nid = "cjm"\ndatabase = "room.db"\nspace_lon = "east"\n', "utf-8")
    with pytest.raises(ConfigError, match="space_lon: expected a number"):
        load_room_config(config)


# --- 19 a [sync] section whose key files are missing ----------------------------------
def sync_section(tmp_path, *, room_key: bool = False, central_key: bool = False):
    from shared.config import SyncSection

    keys = tmp_path / "keys"
    keys.mkdir(exist_ok=True)
    if room_key:
        (keys / "cjm.key").write_text("not read by the kiosk")
    if central_key:
        (keys / "central.pub").write_text("not read by the kiosk")
    return SyncSection(
        key=keys / "cjm.key",
        central_key=keys / "central.pub",
        outbox=tmp_path / "outbox",
        inbox=tmp_path / "inbox",
    )


async def open_sync(pilot) -> str:
    await as_key_holder(pilot)
    await pilot.click("#kh-sync")
    await settle(pilot)
    return screen_text(pilot.app)


async def test_sync_screen_says_which_key_file_is_missing(tmp_path):
    app, *_ = make_app(tmp_path, sync=sync_section(tmp_path, room_key=True))
    async with app.run_test(size=SIZE) as pilot:
        text = await open_sync(pilot)
        assert app.screen.query_one("#sync-missing").display
    assert "Er wordt niets verstuurd: er ontbreekt iets." in text
    assert f"coöperatie ontbreekt: {tmp_path / 'keys' / 'central.pub'}" in text
    assert "central.pub" in text and "sleutel van deze kamer ontbreekt" not in text


async def test_sync_screen_without_problems_shows_no_warning(tmp_path):
    app, *_ = make_app(tmp_path, sync=sync_section(tmp_path, room_key=True, central_key=True))
    async with app.run_test(size=SIZE) as pilot:
        text = await open_sync(pilot)
        assert not app.screen.query_one("#sync-missing").display
    assert "ontbreekt" not in text and "Wachtend om te versturen: 0" in text


def test_the_example_config_starts_and_says_what_is_missing(tmp_path):
    """``bwk-kiosk --config`` with the example's [sync]: the log and stderr name both files."""
    import os
    import shutil
    import signal
    import subprocess
    import sys
    import time
    from pathlib import Path

    from shared.store import RoomStore

    repo = Path(__file__).resolve().parents[1]
    shutil.copy(repo / "config" / "room.example.toml", tmp_path / "room.toml")
    store = RoomStore(tmp_path / "room.db", "multibron")
    store.add_key_holder("Anna", "2468", by=None)
    store.close()
    log = tmp_path / "kiosk.log"
    kiosk = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "kiosk.cli",
            "--headless",
            "--config",
            str(tmp_path / "room.toml"),
            "--log",
            str(log),
        ],
        cwd=repo,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        env={**os.environ, "PYTHONPATH": str(repo)},
    )
    try:
        deadline = time.monotonic() + 60  # a bound on waiting for the start, not a measurement
        while "kiosk ready" not in (log.read_text() if log.exists() else ""):
            assert kiosk.poll() is None and time.monotonic() < deadline
            time.sleep(0.1)
    finally:
        kiosk.send_signal(signal.SIGTERM)
        _, err = kiosk.communicate(timeout=30)
    text = log.read_text()
    assert f"This room's key is missing: {tmp_path / 'keys' / 'multibron.key'}" in text
    assert "bwk-syncd keygen multibron" in text
    assert f"The cooperative's public key is missing: {tmp_path / 'keys' / 'central.pub'}" in text
    assert "central.pub" in err.decode()


@pytest.mark.parametrize("size", [SIZE, SMALL], ids=["100x32", "80x24"])
def test_snapshot_sync_with_missing_keys(snap_compare, tmp_path, size):
    from pathlib import Path

    from shared.config import SyncSection

    nowhere = Path("/nonexistent/bwk")  # fixed paths: the screenshot shows them
    sync = SyncSection(
        key=nowhere / "keys/cjm.key",
        central_key=nowhere / "keys/central.pub",
        outbox=nowhere / "outbox",
        inbox=nowhere / "inbox",
    )
    app, *_ = make_app(tmp_path, sync=sync)
    assert snap_compare(app, terminal_size=size, run_before=key_holder_screen("#kh-sync"))
