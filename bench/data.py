"""Realistic event logs in bulk, written through the event-log API (``events.append_many``).

3 rooms, the 12 catalog activities, a few thousand visitor codes (some seen in
two rooms), anonymous visits, jobs, volunteer shifts and a sprinkle of voids,
spread over the given years in local time.
"""

from __future__ import annotations

import json
import random
import uuid
from datetime import datetime, timedelta
from pathlib import Path

from shared import codes
from shared.catalog import load_catalog
from shared.clock import TZ
from shared.db import connect, transaction
from shared.events import Draft, Kind, append_many

ROOMS = ("cjm", "multibron", "handreiking")
CHUNK = 50_000


def drafts_for(room: str, count: int, rng: random.Random, people: list[str],
               years: tuple[int, ...]) -> list[Draft]:
    catalog = load_catalog()
    visits = catalog.unique_activities()
    crews = catalog.jobs_activities()
    out: list[Draft] = []
    start = datetime(years[0], 1, 1, 9, tzinfo=TZ)
    span = (datetime(years[-1] + 1, 1, 1, tzinfo=TZ) - start).total_seconds()
    for _ in range(count):
        at = (start + timedelta(seconds=rng.random() * span)).isoformat(timespec="seconds")
        roll = rng.random()
        event_id = uuid.UUID(int=rng.getrandbits(128)).hex
        if roll < 0.80:
            visitor = rng.choice(people) if rng.random() < 0.85 else None
            out.append(Draft(event_id, at, Kind.CHECKIN, visitor, rng.choice(visits), None, "{}"))
        elif roll < 0.90:
            out.append(Draft(event_id, at, Kind.JOB_DONE, rng.choice(people), rng.choice(crews),
                             None, "{}"))
        elif roll < 0.97:
            hours = round(rng.uniform(1, 6), 2)
            out.append(Draft(event_id, at, Kind.SHIFT_ENDED, rng.choice(people[:60]), None,
                             uuid.UUID(int=rng.getrandbits(128)).hex, json.dumps({"hours": hours})))
        elif roll < 0.99 and out:
            out.append(Draft(event_id, at, Kind.VOID, None, None, rng.choice(out).id, "{}"))
        else:
            out.append(Draft(event_id, at, Kind.SURVEY_ANSWERED, rng.choice(people), None, None,
                             json.dumps({"question": "pleasant", "answer": rng.randint(1, 3)})))
    return out


def generate(path: Path, events_per_room: int, *, seed: int = 1, rooms: tuple[str, ...] = ROOMS,
             years: tuple[int, ...] = (2017,), visitors: int = 3000) -> int:
    """Append ``events_per_room`` events for each room to the database at ``path``."""
    rng = random.Random(seed)
    people = [codes.new_code() for _ in range(visitors)]
    conn = connect(path, durable=False)
    total = 0
    for room in rooms:
        local = rng.sample(people, k=int(visitors * 0.5))  # half the people visit each room
        remaining = events_per_room
        while remaining:
            batch = min(CHUNK, remaining)
            with transaction(conn):
                total += append_many(conn, room, drafts_for(room, batch, rng, local, years))
            remaining -= batch
    conn.close()
    return total
