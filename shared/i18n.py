"""Screen texts in every kiosk language, from ``shared/data/i18n/<lang>.toml``.

Each catalog is one flat TOML table of ``key = "text"``; texts may hold
``{name}``-style fields. Dutch is the reference: a key missing from another
catalog falls back to Dutch (a test checks that none is missing), and a key
missing everywhere shows as the key itself rather than crashing a screen.
Store and code errors carry ``reason`` values that are keys here.
"""

from __future__ import annotations

import re
import tomllib
from functools import lru_cache
from importlib import resources

DEFAULT_LANG = "nl"
# Dutch first, then English, then languages often spoken in Amsterdam Zuidoost.
LANGUAGES = ("nl", "en", "es", "tr", "pap", "srn")


@lru_cache(maxsize=None)
def catalog(lang: str) -> dict[str, str]:
    """The texts of one language (empty for an unknown language)."""
    if lang not in LANGUAGES:
        return {}
    try:
        text = resources.files("shared").joinpath("data", "i18n", f"{lang}.toml").read_text("utf-8")
    except FileNotFoundError:
        return {}
    data = tomllib.loads(text)
    return {str(k): str(v) for k, v in data.items()}


def language_name(lang: str) -> str:
    """A language's name in that language, e.g. ``Türkçe``."""
    return catalog(lang).get("lang_name", lang)


def has(key: str) -> bool:
    return key in catalog(DEFAULT_LANG)


def t(lang: str, key: str, **fields: object) -> str:
    """The text for ``key`` in ``lang`` (falling back to Dutch), with fields filled in."""
    text = catalog(lang).get(key) or catalog(DEFAULT_LANG).get(key) or key
    if fields:
        try:
            return text.format(**fields)
        except (KeyError, IndexError, ValueError):
            return text
    return text


def euros(cents: int) -> str:
    """Dutch-style money without the sign: 1234 -> '12,34'."""
    sign = "-" if cents < 0 else ""
    cents = abs(cents)
    return f"{sign}{cents // 100},{cents % 100:02d}"


# An amount: optional thousands groups ("1.234" or "1,234.56"), then 1-2 decimals after , or .
_AMOUNT = re.compile(r"(?P<whole>\d{1,3}(?P<group>[.,])\d{3}(?:(?P=group)\d{3})*|\d*)"
                     r"(?:(?P<decimal>[.,])(?P<frac>\d{1,2}))?")


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
