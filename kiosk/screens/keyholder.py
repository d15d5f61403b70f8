"""The key holder's menu: open/close, handgeld, corrections, people, totals, sync, leave."""

from __future__ import annotations

from collections.abc import Callable

from textual.app import ComposeResult
from textual.containers import Grid, Horizontal, Vertical
from textual.widgets import Button, Static

from kiosk.messages import HomeRequested, KeyHolderTask, KeyHolderTaskChosen, KeyHolderVerified
from kiosk.screens.base import KioskScreen
from kiosk.screens.close import CloseScreen, CloseThenLeaveScreen
from kiosk.screens.corrections import CorrectionsScreen
from kiosk.screens.handgeld import HandgeldScreen
from kiosk.screens.leave import LeaveScreen
from kiosk.screens.people import PeopleScreen
from kiosk.screens.sync import SyncScreen
from kiosk.screens.totals import TotalsScreen
from kiosk.widgets.forget_notices import ForgetNotices
from kiosk.widgets.notice import Notice
from shared.people import Person
from shared.store import RoomStore


class KeyHolderScreen(KioskScreen):
    AUTO_FOCUS = "#kh-done"

    def __init__(
        self, person: Person, *, opened: bool = False, warning: str | None = None, notice: str = ""
    ):
        super().__init__()
        self.person, self.opened, self.warning, self.notice_text = person, opened, warning, notice

    def compose(self) -> ComposeResult:
        room_open = self.kiosk_app.room_open
        with Vertical(id="keyholder", classes="page"):
            yield Static(self.t("kh_title", name=self.person.name), classes="title", markup=False)
            yield Static(
                self.t("kh_room_open" if room_open else "kh_room_closed"),
                classes="text",
                markup=False,
            )
            if self.warning:
                yield Static(f"⚠  {self.t(self.warning)}", id="clock-warning", markup=False)
            notice = self.t("room_opened") if self.opened else self.notice_text
            yield Notice(notice, classes="-ok" if notice else "")
            yield ForgetNotices(self.person)  # forgets relayed from other rooms (hidden if none)
            with Grid(id="kh-menu"):
                if room_open:
                    yield Button(self.t("kh_close"), id="kh-close", variant="warning")
                else:
                    yield Button(self.t("kh_open"), id="kh-open", variant="success")
                yield Button(self.t("kh_handgeld"), id="kh-handgeld")
                yield Button(self.t("kh_corrections"), id="kh-corrections")
                yield Button(self.t("kh_people"), id="kh-people")
                yield Button(self.t("kh_totals"), id="kh-totals")
                yield Button(self.t("kh_sync"), id="kh-sync")
                yield Button(self.t("kh_leave"), id="kh-leave", variant="error")
            with Horizontal(classes="bottom-row"):
                yield Button(self.t("kh_done"), id="kh-done", variant="primary")

    def on_button_pressed(self, event: Button.Pressed) -> None:
        app, who = self.kiosk_app, self.person
        target = event.button.id or ""
        if target == "kh-done":
            self.post_message(HomeRequested())
        elif target == "kh-open":

            def job(store: RoomStore) -> str | None:
                warning = store.clock_warning()
                store.open_room(by=who.code)
                app.write_status_file(True)
                return warning

            self.run_db(
                job,
                lambda warning: self.post_message(
                    KeyHolderVerified(who, opened=True, warning=warning)
                ),
            )
        elif target in MENU_TASKS:  # "leave" asks for the PIN again and says what happens
            self.post_message(KeyHolderTaskChosen(who, MENU_TASKS[target]))


MENU_TASKS: dict[str, KeyHolderTask] = {
    "kh-close": "close",
    "kh-leave": "leave",
    "kh-handgeld": "handgeld",
    "kh-corrections": "corrections",
    "kh-people": "people",
    "kh-totals": "totals",
    "kh-sync": "sync",
}


def task_screen(person: Person, task: KeyHolderTask) -> KioskScreen:
    """The screen for a key holder's task, for the app to show. Only the menu imports
    its task screens (they post ``KeyHolderTaskChosen(..., "menu")`` to come back),
    so no two screens import each other."""
    screens: dict[KeyHolderTask, Callable[[Person], KioskScreen]] = {
        "menu": KeyHolderScreen,
        "close": CloseScreen,
        "leave": LeaveScreen,
        "close_then_leave": CloseThenLeaveScreen,
        "handgeld": HandgeldScreen,
        "corrections": CorrectionsScreen,
        "people": PeopleScreen,
        "totals": TotalsScreen,
        "sync": SyncScreen,
    }
    return screens[task](person)
