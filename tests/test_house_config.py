"""One watch-settings type, one node interface, tuning in the config (issue 14 item 5)."""

from __future__ import annotations

import pytest
from test_syncd_site import Site, child_env

from shared.config import ConfigError, WatchSettings, load_config
from syncd import daemon

ROOM = (
    '[room]\nid = "cjm"\ndatabase = "room.db"\n[sync]\nkey = "k"\ncentral_key = "c"\n'
    'outbox = "out"\ninbox = "in"\n'
)


@pytest.fixture
def site(tmp_path):
    site = Site(tmp_path / "site", rooms=("cjm",))
    yield site
    site.close()


def test_tuning_keys_have_defaults_and_can_be_set(tmp_path, monkeypatch):
    for name in ("BWK_SYNCD_DEBOUNCE_MS", "BWK_SYNCD_RESEND_SECONDS", "BWK_SYNCD_MAX_EVENTS"):
        monkeypatch.delenv(name, raising=False)
    path = tmp_path / "room.toml"
    path.write_text(ROOM)
    sync = load_config(path).sync
    assert (sync.debounce_ms, sync.resend_seconds, sync.max_events_per_bundle) == (50, 600, 20000)
    path.write_text(ROOM + "debounce_ms = 200\nresend_seconds = 0\nmax_events_per_bundle = 7\n")
    sync = load_config(path).sync
    assert (sync.debounce_ms, sync.resend_seconds, sync.max_events_per_bundle) == (200, 0, 7)


def test_the_old_environment_variables_are_read_at_config_load_and_the_file_wins(
    tmp_path, monkeypatch
):
    path = tmp_path / "room.toml"
    path.write_text(ROOM + "debounce_ms = 80\n")
    monkeypatch.setenv("BWK_SYNCD_RESEND_SECONDS", "30")
    monkeypatch.setenv("BWK_SYNCD_DEBOUNCE_MS", "999")
    sync = load_config(path).sync
    assert sync.resend_seconds == 30 and sync.debounce_ms == 80
    monkeypatch.setenv("BWK_SYNCD_MAX_EVENTS", "lots")
    with pytest.raises(ConfigError, match="BWK_SYNCD_MAX_EVENTS must be a whole number"):
        load_config(path)
    monkeypatch.setenv("BWK_SYNCD_MAX_EVENTS", "-3")
    with pytest.raises(ConfigError, match="max_events_per_bundle.*above 0"):
        load_config(path)


@pytest.mark.parametrize(
    "line, message",
    [
        ("resend_seconds = -1\n", "expected 0 or more seconds"),
        ("debounce_ms = 0\n", "expected a number above 0"),
        ('max_events_per_bundle = "many"\n', "expected a whole number"),
    ],
)
def test_bad_tuning_is_named_with_file_and_line(tmp_path, line, message):
    path = tmp_path / "room.toml"
    path.write_text(ROOM + line)
    with pytest.raises(ConfigError) as error:
        load_config(path)
    assert f"{path}:9: [sync]" in str(error.value) and message in str(error.value)


def test_unknown_keys_list_the_sections_own_keys_first(tmp_path):
    path = tmp_path / "room.toml"
    path.write_text(ROOM + "colour = 1\n")
    with pytest.raises(ConfigError, match=r"known keys: key, central_key, outbox, inbox, "):
        load_config(path)


def test_both_nodes_answer_the_same_interface(site):
    for name in ("cjm", "central"):
        node = daemon.make_node(site.config(name))
        try:
            settings = node.watch_settings()
            assert isinstance(settings, WatchSettings)
            assert settings.rescan_seconds == 30 and settings.failed_passes_alarm == 3
            assert node.label == name and node.database == site.db(name)
            assert node.run_pass().summary()
            assert node.status()["role"] == ("central" if name == "central" else "room")
            assert all(path.is_dir() for path in node.watch_paths())
            assert node.wakes_for("room.db") is (name != "central")
            assert not node.wakes_for("notes.txt")
        finally:
            node.close()


def test_an_environment_variable_still_tunes_a_real_once(site):
    store = site.store("cjm")
    for _ in range(12):
        store.check_in(None, ["kookclub"])
    out = site.syncd(
        "once", "--config", str(site.config("cjm")), env=child_env(BWK_SYNCD_MAX_EVENTS="5")
    ).stdout
    assert out.strip() == "cjm: exported=12 bundles_written=3"
