"""What every kiosk screen shares: texts in the chosen language and database workers.

Database work never runs on the event loop: ``run_db`` hands a job to a
thread worker, which runs it on the app's single database thread (one
connection, one writer) and brings the result back with ``call_from_thread``.
A refusal from the store (``StoreError.reason``) or a bad code
(``InvalidCode.reason``) becomes a plain-words message in the Notice.
"""

from __future__ import annotations

import logging
import sqlite3
from typing import Any, Callable

from textual import events, work
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import Button, Input
from textual.worker import get_current_worker

from kiosk.widgets.keypads import BACKSPACE, ENTER, SPACE, KeyPad, LetterPad
from kiosk.widgets.notice import Notice
from shared import codes
from shared.codes import InvalidCode
from shared.store import PinLocked, RoomStore, StoreError

log = logging.getLogger("bwk.kiosk")
Job = Callable[[RoomStore], Any]


class KioskScreen(Screen):
    BINDINGS = [Binding("escape", "go_back", show=False)]
    BACK_BUTTONS = ("#back", "#kh-done")  # what Escape presses, if the screen has one
    is_home = False
    catches_scans = False  # visitor screens: a scanned code starts the next visitor

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.scanned = ""

    def on_key(self, event: events.Key) -> None:
        """Keep printable keys that nobody used: a scanner may be typing a code."""
        if self.catches_scans and event.character and len(event.character) == 1 \
                and event.character.isprintable() and not event.character.isspace():
            self.scanned = (self.scanned + event.character)[-20:]

    def action_go_back(self) -> None:
        """Escape does what the screen's back button does (keyboard users expect it)."""
        for selector in self.BACK_BUTTONS:
            buttons = self.query(selector)
            if buttons:
                buttons.first(Button).press()
                return

    def take_scanned(self) -> str | None:
        """The valid visitor code just typed or scanned on this screen, if any."""
        typed, self.scanned = self.scanned, ""
        if codes.looks_like_code(typed) and codes.is_valid(typed):
            return codes.normalise(typed)
        return None

    def identify_scanned(self, code: str) -> None:
        from kiosk.messages import VisitorIdentified

        self.run_db(lambda store: store.person(code),
                    lambda person: self.post_message(
                        VisitorIdentified(code, person.name if person else None)))

    def t(self, key: str, **fields: object) -> str:
        return self.app.t(key, **fields)  # type: ignore[attr-defined]

    def speech_text(self) -> str:
        """What the 🔊 button reads aloud: the screen's title and main text."""
        return " ".join(str(w.render()) for w in self.query(".title, .text"))

    # --- on-screen keypads ------------------------------------------------------
    def pad_target(self, pad: KeyPad | None = None) -> Input | None:
        """The text box a keypad types into: its own target, the focused one, else the first."""
        if pad is not None and pad.target:
            return self.query_one(pad.target, Input)
        if isinstance(self.focused, Input):
            return self.focused
        boxes = self.query(Input)
        return boxes.first() if boxes else None

    async def on_key_pad_typed(self, message: KeyPad.Typed) -> None:
        message.stop()
        box = self.pad_target(message.pad)
        if box is None:
            return
        box.focus()
        if message.key == BACKSPACE:
            box.action_delete_left()
        elif message.key == ENTER:
            await box.action_submit()
        elif message.key == SPACE:
            box.insert_text_at_cursor(" ")
        else:
            text = message.key
            if isinstance(message.pad, LetterPad) and box.value[-1:].strip():
                text = text.lower()  # a capital only at the start of a word
            box.insert_text_at_cursor(text)

    def is_pristine(self) -> bool:
        """True when an idle timeout has nothing to clear here."""
        return False

    def say(self, key: str, kind: str = "", **fields: object) -> None:
        self.say_text(self.t(key, **fields), kind)

    def say_text(self, text: str, kind: str = "") -> None:
        try:
            self.query_one(Notice).say(text, kind)
        except Exception:  # screen without a Notice, or already gone
            self.app.notify(text)

    def failed(self, key: str, fields: dict) -> None:
        self.say(key, "error", **fields)

    def _run(self, job: Job, then: Callable[[Any], None] | None) -> None:
        worker = get_current_worker()
        app = self.app
        try:
            result = app.run_in_db_thread(job)  # type: ignore[attr-defined]
        except PinLocked as exc:
            error = ("pin_locked", {"seconds": exc.seconds})
        except (StoreError, InvalidCode) as exc:
            error = (exc.reason, {})
        except sqlite3.OperationalError as exc:
            log.warning("database busy: %s", exc)
            error = ("busy", {})
        except Exception:  # noqa: BLE001 - a kiosk never dies on one bad request
            log.exception("database job failed")
            error = ("error_generic", {})
        else:
            if then is not None and not worker.is_cancelled:
                app.call_from_thread(then, result)
            return
        if not worker.is_cancelled:
            app.call_from_thread(self.failed, *error)

    @work(thread=True, exit_on_error=False, group="db")
    def run_db(self, job: Job, then: Callable[[Any], None] | None = None) -> None:
        """Run a database job (reads or writes) off the event loop."""
        self._run(job, then)

    @work(thread=True, exclusive=True, exit_on_error=False, group="search")
    def run_search(self, job: Job, then: Callable[[Any], None]) -> None:
        """A search as you type: a newer search cancels the older one's result."""
        self._run(job, then)
