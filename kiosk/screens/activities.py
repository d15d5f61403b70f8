"""What are you here for? Activity tiles (several may be chosen); volunteers also clock in/out.

Whoever reaches this screen has visited: the visit is *pending* until "Klaar",
and is recorded anyway (with the tiles chosen so far) when the screen times
out or the next visitor scans a code here. Only "Terug" drops it (wrong name).
"Gewoon binnenlopen" is one touch: the anonymous visit is recorded by itself
when its short window ends, unless an activity is added and "Klaar" pressed first.
"""

from __future__ import annotations

import time
from datetime import timedelta

from textual.app import ComposeResult
from textual.containers import Grid, Horizontal, Vertical
from textual.widgets import Button, Static

from kiosk.messages import CheckedIn, HomeRequested, JobsWanted, Recorded
from kiosk.screens.base import KioskScreen
from kiosk.widgets.notice import Notice
from kiosk.widgets.speak import SpeakButton
from kiosk.widgets.tiles import RepeatButton, Tile
from shared import queries
from shared.clock import parse_iso
from shared.store import SURVEY_INTERVAL_DAYS as SURVEY_DAYS
from shared.store import RoomStore


class ActivitiesScreen(KioskScreen):
    AUTO_FOCUS = "#done"
    catches_scans = True

    def __init__(self) -> None:
        super().__init__()
        self.code: str | None = None
        self.name_: str | None = None
        self.busy = False
        self.generation = 0  # results for an earlier visitor are dropped
        self.pending = False  # a visit shown here and not yet recorded
        self.anonymous = False
        self.closes_at = 0.0  # anonymous: when the visit records itself

    def title_text(self) -> str:
        if self.anonymous:
            return self.t("activities_anonymous")
        return (
            self.t("activities_hello", name=self.name_)
            if self.name_
            else self.t("activities_title")
        )

    def speech_text(self) -> str:
        """The title, the hint and every activity: the tiles are the choice to hear."""
        tiles = ". ".join(tile.text for tile in self.query(Tile))
        return f"{self.title_text()} {self.t('activities_hint')} {tiles}."

    def reset(self, code: str | None, name: str | None, *, anonymous: bool = False) -> None:
        """Ready for the next visitor (one instance is kept per language)."""
        self.code, self.name_, self.busy, self.scanned = code, name, False, ""
        self.pending, self.anonymous = True, anonymous and code is None
        self.extend_window()
        self.generation += 1
        if self.is_mounted:
            self.fill()

    # --- the pending visit --------------------------------------------------
    def extend_window(self) -> None:
        self.closes_at = time.monotonic() + self.kiosk_app.settings.anonymous_seconds

    def take_pending_visit(self) -> tuple[str | None, list[str]] | None:
        """The visit to record because this visitor left (once)."""
        if not self.pending:
            return None
        self.pending = False
        return self.code, self.chosen()

    def window_over(self, now: float) -> bool:
        """Anonymous: the short window ended, so record the visit and say goodbye."""
        if not (self.anonymous and self.pending and not self.busy and now >= self.closes_at):
            return False
        self.kiosk_app.flush_visit(self)
        self.post_message(HomeRequested(fresh=True, notice_key="visit_recorded"))
        return True

    def fill(self) -> None:
        self.query_one("#activities-title", Static).update(self.title_text())
        for tile in self.query(Tile):
            tile.set_chosen(False)
        row = self.query_one("#volunteer-row", Horizontal)
        row.remove_children()
        row.remove_class("-shown")
        self.query_one(Notice).say("")
        self.query_one("#done", Button).focus()
        self.check_volunteer()

    def compose(self) -> ComposeResult:
        catalog, lang = self.kiosk_app.catalog, self.kiosk_app.lang
        with Vertical(id="activities", classes="page"):
            yield Static(self.title_text(), id="activities-title", classes="title", markup=False)
            yield Static(self.t("activities_hint"), classes="text", markup=False)
            with Grid(id="tiles"):
                for activity in catalog.activities.values():
                    if activity.unit == "unique":
                        yield Tile(
                            activity.icon,
                            activity.label(lang),
                            name=activity.id,
                            id=f"act-{activity.id}",
                        )
            yield Horizontal(id="volunteer-row")
            yield Notice()
            with Horizontal(classes="bottom-row"):
                yield Button(self.t("back"), id="back")
                yield SpeakButton()
                # no "active" pause: a scan + Enter may come right after the last one
                yield RepeatButton(self.t("done"), id="done", variant="success")

    def on_mount(self) -> None:
        self.check_volunteer()

    def check_volunteer(self) -> None:
        if self.code:
            code, generation = self.code, self.generation
            self.run_db(
                lambda store: (
                    store.has_role(code, "volunteer"),
                    store.open_shift(code) is not None,
                ),
                lambda state: self.show_volunteer(generation, state),
            )

    async def show_volunteer(self, generation: int, state: tuple[bool, bool]) -> None:
        is_volunteer, on_shift = state
        if not is_volunteer or generation != self.generation:
            return
        row = self.query_one("#volunteer-row", Horizontal)
        await row.remove_children()
        row.add_class("-shown")
        row.mount(
            Button(
                self.t("shift_end" if on_shift else "shift_start"),
                id="shift-end" if on_shift else "shift-start",
                variant="warning",
            ),
            Button(self.t("jobs_record"), id="jobs", variant="warning"),
        )

    def chosen(self) -> list[str]:
        try:
            return [tile.name for tile in self.query(Tile) if tile.chosen and tile.name]
        except Exception:  # noqa: BLE001 - the app is closing: the visit still counts
            return []

    def on_button_pressed(self, event: Button.Pressed) -> None:
        button = event.button
        if isinstance(button, Tile):
            button.toggle()
            self.extend_window()
        elif button.id == "back":
            self.pending = False  # "not me": nothing to record
            self.post_message(HomeRequested())
        elif button.id == "done":
            self.check_in()
        elif button.id == "shift-start":
            self.shift(start=True)
        elif button.id == "shift-end":
            self.shift(start=False)
        elif button.id == "jobs":
            self.pending = False  # a volunteer at work, not a visit
            self.post_message(JobsWanted(self.code, self.name_))

    def check_in(self) -> None:
        if self.busy:
            return
        scanned = self.take_scanned()
        if scanned and scanned != self.code:  # the next visitor scanned their card here
            self.kiosk_app.flush_visit(self)
            self.identify_scanned(scanned)
            return
        self.busy, self.pending = True, False
        code, name, chosen = self.code, self.name_, self.chosen()

        def job(store: RoomStore) -> CheckedIn:
            done = store.check_in(code, chosen)
            activities = [e.activity for e in done.events if e.activity]
            today = store.clock().date()
            due = queries.survey_eligible(
                store.conn, code, today, today - timedelta(days=SURVEY_DAYS)
            )
            return CheckedIn(code, name, activities, due)

        self.run_db(job, self.post_message)

    def failed(self, key: str, fields: dict[str, object]) -> None:
        self.busy, self.pending = False, True
        super().failed(key, fields)

    def shift(self, *, start: bool) -> None:
        code, name = self.code, self.name_
        assert code is not None
        self.pending = False  # a shift is recorded instead of a visit

        def job(store: RoomStore) -> str:
            if start:
                event = store.start_shift(code)
                return self.t("shift_started", time=parse_iso(event.at).strftime("%H:%M"))
            ended = store.end_shift(code)
            return self.t("shift_ended", hours=f"{ended.hours:.2f}".replace(".", ","))

        self.run_db(job, lambda text: self.post_message(Recorded(name, [text], recorded=False)))
