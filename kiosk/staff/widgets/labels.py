"""Dashboard texts: the [staff] table of shared/data/i18n/<lang>.toml, then the [report] one."""

from __future__ import annotations

from shared import i18n


def tr(lang: str, key: str, **fields: object) -> str:
    """A dashboard or report text in ``lang`` (falls back to Dutch)."""
    text = i18n.texts(lang, "staff").get(key) or i18n.texts(lang, "report").get(key) or key
    return text.format(**fields) if fields else text
