"""Welcome: say who you are (name or code, typed or scanned), register, or just come in.

The name/code box has the focus from the start, so a keyboard-wedge scanner
that "types" a code and Enter checks in without anyone touching the screen.
No names are shown before two letters are typed. People with the same name
are told apart by the last two characters of their code (nothing private);
"Meer…" pages through every match. Enter always answers: it picks the only
match once the search lands, or asks to tap a name.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.widgets import Button, Input, Static

from kiosk.messages import KeyHolderLoginWanted, RegistrationWanted, VisitorIdentified
from kiosk.screens.base import KioskScreen
from kiosk.widgets.inputs import KioskInput
from kiosk.widgets.keypads import CodePad, KeyPad, LetterPad
from kiosk.widgets.langbar import LanguageBar
from kiosk.widgets.notice import Notice
from kiosk.widgets.speak import SpeakButton
from shared import codes
from shared.people import MIN_SEARCH_LETTERS, Person, name_key

MAX_MATCHES = 6  # buttons on one page
MAX_FOUND = 60  # a longer prefix narrows it down further


def plain(label: str) -> str:
    """A button label without its leading icon, for reading aloud."""
    first, _, rest = label.partition(" ")
    return rest if rest and not first.isalnum() else label


def match_labels(found: list[Person]) -> list[str]:
    """Button labels; a name that occurs twice gets the end of its code (``Fatma ·7K``)."""
    keys = [name_key(p.name) for p in found]
    return [
        f"{p.name} ·{codes.display(p.code)[-2:]}" if keys.count(key) > 1 else p.name
        for p, key in zip(found, keys)
    ]


class WelcomeScreen(KioskScreen):
    is_home = True
    AUTO_FOCUS = "#who"

    def __init__(self, notice: str | None = None):
        super().__init__()
        self.notice_text = notice or ""
        self.matches: list[Person] = []
        self.matches_for: str | None = None  # the typed text the matches belong to
        self.page = 0
        self.enter_waiting: str | None = None  # Enter before the search landed
        self.typed_early = ""

    def reset(self, notice: str | None = None) -> None:
        """Forget what was typed (one instance is kept per language)."""
        self.notice_text = notice or ""
        self.enter_waiting, self.typed_early = None, ""
        if not self.is_mounted:
            return
        who = self.query_one("#who", KioskInput)
        who.value = ""
        self.matches, self.matches_for, self.page = [], None, 0
        self.query_one("#matches", Vertical).remove_children()
        self.query_one(Notice).say(self.notice_text, "ok" if self.notice_text else "")
        self.show_pad(None)
        who.focus()

    def is_pristine(self) -> bool:
        return not self.query_one("#who", Input).value and not self.notice_text

    def compose(self) -> ComposeResult:
        settings = self.kiosk_app.settings
        with Vertical(id="welcome", classes="page"):
            yield LanguageBar(self.kiosk_app.lang)
            yield Static(
                self.t("welcome_title", room=settings.room_name), classes="title", markup=False
            )
            yield Static(self.t("welcome_been_here"), classes="text", markup=False)
            with Horizontal(id="who-row"):
                yield KioskInput(placeholder=self.t("welcome_placeholder"), id="who", max_length=40)
                yield Button(self.t("pad_letters"), id="pad-letters", classes="pad-toggle")
                yield Button(self.t("pad_code"), id="pad-code", classes="pad-toggle")
            # the pads come before anything that grows or shrinks while typing (a key
            # must not move away under a finger); built on first use (memory, start-up)
            yield Vertical(id="pads")
            yield Notice(self.notice_text, classes="-ok" if self.notice_text else "")
            yield Vertical(id="matches")
            with Horizontal(id="ways"):
                yield Button(self.t("welcome_new"), id="new", classes="way")
                yield Button(
                    self.t("welcome_anonymous"), id="anonymous", classes="way", variant="success"
                )
            with Horizontal(id="footer-row"):
                yield SpeakButton()
                yield Static("", classes="spacer")
                yield Button(self.t("welcome_keyholder"), id="keyholder", classes="small")

    def on_mount(self) -> None:
        for toggle in self.query(".pad-toggle"):
            toggle.can_focus = False
        self.show_pad(None)
        if self.typed_early:
            self.type_in(self.typed_early)

    def speech_text(self) -> str:
        said = str(self.query_one(Notice).render())
        ways = [plain(self.t(key)) + "." for key in ("welcome_new", "welcome_anonymous")]
        return " ".join(part for part in (super().speech_text(), said, *ways) if part)

    # --- typing -----------------------------------------------------------
    def type_in(self, text: str) -> None:
        """Keys the next visitor typed on the confirmation screen ("\\n" is Enter)."""
        if not self.is_mounted:
            self.typed_early += text
            return
        who = self.query_one("#who", KioskInput)
        who.focus()
        if text == "\n":
            self.submit(who.value)
        else:
            who.insert_text_at_cursor(text)

    async def on_input_changed(self, event: Input.Changed) -> None:
        typed = event.value
        self.notice_text = ""
        if codes.looks_like_code(typed):
            await self.show_matches(typed, [])
            self.say_text("")
            return
        letters = len(name_key(typed))
        if letters < MIN_SEARCH_LETTERS:
            await self.show_matches(typed, [])
            if letters:
                self.say("welcome_type_more")
            else:
                self.say_text("")
            return
        self.run_search(
            lambda store: store.find_people(typed, MAX_FOUND),
            lambda found: self.show_matches(typed, found),
        )

    async def show_matches(self, typed: str, found: list[Person]) -> None:
        if self.query_one("#who", Input).value != typed:
            return  # an older search: the person has typed on
        self.matches, self.matches_for, self.page = found, typed, 0
        await self.fill_matches()
        if found:
            same = len(set(match_labels(found))) != len({name_key(p.name) for p in found})
            self.say("welcome_pick_same" if same else "welcome_pick")
        elif len(name_key(typed)) >= MIN_SEARCH_LETTERS and not codes.looks_like_code(typed):
            self.say("welcome_no_match")
        if self.enter_waiting == typed:
            self.enter_waiting = None
            self.pick_or_ask()

    async def fill_matches(self) -> None:
        box = self.query_one("#matches", Vertical)
        await box.remove_children()
        if not self.matches:
            return
        labels = match_labels(self.matches)
        paged = len(self.matches) > MAX_MATCHES
        size = MAX_MATCHES - 1 if paged else MAX_MATCHES
        first = self.page * size
        buttons = [
            Button(Content(label), name=p.code, id=f"person-{p.code}", classes="person")
            for p, label in zip(self.matches[first : first + size], labels[first : first + size])
        ]
        if paged:
            buttons.append(
                Button(self.t("welcome_more", n=len(self.matches)), id="more", classes="more")
            )
        await box.mount_all(buttons)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.submit(event.value)

    def submit(self, typed: str) -> None:
        """Enter: a code goes straight on; a name picks the only match or asks to tap one."""
        typed = typed.strip()
        if not typed:
            self.say("welcome_enter_empty", "error")
        elif codes.looks_like_code(typed):
            try:
                code = codes.normalise(typed)
            except codes.InvalidCode as exc:
                self.say(exc.reason, "error")
                return
            self.identify_scanned(code)
        elif len(name_key(typed)) < MIN_SEARCH_LETTERS:
            self.say("welcome_type_more", "error")
        elif self.matches_for != self.query_one("#who", Input).value:
            self.enter_waiting = self.query_one("#who", Input).value  # answered when it lands
        else:
            self.pick_or_ask()

    def pick_or_ask(self) -> None:
        if len(self.matches) == 1:
            self.post_message(VisitorIdentified(self.matches[0].code, self.matches[0].name))
        elif self.matches:
            self.say("welcome_tap_name", "error")
        else:
            self.say("welcome_no_match", "error")

    # --- buttons ----------------------------------------------------------
    def show_pad(self, pad_id: str | None) -> None:
        for pad in self.query(KeyPad):
            pad.display = pad.id == pad_id
        self.query_one("#pad-letters").set_class(pad_id == "letters", "-chosen")
        self.query_one("#pad-code").set_class(pad_id == "codepad", "-chosen")
        # a small screen has no room for everything: the pad takes the place of the
        # languages, the welcome text and the two big ways in
        for selector in ("#ways", "#langbar", ".title", ".text"):
            for widget in self.query(selector):
                widget.display = pad_id is None

    async def toggle_pad(self, pad_id: str) -> None:
        pads = self.query(f"#{pad_id}")
        if not pads:
            pad = (
                LetterPad(id=pad_id, classes="pad")
                if pad_id == "letters"
                else CodePad(id=pad_id, classes="pad")
            )
            pad.display = False
            await self.query_one("#pads", Vertical).mount(pad)
        shown = bool(pads) and pads.first().display
        self.show_pad(None if shown else pad_id)
        self.query_one("#who").focus()

    async def on_button_pressed(self, event: Button.Pressed) -> None:
        button = event.button
        if button.has_class("person") and button.name:
            person = next((p for p in self.matches if p.code == button.name), None)
            self.post_message(VisitorIdentified(button.name, person.name if person else None))
        elif button.id == "more":
            pages = -(-len(self.matches) // (MAX_MATCHES - 1))
            self.page = (self.page + 1) % pages
            await self.fill_matches()
            self.query_one("#who").focus()  # typing on narrows the list
        elif button.id == "pad-letters":
            await self.toggle_pad("letters")
        elif button.id == "pad-code":
            await self.toggle_pad("codepad")
        elif button.id == "anonymous":
            self.post_message(VisitorIdentified(None, None))
        elif button.id == "new":
            self.post_message(RegistrationWanted())
        elif button.id == "keyholder":
            self.post_message(KeyHolderLoginWanted("menu"))
