"""I'm new: only a first name or nickname; two optional, skippable questions; then the code.

A nickname somebody here already has gets a warning and a distinct suggestion
("Fatma B"); pressing "Verder" again with the same name keeps it.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Center, Horizontal, Vertical
from textual.content import Content
from textual.widgets import Button, Input, Static

from kiosk.messages import HomeRequested, VisitorIdentified, VisitorRegistered
from kiosk.screens.base import KioskScreen
from kiosk.widgets.inputs import KioskInput
from kiosk.widgets.keypads import LetterPad
from kiosk.widgets.notice import Notice
from kiosk.widgets.speak import SpeakButton
from shared import codes
from shared.people import Person, clean_name, name_key
from shared.store import HEARD_VIA


class RegisterScreen(KioskScreen):
    AUTO_FOCUS = "#name"

    def __init__(self) -> None:
        super().__init__()
        self.new_in_area: bool | None = None
        self.heard_via: str | None = None
        self.busy = False
        self.warned_for: str | None = None  # the taken name the visitor was warned about
        self.suggestion: str | None = None

    def compose(self) -> ComposeResult:
        with Vertical(id="register", classes="page"):
            yield Static(f"🙋 {self.t('register_title')}", classes="title", markup=False)
            yield Static(self.t("register_name"), classes="text", markup=False)
            with Horizontal(id="name-row"):
                yield KioskInput(
                    placeholder=self.t("register_placeholder"), id="name", max_length=40
                )
                yield Button(self.t("pad_letters"), id="pad-letters", classes="pad-toggle")
                yield Horizontal(id="name-choice")
            yield Vertical(id="pads")  # the letter pad, built on first use
            yield Static(self.t("register_optional"), classes="muted optional", markup=False)
            with Horizontal(classes="choice-row optional"):
                yield Static(self.t("register_new_in_area"), classes="label", markup=False)
                yield Button(self.t("yes"), id="area-yes", classes="choice")
                yield Button(self.t("no"), id="area-no", classes="choice")
            yield Static(self.t("register_heard"), classes="text optional", markup=False)
            with Horizontal(classes="choice-row optional"):
                for way in HEARD_VIA:
                    yield Button(self.t(f"heard_{way}"), id=f"heard-{way}", classes="choice heard")
            yield Notice()
            with Horizontal(classes="bottom-row"):
                yield Button(self.t("back"), id="back")
                yield SpeakButton()
                yield Button(self.t("next"), id="next", variant="success")

    def on_mount(self) -> None:
        self.query_one("#pad-letters").can_focus = False

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.register()

    async def on_button_pressed(self, event: Button.Pressed) -> None:
        button_id = event.button.id or ""
        if button_id == "back":
            self.post_message(HomeRequested())
        elif button_id == "next":
            self.register()
        elif button_id == "pad-letters":
            if not self.query("#letters"):
                await self.query_one("#pads").mount(LetterPad(id="letters", classes="pad"))
            pad = self.query_one("#letters")
            pad.display = not pad.display
            event.button.set_class(pad.display, "-chosen")
            for question in self.query(".optional"):  # a small screen: the pad or the questions
                question.display = not pad.display
            self.query_one("#name").focus()
        elif button_id == "use-suggestion" and self.suggestion:
            self.query_one("#name", Input).value = self.suggestion
            self.register(checked=True)
        elif button_id == "keep-name":
            self.register(checked=True)
        elif button_id.startswith("area-"):
            choice = button_id == "area-yes"
            self.new_in_area = None if self.new_in_area is choice else choice
            self.query_one("#area-yes").set_class(self.new_in_area is True, "-chosen")
            self.query_one("#area-no").set_class(self.new_in_area is False, "-chosen")
        elif button_id.startswith("heard-"):
            way = button_id.removeprefix("heard-")
            self.heard_via = None if self.heard_via == way else way
            for button in self.query(".heard"):
                button.set_class(button.id == f"heard-{self.heard_via}", "-chosen")

    def register(self, *, checked: bool = False) -> None:
        name = self.query_one("#name", Input).value
        if not name.strip():
            self.say("name_empty", "error")
            return
        if self.busy:
            return
        self.busy = True
        if not checked and self.warned_for != name_key(clean_name(name)):
            self.run_db(
                lambda store: taken_names(store, name), lambda taken: self.checked(name, taken)
            )
            return
        self.create(name)

    def checked(self, name: str, taken: set[str]) -> None:
        """Warn once about a nickname somebody here already has, with a distinct one."""
        self.busy = False
        key = name_key(clean_name(name))
        if key not in taken:
            self.busy = True
            self.create(name)
            return
        self.warned_for, self.suggestion = key, distinct_name(clean_name(name), taken)
        self.say("register_name_taken", "error", name=clean_name(name), suggestion=self.suggestion)
        row = self.query_one("#name-choice", Horizontal)
        row.remove_children()
        row.mount(
            Button(
                self.t("register_use_suggestion", suggestion=self.suggestion),
                id="use-suggestion",
                variant="success",
                classes="choice",
            ),
            Button(
                self.t("register_keep_name", name=clean_name(name)),
                id="keep-name",
                classes="choice",
            ),
        )

    def create(self, name: str) -> None:
        new_in_area, heard_via, lang = self.new_in_area, self.heard_via, self.kiosk_app.lang
        self.run_db(
            lambda store: store.register_visitor(
                name, new_in_area=new_in_area, heard_via=heard_via, lang=lang
            ),
            lambda person: self.post_message(VisitorRegistered(person)),
        )

    def failed(self, key: str, fields: dict[str, object]) -> None:
        self.busy = False
        super().failed(key, fields)


class CodeScreen(KioskScreen):
    """The new visitor's code, big, to write down or photograph."""

    AUTO_FOCUS = "#next"

    def __init__(self, person: Person):
        super().__init__()
        self.person = person
        self.pending = True  # registered, so visiting: recorded if they walk away here

    def take_pending_visit(self) -> tuple[str | None, list[str]] | None:
        if not self.pending:
            return None
        self.pending = False
        return self.person.code, []

    def compose(self) -> ComposeResult:
        with Vertical(id="code-page", classes="page"):
            yield Static(
                self.t("confirm_welcome_name", name=self.person.name), classes="title", markup=False
            )
            yield Static(self.t("code_title"), classes="text", markup=False)
            with Center():
                yield Static(Content(codes.display(self.person.code)), id="code-big")
            yield Static(self.t("code_hint"), classes="text", markup=False)
            with Horizontal(classes="centre-row"):
                yield SpeakButton()
                yield Button(self.t("next"), id="next", variant="success")

    def speech_text(self) -> str:
        return " ".join(
            (
                self.t("confirm_welcome_name", name=self.person.name),
                self.t("code_title"),
                " ".join(codes.display(self.person.code)),
                self.t("code_hint"),
            )
        )

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "next":
            self.pending = False  # the activities screen holds the visit now
            self.post_message(VisitorIdentified(self.person.code, self.person.name))


def taken_names(store, name: str) -> set[str]:
    """The search keys of people here whose name starts like ``name``."""
    return {name_key(p.name) for p in store.find_people(name, 500)}


def distinct_name(name: str, taken: set[str]) -> str:
    """``Fatma`` -> ``Fatma B`` (or the next free letter, or a number)."""
    for letter in "BCDEFGHJKMNPRSTVWZ":
        if name_key(f"{name} {letter}") not in taken:
            return f"{name} {letter}"
    number = 2
    while name_key(f"{name} {number}") in taken:
        number += 1
    return f"{name} {number}"
