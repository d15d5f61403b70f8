"""Leaving the kiosk for maintenance: say what happens next, then the PIN once more.

What happens next is the same in the app, the systemd units and docs/KIOSK.md:
the kiosk exits with ``EXIT_MAINTENANCE`` (3); the unit does not restart it and
starts a console login on tty1 for the maintainer; a reboot (or ``systemctl
start bwk-kiosk``) brings the kiosk back.

Nothing is closed silently. An open room stays open in the log (closing is a
key holder's act, with its day summary and cash count: "close first" is one
tap away), but status.json says closed while the kiosk is down, because
nobody can check in then; the kiosk writes the log's state again at start.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Input, Static

from kiosk.messages import KeyHolderTaskChosen, LeaveConfirmed
from kiosk.screens.base import KioskScreen
from kiosk.screens.pin import wait_text
from kiosk.widgets.inputs import KioskInput
from kiosk.widgets.notice import Notice
from shared.people import Person
from shared.store import PinLocked, PinWrong, RoomStore


class LeaveScreen(KioskScreen):
    AUTO_FOCUS = "#leave-pin"
    DEFAULT_CSS = "LeaveScreen .bottom-row #leave-confirm { dock: right; }"

    def __init__(self, person: Person, notice: str = ""):
        super().__init__()
        self.person = person
        self.notice_text = notice
        self.busy = False

    def compose(self) -> ComposeResult:
        room_open = self.kiosk_app.room_open
        with Vertical(id="leave", classes="page"):
            yield Static(self.t("leave_title"), classes="title", markup=False)
            yield Static(self.t("leave_explain"), classes="text", markup=False)
            if room_open:
                yield Static(
                    f"⚠  {self.t('leave_room_open')}",
                    id="leave-room-open",
                    classes="text",
                    markup=False,
                )
            yield Static(self.t("leave_pin"), classes="text", markup=False)
            yield KioskInput(password=True, id="leave-pin", max_length=8, restrict=r"[0-9]*")
            yield Notice(self.notice_text, classes="-ok" if self.notice_text else "")
            with Horizontal(classes="bottom-row"):
                yield Button(self.t("back"), id="back")
                if room_open:
                    yield Button(
                        self.t("leave_close_first"), id="leave-close-first", variant="warning"
                    )
                yield Button(self.t("leave_confirm"), id="leave-confirm", variant="error")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.confirm()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "back":
            self.post_message(KeyHolderTaskChosen(self.person, "menu"))
        elif event.button.id == "leave-close-first":
            self.post_message(KeyHolderTaskChosen(self.person, "close_then_leave"))
        elif event.button.id == "leave-confirm":
            self.confirm()

    def confirm(self) -> None:
        pin_box = self.query_one("#leave-pin", Input)
        pin = pin_box.value
        if not (pin.isdigit() and 4 <= len(pin) <= 8):
            pin_box.value = ""
            self.say("pin_format", "error")
            return
        if self.busy:
            return
        self.busy = True
        pin_box.value = ""
        app, who = self.kiosk_app, self.person

        def job(store: RoomStore) -> str | None:
            try:
                store.verify_key_holder(who.code, pin)
            except PinLocked as exc:
                return self.t(
                    "pin_locked_holder", name=who.name, wait=wait_text(self.t, exc.seconds)
                )
            except PinWrong as exc:
                wait = exc.wait_seconds
                return self.t(exc.reason) + (
                    " " + self.t("pin_wait_now", wait=wait_text(self.t, wait)) if wait else ""
                )
            if app.room_open:
                app.write_status_file(False)
            return None

        self.run_db(job, self.done)

    def done(self, refusal: str | None) -> None:
        if refusal is None:
            self.post_message(LeaveConfirmed())
            return
        self.busy = False
        self.say_text(refusal, "error")

    def failed(self, key: str, fields: dict[str, object]) -> None:
        self.busy = False
        super().failed(key, fields)
