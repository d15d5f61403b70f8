"""The funders' report read as the seed's table: totals, labels, rates, survey and handgeld.

Data is built through the store API with figures known by hand; the seed's
own text (section 5) is the reference for labels and targets.
"""

from __future__ import annotations

import csv
import io
import re
from datetime import datetime
from pathlib import Path

import openpyxl
import pytest

from shared import codes
from shared.catalog import load_catalog
from shared.clock import TZ
from shared.report import build_report
from shared.report_formats import label, render
from shared.store import RoomStore
from tests.conftest import FakeClock

CATALOG = load_catalog()
ROOMS = ["cjm", "multibron", "handreiking"]


def _open(path, clock):
    return [RoomStore(path, r, clock=clock, durable=False) for r in ROOMS]


def test_the_total_value_is_rounded_once_from_the_unrounded_hours(tmp_path):
    # 2016 (€ 8,80): 0.01 h per room: each room is worth 0.088 -> € 0,09, but the three
    # together are 0.03 h x € 8,80 = 0.264 -> € 0,26, not 3 x € 0,09 = € 0,27.
    clock = FakeClock(datetime(2016, 5, 1, 10, tzinfo=TZ))
    stores = _open(tmp_path / "central.db", clock)
    for store in stores:
        boss = store.add_key_holder("Baas", "2468", by=None)
        helper = codes.new_code()
        store.set_volunteer(helper, True, by=boss.code)
        store.start_shift(helper)
        clock.advance(seconds=36)
        store.end_shift(helper)
    report = build_report(stores[0].conn, CATALOG, 2016, ROOMS)
    for store in stores:
        store.close()
    value = report["volunteer_value"]
    assert value["rooms"] == {"cjm": 0.09, "multibron": 0.09, "handreiking": 0.09}
    assert value["total"] == 0.26
    assert report["indicators"]["vrijwilligersuren"]["total"] == 0.03


SEED = Path(__file__).parent / "data" / "seed_results_table.txt"


def seed_text() -> str:
    return SEED.read_text("utf-8")


PROCES_ROW = re.compile(
    r"^(?P<label>.+?)\s*\|?\s*(?:Uniek #|Klussen#)\s*\|?\s*"
    r"(?P<cjm>\d+) (?P<multibron>\d+) (?P<handreiking>\d+)$"
)


def seed_proces_rows() -> list[tuple[str, tuple[int, int, int]]]:
    """The PROCES rows of the seed's results table (section 5): label and the three targets."""
    text = seed_text()
    section = text[text.index("\nPROCES\n") : text.index("\nINPUT\n")]
    rows = []
    for line in section.splitlines():
        match = PROCES_ROW.match(line.strip())
        if match:
            rows.append(
                (
                    match["label"],
                    (int(match["cjm"]), int(match["multibron"]), int(match["handreiking"])),
                )
            )
    return rows


def test_every_proces_row_has_the_seeds_label_and_targets(tmp_path):
    seed = seed_proces_rows()
    assert len(seed) == 13  # twelve activities and the total of unique participants
    store = RoomStore(tmp_path / "central.db", "cjm")
    report = build_report(store.conn, CATALOG, 2017, ROOMS)
    store.close()
    rows = {label(i, CATALOG): e for i, e in report["indicators"].items()}
    for seed_label, targets in seed:
        assert seed_label in rows, f"no report row reads {seed_label!r}"
        entry = rows[seed_label]
        assert tuple(entry["targets"][r] for r in ROOMS) == targets, seed_label
    md = render(report, "md", CATALOG)
    for seed_label, _ in seed:
        assert f"| {seed_label} |" in md
    # The kiosk tiles keep their short labels.
    assert CATALOG.activities["schuldhulp"].label() == "Schuldhulp en budgetadvies"


def test_survey_counts_each_persons_latest_answer_and_says_on_how_many(tmp_path):
    clock = FakeClock(datetime(2017, 1, 10, 10, tzinfo=TZ))
    cjm, mb, hr = _open(tmp_path / "central.db", clock)
    often = codes.new_code()  # asked every quarter: sad three times, happy the last time
    for month, answer in ((1, 1), (4, 1), (7, 1), (10, 3)):
        clock.set(2017, month, 10, 10)
        cjm.answer_survey(often, {"confidence": answer})
    once = codes.new_code()
    cjm.answer_survey(once, {"confidence": 1})
    cjm.answer_survey(None, {"confidence": 3})  # anonymous: one person of its own
    traveller = codes.new_code()  # happy in MultiBron, then sad in CJM in December
    clock.set(2017, 11, 1, 10)
    mb.answer_survey(traveller, {"confidence": 3})
    clock.set(2017, 12, 1, 10)
    cjm.answer_survey(traveller, {"confidence": 1})
    for _ in range(20):  # De Handreiking: twenty people, fifteen happy
        hr.answer_survey(codes.new_code(), {"confidence": 3 if _ < 15 else 2})
    clock.set(2018, 1, 2, 10)
    cjm.answer_survey(once, {"confidence": 3})  # next year: does not count for 2017
    report = build_report(cjm.conn, CATALOG, 2017, ROOMS)
    for store in (cjm, mb, hr):
        store.close()
    entry = report["indicators"]["enquete_confidence"]
    # CJM: often (happy), once (sad), anonymous (happy), traveller (sad) = 2 of 4.
    assert entry["respondents"] == {"cjm": 4, "multibron": 1, "handreiking": 20, "total": 24}
    assert entry["rooms"] == {"cjm": 50.0, "multibron": 100.0, "handreiking": 75.0}
    # Total: the traveller's latest answer (sad, CJM) counts once: 2 + 15 of 24.
    assert entry["total"] == round(100 * 17 / 24, 1)
    assert entry["answers"] == {"cjm": 7, "multibron": 1, "handreiking": 20, "total": 28}
    assert entry["indicative"] == {
        "cjm": True,
        "multibron": True,
        "handreiking": False,
        "total": False,
    }
    assert report["indicators"]["enquete_pleasant"]["respondents"]["total"] == 0
    assert report["indicators"]["enquete_pleasant"]["indicative"]["total"] is False
    md = render(report, "md", CATALOG)
    row = next(
        line for line in md.splitlines() if line.startswith("| Bewoners hebben meer vertrouwen")
    )
    assert "50% / 50% (n=4, indicatief)" in row and "75% / 50% (n=20) |" in row
    rows = list(csv.DictReader(io.StringIO(render(report, "csv", CATALOG))))
    cjm_row = next(r for r in rows if r["indicator"] == "enquete_confidence" and r["room"] == "cjm")
    assert (cjm_row["n"], cjm_row["indicative"]) == ("4", "yes")
    html = render(report, "html", CATALOG)
    assert (
        'data-room="cjm" data-value="50.0" data-target="50.0" data-n="4" data-indicative="true"'
        in html
        and "n=4, indicatief" in html
    )
    wb = openpyxl.load_workbook(io.BytesIO(render(report, "xlsx", CATALOG)))
    ws = wb["Resultaten"]
    r = next(
        r
        for r in range(5, ws.max_row + 1)
        if ws.cell(r, 1).value == "Bewoners hebben "
        "meer vertrouwen in eigen kunnen, o.a. door buurtwerkkamer"
    )
    assert [ws.cell(r + 1, c).value for c in (3, 4, 6, 7, 9, 10, 12, 13)] == [
        4,
        "indicatief",
        1,
        "indicatief",
        20,
        None,
        24,
        None,
    ]


def _one_shift_in(tmp_path, year: int) -> dict:
    clock = FakeClock(datetime(year, 6, 1, 10, tzinfo=TZ))
    store = RoomStore(tmp_path / f"central-{year}.db", "cjm", clock=clock, durable=False)
    boss = store.add_key_holder("Baas", "2468", by=None)
    helper = codes.new_code()
    store.set_volunteer(helper, True, by=boss.code)
    store.start_shift(helper)
    clock.advance(hours=10)
    store.end_shift(helper)
    report = build_report(store.conn, CATALOG, year, ["cjm"])
    store.close()
    return report


def _every_format(report) -> dict[str, str]:
    wb = openpyxl.load_workbook(io.BytesIO(render(report, "xlsx", CATALOG)))
    sheets = {
        name: "\n".join(
            str(c.value) for row in wb[name].iter_rows() for c in row if c.value is not None
        )
        for name in wb.sheetnames
    }
    return {
        "json": render(report, "json"),
        "csv": render(report, "csv", CATALOG),
        "md": render(report, "md", CATALOG),
        "html": render(report, "html", CATALOG),
        "xlsx Vrijwilligers": sheets["Vrijwilligers"],
        "xlsx Toelichting": sheets["Toelichting"],
    }


@pytest.mark.parametrize(
    "year, rate, rate_year",
    [(2017, 8.96, 2017), (2018, 9.11, 2018), (2024, 13.27, 2024), (2026, 14.71, 2026)],
)
def test_hours_are_valued_at_the_wml_of_their_own_year(tmp_path, year, rate, rate_year):
    value = _one_shift_in(tmp_path, year)["volunteer_value"]
    assert (value["hourly_rate"], value["rate_year"], value["warning"]) == (rate, rate_year, None)
    assert value["total"] == round(10 * rate, 2)


def test_a_year_without_its_own_wml_warns_in_every_format(tmp_path):
    report = _one_shift_in(tmp_path, 2020)  # 2019-2022 are not in the catalog
    value = report["volunteer_value"]
    assert (value["hourly_rate"], value["rate_year"]) == (9.11, 2018)
    assert value["total"] == 91.1
    warning = value["warning"]
    assert "geen minimumloon (WML) per uur voor 2020" in warning and "2018" in warning
    for fmt, text in _every_format(report).items():
        assert "geen minimumloon (WML) per uur voor 2020" in text, fmt
    toelichting = _every_format(report)["xlsx Toelichting"]
    assert "minimumloon (WML) van het jaar" not in toelichting  # it no longer claims so
    own_year = _every_format(_one_shift_in(tmp_path, 2017))
    for fmt, text in own_year.items():
        assert "geen minimumloon" not in text, fmt
    assert "minimumloon (WML) van het jaar" in own_year["xlsx Toelichting"]


def test_a_year_before_any_wml_is_not_valued_and_says_so(tmp_path):
    report = _one_shift_in(tmp_path, 2015)
    value = report["volunteer_value"]
    assert (value["hourly_rate"], value["total"]) == (None, 0)
    for fmt, text in _every_format(report).items():
        assert "niet gewaardeerd" in text, fmt


def test_handgeld_against_the_cap_and_the_budget_line_per_month_and_year(tmp_path):
    clock = FakeClock(datetime(2017, 1, 5, 10, tzinfo=TZ))
    cjm, mb, hr = _open(tmp_path / "central.db", clock)
    boss = cjm.add_key_holder("Baas", "2468", by=None).code
    cjm.record_expense(24000, "A", "koffie", by=boss)  # January: under both
    clock.set(2017, 2, 5, 10)
    cjm.record_expense(30000, "B", "eten", by=boss)  # February: over the budget line only
    clock.set(2017, 3, 5, 10)
    cjm.record_expense(40000, "B", "eten", by=boss)  # March: over the cap as well
    cjm.record_expense(15001, "F", "verf", by=boss)
    for month in range(4, 13):  # April to December: exactly the budget line
        clock.set(2017, month, 5, 10)
        cjm.record_expense(25000, "A", "koffie", by=boss)
    mb_boss = mb.add_key_holder("Cas", "1357", by=None).code
    mb.record_expense(10000, "E", "postzegels", by=mb_boss)
    report = build_report(cjm.conn, CATALOG, 2017, ROOMS)
    for store in (cjm, mb, hr):
        store.close()
    section = report["handgeld"]
    assert (section["monthly_cap"], section["monthly_budget"], section["yearly_budget"]) == (
        500.0,
        250.0,
        3000.0,
    )
    months = section["rooms"]["cjm"]
    assert [
        (m, months[m]["over_budget"], months[m]["over_cap"])
        for m in ("2017-01", "2017-02", "2017-03", "2017-04")
    ] == [
        ("2017-01", False, False),
        ("2017-02", True, False),
        ("2017-03", True, True),
        ("2017-04", False, False),
    ]
    # 240 + 300 + 550.01 + 9 x 250 = 3,340.01: over the yearly budget, not over 12 caps.
    assert section["year"]["cjm"] == {
        "spent": 3340.01,
        "budget": 3000.0,
        "cap": 6000.0,
        "over_budget": True,
        "over_cap": False,
        "months_over_budget": 2,
        "months_over_cap": 1,
    }
    assert section["year"]["multibron"]["spent"] == 100.0
    assert section["year"]["handreiking"] == {
        "spent": 0.0,
        "budget": 3000.0,
        "cap": 6000.0,
        "over_budget": False,
        "over_cap": False,
        "months_over_budget": 0,
        "months_over_cap": 0,
    }
    md = render(report, "md", CATALOG)
    assert "| Casa Jepie Makandra | 2017-02 |" in md
    feb = next(line for line in md.splitlines() if "| 2017-02 |" in line)
    assert feb.endswith("| € 300,00 | ja | nee |")
    mar = next(line for line in md.splitlines() if "| 2017-03 |" in line)
    assert mar.endswith("| € 550,01 ⚠ | ja | ja |")
    assert "| Casa Jepie Makandra | € 3.340,01 | € 3.000,00 | € 6.000,00 | ja | nee | 2 | 1 |" in md
    html = render(report, "html", CATALOG)
    assert (
        'data-month="2017-02" data-spent="300.0" data-over-budget="true" data-over-cap="false"'
    ) in html
    assert 'data-room="cjm" data-year-spent="3340.01"' in html
    wb = openpyxl.load_workbook(io.BytesIO(render(report, "xlsx", CATALOG)))
    ws = wb["Handgeld"]
    rows = [[c.value for c in row] for row in ws.iter_rows()]
    feb_row = next(r for r in rows if r[1] == "2017-02")
    assert feb_row[8:12] == [300.0, 500.0, "nee", 250.0] and feb_row[12] == "ja"
    year_row = next(r for r in rows if r[0] == "Casa Jepie Makandra" and r[1] == 3340.01)
    assert year_row[:8] == ["Casa Jepie Makandra", 3340.01, 3000.0, 6000.0, "ja", "nee", 2, 1]


def test_md_html_and_xlsx_follow_the_seeds_table_order(tmp_path):
    report = _one_shift_in(tmp_path, 2017)
    seed_labels = [label for label, _ in seed_proces_rows()]
    md = render(report, "md", CATALOG).splitlines()
    assert [line.split("**")[1] for line in md if line.startswith("| **")] == [
        "EFFECT",
        "OUTPUT",
        "PROCES",
        "INPUT",
    ]
    at = {line.split("**")[1]: i for i, line in enumerate(md) if line.startswith("| **")}
    proces = md[at["PROCES"] : at["INPUT"]]
    labels = [line.split(" | ")[0].removeprefix("| ") for line in proces[1:]]
    assert labels[:13] == seed_labels  # the seed's rows in the seed's order
    assert at["INPUT"] < md.index("## Populaire begroting")
    html = render(report, "html", CATALOG)
    heads = re.findall(r'<tr class="section"><th colspan="\d+">(\w+)</th>', html)
    assert heads == ["EFFECT", "OUTPUT", "PROCES", "INPUT"]
    assert html.index(">INPUT<") < html.index("<h2>Populaire begroting</h2>")
    assert '<tr data-indicator="betalende_leden"><td>Betalende leden' in html
    ws = openpyxl.load_workbook(io.BytesIO(render(report, "xlsx", CATALOG)))["Resultaten"]
    column_a = [c.value for c in ws["A"]]
    assert [v for v in column_a if v in ("EFFECT", "OUTPUT", "PROCES", "INPUT")] == [
        "EFFECT",
        "OUTPUT",
        "PROCES",
        "INPUT",
    ]
    start = column_a.index("PROCES") + 1
    assert column_a[start : start + 13] == seed_labels
    assert ws.cell(3, 3).value == "Casa Jepie Makandra"  # over its three columns
    assert [ws.cell(4, c).value for c in (3, 4, 5)] == ["Resultaat", "Streefcijfer", "%"]
    leden = column_a.index("Betalende leden (bewonersvereniging)") + 1
    assert [ws.cell(leden, c).value for c in (3, 4)] == [None, 400]
    assert [ws.cell(leden + 1, c).value for c in (1, 3)] == ["  ingevoerd", "nog niet ingevoerd"]


def test_the_results_sheet_prints_one_page_wide_and_blank_is_no_shortfall(tmp_path):
    report = _one_shift_in(tmp_path, 2017)
    ws = openpyxl.load_workbook(io.BytesIO(render(report, "xlsx", CATALOG)))["Resultaten"]
    assert ws.sheet_properties.pageSetUpPr.fitToPage is True
    assert (ws.page_setup.fitToWidth, ws.page_setup.fitToHeight) == (1, 0)
    assert "C3:E3" in ws.merged_cells  # room names in their own row (tests/test_report_pdf.py)
    red = [
        rule
        for ranges in ws.conditional_formatting
        for rule in ranges.rules
        if rule.type == "expression"
    ]
    assert red and all(rule.formula[0].startswith("AND(ISNUMBER(") for rule in red)


# Every row of the seed's EFFECT, OUTPUT and INPUT sections as the seed prints it (one
# fragment per printed line), with the indicator that reports it. The OCR misreads
# "o.a." as "0.a.", "WPI" as "WPl" and "0 tekort" as "O tekort": read back before comparing.
SEED_ROWS = {
    "EFFECT": [
        (
            "enquete_confidence",
            ["Bewoners hebben meer vertrouwen in eigen", "kunnen, o.a. door buurtwerkkamer"],
        ),
        (
            "enquete_pleasant",
            ["Bewoners vinden dat buurtwerkkamer bijdraagt", "aan prettig(er) leven in de buurt"],
        ),
        ("interviews_uitkeringen", ["Minder (kosten op) uitkeringen en zorg"]),
        ("interviews_huisuitzettingen", ["Minder (kosten op) huisuitzettingen en", "huurschuld"]),
        ("interviews_overlast", ["Minder (kosten op) overlast en vandalisme"]),
    ],
    "OUTPUT": [
        ("sleutelbeheerders", ["Sleutelbeheerders"]),
        (
            "actieve_vrijwilligers",
            [
                "Actieve vrijwilligers (gem. 250 uren/jaar), o.a. bij",
                "huurders in directe omgeving",
            ],
        ),
        (
            "vrijwilligersgroepen",
            [
                "Actieve vrijwilligersgroepen (o.a. op beheer",
                "binnentuinen/terreinen, schoon, veilig e.d.)",
            ],
        ),
        ("betalende_leden", ["Betalende leden (bewonersvereniging)"]),
        (
            "doorverwezen_wpi_ingezet",
            [
                "Bewoners doorverwezen door WPI en SDZO (met",
                "bijstand/beperkte loonwaarde) effectief ingezet",
            ],
        ),
        (
            "leerwerkplekken",
            [
                "Actief op een leerwerkplek of stageplaats (uit SW,",
                "deels arbeidsongeschikt of als dagbesteding)",
            ],
        ),
        (
            "nieuwe_bewoners",
            ["Nieuwe bewoners in de wijk, zoals statushouders,", "effectief mee laten doen"],
        ),
        (
            "toeleiding_werk",
            [
                "Actieve vrijwilligers of gebruikers/deelnemers toe",
                "leiden of mede ondersteunen naar betaald werk",
            ],
        ),
    ],
    "INPUT": [
        ("input_begroting", ["Goede besteding budget"]),
        ("input_controle", ["Verantwoorde besteding budget"]),
        (
            "input_medewerkers",
            ["Goede inzet betaalde medewerkers", "en vrijwilligers incl. sleutelbeheerders"],
        ),
        ("input_overleg", ["Goed overleg met alle partners en financiers"]),
    ],
}
SEED_TARGET = re.compile(r"Min\.\s?\d+%?|[O0] tekort|Positief")
OCR = (("0.a.", "o.a."), ("WPl", "WPI"), ("O tekort", "0 tekort"), ("Min.50%", "Min. 50%"))


def _read_back(text: str) -> str:
    for wrong, right in OCR:
        text = text.replace(wrong, right)
    return text


def seed_section_lines(name: str) -> list[str]:
    text = _read_back(seed_text())
    following = {"EFFECT": "\nOUTPUT\n", "OUTPUT": "\nPROCES\n", "INPUT": "Buurtwerkkamers worden"}
    section = text[text.index(f"\n{name}\n") : text.index(following[name])]
    return [line.strip() for line in section.splitlines() if line.strip()]


def _target_text(entry: dict, room: str) -> str:
    """The report's target in the seed's words: "min. 10", "min. 50%", "positief"."""
    target = entry["targets"][room]
    if isinstance(target, str):
        return target
    shown = int(target) if float(target).is_integer() else target
    return f"min. {shown}{'%' if entry['unit'] == 'percent' else ''}"


@pytest.mark.parametrize("section", ["EFFECT", "OUTPUT", "INPUT"])
def test_every_row_of_the_seeds_effect_output_and_input_has_its_words_and_targets(
    tmp_path, section
):
    lines = seed_section_lines(section)
    store = RoomStore(tmp_path / "central.db", "cjm")
    report = build_report(store.conn, CATALOG, 2017, ROOMS)
    store.close()
    md = render(report, "md", CATALOG)
    for indicator, fragments in SEED_ROWS[section]:
        first = next((line for line in lines if line.startswith(fragments[0])), None)
        assert first is not None, f"the seed has no row starting {fragments[0]!r}"
        for fragment in fragments[1:]:  # the next printed lines of the same row
            assert any(line.startswith(fragment) for line in lines), fragment
        seed_label = " ".join(fragments)
        assert label(indicator, CATALOG) == seed_label
        assert f"| {seed_label} |" in md
        entry = report["indicators"][indicator]
        targets = [t.lower() for t in SEED_TARGET.findall(first)]
        assert targets == [_target_text(entry, room) for room in ROOMS], indicator
        if entry.get("staff_entered"):  # the seed's own unit word, and its section
            assert entry["seed_unit"] in first and entry["section"] == section
    # The rows in the seed's order, nothing of the seed's left out.
    from shared.report_formats.seed_table import sections

    shown = dict(sections(report, CATALOG))[section]
    seed_ids = [indicator for indicator, _ in SEED_ROWS[section]]
    assert [row for row in shown if row in seed_ids] == seed_ids
    assert all(isinstance(row, str) for row in shown)  # every row is a real figure now


def test_the_wpi_row_of_the_kiosk_says_it_is_self_declared_and_staff_enter_the_real_one(tmp_path):
    lines = seed_section_lines("OUTPUT")
    wpi = next(line for line in lines if line.startswith("Bewoners doorverwezen"))
    assert "Min. 10 Min. 10 Min. 10" in wpi
    assert any(line.endswith("op 20 op 20 op 20") for line in lines)
    assert CATALOG.staff_figures["doorverwezen_wpi_ingezet"].target_note == "op 20"
    store = RoomStore(tmp_path / "central.db", "cjm")
    report = build_report(store.conn, CATALOG, 2017, ROOMS)
    store.close()
    md = render(report, "md", CATALOG)
    row = next(line for line in md.splitlines() if line.startswith("| Bewoners doorverwezen"))
    assert "| – / 10 op 20 (nog niet ingevoerd) |" in row
    assert "– / 10 op 20<br>" in render(report, "html", CATALOG)
    assert "zelf opgegeven" in label("doorverwezen_wpi", CATALOG)
