"""Welcome: say who you are (name or code, typed or scanned), register, or just come in.

The name/code box has the focus from the start, so a keyboard-wedge scanner
that "types" a code and Enter checks in without anyone touching the screen.
No names are shown before two letters are typed.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.widgets import Button, Input, Static

from kiosk.messages import VisitorIdentified
from kiosk.screens.base import KioskScreen
from kiosk.widgets.langbar import LanguageBar
from kiosk.widgets.inputs import KioskInput
from kiosk.widgets.notice import Notice
from shared import codes
from shared.people import MIN_SEARCH_LETTERS, Person, name_key

MAX_MATCHES = 6


class WelcomeScreen(KioskScreen):
    is_home = True
    AUTO_FOCUS = "#who"

    def __init__(self, notice: str | None = None):
        super().__init__()
        self.notice_text = notice or ""
        self.matches: list[Person] = []

    def reset(self, notice: str | None = None) -> None:
        """Forget what was typed (one instance is kept per language)."""
        self.notice_text = notice or ""
        if not self.is_mounted:
            return
        who = self.query_one("#who", KioskInput)
        who.value = ""
        self.matches = []
        self.query_one("#matches", Vertical).remove_children()
        self.query_one(Notice).say(self.notice_text, "ok" if self.notice_text else "")
        who.focus()

    def is_pristine(self) -> bool:
        return not self.query_one("#who", Input).value and not self.notice_text

    def compose(self) -> ComposeResult:
        settings = self.app.settings  # type: ignore[attr-defined]
        with Vertical(id="welcome", classes="page"):
            yield LanguageBar(self.app.lang)  # type: ignore[attr-defined]
            yield Static(self.t("welcome_title", room=settings.room_name), classes="title",
                         markup=False)
            yield Static(self.t("welcome_been_here"), classes="text", markup=False)
            yield KioskInput(placeholder=self.t("welcome_placeholder"), id="who", max_length=40)
            yield Notice(self.notice_text, classes="-ok" if self.notice_text else "")
            yield Vertical(id="matches")
            with Horizontal(id="ways"):
                yield Button(self.t("welcome_new"), id="new", classes="way")
                yield Button(self.t("welcome_anonymous"), id="anonymous", classes="way",
                             variant="success")
            with Horizontal(id="footer-row"):
                yield Static("", classes="spacer")
                yield Button(self.t("welcome_keyholder"), id="keyholder", classes="small")

    # --- typing -----------------------------------------------------------
    def on_input_changed(self, event: Input.Changed) -> None:
        typed = event.value
        self.notice_text = ""
        if codes.looks_like_code(typed):
            self.show_matches(typed, [])
            self.say_text("")
            return
        letters = len(name_key(typed))
        if letters < MIN_SEARCH_LETTERS:
            self.show_matches(typed, [])
            if letters:
                self.say("welcome_type_more")
            else:
                self.say_text("")
            return
        self.run_search(lambda store: store.find_people(typed, MAX_MATCHES),
                        lambda found: self.show_matches(typed, found))

    def show_matches(self, typed: str, found: list[Person]) -> None:
        if self.query_one("#who", Input).value != typed:
            return  # an older search: the person has typed on
        self.matches = found
        box = self.query_one("#matches", Vertical)
        box.remove_children()
        if found:
            self.say("welcome_pick")
            box.mount_all(Button(Content(p.name), name=p.code, classes="person")
                          for p in found)
        elif len(name_key(typed)) >= MIN_SEARCH_LETTERS and not codes.looks_like_code(typed):
            self.say("welcome_no_match")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        typed = event.value.strip()
        if codes.looks_like_code(typed):
            try:
                code = codes.normalise(typed)
            except codes.InvalidCode as exc:
                self.say(exc.reason, "error")
                return
            self.run_db(lambda store: store.person(code),
                        lambda person: self.post_message(
                            VisitorIdentified(code, person.name if person else None)))
        elif len(self.matches) == 1:
            self.post_message(VisitorIdentified(self.matches[0].code, self.matches[0].name))

    # --- buttons ----------------------------------------------------------
    def on_button_pressed(self, event: Button.Pressed) -> None:
        button = event.button
        if button.has_class("person") and button.name:
            person = next((p for p in self.matches if p.code == button.name), None)
            self.post_message(VisitorIdentified(button.name, person.name if person else None))
        elif button.id == "anonymous":
            self.post_message(VisitorIdentified(None, None))
        elif button.id == "new":
            from kiosk.screens.register import RegisterScreen

            self.app.show(RegisterScreen())  # type: ignore[attr-defined]
        elif button.id == "keyholder":
            from kiosk.screens.pin import PinScreen

            self.app.show(PinScreen(purpose="menu"))  # type: ignore[attr-defined]
