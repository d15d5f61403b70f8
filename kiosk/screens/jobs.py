"""A crew volunteer records jobs done (klussendienst, tuindienst, opruimploeg)."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Static

from kiosk.messages import HomeRequested, Recorded
from kiosk.screens.base import KioskScreen
from kiosk.widgets.notice import Notice
from kiosk.widgets.tiles import RepeatButton, Tile


class JobsScreen(KioskScreen):
    def __init__(self, code: str | None, name: str | None):
        super().__init__()
        self.code, self.name_ = code, name
        self.count = 1

    def compose(self) -> ComposeResult:
        catalog, lang = self.kiosk_app.catalog, self.kiosk_app.lang
        with Vertical(id="jobs", classes="page"):
            yield Static(self.t("jobs_title"), classes="title", markup=False)
            with Horizontal(id="crews"):
                for activity in catalog.activities.values():
                    if activity.unit == "jobs":
                        yield Tile(
                            activity.icon,
                            activity.label(lang),
                            name=activity.id,
                            id=f"crew-{activity.id}",
                        )
            with Horizontal(classes="choice-row"):
                yield RepeatButton("−", id="less", classes="choice")
                yield Static(self.t("jobs_count", count=self.count), id="count", classes="big")
                yield RepeatButton("+", id="more", classes="choice")
            yield Notice()
            with Horizontal(classes="bottom-row"):
                yield Button(self.t("back"), id="back")
                yield Button(self.t("done"), id="done", variant="success")

    def on_button_pressed(self, event: Button.Pressed) -> None:
        button = event.button
        if isinstance(button, Tile):
            for tile in self.query(Tile):
                tile.set_chosen(tile is button)
        elif button.id in ("less", "more"):
            self.count = max(1, min(20, self.count + (1 if button.id == "more" else -1)))
            self.query_one("#count", Static).update(self.t("jobs_count", count=self.count))
        elif button.id == "back":
            self.post_message(HomeRequested())
        elif button.id == "done":
            chosen = [t for t in self.query(Tile) if t.chosen]
            if not chosen:
                self.say("jobs_title", "error")
                return
            activity, count, code = chosen[0].name or "", self.count, self.code
            line = self.t("jobs_recorded", count=count, activity=chosen[0].text)
            self.run_db(
                lambda store: store.record_jobs(activity, count, code),
                lambda _: self.post_message(Recorded(self.name_, [line])),
            )
