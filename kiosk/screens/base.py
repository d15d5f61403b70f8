"""What every kiosk screen shares: the typed app, texts in the chosen language,
database workers.

Database work never runs on the event loop: ``run_db`` is a Textual worker that
awaits the job on the app's single database thread (one connection, one writer:
see ``kiosk/app.py``), then calls ``then`` with the result on the event loop. A
refusal from the store (``StoreError.reason``) or a bad code
(``InvalidCode.reason``) becomes a plain-words message in the Notice.
"""

from __future__ import annotations

import inspect
import logging
import sqlite3
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from textual import events, work
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import Button, Input

from kiosk.kiosk_app import kiosk_app
from kiosk.widgets.keypads import BACKSPACE, ENTER, SPACE, KeyPad, LetterPad
from kiosk.widgets.notice import Notice
from shared import codes
from shared.codes import InvalidCode
from shared.store import PinLocked, RoomStore, StoreError

if TYPE_CHECKING:
    from kiosk.app import KioskApp

log = logging.getLogger("bwk.kiosk")
Job = Callable[[RoomStore], Any]
PendingVisit = tuple["str | None", list[str]]  # (visitor code or None, activities)


class KioskScreen(Screen):
    BINDINGS = [Binding("escape", "go_back", show=False)]
    BACK_BUTTONS = ("#back", "#kh-done")  # what Escape presses, if the screen has one
    is_home = False
    catches_scans = False  # visitor screens: a scanned code starts the next visitor

    def __init__(self) -> None:
        super().__init__()
        self.scanned = ""

    @property
    def kiosk_app(self) -> KioskApp:
        """The app, typed: settings, catalog, language and services read from it."""
        return kiosk_app(self)

    def on_key(self, event: events.Key) -> None:
        """Keep printable keys that nobody used: a scanner may be typing a code."""
        if (
            self.catches_scans
            and event.character
            and len(event.character) == 1
            and event.character.isprintable()
            and not event.character.isspace()
        ):
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

        self.run_db(
            lambda store: store.person(code),
            lambda person: self.post_message(
                VisitorIdentified(code, person.name if person else None)
            ),
        )

    def t(self, key: str, **fields: object) -> str:
        return self.kiosk_app.t(key, **fields)

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

    def take_pending_visit(self) -> PendingVisit | None:
        """A visit this screen holds and must not lose (taken once); visitor screens say."""
        return None

    def window_over(self, now: float) -> bool:
        """True if a short window of this screen ended and it moved on (see activities)."""
        return False

    def say(self, key: str, kind: str = "", **fields: object) -> None:
        self.say_text(self.t(key, **fields), kind)

    def say_text(self, text: str, kind: str = "") -> None:
        try:
            self.query_one(Notice).say(text, kind)
        except Exception:  # screen without a Notice, or already gone
            self.app.notify(text)

    def failed(self, key: str, fields: dict[str, object]) -> None:
        self.say(key, "error", **fields)

    async def _run(self, job: Job, then: Callable[[Any], object] | None) -> None:
        error: tuple[str, dict[str, object]]
        try:
            result = await self.kiosk_app.in_db_thread(job)
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
            if then is not None:
                outcome = then(result)
                if inspect.isawaitable(outcome):  # an async handler (e.g. one that mounts)
                    await outcome
            return
        self.failed(*error)

    # Async workers, not thread workers: the job runs on the database thread, so a
    # worker only waits. Cancelled with its screen (or by a newer search), a worker
    # drops the result; the job itself still runs.
    @work(exit_on_error=False, group="db")
    async def run_db(self, job: Job, then: Callable[[Any], object] | None = None) -> None:
        """Run a database job (reads or writes) off the event loop."""
        await self._run(job, then)

    @work(exclusive=True, exit_on_error=False, group="search")
    async def run_search(self, job: Job, then: Callable[[Any], object]) -> None:
        """A search as you type: a newer search cancels the older one's result."""
        await self._run(job, then)
