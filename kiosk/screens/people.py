"""People: mark volunteers, add or remove key holders, forget a visitor on request."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.widgets import Button, Input, Static

from kiosk.messages import KeyHolderTaskChosen
from kiosk.screens.base import KioskScreen
from kiosk.widgets.inputs import KioskInput
from kiosk.widgets.notice import Notice
from shared import queries
from shared.people import Person


class PeopleScreen(KioskScreen):
    AUTO_FOCUS = "#people-search"

    def __init__(self, person: Person):
        super().__init__()
        self.person = person  # the key holder doing this
        self.found: dict[str, Person] = {}
        self.selected: Person | None = None
        self.roles: tuple[str, ...] = ()
        self.confirm_forget = False

    def compose(self) -> ComposeResult:
        with Vertical(id="people", classes="page"):
            yield Static(self.t("people_title"), classes="title", markup=False)
            yield Static(self.t("people_search"), classes="text", markup=False)
            yield KioskInput(id="people-search", max_length=40)
            yield Vertical(id="people-list")
            yield Static("", id="selected", classes="big", markup=False)
            yield Vertical(id="person-actions")
            yield Notice()
            with Horizontal(classes="bottom-row"):
                yield Button(self.t("back"), id="back")

    def on_input_changed(self, event: Input.Changed) -> None:
        if event.input.id != "people-search":
            return
        typed = event.value
        self.clear_selected()  # the panel belongs to the old result, not the new search
        self.run_search(
            lambda store: store.find_people(typed, 9), lambda found: self.show_found(typed, found)
        )

    def show_found(self, typed: str, found: list[Person]) -> None:
        if self.query_one("#people-search", Input).value != typed:
            return
        self.found = {p.code: p for p in found}
        box = self.query_one("#people-list", Vertical)
        box.remove_children()
        box.mount_all(Button(Content(p.name), name=p.code, classes="person") for p in found)

    def clear_selected(self) -> None:
        self.selected, self.roles, self.confirm_forget = None, (), False
        self.query_one("#selected", Static).update("")
        self.query_one("#person-actions", Vertical).remove_children()

    def select(self, code: str) -> None:
        room = self.kiosk_app.settings.room_id
        typed = self.query_one("#people-search", Input).value
        self.run_db(
            lambda store: (store.person(code), queries.roles_of(store.conn, room, code)),
            lambda state: self.show_selected(state, typed),
        )

    async def show_selected(
        self, state: tuple[Person | None, tuple[str, ...]], typed: str | None = None
    ) -> None:
        if typed is not None and self.query_one("#people-search", Input).value != typed:
            return  # the search changed while this person was being read
        person, roles = state
        self.selected, self.roles, self.confirm_forget = person, roles, False
        actions = self.query_one("#person-actions", Vertical)
        await actions.remove_children()
        if person is None:
            self.query_one("#selected", Static).update("")
            return
        names = ", ".join(self.t(f"role_{r}") for r in roles) or self.t("role_none")
        self.query_one("#selected", Static).update(
            f"{person.name}   ·   {self.t('people_roles', roles=names)}"
        )
        volunteer = "volunteer" in roles
        actions.mount(
            Button(
                self.t("people_volunteer_off" if volunteer else "people_volunteer_on"),
                id="volunteer-off" if volunteer else "volunteer-on",
            )
        )
        if "key_holder" in roles:
            actions.mount(Button(self.t("people_keyholder_remove"), id="kh-remove"))
        else:
            actions.mount(Button(self.t("people_forget"), id="forget", variant="error"))
            actions.mount(
                KioskInput(
                    password=True,
                    id="new-pin",
                    max_length=8,
                    restrict=r"[0-9]*",
                    placeholder=self.t("pin_pin"),
                    classes="pin-box",
                ),
                Button(self.t("people_keyholder_add"), id="kh-add"),
            )

    def reload(self, _result=None) -> None:
        if self.selected:
            self.select(self.selected.code)
        self.say("people_saved", "ok")

    def on_button_pressed(self, event: Button.Pressed) -> None:
        button, by = event.button, self.person.code
        chosen = self.selected
        if button.has_class("person") and button.name:
            self.select(button.name)
        elif button.id == "back":
            self.post_message(KeyHolderTaskChosen(self.person, "menu"))
        elif chosen is None:
            return
        elif button.id in ("volunteer-on", "volunteer-off"):
            on = button.id == "volunteer-on"
            self.run_db(lambda store: store.set_volunteer(chosen.code, on, by=by), self.reload)
        elif button.id == "kh-remove":
            self.run_db(lambda store: store.remove_key_holder(chosen.code, by=by), self.reload)
        elif button.id == "kh-add":
            pin = self.query_one("#new-pin", Input).value
            self.run_db(
                lambda store: store.add_key_holder(chosen.name, pin, by=by, code=chosen.code),
                self.reload,
            )
        elif button.id == "forget" and not self.confirm_forget:
            self.confirm_forget = True  # a second, separate button confirms
            self.query_one("#person-actions", Vertical).mount(
                Button(self.t("people_forget_yes"), id="forget-yes", variant="error")
            )
            self.say("people_forget_confirm", "error", name=chosen.name)
        elif button.id == "forget-yes":
            self.run_db(lambda store: store.forget(chosen.code, by=by), self.forgotten)

    async def forgotten(self, _event) -> None:
        self.selected = None
        await self.query_one("#person-actions", Vertical).remove_children()
        self.query_one("#selected", Static).update("")
        self.query_one("#people-list", Vertical).remove_children()
        self.query_one("#people-search", Input).value = ""
        self.say("people_forgotten", "ok")
