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
           "prev_year": "Vorig jaar", "next_year": "Volgend jaar", "quit": "Stop"},
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
           "prev_year": "Previous year", "next_year": "Next year", "quit": "Quit"},
}


def tr(lang: str, key: str, **fields: object) -> str:
    """A dashboard or report text in ``lang`` (falls back to Dutch)."""
    table = DASHBOARD.get(lang, DASHBOARD["nl"])
    text = table.get(key) or TEXT.get(lang, TEXT["nl"]).get(key) or DASHBOARD["nl"].get(key, key)
    return text.format(**fields) if fields else text
