"""The schema, as ordered migrations ``mNNN_verb_noun(db)``.

The same schema serves a room database and the central copy. ``events`` is
the replicated, append-only log. Every other table is either a projection of
the log (cheap current state, rebuilt by ``shared.events.rebuild_projections``)
or room-local personal data (``people``, ``cash_notes``, ``forget_notices``)
that is never exported.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # sqlite-utils loads only when a migration runs (kiosk start-up time)
    import sqlite3

    from sqlite_utils import Database


def m001_create_events(db: Database) -> None:
    db.table("events").create(
        {
            "id": str,  # globally unique event id: 12 hex of milliseconds + 20 random hex
            "room": str,  # room id, e.g. "multibron"
            "seq": int,  # gapless per room, assigned in the writing transaction
            "at": str,  # local wall-clock time, ISO 8601 with offset (Europe/Amsterdam)
            "kind": str,
            "visitor": str,  # the person's visitor code, or NULL (anonymous / none)
            "activity": str,
            "ref": str,  # another event this one refers to (void target, shift start)
            "payload": str,  # small JSON object, never a name
        },
        pk="id",
        not_null={"room", "seq", "at", "kind", "payload"},
        defaults={"payload": "{}"},
    )
    db.table("events").create_index(["room", "seq"], unique=True)
    # Covering index for the indicator queries (kind + local time range); the id
    # is in it so that the voided check needs no look-up in the table.
    db.table("events").create_index(["kind", "at", "room", "activity", "visitor", "id"])
    # Look-ups by visitor are rare and of rare kinds: partial indexes stay small.
    # (A full visitor index costs a random page write per merged check-in at central.)
    db.execute(
        "CREATE INDEX idx_events_survey_visitor ON events(visitor, at) "
        "WHERE kind = 'survey_answered'"
    )
    db.execute(
        "CREATE INDEX idx_events_registered_visitor ON events(visitor) "
        "WHERE kind = 'visitor_registered'"
    )
    db.execute("CREATE INDEX idx_events_ref ON events(ref) WHERE ref IS NOT NULL")


def m002_create_people(db: Database) -> None:
    # Room-local personal data: NOT part of the replicated log.
    db.table("people").create(
        {
            "code": str,
            "name": str,  # first name or nickname as typed
            "name_key": str,  # case- and accent-folded, for search
            "pin_hash": str,  # scrypt of HMAC(room secret, PIN) (older: of the PIN), else NULL
            "first_seen": str,
            "last_seen": str,
        },
        pk="code",
        not_null={"name", "name_key", "first_seen", "last_seen"},
    )
    db.table("people").create_index(["name_key"])
    db.table("people").create_index(["last_seen"])


def m003_create_projections(db: Database) -> None:
    # Current state, kept up to date in the same transaction as the event.
    db.table("roles").create(
        {"room": str, "code": str, "role": str, "since": str},
        pk=("room", "code", "role"),
        not_null={"since"},
    )
    db.table("room_state").create(
        {"room": str, "is_open": int, "changed_at": str, "by_code": str, "event_id": str},
        pk="room",
    )
    db.table("open_shifts").create(
        {"room": str, "code": str, "start_id": str, "started_at": str},
        pk=("room", "code"),
        not_null={"start_id", "started_at"},
    )
    db.table("voided").create(
        {"event_id": str, "void_id": str}, pk="event_id", not_null={"void_id"}
    )


def m004_create_pin_attempts(db: Database) -> None:
    # Rate limiting of wrong PINs survives a kiosk restart.
    db.table("pin_attempts").create(
        {"scope": str, "failures": int, "locked_until": str}, pk="scope", not_null={"failures"}
    )


def m005_create_tallies(db: Database) -> None:
    # Yearly counts of the high-volume kinds (check-ins, jobs, volunteer shifts)
    # per room, activity and visitor ('' for none), counting only what is not
    # voided: the report reads this small table instead of a year of events.
    # WITHOUT ROWID, year first: one year's rows are one contiguous range.
    db.execute(
        "CREATE TABLE tallies (year INTEGER NOT NULL, kind TEXT NOT NULL, room TEXT NOT NULL, "
        "activity TEXT NOT NULL, visitor TEXT NOT NULL, n INTEGER NOT NULL, amount REAL NOT NULL, "
        "PRIMARY KEY (year, kind, room, activity, visitor)) WITHOUT ROWID"
    )


def m006_create_sync_tables(db: Database) -> None:
    # syncd's bookkeeping (shared/merge.py). Room side: sync_state (acked and
    # exported seq, catalog revision...), sync_outbox (bundles waiting for an
    # ack), sync_forgets_applied (forgets relayed from other rooms). Central:
    # sync_bundles (every bundle merged, by content hash), sync_rooms (highest
    # contiguous seq and last bundle per room). Both: sync_quarantine.
    db.table("sync_state").create({"key": str, "value": str}, pk="key", not_null={"value"})
    db.table("sync_outbox").create(
        {"name": str, "first_seq": int, "last_seq": int, "created": str},
        pk="name",
        not_null={"first_seq", "last_seq", "created"},
    )
    db.table("sync_forgets_applied").create({"event_id": str, "applied_at": str}, pk="event_id")
    db.table("sync_bundles").create(
        {
            "digest": str,
            "name": str,
            "room": str,
            "kind": str,
            "first_seq": int,
            "last_seq": int,
            "records": int,
            "added": int,
            "created": str,
            "merged_at": str,
        },
        pk="digest",
        not_null={"name", "room", "kind", "merged_at"},
    )
    db.table("sync_rooms").create(
        {
            "room": str,
            "contiguous_seq": int,
            "bundles": int,
            "last_bundle_at": str,
            "last_created": str,
        },
        pk="room",
        not_null={"contiguous_seq", "bundles"},
    )
    db.table("sync_quarantine").create(
        {"id": int, "name": str, "room": str, "reason": str, "at": str},
        pk="id",
        not_null={"name", "reason", "at"},
    )


def m007_create_monthly_visits(db: Database) -> None:
    # Check-ins per room, month ("YYYY-MM") and visitor ('' = anonymous), not
    # voided: the staff's monthly trends read this instead of a year of events.
    db.execute(
        "CREATE TABLE monthly_visits (month TEXT NOT NULL, room TEXT NOT NULL, "
        "visitor TEXT NOT NULL, n INTEGER NOT NULL, PRIMARY KEY (month, room, visitor)) "
        "WITHOUT ROWID"
    )


def m008_create_state_index(db: Database) -> None:
    # Central recomputes the roles and open shifts a merged event touches from the log
    # (order-free, shared.projections.refresh_state): a small partial index of those rare kinds.
    # Its WHERE term is repeated verbatim by the query (SQLite's rule for partial indexes).
    # Kept as first written; m016 rewrites the term.
    db.execute(
        "CREATE INDEX idx_events_state ON events(room, visitor, seq) WHERE kind IN "
        "('key_holder_added', 'key_holder_removed', 'volunteer_added', "
        "'volunteer_removed', 'shift_started')"
    )


def m009_keep_notes_in_room(db: Database) -> None:
    # Room-only: handgeld notes (free text) and forgets relayed from other
    # rooms that need this room's key holders (shared/room_local.py).
    db.execute(
        "CREATE TABLE cash_notes (event_id TEXT PRIMARY KEY, note TEXT NOT NULL, at TEXT NOT NULL)"
    )
    db.execute("CREATE INDEX idx_cash_notes_at ON cash_notes(at)")
    db.execute(
        "CREATE TABLE forget_notices (code TEXT PRIMARY KEY, event_id TEXT NOT NULL, "
        "received_at TEXT NOT NULL)"
    )
    _move_cash_notes(db.conn)


def _move_cash_notes(conn: sqlite3.Connection) -> None:
    """Notes out of cash_expense payloads: kept in a room, dropped at central.

    The payload is written again in the rooms' canonical form (sorted keys, not
    ASCII-escaped), the same form central uses when it strips a note on merge,
    so a room's re-sent event still equals central's copy.
    """
    import json

    central = conn.execute(HOLDS_OTHER_ROOMS_OR_BUNDLES).fetchone()[0]
    rows = conn.execute(
        "SELECT id, at, payload FROM events WHERE kind = 'cash_expense' AND CASE WHEN "
        "json_valid(payload) THEN json_type(payload, '$.note') END IS NOT NULL"
    ).fetchall()
    for event_id, at, text in rows:
        try:
            payload = json.loads(text)
            note = payload.pop("note")
            stripped = json.dumps(payload, ensure_ascii=False, sort_keys=True)
        except (ValueError, RecursionError):  # hostile nesting at central: let SQLite cut it
            note, stripped = (
                None,
                conn.execute("SELECT json_remove(?, '$.note')", (text,)).fetchone()[0],
            )
        if not central and isinstance(note, str) and note.strip():
            conn.execute(
                "INSERT OR REPLACE INTO cash_notes (event_id, note, at) VALUES (?, ?, ?)",
                (event_id, " ".join(note.split())[:80], at),
            )
        conn.execute("UPDATE events SET payload = ? WHERE id = ?", (stripped, event_id))


# Kinds the report reads from the log by time (the frequent ones come from ``tallies``).
# Written as ORs: SQLite uses a partial index for ``kind = 'x'`` (or an OR of such terms)
# when 'x' is one of the index's OR terms, never for ``kind IN (...)``.
REPORTED_RARE_KINDS = (
    "visitor_registered",
    "survey_answered",
    "cash_expense",
    "cash_counted",
    "key_holder_added",
    "key_holder_removed",
)
RARE_KINDS_TERM = " OR ".join(f"kind = '{kind}'" for kind in REPORTED_RARE_KINDS)
# The room's day screens read every kind by time; central never runs them and drops this
# index (shared.merge.tune_for_merging): each index on events is a page write per merged event.
DAY_INDEX = "idx_events_kind_at"
FORGET_INDEX = "idx_events_forget"
HOLDS_OTHER_ROOMS_OR_BUNDLES = (  # central: rooms merged, bundles seen, or several rooms' events
    "SELECT EXISTS (SELECT 1 FROM sync_rooms) OR EXISTS (SELECT 1 FROM sync_bundles) "
    "OR (SELECT COUNT(*) FROM (SELECT room FROM events GROUP BY room LIMIT 2)) > 1"
)


def m010_narrow_kind_indexes(db: Database) -> None:
    # The covering (kind, at, room, activity, visitor, id) index was a third of central's
    # insert time for every event; the reports read frequent kinds from tallies instead.
    db.execute("DROP INDEX IF EXISTS idx_events_kind_at_room_activity_visitor_id")
    db.execute(f"CREATE INDEX idx_events_rare_kind_at ON events(kind, at) WHERE {RARE_KINDS_TERM}")
    # A central copy that already holds years of events would build it only to drop it.
    if not db.conn.execute(HOLDS_OTHER_ROOMS_OR_BUNDLES).fetchone()[0]:
        db.execute(f"CREATE INDEX {DAY_INDEX} ON events(kind, at)")


def m011_create_survey_offers(db: Database) -> None:
    # Room-only: the day a visitor was last offered the survey (answered or skipped),
    # so a skip counts as asked for a quarter, across kiosk restarts.
    db.execute("CREATE TABLE survey_offers (code TEXT PRIMARY KEY, offered_on TEXT NOT NULL)")


def m016_cheaper_event_indexes(db: Database) -> None:
    # A partial index's WHERE is evaluated for every inserted row, and ``kind IN (...)``
    # builds a small temporary table each time: 0.55 s of CPU for central's merge of
    # 300,000 events (P10). The same index with ORs costs nothing measurable.
    from shared.projections import STATE_KINDS_TERM

    db.execute("DROP INDEX IF EXISTS idx_events_state")
    db.execute(
        f"CREATE INDEX idx_events_state ON events(room, visitor, seq) WHERE {STATE_KINDS_TERM}"
    )
    # Central reads the forgets for every acknowledgement it writes: a scan of the whole
    # log per room and pass without this (rare) index.
    db.execute(f"CREATE INDEX {FORGET_INDEX} ON events(at) WHERE kind = 'forget'")


MIGRATIONS = [
    m001_create_events,
    m002_create_people,
    m003_create_projections,
    m004_create_pin_attempts,
    m005_create_tallies,
    m006_create_sync_tables,
    m007_create_monthly_visits,
    m008_create_state_index,
    m009_keep_notes_in_room,
    m010_narrow_kind_indexes,
    m011_create_survey_offers,
    m016_cheaper_event_indexes,  # after m012-m015 of the other branches, when merged
]

# Tables whose rows may leave the room (the replicated log).
REPLICATED_TABLES = ("events",)
# Tables that hold names or secrets and must never leave the room.
LOCAL_PERSONAL_TABLES = ("people", "pin_attempts", "cash_notes", "forget_notices", "survey_offers")
