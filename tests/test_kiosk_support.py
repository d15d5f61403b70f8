"""Helpers for the kiosk tests: a tmp room with a fake clock, and waiting for workers."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

from kiosk.app import KioskApp
from kiosk.settings import KioskSettings
from kiosk.widgets.inputs import KioskInput
from shared.catalog import load_catalog
from shared.clock import TZ
from shared.db import UI_BUSY_TIMEOUT_MS
from shared.store import RoomStore

KioskInput.BLINK = False
SIZE = (100, 32)
START = datetime(2026, 3, 2, 10, 0, tzinfo=TZ)  # a Monday morning
PIN = "2468"


class FakeClock:
    def __init__(self, start: datetime = START):
        self.moment = start

    def __call__(self) -> datetime:
        return self.moment

    def advance(self, **delta) -> None:
        self.moment += timedelta(**delta)


def make_room(tmp_path: Path, *, open_room: bool = True, clock: FakeClock | None = None):
    clock = clock or FakeClock()
    store = RoomStore(
        tmp_path / "room.db", "cjm", clock=clock, durable=False, busy_timeout_ms=UI_BUSY_TIMEOUT_MS
    )
    key_holder = store.add_key_holder("Anna", PIN, by=None)
    if open_room:
        store.open_room(by=key_holder.code)
    return store, key_holder, clock


def make_app(
    tmp_path: Path, *, open_room: bool = True, survey_chance: float = 0.0, **settings
) -> tuple[KioskApp, RoomStore, object, FakeClock]:
    store, key_holder, clock = make_room(tmp_path, open_room=open_room)
    app = KioskApp(
        store,
        load_catalog(),
        KioskSettings(
            "cjm",
            "Casa Jepie Makandra",
            status_file=tmp_path / "status.json",
            clock=clock,
            handle_signals=False,
            survey_chance=survey_chance,
            seed=0,
            **settings,
        ),
    )
    return app, store, key_holder, clock


async def settle(pilot, rounds: int = 3) -> None:
    """Let workers finish and their results reach the screen (no sleeping)."""
    for _ in range(rounds):
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()


async def scan(pilot, code: str) -> None:
    """A visitor code typed or scanned, then Enter: the kiosk moves on to the activities."""
    await pilot.press(*code, "enter")
    await settle(pilot)


async def type_text(pilot, text: str) -> None:
    await pilot.press(*[{" ": "space"}.get(ch, ch) for ch in text])


def kinds(store: RoomStore) -> list[str]:
    return [r[0] for r in store.conn.execute("SELECT kind FROM events ORDER BY seq")]


def checkins(store: RoomStore) -> list[tuple]:
    return [
        tuple(r)
        for r in store.conn.execute(
            "SELECT visitor, activity FROM events WHERE kind = 'checkin' ORDER BY seq"
        )
    ]


def screen_text(app) -> str:
    """All plain text on the current screen (Static content and button labels)."""
    from textual.widgets import Button, Static

    parts = []
    for widget in app.screen.query("*"):
        if isinstance(widget, Button):
            parts.append(str(widget.label))
        elif isinstance(widget, Static):
            parts.append(str(widget.render()))
    return "\n".join(parts)
