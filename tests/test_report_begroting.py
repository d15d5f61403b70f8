"""The populaire begroting (seed section 7): residents' hours at the year's WML, professionals'
hours (staff-entered) at the year's ZZP rate, the financing table (planned in the catalog,
received as staff-entered figures), the totals, in every format parsed back; and a year
without its own ZZP rate warns in every format."""

from __future__ import annotations

import csv
import io
import json
import re
import sqlite3
from html.parser import HTMLParser

import openpyxl
import pytest

from kiosk.staff.cli import main as staff_main
from shared.begroting import _line, popular_budget
from shared.catalog import catalog_from_text, load_catalog, packaged_text
from tests.test_report_formats import CENTRAL_TOML
from tests.test_staff_data import build_central

CATALOG = load_catalog()
ROOMS = ["cjm", "multibron", "handreiking"]
COLUMNS = [*ROOMS, "total"]
# The year's true figures: build_central's closed shifts (cjm 4 h 30, De Handreiking 2 h),
# the catalog's rates for 2017 and what the test enters below.
RESIDENT_HOURS = {"cjm": 4.5, "multibron": 0.0, "handreiking": 2.0}
WML, ZZP = 8.96, 35.0
PROFESSIONAL_HOURS = {"cjm": 480, "multibron": 500}  # De Handreiking: not entered
RECEIVED = {
    ("stadsdeel", "cjm"): 50000,
    ("stadsdeel", "multibron"): 62000,
    ("eigen_haard", "cjm"): 25000,
    ("eigen_inkomsten", "cjm"): 1234,
}
# The seed's financing table (section 7), per financer: Casa Jepie, MultiBron, De Handreiking.
SEED_FINANCING = {
    "stadsdeel": (54500, 62000, 57500),
    "werk_reintegratie": (0, 10000, 5000),
    "rochdale": (0, 0, 10000),
    "eigen_haard": (25000, 15000, 10000),
    "stadgenoot": (10000, 0, 0),
    "ymere": (0, 2500, 7500),
    "fondsen": (3500, 3500, 3000),
    "eigen_inkomsten": (2000, 2000, 2000),
}
LABELS = {
    "formal_budget": "Totaal formele begroting",
    "resident_hours": "Investering van bewoners in uren",
    "resident_value": "Investering van bewoners in euro's (WML)",
    "professional_hours": "Investering van medewerkers in uren",
    "professional_value": "Investering van medewerkers in euro's (ZZP-tarief)",
    "volunteer_total": "Totaal investering vrijwilligers",
    "popular_total": "Totaal populaire begroting",
}


@pytest.fixture
def central(tmp_path):
    build_central(tmp_path / "central.db")
    (tmp_path / "central.toml").write_text(CENTRAL_TOML, "utf-8")
    return tmp_path


def record(central, indicator: str, room: str, value: str, year: int = 2017) -> int:
    return staff_main(
        [
            "record",
            "--config",
            str(central / "central.toml"),
            "--year",
            str(year),
            "--indicator",
            indicator,
            "--room",
            room,
            "--value",
            value,
            "--by",
            "Anna",
        ]
    )


def report_of(central, fmt: str, year: int = 2017, config: str = "central.toml"):
    out = central / f"report-{year}.{fmt}"
    assert (
        staff_main(
            [
                "report",
                "--config",
                str(central / config),
                "--year",
                str(year),
                "--format",
                fmt,
                "--out",
                str(out),
            ]
        )
        == 0
    )
    return out.read_bytes() if fmt == "xlsx" else out.read_text("utf-8")


def _sum(values) -> float | None:
    known = [v for v in values if v is not None]
    return round(sum(known), 2) if known else None


def expected() -> dict[str, dict[str, tuple[float | None, float | None]]]:
    """Row label -> column -> (received or counted, planned), from the true figures."""
    rows: dict[str, dict[str, tuple]] = {}

    def add(name: str, real: dict, planned: dict) -> None:
        rows[name] = {c: (real.get(c), planned.get(c)) for c in ROOMS}
        rows[name]["total"] = (
            _sum(real.get(c) for c in ROOMS),
            _sum(planned.get(c) for c in ROOMS),
        )

    formal, formal_plan = {}, {c: 95000 for c in ROOMS}
    for financer in CATALOG.budget.financers.values():
        real = {c: RECEIVED.get((financer.id, c)) for c in ROOMS}
        add(financer.label, real, dict(zip(ROOMS, SEED_FINANCING[financer.id])))
        for c, v in real.items():
            if v is not None:
                formal[c] = formal.get(c, 0) + v
    add(LABELS["formal_budget"], formal, formal_plan)
    hours_plan = {"cjm": 10000, "multibron": 7500, "handreiking": 6250}
    add(LABELS["resident_hours"], RESIDENT_HOURS, hours_plan)
    resident = {c: h * WML for c, h in RESIDENT_HOURS.items()}
    add(LABELS["resident_value"], resident, {c: h * WML for c, h in hours_plan.items()})
    add(LABELS["professional_hours"], PROFESSIONAL_HOURS, {c: 500 for c in ROOMS})
    professional = {c: h * ZZP for c, h in PROFESSIONAL_HOURS.items()}
    add(LABELS["professional_value"], professional, {c: 500 * ZZP for c in ROOMS})
    volunteers = {c: resident[c] + professional.get(c, 0) for c in ROOMS}
    volunteers_plan = {c: hours_plan[c] * WML + 500 * ZZP for c in ROOMS}
    add(LABELS["volunteer_total"], volunteers, volunteers_plan)
    add(
        LABELS["popular_total"],
        {c: volunteers[c] + formal.get(c, 0) for c in ROOMS},
        {c: volunteers_plan[c] + 95000 for c in ROOMS},
    )
    return {
        name: {
            c: tuple(None if v is None else round(v, 2) for v in cell) for c, cell in row.items()
        }
        for name, row in rows.items()
    }


def enter_the_year(central) -> None:
    for room, hours in PROFESSIONAL_HOURS.items():
        assert record(central, "medewerkersuren", room, str(hours)) == 0
    for (financer, room), amount in RECEIVED.items():
        assert record(central, f"ontvangen_{financer}", room, str(amount)) == 0


def amount(text: str) -> float | None:
    """ "€ 50.000,00" or "4,5" or "10.000" -> the number; "–" -> None."""
    text = text.replace("€", "").strip()
    return None if text in ("–", "") else float(text.replace(".", "").replace(",", "."))


def split_cell(text: str) -> tuple[float | None, float | None]:
    """ "€ 50.000,00 / € 54.500,00 (ingevoerd …)" -> (50000.0, 54500.0)."""
    figures = re.sub(r"\s*\(.*\)$", "", text.strip())
    real, _, planned = figures.partition(" / ")
    return amount(real), amount(planned)


def from_markdown(text: str) -> dict:
    table = text.split("### Begroting en financiering")[1]
    rows = [line for line in table.splitlines() if line.startswith("| ")][1:]
    out = {}
    for line in rows:
        cells = [c.strip() for c in line.strip("|").split(" | ")]
        if cells[0] == "Ruimte":  # the next section's table
            break
        out[cells[0].strip("*")] = dict(zip(COLUMNS, map(split_cell, cells[1:])))
    return out


class FinancingTable(HTMLParser):
    """The figures of <table id="financing">: data-value and data-planned per cell."""

    def __init__(self) -> None:
        super().__init__()
        self.inside, self.rows, self.row, self.text = False, {}, None, ""

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "table":
            self.inside = attrs.get("id") == "financing"
        elif self.inside and tag == "tr" and "data-line" in attrs:
            self.row, self.text = {}, ""
        elif self.inside and tag == "td" and "data-room" in attrs and self.row is not None:
            number = lambda v: float(v) if v else None  # noqa: E731
            self.row[attrs["data-room"]] = (
                number(attrs["data-value"]),
                number(attrs["data-planned"]),
            )

    def handle_data(self, data):
        if self.inside and self.row == {}:
            self.text += data

    def handle_endtag(self, tag):
        if tag == "tr" and self.row:
            self.rows[self.text] = self.row
            self.row = None
        elif tag == "table":
            self.inside = False


def from_html(text: str) -> dict:
    parser = FinancingTable()
    parser.feed(text)
    return parser.rows


def from_xlsx(data: bytes) -> dict:
    sheet = openpyxl.load_workbook(io.BytesIO(data))["Vrijwilligers"]
    rows = list(sheet.iter_rows(values_only=True))
    start = next(i for i, row in enumerate(rows) if row[0] == "Financiers") + 1
    out = {}
    for row in rows[start:]:
        if row[0] is None or row[0].startswith("  "):  # the notes under a line
            continue
        figures = [None if isinstance(v, str) else v for v in row[1:9]]
        out[row[0]] = {c: (figures[2 * i], figures[2 * i + 1]) for i, c in enumerate(COLUMNS)}
    return out


def from_csv(text: str) -> dict:
    out: dict[str, dict] = {}
    for row in csv.DictReader(io.StringIO(text)):
        if row["indicator"].startswith("begroting_"):
            number = lambda v: float(v) if v else None  # noqa: E731
            out.setdefault(row["label"], {})[row["room"]] = (
                number(row["value"]),
                number(row["target"]),
            )
    return out


def from_json(text: str) -> dict:
    section = json.loads(text)["volunteer_value"]["begroting"]
    lines = [*section["financing"].values(), *(section[k] for k in LABELS)]
    names = [line["label"] for line in section["financing"].values()] + list(LABELS.values())
    return {
        name: {
            c: (line["total"] if c == "total" else line["rooms"][c], line["planned"][c])
            for c in COLUMNS
        }
        for name, line in zip(names, lines)
    }


PARSERS = {
    "json": from_json,
    "csv": from_csv,
    "md": from_markdown,
    "html": from_html,
    "xlsx": from_xlsx,
}


@pytest.mark.parametrize("fmt", list(PARSERS))
def test_every_format_has_the_seeds_begroting_with_the_true_figures(central, fmt):
    enter_the_year(central)
    found = PARSERS[fmt](report_of(central, fmt))
    want = expected()
    assert list(found) == list(want), fmt  # every row, in the seed's order
    for name, row in want.items():
        for column, (real, planned) in row.items():
            got = found[name][column]
            assert got == pytest.approx((real, planned)), (fmt, name, column)


def test_the_json_says_what_each_figure_rests_on(central):
    enter_the_year(central)
    value = json.loads(report_of(central, "json"))["volunteer_value"]
    assert (value["zzp_rate"], value["zzp_rate_year"], value["zzp_warning"]) == (35.0, 2017, None)
    lines = value["begroting"]
    assert lines["professional_hours"]["notes"]["cjm"].startswith("ingevoerd ")
    assert lines["professional_hours"]["notes"]["cjm"].endswith(" door Anna")
    assert lines["professional_hours"]["notes"]["handreiking"] == "nog niet ingevoerd"
    assert lines["formal_budget"]["notes"]["cjm"] == "3 van 8 financiers ingevoerd"
    assert "medewerkersuren" in lines["volunteer_total"]["notes"]["handreiking"]
    # the existing keys keep their meaning: residents' hours at the WML
    assert value["rooms"] == {c: round(h * WML, 2) for c, h in RESIDENT_HOURS.items()}
    md = report_of(central, "md")
    assert "ZZP-tarief per uur (medewerkers): € 35,00 (tarief van 2017)" in md
    assert "De kiosk kan een betaalde medewerker niet van een bewoner onderscheiden" in md


def test_the_seeds_financing_table_is_the_catalogs_plan():
    plan = CATALOG.budget.budget_for(2017)
    assert CATALOG.budget.zzp_rate_for(2017) == 35.0
    for i, room in enumerate(ROOMS):
        assert sum(plan.financing[f][room] for f in plan.financing) == plan.formal[room] == 95000
        assert [plan.financing[f][room] for f in SEED_FINANCING] == [
            v[i] for v in SEED_FINANCING.values()
        ]
    assert plan.professional_hours == {"cjm": 500, "multibron": 500, "handreiking": 500, "gk": 100}
    assert CATALOG.budget.budget_for(2030) == plan  # a later year uses the latest plan


@pytest.mark.parametrize("fmt", list(PARSERS))
def test_a_year_without_its_own_zzp_rate_warns_in_every_format(central, fmt):
    out = report_of(central, fmt, year=2018)
    warning = (
        "Let op: de catalogus heeft geen ZZP-tarief per uur voor 2018; de uren van "
        "medewerkers zijn gewaardeerd tegen het tarief van 2017 (€ 35,00)."
    )
    if fmt == "xlsx":
        book = openpyxl.load_workbook(io.BytesIO(out))
        for sheet in ("Vrijwilligers", "Toelichting"):
            texts = [str(c.value) for row in book[sheet].iter_rows() for c in row if c.value]
            assert any(warning in t for t in texts), sheet
    elif fmt == "csv":
        rows = [
            r
            for r in csv.DictReader(io.StringIO(out))
            if r["indicator"] == "begroting_professional_value"
        ]
        assert rows and all(warning in r["note"] for r in rows)
    else:
        assert warning in (
            json.loads(out)["volunteer_value"]["zzp_warning"] if fmt == "json" else out
        ), fmt


def test_a_catalog_without_any_zzp_rate_says_the_hours_are_not_valued(central):
    catalog = catalog_from_text(packaged_text().replace("[zzp_rate]\n2017 = 35.00\n", ""), "t")
    assert catalog.budget.zzp_rate == {}
    conn = sqlite3.connect(central / "central.db")
    try:
        value = popular_budget(conn, catalog, 2017, dict(RESIDENT_HOURS))
    finally:
        conn.close()
    assert value["zzp_rate"] is None
    assert "geen ZZP-tarief per uur voor 2017 of eerder" in value["zzp_warning"]
    assert value["begroting"]["professional_value"]["total"] is None


def test_begroting_figures_are_entered_per_room_never_as_a_total(central, capsys):
    assert record(central, "medewerkersuren", "totaal", "1500") != 0
    assert "per ruimte" in capsys.readouterr().err
    assert record(central, "ontvangen_nergens", "cjm", "5") != 0
    assert record(central, "medewerkersuren", "cjm", "12,5") != 0  # whole hours


def test_totals_come_from_unrounded_sums_rounded_once():
    line = _line("euro", ["a", "b", "c"], {"a": 1 / 3, "b": 1 / 3, "c": 1 / 3}, {}, {})
    assert line["rooms"] == {"a": 0.33, "b": 0.33, "c": 0.33}
    assert line["total"] == 1.0  # not 0.99


async def test_the_record_screen_offers_and_saves_the_begroting_figures(tmp_path):
    from textual.widgets import Input, Select, Static

    from tests.test_staff_record_screen import make_app, settle, stored

    build_central(tmp_path / "central.db")
    app = make_app(tmp_path / "central.db")
    async with app.run_test(size=(140, 45)) as pilot:
        await settle(app, pilot)
        await pilot.press("i")
        await settle(app, pilot)
        screen = app.screen
        choose = screen.query_one("#indicator", Select)
        offered = [value for _, value in choose._options]
        assert "medewerkersuren" in offered and "ontvangen_stadsdeel" in offered
        choose.value = "medewerkersuren"
        await settle(app, pilot)
        assert str(screen.query_one("#asks").render()).startswith("Uren · ")
        screen.query_one("#value", Input).value = "480"
        screen.query_one("#by", Input).value = "Anna"
        await pilot.click("#save")
        await settle(app, pilot)
        message = str(screen.query_one("#message", Static).render())
        assert "Opgeslagen" in message, message
        assert stored(tmp_path / "central.db") == [
            {
                "year": 2017,
                "indicator": "medewerkersuren",
                "room": "cjm",
                "value": 480,
                "by": "Anna",
            }
        ]
        assert message.startswith(
            "Opgeslagen: Vrijwilligersuren van betaalde professionals, Casa Jepie Makandra"
        )


@pytest.mark.parametrize(
    "change, words, names",
    [
        ("2017 = 35.00", "2017 = -35", "zzp_rate.2017"),
        ("stadgenoot = { cjm = 10000,", "nobody = { cjm = 10000,", "financiering.nobody"),
        ("formeel = { cjm = 95000,", "formeel = { nowhere = 95000,", "formeel.nowhere"),
        ('id = "ymere"', 'id = "eigen_haard"', "financiers[5]"),
    ],
)
def test_a_wrong_begroting_table_in_the_catalog_is_named(change, words, names):
    from shared.catalog import CatalogError

    assert change in packaged_text()
    with pytest.raises(CatalogError) as error:
        catalog_from_text(packaged_text().replace(change, words, 1), "catalog.toml")
    assert str(error.value).startswith("catalog.toml: ") and names in str(error.value)
