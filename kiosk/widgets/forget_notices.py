"""Notices for key holders: a key holder here asked another room to forget them.

A relayed forget never removes a key holder's name, role or PIN by itself
(the room must stay openable). This panel, on the key holder menu, lets a key
holder act: forget the person here too (key and PIN go first; never the last
key holder), or leave things as they are. Hidden when there is nothing to say.
One notice at a time, in three lines: the menu below still fits at 80x24.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, cast

from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Static

from kiosk.kiosk_app import kiosk_app
from shared.people import Person
from shared.store import RoomStore

if TYPE_CHECKING:
    from kiosk.screens.base import KioskScreen


class ForgetNotices(Vertical):
    DEFAULT_CSS = """
    ForgetNotices { height: auto; max-height: 3; padding: 0 1; }
    ForgetNotices .forget-notice-text { height: auto; max-height: 2; color: $text-warning; }
    ForgetNotices Horizontal { height: 1; }
    ForgetNotices Button { margin: 0 2 0 0; }
    """

    def __init__(self, key_holder: Person):
        super().__init__(id="forget-notices")
        self.key_holder = key_holder
        self.display = False
        self.people: list[Person] = []

    def on_mount(self) -> None:
        self.reload()

    def t(self, key: str, **fields: object) -> str:
        return kiosk_app(self).t(key, **fields)

    @property
    def kiosk_screen(self) -> KioskScreen:
        """The key holder screen this panel is on: its database worker and notice."""
        return cast("KioskScreen", self.screen)

    def reload(self) -> None:
        self.kiosk_screen.run_db(
            lambda store: [p for p, _ in store.forget_notices()], self.show_notices
        )

    async def show_notices(self, found: list[Person]) -> None:
        self.people = found
        await self.remove_children()
        self.display = bool(found)
        for index, person in enumerate(found[:1]):  # the next one after this one is done
            await self.mount(
                Static(
                    f"⚠  {self.t('forget_notice', name=person.name)}",
                    markup=False,
                    classes="forget-notice-text",
                )
            )
            buttons = (
                Button(
                    self.t("forget_notice_forget"),
                    id=f"fn-forget-{index}",
                    variant="error",
                    compact=True,
                ),
                Button(self.t("forget_notice_keep"), id=f"fn-keep-{index}", compact=True),
            )
            for button in buttons:
                button.styles.height = 1  # the app's CSS makes every Button 3 high
            await self.mount(Horizontal(*buttons))

    def on_button_pressed(self, event: Button.Pressed) -> None:
        button = event.button.id or ""
        if not button.startswith("fn-"):
            return
        event.stop()
        action, index = button.rsplit("-", 1)
        person, by = self.people[int(index)], self.key_holder.code
        job: Callable[[RoomStore], Any]
        if action == "fn-forget":
            job = lambda store: store.forget_here(person.code, by=by)  # noqa: E731
            key = "forget_notice_forgotten"
        else:
            job = lambda store: store.dismiss_forget_notice(person.code)  # noqa: E731
            key = "forget_notice_kept"

        def done(_result: object) -> None:
            self.kiosk_screen.say(key, "ok", name=person.name)
            self.reload()

        self.kiosk_screen.run_db(job, done)
