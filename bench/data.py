"""Realistic event logs in bulk, written through the event-log API (``events.append_many``).

3 rooms, the 12 catalog activities, a few thousand visitor codes (some seen in
two rooms), anonymous visits, jobs, volunteer shifts and a sprinkle of voids,
spread over the given years in local time. Each room's log is in time order
with time-ordered ids, as a real room writes it.
"""

from __future__ import annotations

import json
import random
from datetime import datetime, timedelta
from pathlib import Path

from shared import codes
from shared.catalog import load_catalog
from shared.clock import TZ
from shared.db import connect, transaction
from shared.events import Draft, Kind, append_many

ROOMS = ("cjm", "multibron", "handreiking")
CHUNK = 50_000


def _event_id(rng: random.Random, moment: datetime) -> str:
    """Like ``events.new_event_id`` (time first), but reproducible from the seed."""
    return f"{int(moment.timestamp() * 1000):012x}{rng.getrandbits(80):020x}"


def drafts_for(
    room: str, count: int, rng: random.Random, people: list[str], start: datetime, end: datetime
) -> list[Draft]:
    """``count`` events between ``start`` and ``end``, in time order as a room writes them."""
    catalog = load_catalog()
    visits = catalog.unique_activities()
    crews = catalog.jobs_activities()
    out: list[Draft] = []
    span = (end - start).total_seconds()
    for offset in sorted(rng.random() * span for _ in range(count)):
        moment = start + timedelta(seconds=offset)
        at = moment.isoformat(timespec="seconds")
        roll = rng.random()
        event_id = _event_id(rng, moment)
        if roll < 0.80:
            visitor = rng.choice(people) if rng.random() < 0.85 else None
            out.append(Draft(event_id, at, Kind.CHECKIN, visitor, rng.choice(visits), None, "{}"))
        elif roll < 0.90:
            out.append(
                Draft(
                    event_id, at, Kind.JOB_DONE, rng.choice(people), rng.choice(crews), None, "{}"
                )
            )
        elif roll < 0.97:
            hours = round(rng.uniform(1, 6), 2)
            out.append(
                Draft(
                    event_id,
                    at,
                    Kind.SHIFT_ENDED,
                    rng.choice(people[:60]),
                    None,
                    _event_id(rng, moment - timedelta(hours=hours)),
                    json.dumps({"hours": hours}),
                )
            )
        elif roll < 0.99 and out:
            out.append(Draft(event_id, at, Kind.VOID, None, None, rng.choice(out).id, "{}"))
        else:
            out.append(
                Draft(
                    event_id,
                    at,
                    Kind.SURVEY_ANSWERED,
                    rng.choice(people),
                    None,
                    None,
                    json.dumps({"question": "pleasant", "answer": rng.randint(1, 3)}),
                )
            )
    return out


def generate(
    path: Path,
    events_per_room: int,
    *,
    seed: int = 1,
    rooms: tuple[str, ...] = ROOMS,
    years: tuple[int, ...] = (2017,),
    visitors: int = 3000,
) -> int:
    """Append ``events_per_room`` events for each room to the database at ``path``."""
    rng = random.Random(seed)
    people = [codes.new_code() for _ in range(visitors)]
    conn = connect(path, durable=False)
    total = 0
    first = datetime(years[0], 1, 1, 9, tzinfo=TZ)
    span = datetime(years[-1] + 1, 1, 1, tzinfo=TZ) - first
    chunks = max(1, -(-events_per_room // CHUNK))
    for room in rooms:
        local = rng.sample(people, k=int(visitors * 0.5))  # half the people visit each room
        for chunk in range(chunks):  # consecutive time windows: the log stays in time order
            batch = min(CHUNK, events_per_room - chunk * CHUNK)
            start, end = first + span * chunk / chunks, first + span * (chunk + 1) / chunks
            with transaction(conn):
                total += append_many(conn, room, drafts_for(room, batch, rng, local, start, end))
    conn.close()
    return total
