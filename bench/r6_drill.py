"""R6's set-up (``bench/r6_clock.py`` runs it): four rooms and central on disk, each room
with a fake clock of its own that the drill sets wrong and right, the room stores and
sync nodes in this process; helpers to read a database and to open a real kiosk (a
Textual pilot) whose clock jumped years ahead. Built on the tests' ``Site`` and kiosk
support, which is why ``tests/`` goes on the import path.
"""

from __future__ import annotations

import sqlite3
import sys
from collections import Counter
from datetime import datetime, timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests"))

from test_syncd_site import Site  # noqa: E402

from shared.clock import TZ  # noqa: E402
from shared.config import load_config  # noqa: E402
from shared.store import RoomStore  # noqa: E402
from syncd.central import CentralNode  # noqa: E402
from syncd.room import RoomNode  # noqa: E402

ROOMS = ("cjm", "multibron", "handreiking", "gk")
PIN = "2468"


class Clock:
    def __init__(self, moment: datetime):
        self.moment = moment

    def __call__(self) -> datetime:
        return self.moment

    def set(self, *args: int) -> None:
        self.moment = datetime(*args, tzinfo=TZ)


def at(*args: int) -> datetime:
    return datetime(*args, tzinfo=TZ)


class Drill:
    def __init__(self, root: Path):
        self.site = Site(root, rooms=ROOMS)
        self.clocks = {room: Clock(at(2017, 3, 1, 10)) for room in ROOMS}
        self.clocks["gk"].set(2031, 3, 1, 10)  # the new room's clock is wrong from the start
        self.central_clock = Clock(at(2017, 3, 1, 10))
        self.stores = {
            room: RoomStore(self.site.db(room), room, clock=self.clocks[room]) for room in ROOMS
        }
        self.nodes = {
            room: RoomNode(load_config(self.site.config(room)), clock=self.clocks[room])
            for room in ROOMS
        }
        self.made: Counter = Counter()  # (room, year of the room's clock) -> check-ins made
        self.true: Counter = Counter()  # (room, real year) -> check-ins made
        self.warnings: list[tuple[str, str, str | None]] = []
        self.central = CentralNode(
            load_config(self.site.config("central")), clock=self.central_clock
        )
        self.key_holder = {
            room: self.stores[room].add_key_holder("Anna", PIN, by=None) for room in ROOMS
        }
        self.visitors = {
            room: [self.stores[room].register_visitor(f"Bezoeker {i}").code for i in range(3)]
            for room in ROOMS
        }
        for room in ROOMS:  # a fourth visitor who comes once, on the first day, and not again
            self.stores[room].check_in(self.stores[room].register_visitor("Slaper").code, [])
            self.made[room, self.clocks[room]().year] += 1
            self.true[room, 2017] += 1

    def open_and_visit(self, room: str, label: str, real_year: int, visits: int) -> str | None:
        store = self.stores[room]
        warning = store.clock_warning()
        self.warnings.append((room, label, warning))
        store.open_room(by=self.key_holder[room].code)
        for i in range(visits):
            code = self.visitors[room][i % 3] if i % 2 == 0 else None  # half anonymous
            store.check_in(code, ["kookclub"] if i % 3 == 0 else [])
            self.made[room, self.clocks[room]().year] += 1
            self.true[room, real_year] += 1
            self.clocks[room].moment += timedelta(minutes=7)
        store.close_room(by=self.key_holder[room].code)
        self.clocks[room].moment += timedelta(hours=2)
        return warning

    def sync(self, rooms=ROOMS, lose: set[str] = frozenset()) -> None:
        """Room passes, the transport (losing the new bundles of rooms in ``lose``), central,
        acks."""
        before = set(self.site.inbox.glob("*.bwk"))
        for room in rooms:
            self.nodes[room].run_pass()
        for path in set(self.site.inbox.glob("*.bwk")) - before:
            if any(path.name.startswith(f"events-{room}-") for room in lose):
                path.unlink()  # lost in transit (the room keeps its copy only in its outbox record)
        self.central.run_pass()
        for room in rooms:
            self.nodes[room].run_pass()

    def close(self) -> None:
        for thing in (*self.stores.values(), *self.nodes.values(), self.central):
            thing.close()
        self.site.close()


def query(db: Path, sql: str, args=()) -> list[tuple]:
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        return [tuple(r) for r in conn.execute(sql, args)]
    finally:
        conn.close()


async def kiosk_shows_warning(folder: Path) -> tuple[str | None, str]:
    """A real kiosk (Textual pilot): last event in 2017, the clock now in 2031, a key holder
    opens."""
    from test_kiosk_keyholder import log_in
    from test_kiosk_support import SIZE, make_app, screen_text, settle

    app, store, _, clock = make_app(folder, open_room=False)
    store.check_in(None)
    clock.moment = at(2031, 3, 3, 10)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.click("#open")
        await settle(pilot)
        await log_in(pilot)
        widgets = app.screen.query("#clock-warning")
        shown = str(widgets.first().render()) if widgets else None
        text = screen_text(app)
    store.close()
    return shown, text


def names_per_room(d: Drill) -> dict[str, int]:
    return {r: query(d.site.db(r), "SELECT COUNT(*) FROM people")[0][0] for r in ROOMS}
