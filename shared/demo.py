"""A demo room with invented people and a few weeks of invented events.

Nobody here is a real resident: the nicknames are made up. Every event is
made through the store API, with a fake clock that steps through the weeks,
so the demo log looks exactly like a real one. ``bwk-kiosk --demo`` and
``bwk-syncd demo`` use it.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path

from shared.catalog import load_catalog
from shared.clock import TZ, system_clock
from shared.people import Person
from shared.store import HEARD_VIA, RoomStore

DEMO_KEY_HOLDER = "Demo"
DEMO_PIN = "2468"
NICKNAMES = (
    "Zoë",
    "Mo",
    "Ayşe",
    "Roy",
    "Shanice",
    "Kofi",
    "Marisol",
    "Henk",
    "Priya",
    "Dewi",
    "Jorge",
    "Fatma",
    "Glenn",
    "Ineke",
    "Kwame",
    "Lucía",
    "Naomi",
    "Omar",
    "Rinia",
    "Sandra",
    "Tevin",
    "Yusuf",
    "Esther",
    "Ramon",
    "Jennifer",
    "Abena",
    "Erwin",
    "Mirella",
    "Sevda",
    "Charlene",
    "Djamila",
    "Kees",
    "Xiomara",
    "Giovanni",
    "Latoya",
    "Hatice",
)
VOLUNTEERS = 5
EXTRA_KEY_HOLDERS = ("Ruth", "Edson")


@dataclass(frozen=True)
class DemoRoom:
    path: Path
    room_id: str
    key_holder_name: str
    key_holder_pin: str
    key_holder_code: str
    events: int


class _SteppingClock:
    def __init__(self, start: datetime):
        self.moment = start

    def __call__(self) -> datetime:
        return self.moment

    def at(self, moment: datetime) -> None:
        self.moment = max(moment, self.moment)


def build_demo_room(
    path: str | Path,
    room_id: str = "cjm",
    *,
    seed: int = 0,
    weeks: int = 4,
    now: datetime | None = None,
) -> DemoRoom:
    """Create (or add to) the room database at ``path`` with invented sample data.

    The room ends closed, with the last day before ``now``; returns the demo
    key holder's name and PIN.
    """
    rng = random.Random(seed)
    now = (now or system_clock()).astimezone(TZ)
    catalog = load_catalog()
    unique = [a for a in catalog.unique_activities() if a != "inloop"]
    crews = catalog.jobs_activities()
    first_day = (now - timedelta(weeks=weeks)).date()
    clock = _SteppingClock(datetime.combine(first_day, time(9, 0), TZ) - timedelta(days=1))
    store = RoomStore(path, room_id, clock=clock, durable=False)
    try:
        boss = store.add_key_holder(DEMO_KEY_HOLDER, DEMO_PIN, by=None)
        for name in EXTRA_KEY_HOLDERS:
            store.add_key_holder(name, f"{rng.randrange(10**4, 10**5)}", by=boss.code)
        people = []
        for i, name in enumerate(rng.sample(NICKNAMES, k=min(24, len(NICKNAMES)))):
            people.append(
                store.register_visitor(
                    name,
                    new_in_area=rng.random() < 0.25 if i % 3 else None,
                    heard_via=rng.choice(HEARD_VIA) if i % 2 else None,
                    lang=rng.choice(("nl", "nl", "nl", "en", "es", "tr", "pap", "srn")),
                )
            )
        volunteers = people[:VOLUNTEERS]
        for person in volunteers:
            store.set_volunteer(person.code, True, by=boss.code)
        day = first_day
        while day < now.date():
            if day.weekday() < 5:
                _demo_day(store, clock, rng, day, boss.code, people, volunteers, unique, crews)
            day += timedelta(days=1)
        count = store.conn.execute(
            "SELECT COUNT(*) FROM events WHERE room = ?", (room_id,)
        ).fetchone()[0]
    finally:
        store.close()
    return DemoRoom(Path(path), room_id, DEMO_KEY_HOLDER, DEMO_PIN, boss.code, count)


def _demo_day(
    store: RoomStore,
    clock: _SteppingClock,
    rng: random.Random,
    day: date,
    boss: str,
    people: list[Person],
    volunteers: list[Person],
    unique: list[str],
    crews: list[str],
) -> None:
    def at(hour: int, minute: int = 0) -> None:
        clock.at(datetime.combine(day, time(hour, minute), TZ))

    at(9, rng.randrange(0, 20))
    store.open_room(by=boss)
    on_shift = rng.sample(volunteers, k=rng.randint(1, 3))
    for person in on_shift:
        at(9, rng.randrange(20, 50))
        store.start_shift(person.code)
    times = sorted((rng.randrange(10, 16), rng.randrange(60)) for _ in range(rng.randint(6, 14)))
    for hour, minute in times:
        at(hour, minute)
        roll = rng.random()
        if roll < 0.2:
            store.check_in(None, [])
        else:
            who = rng.choice(people)
            chosen = rng.sample(unique, k=rng.choice((0, 1, 1, 1, 2)))
            store.check_in(who.code, chosen)
            if roll > 0.93 and store.survey_due(who.code):
                store.answer_survey(
                    who.code,
                    {"confidence": rng.choice((2, 3, 3)), "pleasant": rng.choice((1, 3, 3, 3))},
                )
    for person in on_shift:
        at(15, rng.randrange(0, 50))
        if rng.random() < 0.5:
            store.record_jobs(rng.choice(crews), rng.randint(1, 3), person.code)
        if rng.random() < 0.8:
            store.end_shift(person.code)
    if rng.random() < 0.4:
        at(15, 55)
        store.record_expense(
            rng.randrange(250, 4000),
            rng.choice("ABCDEF"),
            rng.choice(("koffie", "brood", "afwasmiddel", "postzegels", "")),
            by=boss,
        )
    at(16, rng.randrange(0, 30))
    store.close_room(by=boss, cash_counted_cents=rng.randrange(2000, 9000))
