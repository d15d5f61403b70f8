"""A key holder says who they are (name, 2+ letters) and types the PIN."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.widgets import Button, Input, Static

from kiosk.messages import HomeRequested, KeyHolderVerified
from kiosk.screens.base import KioskScreen
from kiosk.widgets.inputs import KioskInput
from kiosk.widgets.notice import Notice
from shared.people import MIN_SEARCH_LETTERS, Person, name_key
from shared.store import RoomStore


def matching_key_holders(store: RoomStore, typed: str) -> list[Person]:
    key = name_key(typed)
    if len(key) < MIN_SEARCH_LETTERS:
        return []
    found = [p for p in store.people_with_role("key_holder")
             if any(word.startswith(key) for word in [name_key(p.name), *name_key(p.name).split()])]
    exact = [p for p in found if name_key(p.name) == key]
    return exact or found[:6]


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
            yield KioskInput(placeholder=self.t("pin_name_placeholder"), id="kh-name", max_length=40)
            yield Horizontal(id="kh-matches")
            yield Static(self.t("pin_pin"), classes="text", markup=False)
            yield KioskInput(password=True, id="pin", max_length=8, restrict=r"[0-9]*")
            yield Notice()
            with Horizontal(classes="bottom-row"):
                yield Button(self.t("back"), id="back")
                yield Button(self.t("pin_ok"), id="login", variant="primary")

    def on_input_changed(self, event: Input.Changed) -> None:
        if event.input.id != "kh-name":
            return
        typed = event.value
        self.chosen = None
        self.run_search(lambda store: matching_key_holders(store, typed),
                        lambda found: self.show_matches(typed, found))

    def show_matches(self, typed: str, found: list[Person]) -> None:
        if self.query_one("#kh-name", Input).value != typed:
            return
        self.matches = found
        self.chosen = found[0] if len(found) == 1 else None
        box = self.query_one("#kh-matches", Horizontal)
        box.remove_children()
        box.mount_all(Button(Content(p.name), name=p.code, classes="person small") for p in found)
        if len(found) > 1:
            self.say("pin_choose")
        elif not found and len(name_key(typed)) >= MIN_SEARCH_LETTERS:
            self.say("pin_no_match")
        else:
            self.say_text("")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.input.id == "kh-name":
            self.query_one("#pin", Input).focus()
        else:
            self.login()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        button = event.button
        if button.has_class("person"):
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
        if chosen is None:
            self.say("pin_no_match", "error")
            return
        if self.busy:
            return
        self.busy = True
        pin_box.value = ""
        opening = self.purpose == "open"
        app = self.app

        def job(store: RoomStore) -> KeyHolderVerified:
            person = store.verify_key_holder(chosen.code, pin)
            if not opening:
                return KeyHolderVerified(person)
            warning = store.clock_warning()
            store.open_room(by=person.code)
            app.write_status_file(True)  # type: ignore[attr-defined]
            return KeyHolderVerified(person, opened=True, warning=warning)

        self.run_db(job, self.post_message)

    def failed(self, key: str, fields: dict) -> None:
        self.busy = False
        super().failed(key, fields)
