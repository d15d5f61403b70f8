"""Central takes a squatter's event out of its copy (``bwk-syncd release``).

The first room to send an event id keeps it (docs/DATA.md). When that room was not the
owner (an old unkeyed paper-list import, ids leaked from a room machine), the owner's
bundle is quarantined "id of another room" on every delivery. ``release`` is the way
out: a central-authored decision, never a silent delete. The released event is kept
whole in ``sync_state`` (key ``released:ROOM:SEQ``, with when), its seq counts as held
(verify shows no gap, the squatter's acknowledgements go on), every projection is
rebuilt from the log in the same transaction, and verify lists each release.
"""

from __future__ import annotations

import json
import re
import sqlite3
from dataclasses import dataclass

from shared.db import transaction
from shared.event_rows import EVENT_COLUMNS
from shared.events import rebuild_projections

RELEASED = "released:"
SELECT_EVENT = f"SELECT {EVENT_COLUMNS} FROM events WHERE room = ? AND id = ?"
DELETE_EVENT = "DELETE FROM events WHERE room = ? AND id = ?"
SELECT_RELEASED = "SELECT key, value FROM sync_state WHERE key LIKE 'released:%' ORDER BY key"
INSERT_RELEASED = "INSERT INTO sync_state (key, value) VALUES (?, ?)"
HOLDERS = (
    "SELECT id, room, seq FROM events WHERE id IN (SELECT value FROM json_each(?)) AND room != ?"
)
QUARANTINED_BY = "SELECT room FROM sync_quarantine WHERE name = ? ORDER BY id DESC LIMIT 1"
SELECT_CONTIGUOUS = "SELECT contiguous_seq FROM sync_rooms WHERE room = ?"
SET_CONTIGUOUS = "UPDATE sync_rooms SET contiguous_seq = ? WHERE room = ?"
SEQS_ABOVE = "SELECT seq FROM events WHERE room = ? AND seq > ? ORDER BY seq"

# The reason central's merge gives (shared.merge._ids_are_of), parsed back for verify.
SQUATTED = re.compile(r"seq (\d+): id of another room \((\S+) held for (\S+) at seq (\d+)\)")


class ReleaseError(Exception):
    """Nothing released; the message says why in plain words."""


@dataclass(frozen=True)
class Released:
    room: str
    seq: int
    id: str
    released_at: str


def holders(conn: sqlite3.Connection, ids: list[str], room: str) -> dict[str, tuple[str, int]]:
    """{id: (room, seq)} for those of ``ids`` central holds for a room other than ``room``."""
    return {r[0]: (r[1], r[2]) for r in conn.execute(HOLDERS, (json.dumps(ids), room))}


def release(conn: sqlite3.Connection, room: str, event_ids: list[str], at: str) -> list[Released]:
    """Take ``event_ids`` of ``room`` out of central's log, all or none, in one transaction."""
    done = []
    with transaction(conn):
        for event_id in event_ids:
            row = conn.execute(SELECT_EVENT, (room, event_id)).fetchone()
            if row is None:
                raise ReleaseError(
                    f"{room} holds no event {event_id} at central: nothing "
                    "released (check the room and id that verify names)"
                )
            seq = row[2]
            record = {"event": dict(zip(EVENT_COLUMNS.split(", "), row)), "released_at": at}
            conn.execute(INSERT_RELEASED, (f"{RELEASED}{room}:{seq:016d}", json.dumps(record)))
            conn.execute(DELETE_EVENT, (room, event_id))
            done.append(Released(room, seq, event_id, at))
        _advance_over_released(conn, room)
        rebuild_projections(conn)  # the counts must equal a rebuild from the log (verify)
    return done


def _advance_over_released(conn: sqlite3.Connection, room: str) -> None:
    """A released seq counts as held: central's contiguous seq of ``room`` moves past it."""
    row = conn.execute(SELECT_CONTIGUOUS, (room,)).fetchone()
    if row is None:
        return
    contiguous = row[0]
    held = {r[0] for r in conn.execute(SEQS_ABOVE, (room, contiguous))}
    held |= {r.seq for r in released(conn) if r.room == room}
    while contiguous + 1 in held:
        contiguous += 1
    conn.execute(SET_CONTIGUOUS, (contiguous, room))


def released(conn: sqlite3.Connection) -> list[Released]:
    out = []
    for key, value in conn.execute(SELECT_RELEASED):
        room, seq = key[len(RELEASED) :].rsplit(":", 1)
        record = json.loads(value)
        out.append(Released(room, int(seq), record["event"]["id"], record["released_at"]))
    return out


def without_released(gaps: list[tuple[int, int]], seqs: set[int]) -> list[tuple[int, int]]:
    """Runs of missing seqs, less the seqs central released (held by decision)."""
    out = []
    for first, last in gaps:
        cursor = first
        for seq in sorted(s for s in seqs if first <= s <= last):
            if seq > cursor:
                out.append((cursor, seq - 1))
            cursor = seq + 1
        if cursor <= last:
            out.append((cursor, last))
    return out


def quarantined_sender(conn: sqlite3.Connection, name: str) -> str | None:
    row = conn.execute(QUARANTINED_BY, (name,)).fetchone()
    return row[0] if row else None
