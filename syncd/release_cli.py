"""``bwk-syncd release``: central takes a squatter's event(s) out of its copy, so the
honest room's quarantined bundle merges when it is delivered again (shared/release.py)."""

from __future__ import annotations

import argparse
import sqlite3
from pathlib import Path
from typing import Any

from shared import release as rel
from shared.config import CentralConfig, load_config
from shared.db import connect
from syncd import transport
from syncd.common import SetupError, log, now_iso


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "release",
        help="central: take a room's event that squats another "
        "room's id out of central's copy (verify names them)",
    )
    p.add_argument("--config", type=Path, required=True)
    p.add_argument("--room", required=True, help="the room that holds the id at central")
    which = p.add_mutually_exclusive_group(required=True)
    which.add_argument("--event-id", action="append", dest="event_ids", metavar="ID")
    which.add_argument(
        "--all-conflicting",
        action="store_true",
        help="every id of ROOM that a quarantined bundle of another room holds",
    )


def conflicts(conn: sqlite3.Connection, inbox: Path) -> list[dict[str, Any]]:
    """Quarantined bundles refused for an id central holds for another room."""
    out = []
    for name, reason in transport.quarantined(inbox):
        match = rel.SQUATTED.search(reason)
        if match:
            seq, event_id, holder, held_seq = match.groups()
            out.append(
                {
                    "file": name,
                    "room": rel.quarantined_sender(conn, name),
                    "seq": int(seq),
                    "id": event_id,
                    "held_by": holder,
                    "held_seq": int(held_seq),
                }
            )
    return out


def run(args: argparse.Namespace) -> int:
    config = load_config(args.config)
    if not isinstance(config, CentralConfig):
        raise SetupError(f"{args.config}: release runs at central (with central's config)")
    if not config.central.database.exists():
        raise SetupError(f"{config.central.database}: the database does not exist")
    inbox = config.central.inbox
    conn = connect(config.central.database)
    try:
        refused = [c for c in conflicts(conn, inbox) if c["held_by"] == args.room]
        ids = args.event_ids or sorted({c["id"] for c in refused})
        if not ids:
            raise SetupError(
                f"no quarantined bundle is refused for an id {args.room} holds: nothing to release"
            )
        try:
            done = rel.release(conn, args.room, ids, now_iso())
        except rel.ReleaseError as exc:
            raise SetupError(str(exc)) from None
    finally:
        conn.close()
    for item in done:
        log.warning("released %s (%s seq %s) from central's copy", item.id, item.room, item.seq)
        print(
            f"released {item.id} ({item.room} seq {item.seq}): kept in central's bookkeeping, "
            "no longer counted"
        )
    files = sorted({c["file"] for c in refused if c["id"] in ids})
    print(
        "Deliver the refused bundle(s) again (or wait: the room sends again by itself "
        "after 10 minutes without an acknowledgement):"
        if files
        else "No quarantined bundle waits for these ids."
    )
    quarantine = transport.quarantine_folder(inbox)
    for name in files:
        print(f"  mv {quarantine / name} {inbox}/ && rm {quarantine / name}.reason")
    return 0
