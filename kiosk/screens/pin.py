"""A key holder says who they are (a name, or its first letter) and types the PIN.

Key holder names are listed from the first letter: this screen is for key
holders only, and a one-letter name ("E") must be able to log in. Wrong PINs
count per key holder (see ``shared.pin_attempts``), so one prankster cannot
lock every key holder out; the screen says how long to wait.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.widgets import Button, Input, Static

from kiosk.messages import HomeRequested, KeyHolderVerified
from kiosk.screens.base import KioskScreen
from kiosk.widgets.inputs import KioskInput
from kiosk.widgets.keypads import BACKSPACE, ENTER, DigitPad, KeyPad, LetterPad
from kiosk.widgets.notice import Notice
from shared.people import Person, name_key
from shared.store import PinLocked, PinWrong, RoomStore

MAX_SHOWN = 6


def matching_key_holders(store: RoomStore, typed: str) -> list[Person]:
    """Key holders whose name (or a word of it) starts with ``typed``; exact names first."""
    key = name_key(typed)
    if not key:
        return []
    holders = store.people_with_role("key_holder")
    exact = [p for p in holders if name_key(p.name) == key]
    starting = [
        p
        for p in holders
        if p not in exact
        and any(word.startswith(key) for word in [name_key(p.name), *name_key(p.name).split()])
    ]
    return (exact + starting)[:MAX_SHOWN]


def the_one_meant(typed: str, found: list[Person]) -> Person | None:
    """The key holder a name clearly means: the only match, or the only exact one."""
    exact = [p for p in found if name_key(p.name) == name_key(typed)]
    if len(exact) == 1:
        return exact[0]
    return found[0] if len(found) == 1 else None


def button_label(person: Person, names: list[str]) -> str:
    """The name; two key holders with one name also show their code's last characters."""
    if names.count(name_key(person.name)) > 1:
        return f"{person.name} ·{person.code[-3:]}"
    return person.name


class PinPad(DigitPad):
    """The digits in two rows: beside the name, its matches and the PIN box, a phone-style
    pad of four rows would not fit an 80x24 screen."""

    KEYS = ("1", "2", "3", "4", "5", "6", "7", "8", "9", "0", BACKSPACE, ENTER)
    COLUMNS = 6


@dataclass
class Refused:
    """Why a log-in did not succeed, as catalog keys with their fields."""

    parts: list[tuple[str, dict]] = field(default_factory=list)


def wait_text(t, seconds: int) -> str:
    if seconds <= 1:
        return t("wait_one_second")
    if seconds <= 90:
        return t("wait_seconds", n=seconds)
    return t("wait_minutes", n=-(-seconds // 60))


class PinScreen(KioskScreen):
    AUTO_FOCUS = "#kh-name"

    def __init__(self, purpose: str = "menu"):
        super().__init__()
        self.purpose = purpose  # "open": open the room on success; "menu": the key holder menu
        self.matches: list[Person] = []
        self.chosen: Person | None = None
        self.busy = False

    def compose(self) -> ComposeResult:
        with Vertical(id="pin-page", classes="page"):
            yield Static(self.t("pin_title"), classes="title", markup=False)
            yield Static(self.t("pin_name"), classes="text", markup=False)
            with Horizontal(id="kh-name-row", classes="pad-row"):
                yield KioskInput(placeholder=self.t("pin_name_hint"), id="kh-name", max_length=40)
                yield Button(self.t("pad_letters"), id="pad-letters", classes="pad-toggle")
            yield Horizontal(id="kh-matches")
            yield Static(self.t("pin_pin"), classes="text", markup=False)
            with Horizontal(id="pin-row", classes="pad-row"):
                yield KioskInput(password=True, id="pin", max_length=8, restrict=r"[0-9]*")
                yield Button(self.t("pad_digits"), id="pad-digits", classes="pad-toggle")
            # built on first use, like the visitor screens' pads (touch screens only)
            yield Vertical(id="pin-pads")
            yield Notice()
            with Horizontal(classes="bottom-row"):
                yield Button(self.t("back"), id="back")
                yield Button(self.t("pin_ok"), id="login", variant="primary")

    def on_mount(self) -> None:
        for toggle in self.query(".pad-toggle"):
            toggle.can_focus = False  # a touch on a toggle leaves the focus in its box

    async def toggle_pad(self, pad_id: str) -> None:
        """Show the letter pad (for the name) or the digit pad (for the PIN), or hide it."""
        pads = self.query(f"#{pad_id}")
        if not pads:
            pad: KeyPad = (
                LetterPad(id=pad_id, classes="pad", target="#kh-name")
                if pad_id == "pin-letters"
                else PinPad(id=pad_id, classes="pad", target="#pin")
            )
            pad.display = False
            await self.query_one("#pin-pads", Vertical).mount(pad)
        show = not (pads and pads.first().display)
        for pad in self.query(KeyPad):
            pad.display = show and pad.id == pad_id
        self.query_one("#pad-letters").set_class(show and pad_id == "pin-letters", "-chosen")
        self.query_one("#pad-digits").set_class(show and pad_id == "pin-digits", "-chosen")
        for widget in self.query(".title, .text"):  # a small screen: the pad takes their place
            widget.display = not show
        self.query_one("#kh-name" if pad_id == "pin-letters" else "#pin").focus()

    def on_input_changed(self, event: Input.Changed) -> None:
        if event.input.id != "kh-name":
            return
        typed = event.value
        self.chosen = None
        self.run_search(
            lambda store: matching_key_holders(store, typed),
            lambda found: self.show_matches(typed, found),
        )

    def show_matches(self, typed: str, found: list[Person]) -> None:
        if self.query_one("#kh-name", Input).value != typed:
            return
        self.matches = found
        self.chosen = the_one_meant(typed, found)
        box = self.query_one("#kh-matches", Horizontal)
        box.remove_children()
        names = [name_key(p.name) for p in found]
        box.mount_all(
            Button(Content(button_label(p, names)), name=p.code, classes="person small").set_class(
                p == self.chosen, "-chosen"
            )
            for p in found
        )
        if len(found) > 1 and self.chosen is None:
            self.say("pin_choose")
        elif not found and name_key(typed):
            self.say("pin_no_match")
        else:
            self.say_text("")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.input.id == "kh-name":
            self.query_one("#pin", Input).focus()
        else:
            self.login()

    async def on_button_pressed(self, event: Button.Pressed) -> None:
        button = event.button
        if button.id in ("pad-letters", "pad-digits"):
            await self.toggle_pad("pin-letters" if button.id == "pad-letters" else "pin-digits")
        elif button.has_class("person"):
            self.chosen = next((p for p in self.matches if p.code == button.name), None)
            for other in self.query(".person"):
                other.set_class(other is button, "-chosen")
            self.query_one("#pin", Input).focus()
        elif button.id == "back":
            self.post_message(HomeRequested())
        elif button.id == "login":
            self.login()

    def login(self) -> None:
        pin_box = self.query_one("#pin", Input)
        pin, chosen = pin_box.value, self.chosen
        typed = self.query_one("#kh-name", Input).value
        if chosen is None and not name_key(typed):
            self.say("pin_name_needed", "error")
            return
        if not (pin.isdigit() and 4 <= len(pin) <= 8):
            pin_box.value = ""
            self.say("pin_format", "error")  # cannot be right: not counted as a wrong PIN
            return
        if self.busy:
            return
        self.busy = True
        pin_box.value = ""
        opening = self.purpose == "open"
        app = self.kiosk_app

        def job(store: RoomStore) -> KeyHolderVerified | Refused:
            # The name is resolved here too, so Enter before the search result landed still works.
            person = chosen
            try:
                if person is None:
                    found = matching_key_holders(store, typed)
                    person = the_one_meant(typed, found)
                    if person is None and found:
                        return Refused([("pin_choose", {})])
                    if person is None:
                        store.unknown_name_tried()  # always raises
                        return Refused([("pin_choose", {})])  # not reached
                person = store.verify_key_holder(person.code, pin)
            except PinLocked as exc:
                wait = wait_text(self.t, exc.seconds)
                if exc.unknown_name:
                    return Refused([("pin_locked_unknown", {"wait": wait})])
                name = person.name if person else typed
                return Refused([("pin_locked_holder", {"wait": wait, "name": name})])
            except PinWrong as exc:
                then = (
                    [("pin_wait_now", {"wait": wait_text(self.t, exc.wait_seconds)})]
                    if exc.wait_seconds
                    else []
                )
                return Refused([(exc.reason, {}), *then])
            if not opening:
                return KeyHolderVerified(person)
            warning = store.clock_warning()
            store.open_room(by=person.code)
            app.write_status_file(True)
            return KeyHolderVerified(person, opened=True, warning=warning)

        self.run_db(job, self.done)

    def done(self, result: KeyHolderVerified | Refused) -> None:
        if isinstance(result, KeyHolderVerified):
            self.post_message(result)
            return
        self.busy = False
        self.say_text(" ".join(self.t(key, **fields) for key, fields in result.parts), "error")

    def failed(self, key: str, fields: dict[str, object]) -> None:
        self.busy = False
        super().failed(key, fields)
