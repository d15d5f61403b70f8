"""The key holder's menu: open/close, handgeld, corrections, people, totals, sync, leave."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Grid, Horizontal, Vertical
from textual.widgets import Button, Static

from kiosk.messages import HomeRequested
from kiosk.screens.base import KioskScreen
from kiosk.widgets.forget_notices import ForgetNotices
from kiosk.widgets.notice import Notice
from shared.people import Person


class KeyHolderScreen(KioskScreen):
    AUTO_FOCUS = "#kh-done"

    def __init__(self, person: Person, *, opened: bool = False, warning: str | None = None,
                 notice: str = ""):
        super().__init__()
        self.person, self.opened, self.warning, self.notice_text = person, opened, warning, notice

    def compose(self) -> ComposeResult:
        app = self.app
        room_open = app.room_open  # type: ignore[attr-defined]
        with Vertical(id="keyholder", classes="page"):
            yield Static(self.t("kh_title", name=self.person.name), classes="title", markup=False)
            yield Static(self.t("kh_room_open" if room_open else "kh_room_closed"),
                         classes="text", markup=False)
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
        app = self.app
        target = event.button.id
        who = self.person
        if target == "kh-done":
            self.post_message(HomeRequested())
        elif target == "kh-open":
            def job(store):
                warning = store.clock_warning()
                store.open_room(by=who.code)
                app.write_status_file(True)  # type: ignore[attr-defined]
                return warning

            def then(warning):
                app.room_open = True  # type: ignore[attr-defined]
                app.show(KeyHolderScreen(who, opened=True, warning=warning))  # type: ignore

            self.run_db(job, then)
        elif target == "kh-close":
            from kiosk.screens.close import CloseScreen

            app.show(CloseScreen(who))  # type: ignore[attr-defined]
        elif target == "kh-leave":  # asks for the PIN again and says what happens next
            from kiosk.screens.leave import LeaveScreen

            app.show(LeaveScreen(who))  # type: ignore[attr-defined]
        elif target in SUBSCREENS:
            module, cls = SUBSCREENS[target]
            screen_cls = getattr(__import__(module, fromlist=[cls]), cls)
            app.show(screen_cls(who))  # type: ignore[attr-defined]


SUBSCREENS = {
    "kh-handgeld": ("kiosk.screens.handgeld", "HandgeldScreen"),
    "kh-corrections": ("kiosk.screens.corrections", "CorrectionsScreen"),
    "kh-people": ("kiosk.screens.people", "PeopleScreen"),
    "kh-totals": ("kiosk.screens.totals", "TotalsScreen"),
    "kh-sync": ("kiosk.screens.sync", "SyncScreen"),
}
