"""The seed's results table (section 5): its sections, its row order, and the rows the
kiosk cannot count, so every format reads as the table the cooperative signed."""

from __future__ import annotations

from shared import i18n
from shared.catalog import Catalog
from shared.report_types import Report

# A row the kiosk cannot count: (id, section, label, unit, target text per room).
NotCounted = tuple[str, str, str, str, dict[str, str]]

# The seed's results table (section 5): its sections in order, and which indicators
# belong to each. Activities (and totaal_uniek) are PROCES; anything unknown goes last.
SECTIONS = ("EFFECT", "OUTPUT", "PROCES", "INPUT")
SECTION_OF = {
    "enquete_confidence": "EFFECT",
    "enquete_pleasant": "EFFECT",
    "sleutelbeheerders": "OUTPUT",
    "actieve_vrijwilligers": "OUTPUT",
    "vrijwilligersuren": "OUTPUT",
    "doorverwezen_wpi": "OUTPUT",
    "nieuwe_bewoners": "OUTPUT",
    "totaal_uniek": "PROCES",
    "anonieme_bezoeken": "PROCES",
}
OTHER_SECTION = "OVERIG"
# Rows of the seed's table the kiosk cannot count: shown with a dash and the reason, so
# the report reads as the whole table. (id, section, label, unit, target text per room)
NOT_COUNTED: tuple[NotCounted, ...] = (
    (
        "interviews_uitkeringen",
        "EFFECT",
        "Minder (kosten op) uitkeringen en zorg",
        "interviews",
        {"cjm": "min. 5%", "multibron": "min. 5%", "handreiking": "min. 5%"},
    ),
    (
        "interviews_huisuitzettingen",
        "EFFECT",
        "Minder (kosten op) huisuitzettingen en huurschuld",
        "interviews",
        {"cjm": "min. 10", "multibron": "min. 10", "handreiking": "min. 5"},
    ),
    (
        "interviews_overlast",
        "EFFECT",
        "Minder (kosten op) overlast en vandalisme",
        "interviews",
        {"cjm": "min. 5%", "multibron": "min. 5%", "handreiking": "min. 5%"},
    ),
    (
        "vrijwilligersgroepen",
        "OUTPUT",
        "Actieve vrijwilligersgroepen",
        "aantal",
        {"cjm": "min. 4", "multibron": "min. 4", "handreiking": "min. 4"},
    ),
    (
        "betalende_leden",
        "OUTPUT",
        "Betalende leden (bewonersvereniging)",
        "aantal",
        {"cjm": "min. 400", "multibron": "min. 200", "handreiking": "min. 200"},
    ),
    (
        "leerwerkplekken",
        "OUTPUT",
        "Actief op een leerwerkplek of stageplaats",
        "aantal",
        {"cjm": "min. 2", "multibron": "min. 2", "handreiking": "min. 1"},
    ),
    (
        "toeleiding_werk",
        "OUTPUT",
        "Toeleiding naar betaald werk",
        "aantal",
        {"cjm": "min. 5", "multibron": "min. 5", "handreiking": "min. 5"},
    ),
    (
        "input_begroting",
        "INPUT",
        "Goede besteding budget",
        "begroting",
        {"cjm": "0 tekort", "multibron": "0 tekort", "handreiking": "0 tekort"},
    ),
    (
        "input_controle",
        "INPUT",
        "Verantwoorde besteding budget",
        "controle",
        {"cjm": "positief", "multibron": "positief", "handreiking": "positief"},
    ),
    (
        "input_medewerkers",
        "INPUT",
        "Goede inzet betaalde medewerkers en vrijwilligers incl. sleutelbeheerders",
        "interviews",
        {"cjm": "positief", "multibron": "positief", "handreiking": "positief"},
    ),
    (
        "input_overleg",
        "INPUT",
        "Goed overleg met alle partners en financiers",
        "interviews",
        {"cjm": "positief", "multibron": "positief", "handreiking": "positief"},
    ),
)
# Row order of the seed's table; activities (not listed) sit in the middle, in catalog order.
SEED_ORDER = (
    "enquete_confidence",
    "enquete_pleasant",
    "interviews_uitkeringen",
    "interviews_huisuitzettingen",
    "interviews_overlast",
    "sleutelbeheerders",
    "actieve_vrijwilligers",
    "vrijwilligersuren",
    "vrijwilligersgroepen",
    "betalende_leden",
    "doorverwezen_wpi",
    "doorverwezen_wpi_ingezet",
    "leerwerkplekken",
    "nieuwe_bewoners",
    "toeleiding_werk",
    "input_begroting",
    "input_controle",
    "input_medewerkers",
    "input_overleg",
)
SEED_RANK = {
    **{key: i for i, key in enumerate(SEED_ORDER)},
    "totaal_uniek": 10**6,
    "anonieme_bezoeken": 10**6 + 1,
}


def sections(report: Report, catalog: Catalog | None) -> list[tuple[str, list[str | NotCounted]]]:
    """The results in the seed's order: [(section, [indicator id | NOT_COUNTED row])].
    Indicators not in the seed's table come last under OVERIG, so nothing is lost."""
    grouped: dict[str, list[str | NotCounted]] = {name: [] for name in (*SECTIONS, OTHER_SECTION)}
    for indicator, entry in report["indicators"].items():
        if indicator in SECTION_OF:
            grouped[SECTION_OF[indicator]].append(indicator)
        elif entry.get("section") in SECTIONS:  # a staff-entered row: its catalog section
            grouped[entry["section"]].append(indicator)
        elif catalog is None or indicator in catalog.activities:
            grouped["PROCES"].append(indicator)
        else:
            grouped[OTHER_SECTION].append(indicator)
    for row in NOT_COUNTED:
        if row[0] not in report["indicators"]:
            grouped[row[1]].append(row)
    for rows in grouped.values():  # the seed's row order; activities keep catalog order
        positions = {id(row): i for i, row in enumerate(rows)}
        rows.sort(
            key=lambda row: (
                SEED_RANK.get(row[0] if isinstance(row, tuple) else row, len(SEED_RANK) // 2),
                positions[id(row)],
            )
        )
    return [(name, rows) for name, rows in grouped.items() if rows or name in SECTIONS]


def not_counted_cell(row: NotCounted, column: str, lang: str = "nl") -> str:
    """ "– / min. 10" in a room, the reason in the total column."""
    if column == "total":
        return f"– ({i18n.st(lang, 'report', 'not_counted_reason')})"
    target = row[4].get(column)
    return f"– / {target}" if target else "–"
