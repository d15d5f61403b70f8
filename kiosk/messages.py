"""Messages between the kiosk screens and the app, named for what happened."""

from __future__ import annotations

from dataclasses import dataclass, field

from textual.message import Message

from shared.people import Person


@dataclass
class LanguageChosen(Message):
    lang: str


@dataclass
class VisitorIdentified(Message):
    """Someone said who they are (or chose to stay anonymous: code None)."""

    code: str | None
    name: str | None


@dataclass
class CheckedIn(Message):
    code: str | None
    name: str | None
    activities: list[str]
    survey_due: bool


@dataclass
class KeyHolderVerified(Message):
    person: Person
    opened: bool = False
    warning: str | None = None


@dataclass
class RoomClosed(Message):
    ended_names: list[str] = field(default_factory=list)


@dataclass
class HomeRequested(Message):
    """Back to the welcome screen; ``fresh``: a visitor is done, so Dutch again."""

    fresh: bool = False
    notice_key: str | None = None  # said on the welcome screen, in its language
