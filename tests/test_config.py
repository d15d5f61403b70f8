"""Config files: good ones load; each kind of mistake names file, line and key."""

from pathlib import Path

import pytest

from shared.catalog import CatalogError, catalog_from_text, load_catalog
from shared.config import CentralConfig, ConfigError, RoomConfig, load_config

REPO = Path(__file__).resolve().parents[1]


def write(tmp_path, text, name="room.toml"):
    path = tmp_path / name
    path.write_text(text, "utf-8")
    return path


def test_examples_load_with_paths_relative_to_the_file():
    room = load_config(REPO / "config/room.example.toml")
    assert isinstance(room, RoomConfig) and room.room.id == "multibron"
    assert room.room.database == REPO / "config/room.db"
    assert room.sync and room.sync.outbox == REPO / "config/outbox"
    central = load_config(REPO / "config/central.example.toml")
    assert isinstance(central, CentralConfig)
    assert set(central.rooms) == {"multibron", "cjm", "handreiking"}
    assert central.rooms["cjm"].outbox == REPO / "config/to-cjm"


def test_a_room_without_sync_is_a_kiosk_on_its_own(tmp_path):
    config = load_config(write(tmp_path, '[room]\nid = "cjm"\ndatabase = "room.db"\n'))
    assert config.sync is None and config.room.retention_months == 24


@pytest.mark.parametrize(
    "text, expected",
    [
        (
            '[room]\nid = "cjm"\ndatabase = "room.db"\ncolour = "red"\n',
            "room.toml:4: [room] colour: unknown key",
        ),
        ('[room]\nid = "cjm"\n', "[room]: missing required key 'database'"),
        (
            '[room]\nid = "cjm"\ndatabase = 12\n',
            "room.toml:3: [room] database: expected a file or folder path",
        ),
        (
            '[room]\nid = "cjm"\ndatabase = "r.db"\nidle_seconds = "soon"\n',
            "room.toml:4: [room] idle_seconds: expected a whole number",
        ),
        ('[room]\nid = "cjm"\ndatabase = "r.db"\nidle_seconds = -5\n', "expected a number above 0"),
        (
            '[room]\nid = "Casa Jepie"\ndatabase = "r.db"\n',
            "[room] id: expected lower-case letters",
        ),
        (
            '[room]\nid = "cjm"\ndatabase = "r.db"\n[sync]\nkey = "k"\n',
            "[sync]: missing required key 'central_key'",
        ),
        ('[room]\nid = "cjm"\ndatabase = "r.db"\n[syncing]\n', "[syncing]: unknown section"),
        ('[room\nid = "cjm"\n', "room.toml: not valid TOML"),
        ('title = "x"\n', "needs a [room] section"),
        (
            '[room]\nid="a"\ndatabase="a"\n[central]\ndatabase="b"\nkey="k"\ninbox="i"\n',
            "both [room] and [central]",
        ),
        (
            '[central]\ndatabase = "c.db"\nkey = "k"\ninbox = "in"\n[rooms.cjm]\nkey = "cjm.pub"\n',
            "[rooms.cjm]: missing required key 'outbox'",
        ),
        (
            '[central]\ndatabase = "c.db"\nkey = "k"\ninbox = "in"\nforce_polling = "yes"\n',
            "[central] force_polling: expected true or false",
        ),
    ],
)
def test_each_mistake_gets_a_clear_message(tmp_path, text, expected):
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as error:
        load_config(path)
    assert str(path) in str(error.value)
    assert expected in str(error.value)


def test_missing_file(tmp_path):
    with pytest.raises(ConfigError, match="config file not found"):
        load_config(tmp_path / "nope.toml")


def test_packaged_catalog_matches_the_seed_table():
    catalog = load_catalog()
    targets = catalog.targets_for(2017)
    # Seed section 5, PROCES rows: CJM, MultiBron, Handreiking.
    seed = {
        "inloop": (30, 30, 20),
        "klussendienst": (150, 200, 50),
        "tuindienst": (30, 30, 30),
        "opruimploeg": (5, 5, 5),
        "ontbijtcafe": (150, 50, 50),
        "kookclub": (50, 50, 50),
        "computerles": (50, 50, 25),
        "conversatieles": (50, 25, 50),
        "huiswerkbegeleiding": (30, 5, 5),
        "formulierenbrigade": (200, 150, 75),
        "schuldhulp": (125, 75, 50),
        "huurachterstand": (10, 10, 10),
        "totaal_uniek": (500, 300, 300),
        "sleutelbeheerders": (10, 10, 10),
        "actieve_vrijwilligers": (40, 30, 25),
    }
    for indicator, (cjm, multibron, handreiking) in seed.items():
        assert targets[indicator] == {
            "cjm": cjm,
            "multibron": multibron,
            "handreiking": handreiking,
        }
    assert set(catalog.rooms) == {"cjm", "multibron", "handreiking", "gk"}
    assert catalog.jobs_activities() == ["klussendienst", "tuindienst", "opruimploeg"]
    assert catalog.rate_for(2016) == 8.80 and catalog.rate_for(2017) == 8.96
    assert catalog.rate_for(2015) is None
    assert catalog.handgeld_cap == 500 and sorted(catalog.handgeld_categories) == list("ABCDEF")
    assert catalog.survey["confidence"].goal == 0.5 and catalog.survey["pleasant"].goal == 0.7


@pytest.mark.parametrize(
    "text, expected",
    [
        (
            'revision = 1\n[rooms.a]\nname = "A"\n[[activities]]\nid = "x"\nunit = "hours"\n'
            'label = {nl = "X"}\n',
            "unit must be one of",
        ),
        (
            '[rooms.a]\nname = "A"\n[[activities]]\nid = "x"\nunit = "jobs"\nlabel = {en = "X"}\n',
            "label needs a Dutch text",
        ),
        (
            '[rooms.a]\nname = "A"\n[[activities]]\nid = "x"\nunit = "jobs"\nlabel = {nl = "X"}\n'
            "[targets.2017]\ny = {a = 1}\n",
            "targets.2017.y: unknown indicator",
        ),
        (
            '[rooms.a]\nname = "A"\n[[activities]]\nid = "x"\nunit = "jobs"\nlabel = {nl = "X"}\n'
            "[targets.2017]\nx = {b = 1}\n",
            "targets.2017.x.b: unknown room",
        ),
        (
            '[rooms.a]\nname = "A"\n[[activities]]\nid = "x"\nunit = "jobs"\nlabel = {nl = "X"}\n'
            '[targets.2017]\nx = {a = "many"}\n',
            "expected a whole number",
        ),
    ],
)
def test_catalog_mistakes_name_the_key(text, expected):
    with pytest.raises(CatalogError, match=expected) as error:
        catalog_from_text(text, "my-catalog.toml")
    assert "my-catalog.toml" in str(error.value)
