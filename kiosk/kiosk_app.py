"""The kiosk app, typed, for screens and widgets (Textual types ``node.app`` as a plain App)."""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from textual.dom import DOMNode

if TYPE_CHECKING:
    from kiosk.app import KioskApp


def kiosk_app(node: DOMNode) -> KioskApp:
    """The KioskApp running ``node``: its settings, texts and database thread."""
    return cast("KioskApp", node.app)
