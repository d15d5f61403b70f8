"""Staff dashboard and report texts live in the same TOML catalogs as the kiosk's (issue 14,
item 4): one file per language, the staff and report texts in tables that nl and en carry."""

from __future__ import annotations

import re
import string
from importlib import resources
from pathlib import Path

import pytest

from kiosk.staff.widgets.labels import tr
from shared import i18n
from shared.report_formats import texts

REPO = Path(__file__).resolve().parents[1]
STAFF_CODE = [
    path
    for path in (REPO / "kiosk").rglob("*.py")
    if "staff" in path.relative_to(REPO / "kiosk").as_posix()
]
REPORT_CODE = sorted((REPO / "shared" / "report_formats").glob("*.py"))
STAFF_TABLES = ("staff", "staff_record", "report", "report_units", "report_labels")
DUTCH_ONLY = ("report_explanations", "report_marks")  # how a figure is counted, entered: Dutch


def fields_of(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


@pytest.mark.parametrize("table", STAFF_TABLES + DUTCH_ONLY)
def test_dutch_has_every_staff_and_report_table(table):
    assert len(i18n.section("nl", table)) >= 4


@pytest.mark.parametrize("table", STAFF_TABLES)
def test_english_has_every_key_of_every_staff_table_with_the_same_fields(table):
    dutch, english = i18n.section("nl", table), i18n.section("en", table)
    assert sorted(set(dutch) ^ set(english)) == []
    for key, text in english.items():
        assert text.strip() and fields_of(text) == fields_of(dutch[key]), f"en.{table}.{key}"


@pytest.mark.parametrize("lang", i18n.LANGUAGES)
def test_a_staff_table_a_language_has_holds_only_known_keys(lang):
    """Other languages may leave the staff tables out (staff read Dutch or English) or
    translate them: then with Dutch's keys and fields, the rest falls back to Dutch."""
    for table in STAFF_TABLES + DUTCH_ONLY:
        dutch = i18n.section("nl", table)
        for key, text in i18n.section(lang, table).items():
            assert key in dutch, f"{lang}.{table}.{key} is unknown"
            assert fields_of(text) == fields_of(dutch[key]), f"{lang}.{table}.{key} fields"


def test_a_language_without_staff_tables_falls_back_to_dutch():
    assert i18n.section("tr", "report") == {}
    assert texts("tr") == texts("nl") and texts("en")["title"] == "Neighbourhood rooms: results"
    assert (
        tr("es", "year") == "Jaar"
        and tr("en", "stale_banner", rooms="CJM") == "⚠ Silent > 2 days: CJM"
    )
    assert i18n.st("xx", "report", "no_such_key") == "no_such_key"


def test_staff_languages_are_the_files_with_staff_texts():
    assert i18n.STAFF_LANGUAGES == ("nl", "en")


def test_kiosk_texts_leave_the_tables_out():
    assert set(i18n.catalog("nl")).isdisjoint({"staff", "report", "lang_order"})


def test_every_language_file_is_a_language_in_its_order():
    folder = resources.files("shared").joinpath("data", "i18n")
    files = {
        entry.name.removesuffix(".toml")
        for entry in folder.iterdir()
        if entry.name.endswith(".toml")
    }
    assert set(i18n.LANGUAGES) == files
    assert i18n.LANGUAGES[:2] == ("nl", "en")


def _literal_keys(pattern: str, paths: list[Path]) -> set[str]:
    return {key for path in paths for key in re.findall(pattern, path.read_text("utf-8"))}


def test_every_key_the_staff_code_uses_exists():
    used = _literal_keys(r"\b(?:tr|catalog_tr)\([^,()]+,\s*[\"']([a-z_]+)[\"']", STAFF_CODE)
    assert len(used) > 40
    known = {**i18n.section("nl", "staff"), **i18n.section("nl", "report")}
    assert sorted(used - set(known)) == []
    said = _literal_keys(r"\bsay\([^,()]+,\s*[\"']([a-z_]+)[\"']", STAFF_CODE)
    assert len(said) > 10 and sorted(said - set(i18n.section("nl", "staff_record"))) == []


def test_every_key_the_report_code_uses_exists():
    used = _literal_keys(r"\b(?:t|texts\(lang\))\[[\"']([a-z_]+)[\"']\]", REPORT_CODE)
    assert len(used) > 30
    assert sorted(used - set(i18n.section("nl", "report"))) == []


def test_no_text_table_per_language_is_left_in_python():
    for path in [*STAFF_CODE, *REPORT_CODE]:
        assert not re.search(r"[{,]\s*[\"'](?:nl|en)[\"']\s*:", path.read_text("utf-8")), path


def test_adding_a_language_is_adding_a_file(tmp_path, monkeypatch):
    """A copy of the catalogs plus tw.toml: the language bar and the kiosk texts find it."""
    folder = tmp_path / "data" / "i18n"
    folder.mkdir(parents=True)
    for entry in resources.files("shared").joinpath("data", "i18n").iterdir():
        (folder / entry.name).write_text(entry.read_text("utf-8"), "utf-8")
    lines = [
        line
        for line in (folder / "nl.toml").read_text("utf-8").splitlines()
        if not line.startswith("#")
    ]
    kiosk_part = "\n".join(lines[: next(i for i, line in enumerate(lines) if line.startswith("["))])
    (folder / "tw.toml").write_text(
        kiosk_part.replace('"Nederlands"', '"Twi"').replace("lang_order = 0", "lang_order = 6"),
        "utf-8",
    )
    monkeypatch.setattr(i18n.resources, "files", lambda package: tmp_path)
    i18n._file.cache_clear()
    try:
        languages = i18n._discover()
        assert languages == (*i18n.LANGUAGES, "tw")
        assert i18n.language_name("tw") == "Twi" and i18n.st("tw", "report", "yes") == "ja"
    finally:
        monkeypatch.undo()
        i18n._file.cache_clear()
        i18n.catalog.cache_clear()
        i18n.section.cache_clear()
        i18n.texts.cache_clear()
