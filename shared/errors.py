"""The one shape of a refusal: a machine ``reason`` (short fixed text or a catalog key, never
personal data) and a human message, ``"reason: detail"``, for logs and operators."""

from __future__ import annotations


class Refusal(ValueError):
    """Something refused with a reason code; ``str()`` is the message for people."""

    def __init__(self, reason: str, detail: str = ""):
        super().__init__(f"{reason}{': ' + detail if detail else ''}")
        self.reason = reason
        self.detail = detail


class StoreError(Refusal):
    """A request the room store refuses; ``reason`` is a catalog key for the screen."""
