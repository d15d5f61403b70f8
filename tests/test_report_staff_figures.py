"""Figures staff enter (``bwk-staff record``): stored as central-authored events, the latest
counting, refused in plain words when wrong, and shown in every format with "ingevoerd"."""

from __future__ import annotations

import csv
import io
import json
import sqlite3
import subprocess
import sys
from datetime import datetime

import openpyxl
import pytest
from test_syncd_e2e import _populate
from test_syncd_site import Site, child_env

from kiosk.staff.cli import main as staff_main
from shared import codes
from shared.catalog import catalog_from_text, load_catalog, packaged_text
from shared.clock import TZ
from shared.events import CENTRAL_AUTHOR
from shared.records import MergeRefused, to_rows
from shared.report import build_report
from shared.report_formats import render
from shared.store import RoomStore
from tests.conftest import FakeClock
from tests.test_report_formats import CENTRAL_TOML
from tests.test_staff_data import build_central

CATALOG = load_catalog()
ROOMS = ["cjm", "multibron", "handreiking"]


@pytest.fixture
def central(tmp_path):
    build_central(tmp_path / "central.db")
    (tmp_path / "central.toml").write_text(CENTRAL_TOML, "utf-8")
    return tmp_path


def record(central, *args: str) -> int:
    return staff_main(
        ["record", "--config", str(central / "central.toml"), "--year", "2017", *args]
    )


def report_of(central, fmt: str = "json"):
    out = central / f"report.{fmt}"
    assert (
        staff_main(
            [
                "report",
                "--config",
                str(central / "central.toml"),
                "--year",
                "2017",
                "--format",
                fmt,
                "--out",
                str(out),
            ]
        )
        == 0
    )
    return out.read_bytes() if fmt == "xlsx" else out.read_text("utf-8")


def figure_events(central) -> list[tuple]:
    conn = sqlite3.connect(central / "central.db")
    try:
        return conn.execute(
            "SELECT room, seq, payload FROM events WHERE kind = 'figure_recorded' ORDER BY seq"
        ).fetchall()
    finally:
        conn.close()


def test_a_recorded_figure_shows_in_every_format_marked_with_its_date_and_who(central):
    assert (
        record(
            central,
            "--indicator",
            "betalende_leden",
            "--room",
            "cjm",
            "--value",
            "412",
            "--note",
            "ledenlijst december",
            "--by",
            "Anna",
        )
        == 0
    )
    assert (
        record(
            central,
            "--indicator",
            "vrijwilligersgroepen",
            "--room",
            "cjm",
            "--value",
            "1.000",
            "--by",
            "Anna",
        )
        == 0
    )  # Dutch thousands: a thousand, not one
    assert (
        record(
            central,
            "--indicator",
            "input_controle",
            "--room",
            "totaal",
            "--value",
            "positief",
            "--by",
            "Bert",
        )
        == 0
    )
    report = json.loads(report_of(central))
    leden = report["indicators"]["betalende_leden"]
    assert leden["staff_entered"] is True and leden["section"] == "OUTPUT"
    assert leden["rooms"] == {"cjm": 412, "multibron": None, "handreiking": None}
    assert leden["targets"] == {"cjm": 400, "multibron": 200, "handreiking": 200, "total": 800}
    entry = leden["entries"]["cjm"]
    assert (entry["value"], entry["by"], entry["note"], entry["earlier"]) == (
        412,
        "Anna",
        "ledenlijst december",
        0,
    )
    day = entry["date"]
    assert leden["reasons"] == {
        "multibron": "nog niet ingevoerd",
        "handreiking": "nog niet ingevoerd",
        "total": "nog niet voor alle ruimtes ingevoerd",
    }
    assert report["indicators"]["vrijwilligersgroepen"]["rooms"]["cjm"] == 1000
    controle = report["indicators"]["input_controle"]
    assert controle["unit"] == "judgement" and controle["total"] == "positief"
    assert controle["targets"]["cjm"] == "positief"
    # The existing keys keep their meaning: numbers of the kiosk stay as they were.
    assert report["indicators"]["kookclub"]["rooms"]["cjm"] == 2
    mark = f"ingevoerd {day} door Anna"

    md = report_of(central, "md")
    row = next(line for line in md.splitlines() if line.startswith("| Betalende leden"))
    assert row.startswith(
        "| Betalende leden (bewonersvereniging) | Aantal | "
        f"412 / 400 ({mark}) | – / 200 (nog niet ingevoerd) |"
    )
    judged = next(line for line in md.splitlines() if line.startswith("| Verantwoorde"))
    assert judged.endswith(f"| positief / positief (ingevoerd {day} door Bert) |")
    assert "## Hoe geteld" in md and "Ingevoerd door medewerkers" in md

    rows = list(csv.DictReader(io.StringIO(report_of(central, "csv"))))
    cjm = next(r for r in rows if r["indicator"] == "betalende_leden" and r["room"] == "cjm")
    assert (cjm["value"], cjm["target"], cjm["note"]) == ("412", "400", mark)
    hr = next(r for r in rows if r["indicator"] == "betalende_leden" and r["room"] == "handreiking")
    assert (hr["value"], hr["note"]) == ("", "nog niet ingevoerd")

    html = report_of(central, "html")
    assert (
        f'data-room="cjm" data-value="412" data-target="400" data-entered="{day}" '
        'data-by="Anna">412 / 400 (103%)<br><small class="n">' + mark
    ) in html
    assert (
        'data-room="multibron" data-value="" data-target="200">– / 200<br><small '
        'class="n">nog niet ingevoerd' in html
    )

    ws = openpyxl.load_workbook(io.BytesIO(report_of(central, "xlsx")))["Resultaten"]
    at = next(
        r
        for r in range(1, ws.max_row + 1)
        if ws.cell(r, 1).value == "Betalende leden (bewonersvereniging)"
    )
    assert [ws.cell(at, c).value for c in (2, 3, 4, 6, 7)] == ["Aantal", 412, 400, None, 200]
    assert [ws.cell(at + 1, c).value for c in (1, 3, 6)] == [
        "  ingevoerd",
        mark,
        "nog niet ingevoerd",
    ]


def test_a_change_is_a_new_event_the_latest_counts_and_the_history_stays(central, capsys):
    for value in ("380", "412"):
        assert (
            record(
                central,
                "--indicator",
                "betalende_leden",
                "--room",
                "cjm",
                "--value",
                value,
                "--by",
                "Anna",
            )
            == 0
        )
    held = figure_events(central)
    assert [(room, seq) for room, seq, _ in held] == [(CENTRAL_AUTHOR, 1), (CENTRAL_AUTHOR, 2)]
    assert [json.loads(p)["value"] for _, _, p in held] == [380, 412]
    leden = json.loads(report_of(central))["indicators"]["betalende_leden"]
    assert leden["rooms"]["cjm"] == 412 and leden["entries"]["cjm"]["earlier"] == 1
    capsys.readouterr()
    assert record(central, "--list") == 0
    listed = capsys.readouterr().out
    assert (
        "betalende_leden" in listed and " 380  door Anna" in listed and " 412  door Anna" in listed
    )


def test_every_room_entered_makes_the_total_and_a_total_entry_overrides_it(central):
    for room, value in (("cjm", "2"), ("multibron", "1"), ("handreiking", "0")):
        assert (
            record(
                central,
                "--indicator",
                "leerwerkplekken",
                "--room",
                room,
                "--value",
                value,
                "--by",
                "Anna",
            )
            == 0
        )
    entry = json.loads(report_of(central))["indicators"]["leerwerkplekken"]
    assert (entry["total"], entry["total_from"]) == (3, "sum")
    assert "som van de ingevoerde ruimtes" in report_of(central, "md")
    assert (
        record(
            central,
            "--indicator",
            "leerwerkplekken",
            "--room",
            "all",
            "--value",
            "4",
            "--by",
            "Anna",
        )
        == 0
    )  # e.g. one person placed by two rooms together
    entry = json.loads(report_of(central))["indicators"]["leerwerkplekken"]
    assert (entry["total"], entry["total_from"]) == (4, "entered")
    assert (
        record(
            central,
            "--indicator",
            "interviews_overlast",
            "--room",
            "cjm",
            "--value",
            "7,5%",
            "--by",
            "Anna",
        )
        == 0
    )
    overlast = json.loads(report_of(central))["indicators"]["interviews_overlast"]
    assert overlast["rooms"]["cjm"] == 7.5 and overlast["targets"]["total"] == 5
    assert overlast["total"] is None  # a percentage is never summed


@pytest.mark.parametrize(
    "args, words",
    [
        (
            ["--indicator", "kookclub", "--room", "cjm", "--value", "3"],
            "'kookclub' is geen cijfer dat medewerkers invoeren",
        ),
        (
            ["--indicator", "betalende_leden", "--room", "gk", "--value", "3"],
            "onbekende ruimte 'gk': kies uit cjm, multibron, handreiking of 'totaal'",
        ),
        (
            ["--indicator", "betalende_leden", "--room", "cjm", "--value", "veel"],
            "'veel' is geen getal: betalende_leden vraagt een heel getal",
        ),
        (
            ["--indicator", "betalende_leden", "--room", "cjm", "--value", "-3"],
            "betalende_leden vraagt een heel getal van 0 of meer",
        ),
        (
            ["--indicator", "betalende_leden", "--room", "cjm", "--value", "2.5"],
            "betalende_leden vraagt een heel getal van 0 of meer",
        ),
        (
            ["--indicator", "betalende_leden", "--room", "cjm", "--value", "1,000"],
            "betalende_leden vraagt een heel getal van 0 of meer",
        ),  # a thousand or one? ask again
        (
            ["--indicator", "interviews_overlast", "--room", "cjm", "--value", "150%"],
            "een percentage ligt tussen 0 en 100",
        ),
        (["--indicator", "input_controle", "--room", "cjm", "--value", "  "], "geef een waarde op"),
        (["--indicator", "input_controle", "--room", "cjm"], "geef ook --value op"),
        (
            ["--indicator", "input_controle", "--room", "cjm", "--value", "ok", "--by", " "],
            "zeg wie het cijfer invoert",
        ),
    ],
)
def test_bad_input_is_refused_in_plain_words_and_nothing_is_stored(central, capsys, args, words):
    capsys.readouterr()
    assert record(central, *args) == 2
    err = capsys.readouterr().err
    assert err.startswith("bwk-staff record: ") and words in err
    assert figure_events(central) == []


def test_a_room_config_is_told_to_record_at_central(tmp_path, capsys):
    store = RoomStore(tmp_path / "room.db", "cjm")
    store.close()
    (tmp_path / "room.toml").write_text(
        '[room]\nid = "cjm"\ndatabase = "room.db"\n[sync]\nkey = "k.key"\n'
        'central_key = "c.pub"\noutbox = "out"\ninbox = "in"\n',
        "utf-8",
    )
    code = staff_main(
        [
            "record",
            "--config",
            str(tmp_path / "room.toml"),
            "--year",
            "2017",
            "--indicator",
            "betalende_leden",
            "--room",
            "cjm",
            "--value",
            "3",
        ]
    )
    assert code == 2
    assert "cijfers worden centraal ingevoerd" in capsys.readouterr().err


def test_the_console_script_exits_non_zero_on_a_bad_figure(central):
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys; from kiosk.staff.cli import main; sys.exit(main())",
            "record",
            "--config",
            str(central / "central.toml"),
            "--year",
            "2017",
            "--indicator",
            "betalende_leden",
            "--room",
            "cjm",
            "--value",
            "veel",
        ],
        capture_output=True,
        text=True,
        timeout=60,
        env=child_env(),
    )
    assert result.returncode == 2 and "geen getal" in result.stderr


def test_a_room_bundle_cannot_carry_a_staff_figure():
    record = {
        "id": "a" * 32,
        "room": "cjm",
        "seq": 1,
        "at": "2017-03-01T10:00:00+01:00",
        "kind": "figure_recorded",
        "visitor": None,
        "activity": None,
        "ref": None,
        "payload": json.dumps(
            {"year": 2017, "indicator": "betalende_leden", "room": "cjm", "value": 9999, "by": "x"}
        ),
    }
    with pytest.raises(MergeRefused) as refused:
        to_rows("cjm", [record], 1, 1)
    assert "seq 1: figure_recorded is written by central only" in str(refused.value)


def test_verify_still_adds_up_with_staff_figures_in_central(tmp_path):
    site = Site(tmp_path / "site")
    _populate(site)
    site.sync_all()
    site.close()
    assert (
        staff_main(
            [
                "record",
                "--config",
                str(site.config("central")),
                "--year",
                "2017",
                "--indicator",
                "vrijwilligersgroepen",
                "--room",
                "cjm",
                "--value",
                "4",
                "--by",
                "Anna",
            ]
        )
        == 0
    )
    result = site.syncd("verify", "--config", str(site.config("central")), "--json", check=False)
    data = json.loads(result.stdout)
    assert result.returncode == 0 and data["ok"], result.stdout
    assert CENTRAL_AUTHOR not in data["rooms"] and data["projections"] == {}
    site.sync_all()  # the next pass merges and acknowledges as before
    assert json.loads(
        site.syncd("verify", "--config", str(site.config("central")), "--json", check=False).stdout
    )["ok"]


def _shifts(tmp_path, catalog) -> dict:
    clock = FakeClock(datetime(2017, 1, 2, 8, tzinfo=TZ))
    store = RoomStore(tmp_path / "central.db", "cjm", clock=clock, durable=False)
    boss = store.add_key_holder("Baas", "2468", by=None).code
    long, short = codes.new_code(), codes.new_code()
    for code in (long, short):
        store.set_volunteer(code, True, by=boss)
    for day in range(1, 26):  # 25 shifts of 10 hours: exactly 250
        clock.set(2017, 2, day, 8)
        store.start_shift(long)
        clock.advance(hours=10)
        store.end_shift(long)
    store.start_shift(short)
    clock.advance(hours=10)
    store.end_shift(short)
    try:
        return build_report(store.conn, catalog, 2017, ["cjm"])
    finally:
        store.close()


def test_active_volunteers_are_those_with_at_least_the_catalogs_hours(tmp_path):
    report = _shifts(tmp_path, CATALOG)
    entry = report["indicators"]["actieve_vrijwilligers"]
    assert (entry["rooms"]["cjm"], entry["min_hours"], entry["with_shift"]["cjm"]) == (1, 250, 2)
    for fmt in ("md", "html"):
        assert "Vrijwilligers met minstens 250 uur" in render(report, fmt, CATALOG), fmt
    wb = openpyxl.load_workbook(io.BytesIO(render(report, "xlsx", CATALOG)))
    assert any(
        "Vrijwilligers met minstens 250 uur" in str(c.value)
        for row in wb["Toelichting"].iter_rows()
        for c in row
    )
    lower = catalog_from_text(
        packaged_text().replace("active_min_hours = 250", "active_min_hours = 10"), "test"
    )
    (tmp_path / "lower").mkdir()
    entry = _shifts(tmp_path / "lower", lower)["indicators"]["actieve_vrijwilligers"]
    assert (entry["rooms"]["cjm"], entry["min_hours"]) == (2, 10)


def test_the_catalog_stays_readable_by_rooms_on_an_older_program():
    """publish-config sends this catalog to rooms; a room program from before staff figures
    refuses targets of indicators it does not know, so the staff rows keep theirs inside."""
    import tomllib

    from shared.catalog import INDICATOR_UNITS

    data = tomllib.loads(packaged_text())
    known_before = set(CATALOG.activities) | set(INDICATOR_UNITS)
    for year, table in data["targets"].items():
        assert set(table) <= known_before, year
    assert CATALOG.staff_figures["betalende_leden"].target == {
        "cjm": 400,
        "multibron": 200,
        "handreiking": 200,
    }


@pytest.mark.parametrize(
    "change, words",
    [
        ('value = "count"', 'value = "many"'),
        ('section = "OUTPUT"', 'section = "ELSEWHERE"'),
        ("target = { cjm = 400,", "target = { nowhere = 400,"),
    ],
)
def test_a_wrong_staff_row_in_the_catalog_is_named(change, words):
    from shared.catalog import CatalogError

    with pytest.raises(CatalogError) as error:
        catalog_from_text(packaged_text().replace(change, words, 1), "catalog.toml")
    assert "catalog.toml: staff_figures[" in str(error.value)


def test_entries_are_copied_from_an_old_central_once_and_the_latest_in_time_counts(tmp_path):
    """A rebuild from the rooms starts an empty central.db: the staff figures come over from
    the old copy (or a backup), keeping id, time and content; copying twice adds nothing."""
    from shared.staff_figures import record_figure

    old_db, new_db = tmp_path / "old" / "central.db", tmp_path / "new" / "central.db"
    for db in (old_db, new_db):
        db.parent.mkdir()
        build_central(db)
        (db.parent / "central.toml").write_text(CENTRAL_TOML, "utf-8")
    old = RoomStore(old_db, "cjm")
    for day, value in ((3, "380"), (9, "400")):
        record_figure(
            old.conn,
            CATALOG,
            year=2017,
            indicator="betalende_leden",
            room="cjm",
            value=value,
            rooms=ROOMS,
            by="Anna",
            now=datetime(2018, 1, day, 10, tzinfo=TZ),
        )
    old.close()
    new = RoomStore(new_db, "cjm")  # after the rebuild, someone already entered a newer one
    record_figure(
        new.conn,
        CATALOG,
        year=2017,
        indicator="betalende_leden",
        room="cjm",
        value="412",
        rooms=ROOMS,
        by="Bert",
        now=datetime(2018, 2, 1, 10, tzinfo=TZ),
    )
    new.close()
    config = str(new_db.parent / "central.toml")
    assert staff_main(["record", "--config", config, "--copy-from", str(old_db)]) == 0
    assert staff_main(["record", "--config", config, "--copy-from", str(old_db)]) == 0
    assert len(figure_events(new_db.parent)) == 3
    leden = json.loads(report_of(new_db.parent))["indicators"]["betalende_leden"]
    assert (leden["rooms"]["cjm"], leden["entries"]["cjm"]["by"]) == (412, "Bert")
    assert leden["entries"]["cjm"]["earlier"] == 2
    assert (
        staff_main(["record", "--config", config, "--copy-from", str(tmp_path / "missing.db")]) == 2
    )
