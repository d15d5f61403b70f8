"""Notices for key holders: a key holder here asked another room to forget them.

A relayed forget never removes a key holder's name, role or PIN by itself
(the room must stay openable). This panel, on the key holder menu, lets a key
holder act: forget the person here too (key and PIN go first; never the last
key holder), or leave things as they are. Hidden when there is nothing to say.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Static

from shared.people import Person


class ForgetNotices(Vertical):
    DEFAULT_CSS = """
    ForgetNotices { height: auto; border: round $warning; padding: 0 1; margin: 1 0 0 0; }
    ForgetNotices .forget-notice-text { height: auto; }
    ForgetNotices Horizontal { height: auto; }
    ForgetNotices Button { margin: 0 1 0 0; }
    """

    def __init__(self, key_holder: Person):
        super().__init__(id="forget-notices")
        self.key_holder = key_holder
        self.display = False
        self.people: list[Person] = []

    def on_mount(self) -> None:
        self.reload()

    def t(self, key: str, **fields: object) -> str:
        return self.app.t(key, **fields)  # type: ignore[attr-defined]

    def reload(self) -> None:
        self.screen.run_db(lambda store: [p for p, _ in store.forget_notices()],  # type: ignore
                           self.show_notices)

    async def show_notices(self, found: list[Person]) -> None:
        self.people = found
        await self.remove_children()
        self.display = bool(found)
        for index, person in enumerate(found[:3]):  # the rest come after these are done
            await self.mount(Static(self.t("forget_notice", name=person.name), markup=False,
                                    classes="forget-notice-text"))
            await self.mount(Horizontal(
                Button(self.t("forget_notice_forget"), id=f"fn-forget-{index}", variant="error"),
                Button(self.t("forget_notice_keep"), id=f"fn-keep-{index}")))

    def on_button_pressed(self, event: Button.Pressed) -> None:
        button = event.button.id or ""
        if not button.startswith("fn-"):
            return
        event.stop()
        action, index = button.rsplit("-", 1)
        person, by = self.people[int(index)], self.key_holder.code
        if action == "fn-forget":
            job = lambda store: store.forget_here(person.code, by=by)  # noqa: E731
            key = "forget_notice_forgotten"
        else:
            job = lambda store: store.dismiss_forget_notice(person.code)  # noqa: E731
            key = "forget_notice_kept"

        def done(_result) -> None:
            self.screen.say(key, "ok", name=person.name)  # type: ignore[attr-defined]
            self.reload()

        self.screen.run_db(job, done)  # type: ignore[attr-defined]
