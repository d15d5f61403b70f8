"""``bwk-kiosk init`` as a real process with its answers on stdin: a one-letter
name, trivial PINs refused, ``--add-key-holder``, and restored key holders who
get their name and PIN back without being counted twice (issue 11 items 10, 17)."""

from __future__ import annotations

import json
from pathlib import Path

from test_kiosk_cli import run_init
from test_kiosk_keyholder import log_in
from test_kiosk_keyholder_access import to_pin_screen
from test_kiosk_support import SIZE, kinds

from kiosk.screens.keyholder import KeyHolderScreen
from shared import queries
from shared.store import RoomStore


def room_config(tmp_path: Path) -> Path:
    config = tmp_path / "room.toml"
    config.write_text('[room]\nid = "cjm"\ndatabase = "room.db"\n', "utf-8")
    return config


async def test_init_accepts_a_one_letter_name_that_then_opens_the_room(tmp_path):
    config = room_config(tmp_path)
    done = run_init(config, "E\n1111\n7351\n7351\n")
    assert done.returncode == 0, done.stderr
    assert "te makkelijk te raden (zoals 1111, 1234 of 1212)" in done.stdout
    from kiosk.app import KioskApp
    from kiosk.settings import KioskSettings
    from shared.catalog import load_catalog

    store = RoomStore(tmp_path / "room.db", "cjm")
    app = KioskApp(
        store, load_catalog(), KioskSettings("cjm", "Casa Jepie Makandra", handle_signals=False)
    )
    try:
        async with app.run_test(size=SIZE) as pilot:
            await to_pin_screen(pilot)
            await log_in(pilot, "E", "7351")
            assert isinstance(app.screen, KeyHolderScreen)
            assert queries.room_state(store.conn, "cjm").is_open
    finally:
        store.close()


def test_add_key_holder_gives_a_forgotten_pin_a_new_one_without_a_new_person(tmp_path):
    config = room_config(tmp_path)
    assert run_init(config, "E\n7351\n7351\n").returncode == 0
    plain = run_init(config, "")
    assert plain.returncode == 0 and "already has key holders" in plain.stdout
    # nobody remembers E's PIN: whoever can write room.db gives E a new one
    done = run_init(config, "1\n\n6284\n6284\n", "--add-key-holder")
    assert done.returncode == 0, done.stderr
    assert "1. E  code" in done.stdout and "no new key holder" in done.stdout
    store = RoomStore(tmp_path / "room.db", "cjm")
    try:
        (holder,) = store.people_with_role("key_holder")
        assert holder.name == "E" and store.verify_key_holder(holder.code, "6284")
        assert kinds(store).count("key_holder_added") == 1
    finally:
        store.close()
    # Enter at the choice: a new key holder
    added = run_init(config, "\nFenna\n9157\n9157\n", "--add-key-holder")
    assert added.returncode == 0, added.stderr
    store = RoomStore(tmp_path / "room.db", "cjm")
    try:
        assert [p.name for p in store.people_with_role("key_holder")] == ["E", "Fenna"]
    finally:
        store.close()


def test_add_key_holder_needs_the_room_and_an_answer(tmp_path):
    config = room_config(tmp_path)
    missing = run_init(config, "", "--add-key-holder")
    assert missing.returncode == 2 and "does not exist" in missing.stderr
    assert run_init(config, "E\n7351\n7351\n").returncode == 0
    cut = run_init(config, "1\n", "--add-key-holder")  # input ends mid-way: nothing changes
    assert cut.returncode == 2 and "nothing changed" in cut.stderr


# --- issue 11 item 17: after a restore ------------------------------------------------
def central_key_holders(site) -> dict:
    import subprocess
    import sys

    from test_syncd_site import child_env

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
    return json.loads(result.stdout)["indicators"]["sleutelbeheerders"]["rooms"]


def test_after_a_restore_init_gives_key_holders_their_name_and_pin_back(tmp_path):
    from test_syncd_site import Site

    from shared.codes import display

    site = Site(tmp_path / "site")
    try:
        cjm = site.store("cjm")
        ruth = cjm.add_key_holder("Ruth", "4711", by=None)
        bo = cjm.add_key_holder("Bo", "9157", by=ruth.code)
        cjm.open_room(by=ruth.code)
        site.sync_all()
        assert central_key_holders(site)["cjm"] == 2
        # the room machine is replaced: the log comes back from central, names do not
        site.close()
        for path in (site.root / "cjm").glob("room.db*"):
            path.unlink()
        export = site.root / "cjm.restore"
        site.syncd(
            "export-room",
            "--config",
            str(site.config("central")),
            "--room",
            "cjm",
            "--out",
            str(export),
        )
        site.syncd("restore", "--config", str(site.config("cjm")), "--from", str(export))
        # Ruth claims her role by her visitor code; a trivial PIN first
        done = run_init(site.config("cjm"), f"{display(ruth.code)}\nRuth\n1234\n5829\n5829\n")
        assert done.returncode == 0, done.stderr
        assert "teruggezet: 2 sleutelbeheerder(s)" in done.stdout
        assert "te makkelijk te raden" in done.stdout
        assert "no new key holder was added" in done.stdout
        store = site.store("cjm")
        assert store.verify_key_holder(ruth.code, "5829").name == "Ruth"
        # Bo is still waiting: a plain init offers him, Enter leaves it for later
        later = run_init(site.config("cjm"), "\n")
        assert later.returncode == 0 and "teruggezet: 1" in later.stdout
        assert "Niets veranderd" in later.stdout
        done = run_init(site.config("cjm"), "2\nBo\n8264\n8264\n")
        assert done.returncode == 0, done.stderr
        assert store.verify_key_holder(bo.code, "8264").name == "Bo"
        assert kinds(store).count("key_holder_added") == 2  # nobody was added twice
        store.check_in(None, ["kookclub"])
        site.sync_all()
        assert central_key_holders(site)["cjm"] == 2  # the funders' count did not go up
    finally:
        site.close()
