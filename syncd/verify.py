"""``bwk-syncd verify``: does everything add up? Plain findings, each with what to do.

A room: SQLite's integrity check, its log's seq gapless from 1, and what central
has acknowledged (never more than the room holds). Central: the integrity
check, per enrolled room the seq range held and any gap, its bookkeeping of
that, and every projection (the tallies the report reads included) equal to a
rebuild from the log, done in a private copy. Nothing is changed; safe while the
daemon runs. The result is a dict (``--json``) with ``ok`` and a list of findings.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

from shared import release, sync_state
from shared import verify_queries as vq
from shared.catalog import (
    CatalogError,
    catalog_from_text,
    current_catalog,
    packaged_text,
    room_revisions,
)
from shared.config import CentralConfig, RoomConfig, load_config
from shared.db import connect

DAMAGED = (
    "Stop the daemon and restore the database from a backup (docs/OPERATIONS.md, "
    '"Backups"); central can also be rebuilt from the rooms ("Rebuild central").'
)
ROOM_DAMAGED = (
    "Stop the kiosk and the daemon; restore the room from central's export "
    "(bwk-syncd export-room at central, then bwk-syncd restore here)."
)
GAP_HELP = (
    "A bundle is missing: the room sends again by itself when nothing is acknowledged "
    "for a while; if this stays, run 'bwk-syncd resend --config ROOM.toml --all' "
    "in that room."
)
BOOKKEEPING_HELP = (
    "Central's record of what it holds (which its acknowledgements follow) is off: "
    "stop the daemon and rebuild central from the rooms (docs/OPERATIONS.md)."
)
REBUILD_HELP = (
    "The counts central keeps do not match its log: stop the daemon and rebuild "
    "central from the rooms, or restore a backup (docs/OPERATIONS.md)."
)
CATALOG_HELP = (
    "The room has not applied the newest catalog yet: check that its machine and "
    "transport run (bwk-syncd status in the room); it tells central as soon as it "
    'applies it (docs/OPERATIONS.md, "Publishing the catalog").'
)


def verify(config_path: Path) -> dict[str, Any]:
    config = load_config(config_path)
    central = isinstance(config, CentralConfig)
    # isinstance again (not ``central``) where mypy must narrow the config's type
    database = (
        config.central.database if isinstance(config, CentralConfig) else config.room.database
    )
    result: dict[str, Any] = {
        "role": "central" if central else "room",
        "database": str(database),
        "findings": [],
    }
    if isinstance(config, RoomConfig):
        result["room"] = config.room.id
    if not database.exists():
        _problem(
            result,
            "database",
            f"{database} does not exist",
            "Check the path in the config; see docs/OPERATIONS.md for restoring it.",
        )
        return _done(result)
    try:
        conn = connect(database, migrate=False)
    except sqlite3.DatabaseError as exc:
        _problem(
            result,
            "integrity",
            f"{database} cannot be opened: {exc}",
            DAMAGED if central else ROOM_DAMAGED,
        )
        return _done(result)
    try:
        problems = vq.integrity_problems(conn)
        if problems:
            _problem(
                result,
                "integrity",
                "SQLite's integrity check fails: " + "; ".join(problems),
                DAMAGED if central else ROOM_DAMAGED,
            )
            return _done(result)
        _fine(result, "integrity", "SQLite's integrity check: ok")
        if isinstance(config, CentralConfig):
            _verify_central(conn, config, result)
        else:
            _verify_room(conn, config, result)
    except sqlite3.DatabaseError as exc:
        _problem(
            result,
            "integrity",
            f"reading {database} failed: {exc}",
            DAMAGED if central else ROOM_DAMAGED,
        )
    finally:
        conn.close()
    return _done(result)


def _verify_room(conn: sqlite3.Connection, config: RoomConfig, result: dict[str, Any]) -> None:
    room = config.room.id
    count, low, high = vq.seq_range(conn, room)
    gaps = vq.seq_gaps(conn, room)
    result.update(events=count, max_seq=high, gaps=[list(g) for g in gaps])
    if gaps:
        _problem(
            result, "log", f"the log of {room} has gaps in its seq: {_runs(gaps)}", ROOM_DAMAGED
        )
    else:
        _fine(
            result,
            "log",
            f"the log of {room}: {count} events, seq 1 to {high} without a gap"
            if count
            else f"the log of {room} is empty",
        )
    acked = sync_state.get_int(conn, "acked_seq")
    exported = sync_state.get_int(conn, "exported_seq")
    result.update(
        acked_seq=acked,
        exported_seq=exported,
        catalog_revision=current_catalog(config.room.database).revision,
    )
    if acked > high or exported > high:
        _problem(
            result,
            "acknowledged",
            f"central acknowledged seq {acked} and seq {exported} was exported, but this "
            f"room holds only up to seq {high}: this database is older than what central has",
            ROOM_DAMAGED,
        )
    else:
        _fine(
            result,
            "acknowledged",
            f"central has acknowledged up to seq {acked} ({high - acked} waiting)",
        )


def _verify_central(
    conn: sqlite3.Connection, config: CentralConfig, result: dict[str, Any]
) -> None:
    recorded = vq.recorded_contiguous(conn)
    released = release.released(conn)
    rooms = {}
    for room in sorted(set(config.rooms) | set(vq.rooms_in_log(conn))):
        count, low, high = vq.seq_range(conn, room)
        let_go = {r.seq for r in released if r.room == room}  # held by central's decision
        gaps = release.without_released(vq.seq_gaps(conn, room), let_go)
        high = max(high, *let_go) if let_go else high
        contiguous = gaps[0][0] - 1 if gaps else high
        enrolled = room in config.rooms
        rooms[room] = {
            "enrolled": enrolled,
            "events": count,
            "first_seq": low,
            "max_seq": high,
            "contiguous_seq": contiguous,
            "gaps": [list(g) for g in gaps],
        }
        held = f"seq 1 to {high}" if count else "nothing yet"
        if gaps:
            _problem(
                result,
                f"room {room}",
                f"{room}: holds {count} events up to seq {high}, missing {_runs(gaps)}",
                GAP_HELP,
            )
        else:
            _fine(
                result,
                f"room {room}",
                f"{room}: {held}, no gap"
                + ("" if enrolled else " (not enrolled: revoked or removed)"),
            )
        if recorded.get(room, 0) != contiguous:
            _problem(
                result,
                f"room {room}",
                f"{room}: the bookkeeping says seq "
                f"{recorded.get(room, 0)} is held without a gap, the log says {contiguous}",
                BOOKKEEPING_HELP,
            )
    result["rooms"] = rooms
    _squatted_ids(conn, config, released, result)
    _catalog_to_publish(config, conn, result)
    differences = vq.projection_differences(config.central.database)
    result["projections"] = {
        t: {"only_held": a, "only_rebuilt": b} for t, (a, b) in differences.items()
    }
    if differences:
        _problem(
            result,
            "projections",
            "these counts differ from a rebuild from the log: "
            + ", ".join(
                f"{t} ({a} rows not in the rebuild, {b} missing)"
                for t, (a, b) in differences.items()
            ),
            REBUILD_HELP,
        )
    else:
        _fine(
            result,
            "projections",
            "every count (tallies, roles, open shifts, voids) equals a rebuild from the log",
        )


def _squatted_ids(
    conn: sqlite3.Connection,
    config: CentralConfig,
    released: list[release.Released],
    result: dict[str, Any],
) -> None:
    """A room's bundle refused because another room sent one of its ids first: named, with
    the command that releases the squatter's event (docs/OPERATIONS.md)."""
    from syncd.release_cli import conflicts

    result["conflicts"] = found = conflicts(conn, config.central.inbox)
    for c in found:
        _problem(
            result,
            f"room {c['room']}",
            f"{c['room']}: bundle {c['file']} is refused: its "
            f"seq {c['seq']} has id {c['id']}, which central holds for {c['held_by']} "
            f"(seq {c['held_seq']}), sent there first",
            f"If {c['room']} is the owner (an old import or leaked ids at "
            f"{c['held_by']}): bwk-syncd release --config {config.path} --room "
            f"{c['held_by']} --event-id {c['id']} then move the file from quarantine/ "
            'back to the inbox (docs/OPERATIONS.md, "An id of another room").',
        )
    result["released"] = [
        {"room": r.room, "seq": r.seq, "id": r.id, "released_at": r.released_at} for r in released
    ]
    for r in released:
        _fine(
            result,
            f"room {r.room}",
            f"released by central: {r.room} seq {r.seq} "
            f"(id {r.id}) at {r.released_at}, kept aside, not counted",
        )


def _catalog_to_publish(
    config: CentralConfig, conn: sqlite3.Connection, result: dict[str, Any]
) -> None:
    """The revision central published (its reports use it) against the one each room said
    it runs with its last bundle; and whether catalog.toml beside the config is still sound."""
    database = config.central.database
    try:
        published = current_catalog(database).revision
    except CatalogError as exc:
        _problem(
            result,
            "catalog",
            f"the published catalog cannot be read: {exc}",
            f"Publish the catalog again: bwk-syncd publish-config --config {config.path}",
        )
        return
    result["catalog_revision"] = published
    said = room_revisions(conn)
    for room, entry in result["rooms"].items():
        runs = entry["catalog_revision"] = said.get(room)
        if runs is not None and runs < published and entry["enrolled"]:
            _problem(
                result,
                f"catalog {room}",
                f"{room}: runs catalog revision {runs}, central "
                f"published {published}: its kiosk shows other targets than the reports",
                CATALOG_HELP,
            )
    beside = config.path.parent / "catalog.toml"
    try:
        text = beside.read_text("utf-8") if beside.exists() else packaged_text()
        revision = catalog_from_text(text, str(beside)).revision
    except (OSError, UnicodeDecodeError, CatalogError) as exc:
        _problem(
            result,
            "catalog",
            f"the catalog publish-config would send cannot be read: {exc}",
            f"Fix {beside} (or remove it to send the packaged catalog).",
        )
        return
    waiting = (
        f"; {beside.name} beside the config has revision {revision}, not published yet"
        if revision > published
        else ""
    )
    runs_text = ", ".join(
        f"{r} {'?' if e['catalog_revision'] is None else e['catalog_revision']}"
        for r, e in result["rooms"].items()
        if e["enrolled"]
    )
    _fine(
        result,
        "catalog",
        f"central published catalog revision {published}; the rooms say "
        f"they run: {runs_text or 'no rooms'} (? = not said yet){waiting}",
    )


def _runs(gaps: list[tuple[int, int]]) -> str:
    return ", ".join(str(a) if a == b else f"{a}-{b}" for a, b in gaps)


def _fine(result: dict[str, Any], check: str, message: str) -> None:
    result["findings"].append({"check": check, "ok": True, "message": message})


def _problem(result: dict[str, Any], check: str, message: str, help_text: str) -> None:
    result["findings"].append({"check": check, "ok": False, "message": message, "help": help_text})


def _done(result: dict[str, Any]) -> dict[str, Any]:
    result["ok"] = all(f["ok"] for f in result["findings"])
    return result


def render(result: dict[str, Any]) -> str:
    who = f"room {result['room']}" if result["role"] == "room" else "central"
    lines = [f"{who}: {result['database']}"]
    for finding in result["findings"]:
        lines.append(f"  {'ok     ' if finding['ok'] else 'PROBLEM'} {finding['message']}")
        if not finding["ok"]:
            lines.append(f"          what to do: {finding['help']}")
    lines.append("everything adds up" if result["ok"] else "NOT OK: see the problems above")
    return "\n".join(lines)
