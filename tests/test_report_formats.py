"""Every report format carries the numbers of the json report: parse each and compare."""

from __future__ import annotations

import csv
import io
import json
from html.parser import HTMLParser

import openpyxl
import pytest

from kiosk.staff.cli import main as staff_main
from shared.report_formats import columns, render
from tests.test_staff_data import CATALOG, build_central, report_2017

CENTRAL_TOML = """
[central]
database = "central.db"
key = "keys/central.key"
inbox = "inbox"
[rooms.cjm]
key = "keys/cjm.pub"
outbox = "to-cjm"
[rooms.multibron]
key = "keys/multibron.pub"
outbox = "to-multibron"
[rooms.handreiking]
key = "keys/handreiking.pub"
outbox = "to-handreiking"
"""


@pytest.fixture(scope="module")
def central(tmp_path_factory):
    folder = tmp_path_factory.mktemp("central")
    build_central(folder / "central.db")
    (folder / "central.toml").write_text(CENTRAL_TOML, "utf-8")
    return folder


@pytest.fixture(scope="module")
def report(central):
    return report_2017(central / "central.db")


def expected_cells(report):
    """{(indicator, column): (value, target)} from the json report."""
    out = {}
    for indicator, entry in report["indicators"].items():
        for column in columns(report):
            value = entry["total"] if column == "total" else entry["rooms"][column]
            out[indicator, column] = (value, entry.get("targets", {}).get(column))
    return out


def num(text: str | None):
    if text in (None, "", "–"):
        return None
    try:
        return float(text)
    except ValueError:  # a staff judgement ("positief") is text
        return text


def nl_num(text: str):
    text = text.strip().split(" op ")[0]  # "10 op 20": the seed's words after a target
    if text == "–":
        return None
    try:
        return float(text.removesuffix("%").replace(".", "").replace(",", "."))
    except ValueError:  # a staff judgement ("0 tekort") is text
        return text


def same(a, b) -> bool:
    if isinstance(a, str) or isinstance(b, str):
        return a == b
    return (a is None and b is None) or (
        a is not None and b is not None and abs(float(a) - float(b)) < 1e-9
    )


def test_json_is_the_contract_shape_and_round_trips(report):
    parsed = json.loads(render(report, "json"))
    assert parsed == json.loads(json.dumps(report))
    assert {"year", "rooms", "indicators", "sync"} <= set(parsed)
    assert parsed["indicators"]["kookclub"]["targets"]["total"] == 150


def test_csv_has_a_row_per_indicator_and_room_with_the_json_numbers(report):
    rows = list(csv.DictReader(io.StringIO(render(report, "csv", CATALOG))))
    value_rows = [r for r in rows if r["indicator"] == "vrijwilligerswaarde"]
    # the populaire begroting's rows (section 7) are checked in test_report_begroting.py
    rows = [
        r
        for r in rows
        if r["indicator"] != "vrijwilligerswaarde" and not r["indicator"].startswith("begroting_")
    ]
    assert {r["room"]: float(r["value"]) for r in value_rows} == {
        **report["volunteer_value"]["rooms"],
        "total": report["volunteer_value"]["total"],
    }
    expected = expected_cells(report)
    assert len(rows) == len(expected)
    for row in rows:
        value, target = expected[row["indicator"], row["room"]]
        assert same(num(row["value"]), value), row
        assert same(num(row["target"]), target), row
        assert row["year"] == "2017"
    kook = next(r for r in rows if r["indicator"] == "kookclub" and r["room"] == "cjm")
    assert kook["label"] == "Kookclub" and kook["percent_of_target"] == "4.0"


def test_markdown_is_the_seed_table_with_the_json_numbers(report):
    text = render(report, "md", CATALOG)
    lines = text.splitlines()
    header = next(line for line in lines if line.startswith("| Indicator"))
    assert header.split("|")[3:-1] == [
        " Casa Jepie Makandra ",
        " MultiBron ",
        " De Handreiking ",
        " Totaal ",
    ]
    expected = expected_cells(report)
    from shared.report_formats import label

    by_label = {label(i, CATALOG): i for i in report["indicators"]}
    seen = 0
    for line in lines:
        cells = [c.strip() for c in line.split("|")[1:-1]]
        if not cells or cells[0] not in by_label:
            continue
        indicator = by_label[cells[0]]
        for column, shown in zip(columns(report), cells[2:]):
            shown, _, note = shown.partition(" (")
            respondents = report["indicators"][indicator].get("respondents")
            if respondents is not None:  # a survey percentage says how many people it rests on
                assert note.startswith(f"n={respondents[column]}"), (indicator, column, note)
            value, _, target = shown.partition(" / ")
            exp_value, exp_target = expected[indicator, column]
            assert same(nl_num(value), exp_value), (indicator, column, shown)
            assert same(nl_num(target) if target else None, exp_target), (indicator, column)
            seen += 1
    assert seen == len(expected)
    assert "€ 40,32" in text  # 4.5 h x € 8,96 (the WML of 2017) for CJM
    assert "€ 550,00 ⚠" in text  # March in CJM is over the cap


def test_xlsx_sheets_carry_the_json_numbers(report, tmp_path):
    path = tmp_path / "r.xlsx"
    path.write_bytes(render(report, "xlsx", CATALOG))
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames == [
        "Resultaten",
        "Vrijwilligers",
        "Handgeld",
        "Actualiteit",
        "Toelichting",
    ]
    ws = wb["Resultaten"]
    expected = expected_cells(report)
    indicators = list(report["indicators"])
    from shared.report_formats import label

    rows = {ws.cell(r, 1).value: r for r in range(5, ws.max_row + 1)}
    for indicator in indicators:
        r = rows[label(indicator, CATALOG)]
        for i, column in enumerate(columns(report)):
            value, target = expected[indicator, column]
            assert same(ws.cell(r, 3 + 3 * i).value, value), (indicator, column)
            assert same(ws.cell(r, 4 + 3 * i).value, target), (indicator, column)
            people = report["indicators"][indicator].get("respondents")
            if people is not None:  # the row below says how many people, and if indicative
                assert ws.cell(r + 1, 3 + 3 * i).value == people[column]
                assert (ws.cell(r + 1, 4 + 3 * i).value == "indicatief") == (
                    report["indicators"][indicator]["indicative"][column]
                )
    assert ws.conditional_formatting  # progress bars and colours
    vol = wb["Vrijwilligers"]
    values = {
        vol.cell(r, 1).value: (vol.cell(r, 2).value, vol.cell(r, 3).value) for r in range(5, 9)
    }
    hours = report["indicators"]["vrijwilligersuren"]
    for room, name in report["rooms"].items():
        assert values[name] == (hours["rooms"][room], report["volunteer_value"]["rooms"][room])
    assert values["Totaal"] == (hours["total"], report["volunteer_value"]["total"])
    cash = wb["Handgeld"]
    spent = {
        (cash.cell(r, 1).value, cash.cell(r, 2).value): cash.cell(r, 9).value
        for r in range(5, cash.max_row + 1)
        if cash.cell(r, 2).value
    }
    for room, months in report["handgeld"]["rooms"].items():
        for month, entry in months.items():
            assert spent[report["rooms"][room], month] == entry["spent"]
    assert wb["Toelichting"].max_row > len(indicators)


class _Cells(HTMLParser):
    def __init__(self):
        super().__init__()
        self.cells, self.indicator, self.tags, self._cell = {}, None, [], None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        self.tags.append((tag, attrs))
        if tag == "tr" and "data-indicator" in attrs:
            self.indicator = attrs["data-indicator"]
        if tag == "td" and "data-target" in attrs and self.indicator:
            self._cell = (
                self.indicator,
                attrs["data-room"],
                attrs["data-value"],
                attrs["data-target"],
            )

    def handle_data(self, data):
        if self._cell:
            self.cells[self._cell[:2]] = (*self._cell[2:], data)
            self._cell = None


def test_html_is_self_contained_and_carries_the_json_numbers(report):
    text = render(report, "html", CATALOG)
    parser = _Cells()
    parser.feed(text)
    expected = expected_cells(report)
    assert set(parser.cells) == set(expected)
    for key, (value, target, shown) in parser.cells.items():
        assert same(num(value), expected[key][0]) and same(num(target), expected[key][1]), key
        shown_value, _, rest = shown.partition(" / ")
        assert same(nl_num(shown_value), expected[key][0]), (key, shown)
        if expected[key][1] is not None:
            assert same(nl_num(rest.split(" (")[0]), expected[key][1]), (key, shown)
    tags = [t for t, _ in parser.tags]
    assert "script" not in tags and "link" not in tags and "img" not in tags
    assert tags.count("svg") >= len(report["rooms"]) + 5  # bar charts and trends
    assert all("http" not in (a.get("src", "") + a.get("href", "")) for _, a in parser.tags)
    assert report["generated_at"] in text and ">2017<" in text
    assert "Stil &gt; 2 dagen: MultiBron" in text  # the stale room is named
    budget = {a["data-room"]: a for t, a in parser.tags if t == "tr" and "data-hours" in a}
    hours, value = report["indicators"]["vrijwilligersuren"], report["volunteer_value"]
    for room in report["rooms"]:
        assert same(num(budget[room]["data-hours"]), hours["rooms"][room])
        assert same(num(budget[room]["data-value"]), value["rooms"][room])
    assert same(num(budget["total"]["data-value"]), value["total"])
    spent = {
        (a["data-room"], a["data-month"]): num(a["data-spent"])
        for t, a in parser.tags
        if t == "tr" and "data-spent" in a
    }
    assert spent == {
        (r, m): e["spent"]
        for r, months in report["handgeld"]["rooms"].items()
        for m, e in months.items()
    }
    lines = [a for t, a in parser.tags if t == "polyline"]
    assert [(a["data-checkins"], a["data-visitors"]) for a in lines] == [
        (" ".join(map(str, s["checkins"])), " ".join(map(str, s["visitors"])))
        for s in report["trends"]["rooms"].values()
    ]


@pytest.mark.parametrize("fmt", ["json", "csv", "md", "xlsx", "html"])
def test_the_cli_writes_every_format(central, tmp_path, fmt, capsys):
    out = tmp_path / f"report.{fmt}"
    code = staff_main(
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
    assert code == 0
    assert out.stat().st_size > 200
    if fmt == "json":
        data = json.loads(out.read_text("utf-8"))
        assert data["indicators"]["kookclub"]["rooms"] == {
            "cjm": 2,
            "multibron": 1,
            "handreiking": 0,
        }
    if fmt == "xlsx":
        assert openpyxl.load_workbook(out)["Resultaten"]["A1"].value.endswith("2017")


def test_the_cli_prints_json_and_explains_a_missing_database(central, tmp_path, capsys):
    assert staff_main(["report", "--config", str(central / "central.toml"), "--year", "2016"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["year"] == 2016 and data["indicators"]["kookclub"]["rooms"]["cjm"] == 4
    (tmp_path / "central.toml").write_text(CENTRAL_TOML, "utf-8")
    assert staff_main(["report", "--config", str(tmp_path / "central.toml")]) == 2
    assert "no database yet" in capsys.readouterr().err


def test_english_labels(report):
    text = render(report, "md", CATALOG, "en")
    assert "| Cooking club | unique | 2 / 50 |" in text


def test_english_workbook_and_page(report, tmp_path):
    path = tmp_path / "r.xlsx"
    path.write_bytes(render(report, "xlsx", CATALOG, "en"))
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames == ["Results", "Volunteers", "Petty cash", "Freshness", "Explanation"]
    column_a = [c.value for c in wb["Results"]["A"]]
    assert column_a[4:6] == ["EFFECT", "More confidence in own abilities"]
    assert "Drop-in and chat" in column_a
    page = render(report, "html", CATALOG, "en")
    assert '<html lang="en">' in page and "Silent &gt; 2 days: MultiBron" in page
