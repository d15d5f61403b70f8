"""Dashboard texts in Dutch (default) and English; report texts come from shared.report_formats."""

from __future__ import annotations

from shared.report_formats import TEXT

DASHBOARD = {
    "nl": {"app_title": "BuurtWerkKamer — coöperatie", "year": "Jaar", "results": "Resultaten",
           "trends": "Verloop", "budget": "Begroting", "handgeld": "Handgeld",
           "freshness": "Actualiteit", "loading": "Gegevens laden…", "all_fresh": "Alle ruimtes "
           "zijn bij (laatste gegevens minder dan 2 dagen oud).",
           "stale_banner": "⚠ Stil > 2 dagen: {rooms}", "never": "nog nooit",
           "lag": "Achterstand", "waiting": "Wachtend", "quarantined": "Quarantaine", "status": "Status",
           "ok": "bij", "stale_status": "⚠ stil > 2 dagen", "error": "Kon de gegevens niet lezen: {error}",
           "per_month": "per maand", "max": "hoogste", "sum": "totaal",
           "budget_note": "Vrijwilligersuren gewaardeerd tegen het minimumloon (populaire begroting).",
           "cat_legend": "Categorieën", "lang": "English", "refresh": "Vernieuw",
           "prev_year": "Vorig jaar", "next_year": "Volgend jaar", "quit": "Stop",
           "no_answers": "geen antwoorden", "not_computable": "niet te berekenen",
           "no_rate": "geen tarief voor dit jaar",
           "next_room_hint": "v: volgende ruimte", "months": "JFMAMJJASOND",
           "minutes": "min", "hours_short": "uur", "days": "dagen",
           "damaged": "⚠ DE DATABASE IS BESCHADIGD ({problem}). De cijfers hieronder kunnen "
                      "onvolledig zijn; de synchronisatie neemt niets aan en bevestigt niets. "
                      "Stop de daemon en herstel de database uit een back-up of bouw hem opnieuw "
                      "op uit de logs van de ruimtes (docs/RELIABILITY.md, \"central.db is "
                      "damaged\").",
           "passes_failing": "⚠ De synchronisatie mislukt al {n} keer op rij sinds {since}: "
                             "{error}"},
    "en": {"app_title": "BuurtWerkKamer — cooperative", "year": "Year", "results": "Results",
           "trends": "Trends", "budget": "Budget", "handgeld": "Petty cash",
           "freshness": "Freshness", "loading": "Loading…", "all_fresh": "Every room is up to "
           "date (latest data less than 2 days old).",
           "stale_banner": "⚠ Silent > 2 days: {rooms}", "never": "never",
           "lag": "Lag", "waiting": "Waiting", "quarantined": "Quarantined", "status": "Status",
           "ok": "up to date", "stale_status": "⚠ silent > 2 days", "error": "Could not read the data: {error}",
           "per_month": "per month", "max": "highest", "sum": "total",
           "budget_note": "Volunteer hours valued at the minimum wage (popular budget).",
           "cat_legend": "Categories", "lang": "Nederlands", "refresh": "Refresh",
           "prev_year": "Previous year", "next_year": "Next year", "quit": "Quit",
           "no_answers": "no answers", "not_computable": "cannot be computed",
           "no_rate": "no rate for this year",
           "next_room_hint": "v: next room", "months": "JFMAMJJASOND",
           "minutes": "min", "hours_short": "h", "days": "days",
           "damaged": "⚠ THE DATABASE IS DAMAGED ({problem}). The figures below may be "
                      "incomplete; syncing merges and acknowledges nothing. Stop the daemon, then "
                      "restore the database from a backup or rebuild it from the rooms' logs "
                      "(docs/RELIABILITY.md, \"central.db is damaged\").",
           "passes_failing": "⚠ Syncing has failed {n} times in a row since {since}: {error}"},
}


def tr(lang: str, key: str, **fields: object) -> str:
    """A dashboard or report text in ``lang`` (falls back to Dutch)."""
    table = DASHBOARD.get(lang, DASHBOARD["nl"])
    text = table.get(key) or TEXT.get(lang, TEXT["nl"]).get(key) or DASHBOARD["nl"].get(key, key)
    return text.format(**fields) if fields else text
