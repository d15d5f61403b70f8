"""bwk-kiosk init / import-csv / config errors (the TUI itself is tested with Pilot)."""

from __future__ import annotations

import subprocess
import sys

from test_syncd_site import child_env

from kiosk import cli
from shared.store import RoomStore


def _config(tmp_path):
    path = tmp_path / "room.toml"
    path.write_text('[room]\nid = "multibron"\ndatabase = "data/room.db"\n', "utf-8")
    return path


def run_init(config, answers: str, *extra: str) -> subprocess.CompletedProcess:
    """``bwk-kiosk init`` as a real process, its answers on stdin (not a terminal)."""
    return subprocess.run(
        [sys.executable, "-m", "kiosk.cli", "init", "--config", str(config), *extra],
        input=answers,
        capture_output=True,
        text=True,
        timeout=60,
        env=child_env(),
    )


def test_init_creates_the_database_and_first_key_holder(tmp_path):
    config = _config(tmp_path)
    # a name; a PIN too short, a trivial one, then a mismatch, then a good one twice
    done = run_init(config, "Ruth\n12\n4321\n9157\n9158\n9157\n9157\n")
    assert done.returncode == 0, done.stderr
    assert "4 tot 8 cijfers" in done.stdout and "te makkelijk te raden" in done.stdout
    assert "niet gelijk" in done.stdout
    store = RoomStore(tmp_path / "data" / "room.db", "multibron")
    try:
        holders = store.people_with_role("key_holder")
        assert [p.name for p in holders] == ["Ruth"]
        assert store.verify_key_holder(holders[0].code, "9157").name == "Ruth"
    finally:
        store.close()
    # a second init changes nothing and says how to add one
    again = run_init(config, "")
    assert again.returncode == 0 and "--add-key-holder" in again.stdout


def test_run_without_database_or_config_is_a_clear_error(tmp_path, capsys):
    assert cli.main([]) == 2
    assert "--config" in capsys.readouterr().err
    assert cli.main(["--config", str(_config(tmp_path))]) == 2
    assert "bwk-kiosk init" in capsys.readouterr().err
    assert cli.main(["--config", str(tmp_path / "missing.toml")]) == 2
    assert "not found" in capsys.readouterr().err


def test_import_csv_is_handed_to_the_shared_command(tmp_path, monkeypatch):
    import shared.csv_import as csv_import

    seen = []
    monkeypatch.setattr(
        csv_import, "import_csv_command", lambda file, config: seen.append((file, config)) or 0
    )
    assert cli.main(["import-csv", "paper.csv", "--config", "room.toml"]) == 0
    assert seen == [("paper.csv", "room.toml")]
