"""I'm new: only a first name or nickname; two optional, skippable questions; then the code."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Center, Horizontal, Vertical
from textual.content import Content
from textual.widgets import Button, Input, Static

from kiosk.messages import HomeRequested, VisitorIdentified
from kiosk.screens.base import KioskScreen
from kiosk.widgets.inputs import KioskInput
from kiosk.widgets.notice import Notice
from shared import codes
from shared.people import Person
from shared.store import HEARD_VIA


class RegisterScreen(KioskScreen):
    AUTO_FOCUS = "#name"

    def __init__(self) -> None:
        super().__init__()
        self.new_in_area: bool | None = None
        self.heard_via: str | None = None
        self.busy = False

    def compose(self) -> ComposeResult:
        with Vertical(id="register", classes="page"):
            yield Static(f"🙋 {self.t('register_title')}", classes="title", markup=False)
            yield Static(self.t("register_name"), classes="text", markup=False)
            yield KioskInput(placeholder=self.t("register_placeholder"), id="name", max_length=40)
            yield Static(self.t("register_optional"), classes="muted", markup=False)
            with Horizontal(classes="choice-row"):
                yield Static(self.t("register_new_in_area"), classes="label", markup=False)
                yield Button(self.t("yes"), id="area-yes", classes="choice")
                yield Button(self.t("no"), id="area-no", classes="choice")
            yield Static(self.t("register_heard"), classes="text", markup=False)
            with Horizontal(classes="choice-row"):
                for way in HEARD_VIA:
                    yield Button(self.t(f"heard_{way}"), id=f"heard-{way}", classes="choice heard")
            yield Notice()
            with Horizontal(classes="bottom-row"):
                yield Button(self.t("back"), id="back")
                yield Button(self.t("next"), id="next", variant="success")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.register()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        button_id = event.button.id or ""
        if button_id == "back":
            self.post_message(HomeRequested())
        elif button_id == "next":
            self.register()
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

    def register(self) -> None:
        name = self.query_one("#name", Input).value
        if not name.strip():
            self.say("name_empty", "error")
            return
        if self.busy:
            return
        self.busy = True
        new_in_area, heard_via, lang = self.new_in_area, self.heard_via, self.app.lang  # type: ignore
        self.run_db(lambda store: store.register_visitor(
            name, new_in_area=new_in_area, heard_via=heard_via, lang=lang),
            lambda person: self.app.show(CodeScreen(person)))  # type: ignore[attr-defined]

    def failed(self, key: str, fields: dict) -> None:
        self.busy = False
        super().failed(key, fields)


class CodeScreen(KioskScreen):
    """The new visitor's code, big, to write down or photograph."""

    AUTO_FOCUS = "#next"

    def __init__(self, person: Person):
        super().__init__()
        self.person = person

    def compose(self) -> ComposeResult:
        with Vertical(id="code-page", classes="page"):
            yield Static(self.t("confirm_welcome_name", name=self.person.name), classes="title",
                         markup=False)
            yield Static(self.t("code_title"), classes="text", markup=False)
            with Center():
                yield Static(Content(codes.display(self.person.code)), id="code-big")
            yield Static(self.t("code_hint"), classes="text", markup=False)
            with Center():
                yield Button(self.t("next"), id="next", variant="success")

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "next":
            self.post_message(VisitorIdentified(self.person.code, self.person.name))
