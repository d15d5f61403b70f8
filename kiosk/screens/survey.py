"""The two EFFECT questions, three smileys each, always skippable."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Static

from kiosk.messages import Recorded
from kiosk.screens.base import KioskScreen
from kiosk.widgets.notice import Notice
from kiosk.widgets.speak import SpeakButton

QUESTIONS = ("confidence", "pleasant")
FACES = ((1, "survey_sad"), (2, "survey_neutral"), (3, "survey_happy"))


class SurveyScreen(KioskScreen):
    AUTO_FOCUS = "#skip"

    def __init__(self, code: str | None, name: str | None, lines: list[str]):
        super().__init__()
        self.code, self.name_, self.lines = code, name, lines
        self.answers: dict[str, int] = {}

    def compose(self) -> ComposeResult:
        with Vertical(id="survey", classes="page"):
            yield Static(self.t("survey_title"), classes="title", markup=False)
            for question in QUESTIONS:
                yield Static(self.t(f"survey_{question}"), classes="big", markup=False)
                with Horizontal(classes="faces"):
                    for value, key in FACES:
                        yield Button(self.t(key), id=f"{question}-{value}", classes="face")
            yield Notice()
            with Horizontal(classes="bottom-row"):
                yield Button(self.t("skip"), id="skip")
                yield SpeakButton()

    def speech_text(self) -> str:
        parts = [self.t("survey_title")]
        for question in QUESTIONS:
            parts.append(self.t(f"survey_{question}"))
            parts.extend(self.t(key).split(" ", 1)[-1] + "." for _, key in FACES)
        return " ".join(parts)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        button_id = event.button.id or ""
        if button_id == "skip":
            self.finish()
            return
        question, _, value = button_id.partition("-")
        if question in QUESTIONS and value.isdigit():
            self.answers[question] = int(value)
            for other in self.query(".face"):
                if (other.id or "").startswith(question + "-"):
                    other.set_class(other is event.button, "-chosen")
            if len(self.answers) == len(QUESTIONS):
                self.finish()

    def finish(self) -> None:
        answers, code = dict(self.answers), self.code

        def done(_result: object = None) -> None:
            self.post_message(Recorded(self.name_, self.lines))

        if not answers:
            done()
            return
        self.run_db(lambda store: store.answer_survey(code, answers), done)
