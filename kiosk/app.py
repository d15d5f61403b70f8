"""The room kiosk app: composition, lockdown bindings, idle reset, lifecycle.

Screens live in ``kiosk/screens``, one per file; every transition replaces the
current screen (``show``), so the stack never grows and "home" is one call.
Screens never show each other: they post a message (``kiosk/messages.py``) and
the handlers here choose the next screen; screens read the app's attributes
(settings, catalog, language) through the typed ``kiosk_app``.

The database has one thread of its own (``_db``, ``kiosk/db_thread.py`` says why);
what the kiosk is started with is ``KioskSettings`` (``kiosk/settings.py``).
"""

from __future__ import annotations

import asyncio
import logging
import random
import signal
import time
from collections.abc import Callable
from concurrent.futures import Future
from datetime import date, timedelta
from pathlib import Path
from typing import Any, TypeVar, cast

from textual import events
from textual.app import App
from textual.binding import Binding
from textual.screen import Screen

from kiosk.db_thread import DatabaseThread
from kiosk.messages import (
    CheckedIn,
    HomeRequested,
    JobsWanted,
    KeyHolderLoginWanted,
    KeyHolderTaskChosen,
    KeyHolderVerified,
    LanguageChosen,
    LeaveConfirmed,
    Recorded,
    RegistrationWanted,
    RoomClosed,
    VisitorIdentified,
    VisitorRegistered,
)
from kiosk.screens.base import KioskScreen
from kiosk.settings import KioskSettings
from kiosk.speech import Speaker
from shared import i18n, queries
from shared.catalog import Catalog
from shared.spaceapi import write_status
from shared.store import RoomStore

log = logging.getLogger("bwk.kiosk")
LOCKED_KEYS = ("ctrl+c", "ctrl+q", "ctrl+z", "ctrl+backslash", "ctrl+p", "ctrl+d", "ctrl+s")
SURVEY_QUARTER = timedelta(days=91)
EXIT_MAINTENANCE = 3  # "leave the kiosk": the service unit does not restart on this code
S = TypeVar("S", bound=Screen)


class KioskApp(App[int], inherit_bindings=False):
    """The kiosk. Visitors cannot quit, suspend or open a palette; a key holder can leave."""

    CSS_PATH = Path(__file__).with_name("kiosk.tcss")
    TITLE = "Buurtwerkkamer"
    ENABLE_COMMAND_PALETTE = False
    ALLOW_SELECT = False
    AUTO_FOCUS = None
    BINDINGS = [
        Binding(key, "nothing", show=False, priority=True, system=True) for key in LOCKED_KEYS
    ]
    terminal_guard: Any = None  # set by kiosk.cli before run(): stop signals, lost terminal

    def __init__(self, store: RoomStore, catalog: Catalog, settings: KioskSettings):
        super().__init__()
        self.store = store
        self.catalog = catalog
        self.settings = settings
        self.lang = i18n.DEFAULT_LANG
        self.room_open = False
        self.last_input = time.monotonic()
        self.rng = random.Random(settings.seed)
        self.speaker = settings.speaker or Speaker()
        self.survey_offered: dict[str, date] = {}
        self.last_shown: Screen | None = None  # code -> day offered (a skip counts)
        self._db = DatabaseThread(store)

    # --- lockdown ---------------------------------------------------------
    def action_nothing(self) -> None:
        """Quit, suspend, palette and friends do nothing here."""

    async def action_quit(self) -> None:  # reachable only through markup/actions: ignore
        return None

    def action_suspend_process(self) -> None:
        return None

    def action_help_quit(self) -> None:
        return None

    # --- texts and database -------------------------------------------------
    def t(self, key: str, **fields: object) -> str:
        return i18n.t(self.lang, key, **fields)

    def run_in_db_thread(self, job: Callable[[RoomStore], Any]) -> Any:
        """Run ``job(store)`` on the one database thread and wait (call from a thread)."""
        return self._db.run(job)

    async def in_db_thread(self, job: Callable[[RoomStore], Any]) -> Any:
        """``job(store)`` on the database thread, awaited without blocking the screen
        (a job still queued is done even when the wait is cancelled)."""
        return await self._db.run_awaited(job)

    def write_status_file(self, is_open: bool) -> None:
        """SpaceAPI status.json (call from the database thread or a worker)."""
        if self.settings.status_file:
            write_status(
                self.settings.status_file,
                self.settings.room_name,
                is_open,
                self.store.clock(),
                room_id=self.settings.room_id,
                opening_hours=self.settings.opening_hours,
                details=self.settings.status_details,
            )

    # --- lifecycle --------------------------------------------------------
    def on_mount(self) -> None:
        self.set_interval(1.0, self.idle_tick, name="idle")
        if self.terminal_guard is not None:  # a real terminal: kiosk/lifecycle.py
            self.terminal_guard.attach(self)
        elif self.settings.handle_signals:
            try:
                loop = asyncio.get_running_loop()
                for sig in (signal.SIGTERM, signal.SIGHUP):
                    loop.add_signal_handler(sig, self.exit, 0)
            except (NotImplementedError, RuntimeError, ValueError):
                pass
        self.load_state()

    def load_state(self) -> None:
        from kiosk.screens.closed import ClosedScreen

        if self.settings.initially_open is not None:
            self.room_open = self.settings.initially_open
            self.go_home()
            self.call_after_refresh(self.write_status_later)
            return
        loading = ClosedScreen(loading=True)
        self.push_screen(loading)

        def job(store: RoomStore) -> bool:
            state = queries.room_state(store.conn, store.room)
            self.write_status_file(state.is_open)
            return state.is_open

        def then(is_open: bool) -> None:
            self.room_open = is_open
            self.go_home()
            log.info(
                "kiosk ready (room %s, %s)", self.settings.room_id, "open" if is_open else "closed"
            )

        loading.run_db(job, then)

    def write_status_later(self) -> None:
        is_open = self.room_open

        def job(_store: RoomStore) -> None:
            try:
                self.write_status_file(is_open)
            except OSError:
                log.exception("could not write the status file")
            log.info(
                "kiosk ready (room %s, %s)", self.settings.room_id, "open" if is_open else "closed"
            )

        self._db.submit(job, self.store)

    def on_unmount(self) -> None:
        if self.last_shown is not None:
            self.flush_visit(self.last_shown)  # stopped mid-visit: still a visit
        self.speaker.stop()
        # Wait for what the database thread was handed (a visit just now): the caller
        # closes the store when run() returns, and a close under a write loses it.
        self._db.shutdown(wait=True)

    # --- visits that must not be lost ---------------------------------------
    def record_visit(self, code: str | None, activities: list[str]) -> Future[None]:
        """Record a check-in on the database thread without waiting (a visitor who
        walked away, or whose screen the next visitor took over)."""
        return self._db.record_visit(code, activities)

    def flush_visit(self, screen: Screen | None = None) -> Future[None] | None:
        """The visit a visitor screen still holds, recorded now (None if there is none)."""
        screen = screen if screen is not None else self.screen
        pending = screen.take_pending_visit() if isinstance(screen, KioskScreen) else None
        return self.record_visit(*pending) if pending else None

    async def on_event(self, event: events.Event) -> None:
        if isinstance(event, (events.Key, events.MouseDown, events.Click, events.Paste)):
            self.last_input = time.monotonic()
        await super().on_event(event)

    # --- navigation -------------------------------------------------------
    def cached(self, kind: str, factory: Callable[[], S]) -> S:
        """One kept instance per screen kind and language: the visitor's hot path
        (welcome, activities, confirmation) is reset and shown, not rebuilt."""
        name = f"{kind}-{self.lang}"
        if not self.is_screen_installed(name):
            self.install_screen(factory(), name)
        return cast(S, self.get_screen(name))  # installed from factory() under this name

    def show(self, screen: Screen) -> None:
        """Replace the current screen (the stack stays one deep)."""
        self.last_shown = screen
        if len(self.screen_stack) < 2:
            self.push_screen(screen)
        elif screen is not self.screen:
            self.switch_screen(screen)

    def go_home(self, notice: str | None = None) -> None:
        from kiosk.screens.closed import ClosedScreen
        from kiosk.screens.welcome import WelcomeScreen

        if not self.room_open:
            self.show(ClosedScreen(notice=notice))
            return
        welcome = self.cached("welcome", WelcomeScreen)
        welcome.reset(notice)
        self.show(welcome)

    def type_ahead(self, text: str) -> None:
        """The next visitor typed (or scanned) during a confirmation: welcome them, in Dutch.

        A direct call, not a message: the welcome screen must be current before the
        scanner's next key is routed, or that key lands on the confirmation."""
        from kiosk.screens.welcome import WelcomeScreen

        if not self.room_open:
            return
        self.lang = i18n.DEFAULT_LANG
        welcome = self.cached("welcome", WelcomeScreen)
        if self.screen is not welcome:
            welcome.reset()
            self.show(welcome)
        welcome.type_in(text)

    def show_confirm(self, name: str | None, lines: list[str], *, recorded: bool = True) -> None:
        from kiosk.screens.confirm import ConfirmScreen

        confirm = self.cached("confirm", ConfirmScreen)
        confirm.reset(name, lines, recorded=recorded)
        self.show(confirm)

    def idle_tick(self, now: float | None = None) -> bool:
        """After ``idle_seconds`` of quiet, go back to the welcome screen; True if it did."""
        now = time.monotonic() if now is None else now
        if not self.screen_stack:
            return False  # starting up or shutting down
        screen = self.screen
        if isinstance(screen, KioskScreen) and screen.window_over(now):
            return True
        if now - self.last_input < self.settings.idle_seconds:
            return False
        self.last_input = now
        self.flush_visit(screen)
        try:
            pristine = isinstance(screen, KioskScreen) and screen.is_home and screen.is_pristine()
        except Exception:  # noqa: BLE001 - a screen still composing
            pristine = False
        if pristine and self.lang == i18n.DEFAULT_LANG:
            return False
        self.lang = i18n.DEFAULT_LANG
        self.go_home()
        return True

    def survey_wanted(self, code: str | None, due: bool) -> bool:
        """Ask a due visitor now and then; an offer counts as asked (a skip too)."""
        today = self.store.clock().date()
        offered = self.survey_offered.get(code or "")
        if not code or not due or (offered and today - offered < SURVEY_QUARTER):
            return False
        if self.rng.random() >= self.settings.survey_chance:
            return False
        if len(self.survey_offered) > 5000:  # a long-running kiosk: keep it small
            self.survey_offered.clear()
        self.survey_offered[code] = today
        self._db.note_survey_offered(code)  # kept across restarts
        return True

    # --- what happened on the screens: the app chooses the next one ---------
    def on_language_chosen(self, message: LanguageChosen) -> None:
        self.lang = message.lang
        self.go_home()

    def on_home_requested(self, message: HomeRequested) -> None:
        if message.fresh:
            self.lang = i18n.DEFAULT_LANG
        self.go_home(self.t(message.notice_key) if message.notice_key else None)

    def on_registration_wanted(self, _message: RegistrationWanted) -> None:
        from kiosk.screens.register import RegisterScreen

        self.show(RegisterScreen())

    def on_visitor_registered(self, message: VisitorRegistered) -> None:
        from kiosk.screens.register import CodeScreen

        self.show(CodeScreen(message.person))

    def on_visitor_identified(self, message: VisitorIdentified) -> None:
        from kiosk.screens.activities import ActivitiesScreen

        activities = self.cached("activities", ActivitiesScreen)
        activities.reset(message.code, message.name, anonymous=message.code is None)
        self.show(activities)

    def on_jobs_wanted(self, message: JobsWanted) -> None:
        from kiosk.screens.jobs import JobsScreen

        self.show(JobsScreen(message.code, message.name))

    def on_checked_in(self, message: CheckedIn) -> None:
        from kiosk.screens.confirm import checkin_lines
        from kiosk.screens.survey import SurveyScreen

        lines = checkin_lines(self, message.activities)
        if self.survey_wanted(message.code, message.survey_due):
            self.show(SurveyScreen(message.code, message.name, lines))
        else:
            self.show_confirm(message.name, lines)

    def on_recorded(self, message: Recorded) -> None:
        self.show_confirm(message.name, message.lines, recorded=message.recorded)

    def on_key_holder_login_wanted(self, message: KeyHolderLoginWanted) -> None:
        from kiosk.screens.pin import PinScreen

        self.show(PinScreen(purpose=message.purpose))

    def on_key_holder_verified(self, message: KeyHolderVerified) -> None:
        from kiosk.screens.keyholder import KeyHolderScreen

        if message.opened:
            self.room_open = True
        self.show(KeyHolderScreen(message.person, opened=message.opened, warning=message.warning))

    def on_key_holder_task_chosen(self, message: KeyHolderTaskChosen) -> None:
        from kiosk.screens.keyholder import task_screen

        self.show(task_screen(message.person, message.task))

    def on_room_closed(self, message: RoomClosed) -> None:
        from kiosk.screens.leave import LeaveScreen

        self.room_open = False
        notice = self.t("room_closed")
        if message.ended_names:
            notice += " " + self.t("shifts_auto_ended", names=", ".join(message.ended_names))
        if message.leaving is not None:  # closed on the way out: on to leaving
            self.show(LeaveScreen(message.leaving, notice))
        else:
            self.go_home(notice)

    def on_leave_confirmed(self, _message: LeaveConfirmed) -> None:
        """A key holder leaves the kiosk for maintenance."""
        self.exit(EXIT_MAINTENANCE, return_code=EXIT_MAINTENANCE)
