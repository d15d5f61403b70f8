"""bwk-kiosk init / import-csv / config errors (the TUI itself is tested with Pilot)."""

from __future__ import annotations

import builtins

from kiosk import cli
from shared.store import RoomStore


def _config(tmp_path):
    path = tmp_path / "room.toml"
    path.write_text('[room]\nid = "multibron"\ndatabase = "data/room.db"\n', "utf-8")
    return path


def test_init_creates_the_database_and_first_key_holder(tmp_path, monkeypatch):
    config = _config(tmp_path)
    pins = iter(["12", "4321", "9999", "4321", "4321"])  # too short, then a mismatch, then ok
    monkeypatch.setattr(cli.getpass, "getpass", lambda prompt="": next(pins))
    monkeypatch.setattr(builtins, "input", lambda prompt="": "Ruth")
    assert cli.main(["init", "--config", str(config)]) == 0
    store = RoomStore(tmp_path / "data" / "room.db", "multibron")
    try:
        holders = store.people_with_role("key_holder")
        assert [p.name for p in holders] == ["Ruth"]
        assert store.verify_key_holder(holders[0].code, "4321").name == "Ruth"
    finally:
        store.close()
    # a second init changes nothing
    assert cli.main(["init", "--config", str(config)]) == 0


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
    monkeypatch.setattr(csv_import, "import_csv_command",
                        lambda file, config: seen.append((file, config)) or 0)
    assert cli.main(["import-csv", "paper.csv", "--config", "room.toml"]) == 0
    assert seen == [("paper.csv", "room.toml")]
