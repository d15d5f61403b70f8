"""Every text in every language, from ``shared/data/i18n/<lang>.toml``: one file per language.

The file's top-level ``key = "text"`` pairs are the kiosk's screen texts; texts may hold
``{name}``-style fields. Dutch is the reference: a key missing from another catalog falls
back to Dutch (a test checks that none is missing), and a key missing everywhere shows as
the key itself rather than crashing a screen. Store and code errors carry ``reason``
values that are keys here.

Tables in the same file (``[staff]``, ``[report]``, ...) hold the staff dashboard's and
the funders' reports' texts. Staff and funders read Dutch or English, so only ``nl`` and
``en`` must have them (a test checks both are complete); a kiosk language without them
falls back to Dutch key by key, like the kiosk texts.

Adding a language is adding a file: ``lang_order`` (a number) places it in the kiosk's
language bar; a file without one comes last.
"""

from __future__ import annotations

import re
import tomllib
from functools import cache
from importlib import resources

DEFAULT_LANG = "nl"
_FOLDER = ("data", "i18n")
_LAST = 10**6  # the place of a language file without lang_order


@cache
def _file(lang: str) -> dict[str, object]:
    """One language file, parsed (empty for an unknown language)."""
    if not re.fullmatch(r"[a-z]{2,3}", lang):
        return {}
    try:
        text = resources.files("shared").joinpath(*_FOLDER, f"{lang}.toml").read_text("utf-8")
    except (FileNotFoundError, IsADirectoryError):
        return {}
    return tomllib.loads(text)


def _discover() -> tuple[str, ...]:
    folder = resources.files("shared").joinpath(*_FOLDER)
    found = [
        entry.name.removesuffix(".toml")
        for entry in folder.iterdir()
        if entry.name.endswith(".toml")
    ]

    def place(lang: str) -> tuple[int, str]:
        order = _file(lang).get("lang_order")
        return (order if isinstance(order, int) else _LAST, lang)

    return tuple(sorted(found, key=place))


# Dutch first, then English, then languages often spoken in Amsterdam Zuidoost.
LANGUAGES = _discover()


@cache
def section(lang: str, name: str) -> dict[str, str]:
    """One table of a language file, e.g. ``section("en", "report")`` (empty when absent)."""
    table = _file(lang).get(name)
    return {str(k): str(v) for k, v in table.items()} if isinstance(table, dict) else {}


# The languages the staff dashboard and the reports speak: those whose file has their texts.
STAFF_LANGUAGES = tuple(lang for lang in LANGUAGES if section(lang, "report"))


@cache
def catalog(lang: str) -> dict[str, str]:
    """The kiosk texts of one language (empty for an unknown language)."""
    return {str(k): v for k, v in _file(lang).items() if isinstance(v, str)}


@cache
def texts(lang: str, name: str) -> dict[str, str]:
    """One table in ``lang`` with Dutch for any key it lacks: for code that indexes it."""
    return {**section(DEFAULT_LANG, name), **section(lang, name)}


def language_name(lang: str) -> str:
    """A language's name in that language, e.g. ``Türkçe``."""
    return catalog(lang).get("lang_name", lang)


def has(key: str) -> bool:
    return key in catalog(DEFAULT_LANG)


def _filled(text: str, fields: dict[str, object]) -> str:
    if fields:
        try:
            return text.format(**fields)
        except (KeyError, IndexError, ValueError):
            return text
    return text


def t(lang: str, key: str, **fields: object) -> str:
    """The text for ``key`` in ``lang`` (falling back to Dutch), with fields filled in."""
    return _filled(catalog(lang).get(key) or catalog(DEFAULT_LANG).get(key) or key, fields)


def st(lang: str, name: str, key: str, **fields: object) -> str:
    """The text for ``key`` in table ``name`` of ``lang`` (falling back to Dutch)."""
    text = section(lang, name).get(key) or section(DEFAULT_LANG, name).get(key) or key
    return _filled(text, fields)


def euros(cents: int) -> str:
    """Dutch-style money without the sign: 1234 -> '12,34'."""
    sign = "-" if cents < 0 else ""
    cents = abs(cents)
    return f"{sign}{cents // 100},{cents % 100:02d}"


# An amount: optional thousands groups ("1.234" or "1,234.56"), then 1-2 decimals after , or .
_AMOUNT = re.compile(
    r"(?P<whole>\d{1,3}(?P<group>[.,])\d{3}(?:(?P=group)\d{3})*|\d*)"
    r"(?:(?P<decimal>[.,])(?P<frac>\d{1,2}))?"
)


def parse_euros(typed: str) -> int | None:
    """'12,50' / '12.50' / '€ 12' / '1.234,56' / '1.234' -> cents; None when it is not an amount.

    A comma before three digits ("1,234") is refused: in Dutch it is a typo, in English 1234.
    """
    cleaned = typed.replace("€", "").replace(" ", "").strip()
    match = _AMOUNT.fullmatch(cleaned)
    if not cleaned or match is None:
        return None
    group, decimal = match["group"], match["decimal"]
    if not match["whole"] and not match["frac"] or group and group == decimal:
        return None
    if group == "," and decimal != ".":
        return None
    whole = int((match["whole"] or "0").replace(group or "_", ""))
    return whole * 100 + int(((match["frac"] or "") + "00")[:2])
