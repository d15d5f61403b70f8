"""One catalog, one truth (issue 12, item 11): what central publishes is what central
reports with and what the rooms show; a room still on an older revision is flagged.

Real keys, a real folder transport, real `bwk-syncd` and `bwk-staff` processes."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import pytest
from test_kiosk_room_screens import open_totals
from test_kiosk_support import SIZE, make_app, settle
from test_syncd_site import Site, child_env
from textual.widgets import DataTable

from kiosk.staff.app import StaffApp
from kiosk.staff.source import source_for_config
from kiosk.staff.widgets.panels import StaleBanner
from kiosk.staff.widgets.results import ResultsTable
from shared.catalog import PUBLISHED_NAME, current_catalog, load_catalog, packaged_text
from shared.clock import TZ
from shared.config import load_config

PACKAGED = load_catalog().revision
OLD_KOOKCLUB = "kookclub = { cjm = 50, multibron = 50, handreiking = 50 }"
NEW_KOOKCLUB = "kookclub = { cjm = 55, multibron = 55, handreiking = 55 }"


def catalog_text(bump: int, kookclub: int = 55, rate: str = "9.99") -> str:
    """The packaged catalog with a higher revision, another kookclub target and 2017 rate."""
    text = packaged_text()
    for old, new in (
        (f"revision = {PACKAGED}\n", f"revision = {PACKAGED + bump}\n"),
        (OLD_KOOKCLUB, NEW_KOOKCLUB.replace("55", str(kookclub))),
        ("2017 = 8.96\n", f"2017 = {rate}\n"),
    ):
        assert old in text
        text = text.replace(old, new, 1)
    return text


@pytest.fixture
def site(tmp_path):
    site = Site(tmp_path / "site", subprocess=True)
    yield site
    site.close()


def publish(site: Site, text: str, name: str = "new-catalog.toml", check: bool = True):
    path = site.root / name  # not beside central.toml: given with --catalog
    path.write_text(text, encoding="utf-8")
    return site.syncd(
        "publish-config",
        "--config",
        str(site.config("central")),
        "--catalog",
        str(path),
        check=check,
    )


def visit(site: Site, room: str) -> None:
    """A check-in: the room has something to send (and says which catalog it runs)."""
    store = site.store(room)
    store.check_in(store.register_visitor(f"Tester {room}").code, ["kookclub"])


def report(site: Site, fmt: str = "json", node: str = "central") -> str:
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys; from kiosk.staff.cli import main; sys.exit(main())",
            "report",
            "--config",
            str(site.config(node)),
            "--year",
            "2017",
            "--format",
            fmt,
        ],
        capture_output=True,
        text=True,
        timeout=60,
        env=child_env(),
        cwd=site.root,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def assert_published_figures(site: Site) -> None:
    data = json.loads(report(site))
    assert data["indicators"]["kookclub"]["targets"]["cjm"] == 55
    assert data["indicators"]["kookclub"]["targets"]["total"] == 165
    assert data["volunteer_value"]["hourly_rate"] == 9.99
    assert data["catalog"]["revision"] == PACKAGED + 1
    md = report(site, "md")
    assert "9,99" in md and "8,96" not in md


def test_central_reports_with_the_catalog_it_published(site):
    for room in site.rooms:
        visit(site, room)
    out = publish(site, catalog_text(1)).stdout
    assert f"revision {PACKAGED + 1}" in out
    site.sync_all()
    assert_published_figures(site)
    # the rooms run the same revision, and central has heard so from each of them
    for room in site.rooms:
        assert current_catalog(site.db(room)).revision == PACKAGED + 1
        in_room = json.loads(report(site, node=room))  # the room's own report: the same targets
        assert in_room["indicators"]["kookclub"]["targets"][room] == 55
        assert in_room["volunteer_value"]["hourly_rate"] == 9.99
    data = json.loads(report(site))
    assert data["catalog"]["rooms"] == {room: PACKAGED + 1 for room in site.rooms}
    assert data["catalog"]["rooms_behind"] == []


def test_the_published_catalog_survives_backup_restore_and_a_rebuild(site):
    for room in site.rooms:
        visit(site, room)
    publish(site, catalog_text(1))
    site.sync_all()
    central = site.root / "central"
    backup = site.root / "central-backup.db"
    site.syncd("backup", "--config", str(site.config("central")), "--out", str(backup))

    # a new machine: only the database backup and the config come back
    lost = site.root / "lost"
    lost.mkdir()
    for path in central.glob("central.db*"):
        shutil.move(path, lost / path.name)
    (central / PUBLISHED_NAME).unlink(missing_ok=True)
    shutil.copy(backup, central / "central.db")
    assert_published_figures(site)
    site.once("central")  # the daemon starts again: the copy beside central.db is back
    assert (central / PUBLISHED_NAME).read_text(encoding="utf-8") == catalog_text(1)

    # a rebuild from the rooms (docs/OPERATIONS.md): central.db* moved aside, logs sent again
    for path in central.glob("central.db*"):
        shutil.move(path, lost / f"rebuilt-{path.name}")
    site.once("central")
    for room in site.rooms:
        site.syncd("resend", "--config", str(site.config(room)), "--all")
    site.sync_all()
    assert_published_figures(site)


def test_a_room_on_an_older_revision_is_flagged(site):
    for room in site.rooms:
        visit(site, room)
    publish(site, catalog_text(1))
    site.sync_all()
    publish(site, catalog_text(2, kookclub=60))
    for room in ("cjm", "multibron"):  # handreiking's machine is off
        visit(site, room)
        site.once(room)
    site.once("central")

    data = json.loads(report(site))
    assert data["indicators"]["kookclub"]["targets"]["cjm"] == 60
    assert data["catalog"]["rooms"]["handreiking"] == PACKAGED + 1
    assert data["catalog"]["rooms_behind"] == ["handreiking"]

    status = json.loads(
        site.syncd("status", "--config", str(site.config("central")), "--json").stdout
    )
    assert status["catalog_revision"] == PACKAGED + 2
    assert status["rooms"]["handreiking"]["catalog_revision"] == PACKAGED + 1
    assert status["rooms"]["cjm"]["catalog_revision"] == PACKAGED + 2
    text = site.syncd("status", "--config", str(site.config("central"))).stdout
    assert f"catalog revision {PACKAGED + 1} (central published {PACKAGED + 2})" in text

    verify = site.syncd("verify", "--config", str(site.config("central")), check=False)
    assert verify.returncode == 1
    assert f"handreiking: runs catalog revision {PACKAGED + 1}" in verify.stdout
    result = json.loads(
        site.syncd("verify", "--config", str(site.config("central")), "--json", check=False).stdout
    )
    assert result["rooms"]["multibron"]["catalog_revision"] == PACKAGED + 2

    # the room comes back, with nobody checking in yet: it says so at once, the flag goes
    site.once("handreiking")
    site.once("central")
    assert json.loads(report(site))["catalog"]["rooms_behind"] == []
    assert site.syncd("verify", "--config", str(site.config("central"))).returncode == 0
    site.once("handreiking")  # nothing more to say: nothing more is sent
    assert not list(site.inbox.glob("events-*"))


async def test_the_dashboard_flags_a_room_on_an_older_catalog(site):
    for room in site.rooms:
        visit(site, room)
    publish(site, catalog_text(1))
    site.sync_all()
    publish(site, catalog_text(2, kookclub=60))
    for room in ("cjm", "multibron"):
        visit(site, room)
        site.once(room)
    site.once("central")

    source = source_for_config(load_config(site.config("central")))
    assert source.catalog.revision == PACKAGED + 2
    app = StaffApp(
        source,
        year=2017,
        lang="nl",
        watch=False,
        clock=lambda: datetime(2017, 3, 1, 12, 0, tzinfo=TZ),
    )
    async with app.run_test(size=(140, 45)) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
        banner = str(app.screen.query_one(StaleBanner).render())
        assert "De Handreiking" in banner and f"{PACKAGED + 1}" in banner
        fresh = app.screen.query_one("#freshness", DataTable)
        assert f"{PACKAGED + 1}" in str(fresh.get_cell("handreiking", "catalog"))
        assert "⚠" in str(fresh.get_cell("handreiking", "catalog"))
        assert str(fresh.get_cell("cjm", "catalog")) == str(PACKAGED + 2)

        # published while the dashboard runs: read again, the new targets show
        publish(site, catalog_text(3, kookclub=65))
        await pilot.press("r")
        await app.workers.wait_for_complete()
        await pilot.pause()
        table = app.screen.query_one(ResultsTable)
        assert table.report["indicators"]["kookclub"]["targets"]["cjm"] == 65


@pytest.mark.parametrize(
    "change, named",
    [
        (("2017 = 9.99\n", '2017 = "veel"\n'), "hourly_rate.2017"),
        ((f"revision = {PACKAGED + 1}\n", 'revision = "drie"\n'), "revision"),
        ((NEW_KOOKCLUB, "kookclub = { cjm = 55, nergens = 5 }"), "targets.2017.kookclub.nergens"),
        (
            ("[survey]\nconfidence = { goal = 0.5,", "[survey]\nconfidence = { goal = 1.5,"),
            "survey.confidence",
        ),
        (("monthly_cap = ", "monthly_cap = -"), "handgeld.monthly_cap"),
    ],
)
def test_a_catalog_that_does_not_validate_is_refused_naming_file_and_key(site, change, named):
    text = catalog_text(1)
    assert change[0] in text
    result = publish(site, text.replace(change[0], change[1], 1), name="bad.toml", check=False)
    assert result.returncode == 2
    assert "bad.toml" in result.stderr and named in result.stderr
    assert "Traceback" not in result.stderr
    for room in site.rooms:  # nothing was sent
        assert not list((site.root / room / "inbox").glob("config-*"))


def test_a_revision_that_would_not_replace_the_rooms_catalog_is_refused(site):
    publish(site, catalog_text(1))
    # the same revision with other content: the rooms would keep the old one
    same = publish(site, catalog_text(1, kookclub=70), check=False)
    assert same.returncode == 2
    assert f"revision {PACKAGED + 1}" in same.stderr and "raise" in same.stderr.lower()
    # an older one: the rooms keep the newest
    older = publish(site, packaged_text(), check=False)
    assert older.returncode == 2 and f"revision {PACKAGED}" in older.stderr
    # the same file again (a room enrolled later) is sent again
    assert publish(site, catalog_text(1)).returncode == 0
    assert json.loads(report(site))["indicators"]["kookclub"]["targets"]["cjm"] == 55


def test_a_draft_beside_the_config_counts_only_once_published(site):
    site.once("central")  # central's database exists
    draft = site.root / "central" / "catalog.toml"  # publish-config's default source
    draft.write_text(catalog_text(1), encoding="utf-8")
    assert json.loads(report(site))["indicators"]["kookclub"]["targets"]["cjm"] == 50
    site.syncd("publish-config", "--config", str(site.config("central")))
    assert json.loads(report(site))["indicators"]["kookclub"]["targets"]["cjm"] == 55
    draft.write_text(catalog_text(2, kookclub=60), encoding="utf-8")  # edited, not published
    site.once("central")  # a restart leaves the operator's draft as it is
    assert draft.read_text(encoding="utf-8") == catalog_text(2, kookclub=60)
    assert json.loads(report(site))["indicators"]["kookclub"]["targets"]["cjm"] == 55
    verify = site.syncd("verify", "--config", str(site.config("central")))
    assert f"revision {PACKAGED + 2}, not published yet" in verify.stdout


def test_a_room_keeps_a_catalog_received_before_this_version(tmp_path):
    """Rooms kept what they received as catalog.toml beside room.db (and its revision)."""
    site = Site(tmp_path / "site")
    try:
        store = site.store("cjm")
        (site.db("cjm").parent / "catalog.toml").write_text(catalog_text(1), encoding="utf-8")
        store.conn.execute(
            "INSERT INTO sync_state (key, value) VALUES ('catalog_revision', ?)",
            (str(PACKAGED + 1),),
        )
        assert current_catalog(site.db("cjm")).revision == PACKAGED + 1
        site.once("cjm")  # the daemon keeps it in the new places
        assert (site.db("cjm").parent / PUBLISHED_NAME).exists()
        # a catalog.toml that this room never applied does not count
        (site.db("handreiking").parent).mkdir(exist_ok=True)
        site.store("handreiking")
        (site.db("handreiking").parent / "catalog.toml").write_text(catalog_text(1))
        assert current_catalog(site.db("handreiking")).revision == PACKAGED
    finally:
        site.close()


async def test_the_kiosk_totals_use_the_catalog_the_room_received(tmp_path):
    app, store, _, _ = make_app(tmp_path)  # the kiosk runs all day
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        # syncd applies a published catalog beside the room database meanwhile
        (Path(store.path).parent / PUBLISHED_NAME).write_text(catalog_text(1), encoding="utf-8")
        text = await open_totals(pilot)
    label = load_catalog().activities["kookclub"].label("nl")
    line = next(line for line in text.splitlines() if label in line)
    assert line.endswith("(doel 55)"), line


@pytest.mark.parametrize(
    "value, accepted",
    [(4, True), (None, True), (-1, False), ("4", False), (True, False), (2**40, False)],
)
def test_the_revision_in_a_bundle_header_is_optional_and_checked(value, accepted):
    from shared.bundle import canonical, open_bundle, read_header, seal
    from shared.keys import generate

    room, central = generate("cjm"), generate("central")
    _, data = seal(
        "events",
        room,
        central.public,
        [],
        room="cjm",
        created="2017-03-01T10:00:00+01:00",
        schema=6,
        catalog=4,
    )
    assert open_bundle(data, central, {"cjm": room.public}).header["catalog"] == 4
    line, rest = data.split(b"\n", 1)
    header = json.loads(line)
    if value is None:
        del header["catalog"]
    else:
        header["catalog"] = value
    crafted = canonical(header) + b"\n" + rest
    if accepted:
        read_header(crafted)  # a room of an older version sends no revision at all
    else:
        with pytest.raises(Exception, match="bad header"):
            read_header(crafted)
    header.pop("catalog", None)
    header["surprise"] = 1  # any other field is still refused
    with pytest.raises(Exception, match="bad header"):
        read_header(canonical(header) + b"\n" + rest)
