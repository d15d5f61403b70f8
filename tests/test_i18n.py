"""Every screen text in every kiosk language; every refusal has plain words."""

from __future__ import annotations

import re
import string
from pathlib import Path

import pytest

from shared import i18n

REPO = Path(__file__).resolve().parents[1]
FIELDS = string.Formatter()


def fields_of(text: str) -> set[str]:
    return {name for _, name, _, _ in FIELDS.parse(text) if name}


def test_at_least_dutch_english_and_four_zuidoost_languages():
    assert i18n.LANGUAGES[0] == "nl"
    assert {"nl", "en", "es", "tr", "pap", "srn"} <= set(i18n.LANGUAGES)


@pytest.mark.parametrize("lang", i18n.LANGUAGES)
def test_every_key_in_every_catalog_with_the_same_fields(lang):
    reference = i18n.catalog("nl")
    catalog = i18n.catalog(lang)
    assert sorted(set(reference) - set(catalog)) == [], f"{lang} is missing keys"
    assert sorted(set(catalog) - set(reference)) == [], f"{lang} has unknown keys"
    for key, text in catalog.items():
        assert text.strip(), f"{lang}.{key} is empty"
        assert fields_of(text) == fields_of(reference[key]), f"{lang}.{key} fields differ"
    assert catalog["lang_name"] != "" and i18n.language_name(lang) == catalog["lang_name"]


def test_every_store_and_code_refusal_has_words():
    files = [*sorted((REPO / "shared").glob("store*.py")), REPO / "shared" / "codes.py"]
    sources = [path.read_text("utf-8") for path in files]  # the store is split in parts
    reasons = set()
    for text in sources:
        reasons |= set(re.findall(r'StoreError\("([a-z_]+)"', text))
        reasons |= set(re.findall(r'InvalidCode\("([a-z_]+)"', text))
        reasons |= set(re.findall(r'return "(clock_[a-z_]+)"', text))
    reasons.add("pin_locked")
    assert len(reasons) > 15
    missing = sorted(r for r in reasons if not i18n.has(r))
    assert missing == []


def test_every_key_the_kiosk_uses_exists():
    used = set()
    for path in (REPO / "kiosk").rglob("*.py"):
        if "staff" in path.relative_to(REPO / "kiosk").as_posix():  # reads [staff] tables
            continue
        text = path.read_text("utf-8")
        used |= set(re.findall(r'(?:\bt|\.say)\(\s*"([a-z_]+)"', text))
    assert len(used) > 60
    assert sorted(k for k in used if not i18n.has(k)) == []


def test_translation_falls_back_and_fills_fields():
    assert i18n.t("tr", "welcome_title", room="MultiBron") == "Hoş geldiniz! Burası MultiBron."
    assert i18n.t("xx", "yes") == "Ja"
    assert i18n.t("nl", "no_such_key") == "no_such_key"
    assert i18n.t("nl", "pin_locked") == "Te vaak een verkeerde pincode. Wacht {seconds} seconden."


@pytest.mark.parametrize(
    "typed,cents",
    [
        ("12,50", 1250),
        ("12.50", 1250),
        ("€ 3", 300),
        ("0,5", 50),
        ("1.234,56", 123456),
        ("1.234", 123400),
        ("1,234.56", 123456),
        ("12.345.678", 1234567800),
        ("1.23.456", None),
        ("1.234.56", None),
        ("1.234,567", None),
        ("", None),
        ("abc", None),
        ("1,234", None),
        ("-5", None),
    ],
)
def test_parse_euros(typed, cents):
    assert i18n.parse_euros(typed) == cents


def test_euros():
    assert i18n.euros(50000) == "500,00" and i18n.euros(5) == "0,05" and i18n.euros(-150) == "-1,50"


# --- branch visitor: issue 11 item 22 ----------------------------------------------
def test_turkish_welcome_attaches_no_suffix_to_a_room_name():
    """'Casa Jepie Makandra'e' takes the wrong suffix; no suffix fits every name."""
    for room in ("Casa Jepie Makandra", "MultiBron", "De Kameleon"):
        text = i18n.t("tr", "welcome_title", room=room)
        assert f"{room}'" not in text and room in text


def test_spanish_has_no_keyring_and_no_masculine_only_welcome():
    spanish = i18n.catalog("es")
    assert not any("llavero" in text.lower() for text in spanish.values())
    for key in (
        "welcome_title",
        "confirm_welcome",
        "confirm_welcome_name",
        "welcome_new",
        "welcome_no_match",
        "register_new_in_area",
    ):
        assert not re.search(r"\b(bienvenido|nuevo|nuevos)\b", spanish[key].lower()), key
    assert "persona con llave" in spanish["role_key_holder"]


def test_sranan_asks_for_a_name_without_the_dutch_word():
    sranan = i18n.catalog("srn")
    assert not any("bijnaam" in text.lower() for text in sranan.values())


def test_every_language_greets_on_its_button():
    greetings = {lang: i18n.t(lang, "lang_greeting") for lang in i18n.LANGUAGES}
    assert len(set(greetings.values())) == len(greetings)
