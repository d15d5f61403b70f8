"""Messages between the kiosk screens and the app, named for what happened.

Screens post these up; the app alone decides which screen comes next (so no
screen imports another screen to show it).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from textual.message import Message

from shared.people import Person

# What a key holder can do from the menu; "menu" is the menu itself (a "back" button).
KeyHolderTask = Literal[
    "menu",
    "close",
    "leave",
    "close_then_leave",
    "handgeld",
    "corrections",
    "people",
    "totals",
    "sync",
]


@dataclass
class LanguageChosen(Message):
    lang: str


@dataclass
class VisitorIdentified(Message):
    """Someone said who they are (or chose to stay anonymous: code None)."""

    code: str | None
    name: str | None


@dataclass
class RegistrationWanted(Message):
    """A newcomer tapped "new here"."""


@dataclass
class VisitorRegistered(Message):
    """A newcomer got a code: show it big."""

    person: Person


@dataclass
class JobsWanted(Message):
    """A volunteer wants to record jobs done instead of a visit."""

    code: str | None
    name: str | None


@dataclass
class CheckedIn(Message):
    code: str | None
    name: str | None
    activities: list[str]
    survey_due: bool


@dataclass
class Recorded(Message):
    """Something a visitor did is recorded (jobs, a shift, a survey): confirm it to them."""

    name: str | None
    lines: list[str]
    recorded: bool = True  # False: a shift, not a visit ("not recorded as a visit")


@dataclass
class KeyHolderLoginWanted(Message):
    """The PIN screen: for the key holder menu, or to open the room."""

    purpose: Literal["menu", "open"] = "menu"


@dataclass
class KeyHolderVerified(Message):
    person: Person
    opened: bool = False
    warning: str | None = None


@dataclass
class KeyHolderTaskChosen(Message):
    """A key holder chose a task (or "menu": back to the menu)."""

    person: Person
    task: KeyHolderTask


@dataclass
class RoomClosed(Message):
    ended_names: list[str] = field(default_factory=list)
    leaving: Person | None = None  # closed on the way out: back to leaving, not home


@dataclass
class LeaveConfirmed(Message):
    """A key holder confirmed with the PIN: the kiosk exits for maintenance."""


@dataclass
class HomeRequested(Message):
    """Back to the welcome screen; ``fresh``: a visitor is done, so Dutch again."""

    fresh: bool = False
    notice_key: str | None = None  # said on the welcome screen, in its language
