"""Room-only tables besides ``people``: handgeld notes and relayed-forget notices.

Never exported (``schema.LOCAL_PERSONAL_TABLES``). A handgeld note is free text
a person typed ("taxi Ayşe naar huisarts"): the ``cash_expense`` event that
travels carries only cents, category and the entering key holder's code; the
note stays here, keyed by that event's id. Forget removes every note that
mentions the forgotten name; the retention purge removes notes older than the
retention period and notes that mention a purged name.
"""

from __future__ import annotations

import json
import re
import sqlite3

from shared import people
from shared.clock import local_iso, system_clock
from shared.db import transaction
from shared.people import name_key

NOTE_MAX = 80

INSERT_NOTE = "INSERT OR REPLACE INTO cash_notes (event_id, note, at) VALUES (?, ?, ?)"
SELECT_NOTE = "SELECT note FROM cash_notes WHERE event_id = ?"
SELECT_NOTES_AMONG = (
    "SELECT event_id, note FROM cash_notes WHERE event_id IN (SELECT value FROM json_each(?))"
)
SELECT_ALL_NOTES = "SELECT event_id, note FROM cash_notes"
DELETE_NOTE = "DELETE FROM cash_notes WHERE event_id = ?"
DELETE_SURVEY_OFFER = "DELETE FROM survey_offers WHERE code = ?"
UPSERT_SURVEY_OFFER = (
    "INSERT INTO survey_offers (code, offered_on) VALUES (?, ?) "
    "ON CONFLICT(code) DO UPDATE SET offered_on = excluded.offered_on"
)
DELETE_NOTES_BEFORE = "DELETE FROM cash_notes WHERE at < ?"

INSERT_NOTICE = (
    "INSERT OR IGNORE INTO forget_notices (code, event_id, received_at) VALUES (?, ?, ?)"
)
SELECT_NOTICES = (
    "SELECT n.code, p.name, n.event_id, n.received_at FROM forget_notices n "
    "JOIN people p ON p.code = n.code ORDER BY n.received_at, n.code"
)
DELETE_NOTICE = "DELETE FROM forget_notices WHERE code = ?"
# A room database holds only its own room's roles.
SELECT_ANY_KEY_HOLDER = "SELECT 1 FROM roles WHERE code = ? AND role = 'key_holder'"


# --- handgeld notes -------------------------------------------------------------
def keep_note(conn: sqlite3.Connection, event_id: str, note: str, at: str) -> None:
    note = " ".join(note.split())[:NOTE_MAX]
    if note:
        conn.execute(INSERT_NOTE, (event_id, note, at))


def note_of(conn: sqlite3.Connection, event_id: str) -> str | None:
    row = conn.execute(SELECT_NOTE, (event_id,)).fetchone()
    return row[0] if row else None


def notes_of(conn: sqlite3.Connection, event_ids: list[str]) -> dict[str, str]:
    return {r[0]: r[1] for r in conn.execute(SELECT_NOTES_AMONG, (json.dumps(event_ids),))}


def _mentions(note: str, words: list[str]) -> bool:
    folded = name_key(note)
    return any(re.search(rf"(?<!\w){re.escape(word)}(?!\w)", folded) for word in words)


def delete_notes_mentioning(conn: sqlite3.Connection, names: list[str]) -> int:
    """Delete notes naming any of ``names`` (any word of a name, case and accents folded).

    A note is free text: a name in it cannot be told from a word, so a note
    that might be about the person goes; the amount and category stay in the log.
    """
    words = sorted({w for name in names for w in name_key(name).split() if len(w) >= 2})
    if not words:
        return 0
    doomed = [
        (event_id,)
        for event_id, note in conn.execute(SELECT_ALL_NOTES).fetchall()
        if _mentions(note, words)
    ]
    conn.executemany(DELETE_NOTE, doomed)
    return len(doomed)


def delete_notes_before(conn: sqlite3.Connection, cutoff: str) -> int:
    return conn.execute(DELETE_NOTES_BEFORE, (cutoff,)).rowcount


# --- forgets relayed from other rooms --------------------------------------------
def record_forget_notice(conn: sqlite3.Connection, code: str, event_id: str, at: str) -> None:
    conn.execute(INSERT_NOTICE, (code, event_id, at))


def forget_notices(conn: sqlite3.Connection) -> list[tuple[str, str, str, str]]:
    """(code, name, forget event id, received at) of every notice still open."""
    return [tuple(r) for r in conn.execute(SELECT_NOTICES)]


def drop_forget_notice(conn: sqlite3.Connection, code: str) -> bool:
    return conn.execute(DELETE_NOTICE, (code,)).rowcount > 0


def forget_local(
    conn: sqlite3.Connection, code: str, *, event_id: str = "", at: str | None = None
) -> bool:
    """Apply another room's forget: delete this room's name for ``code`` (sync uses this).

    A relayed forget is a request, not a command: a key holder of this room
    keeps name, role and PIN (the room must stay openable) and this room's key
    holders get a notice to act on (``RoomStore.forget_here`` or dismiss).
    """
    with transaction(conn):
        if conn.execute(SELECT_ANY_KEY_HOLDER, (code,)).fetchone():
            record_forget_notice(conn, code, event_id, at or local_iso(system_clock()))
            return False
        deleted = delete_person(conn, code)
    if deleted:
        people.scrub(conn)
    return deleted


def delete_person(conn: sqlite3.Connection, code: str) -> bool:
    """A name out of this room: the row, the notes that mention it, any notice about it."""
    person = people.get_person(conn, code)
    if person is not None:
        delete_notes_mentioning(conn, [person.name])
    drop_forget_notice(conn, code)
    conn.execute(DELETE_SURVEY_OFFER, (code,))
    return people.delete(conn, code)


def note_survey_offered(conn: sqlite3.Connection, code: str, day: str) -> None:
    """``code`` was offered the survey on ``day`` (YYYY-MM-DD): a skip counts as asked."""
    conn.execute(UPSERT_SURVEY_OFFER, (code, day))
