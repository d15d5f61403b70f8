"""``bwk-syncd demo --dir DIR``: three rooms and central, fresh keys, invented data, synced.

Layout (the same as a real site on one machine, with one folder per direction)::

    DIR/keys/{cjm,multibron,handreiking,central}.{key,pub}
    DIR/central/central.toml, central.db, inbox/      (every room's outbox)
    DIR/ROOM/room.toml, room.db, inbox/               (central's outbox for ROOM)
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

from shared.config import load_central_config, load_room_config
from shared.demo import build_demo_room
from shared.keys import write_keypair
from syncd.central import CentralNode
from syncd.common import SetupError
from syncd.room import RoomNode

DEMO_ROOMS = ("cjm", "multibron", "handreiking")


def write_site(root: Path, rooms: Sequence[str] = DEMO_ROOMS) -> dict[str, str]:
    """Keys and configs for ``rooms`` + central under ``root``; returns the fingerprints."""
    fingerprints = {}
    for name in (*rooms, "central"):
        fingerprints[name] = write_keypair(root / "keys", name).fingerprint
    (root / "central" / "inbox").mkdir(parents=True, exist_ok=True)
    central = (
        "# central: merges the rooms. Relative paths are relative to this file.\n"
        '[central]\ndatabase = "central.db"\nkey = "../keys/central.key"\ninbox = "inbox"\n'
    )
    for room in rooms:
        central += f'\n[rooms.{room}]\nkey = "../keys/{room}.pub"\noutbox = "../{room}/inbox"\n'
        (root / room / "inbox").mkdir(parents=True, exist_ok=True)
        (root / room / "room.toml").write_text(
            f'[room]\nid = "{room}"\ndatabase = "room.db"\n\n[sync]\nkey = "../keys/{room}.key"\n'
            f'central_key = "../keys/central.pub"\noutbox = "../central/inbox"\ninbox = "inbox"\n',
            "utf-8",
        )
    (root / "central" / "central.toml").write_text(central, "utf-8")
    return fingerprints


def build_demo(root: Path) -> str:
    root = root.expanduser().resolve()
    if root.exists() and any(root.iterdir()):
        raise SetupError(f"{root}: not empty; the demo needs a new or empty folder")
    root.mkdir(parents=True, exist_ok=True)
    fingerprints = write_site(root)
    pins = {}
    for seed, room in enumerate(DEMO_ROOMS):
        demo = build_demo_room(root / room / "room.db", room, seed=seed)
        pins[room] = (demo.key_holder_name, demo.key_holder_pin, demo.events)
    rooms = {room: RoomNode(load_room_config(root / room / "room.toml")) for room in DEMO_ROOMS}
    central = CentralNode(load_central_config(root / "central" / "central.toml"))
    try:
        for node in rooms.values():
            node.run_pass()
        merged = central.run_pass().merged
        for node in rooms.values():
            node.run_pass()
    finally:
        everyone: tuple[RoomNode | CentralNode, ...] = (*rooms.values(), central)
        for each in everyone:
            each.close()
    lines = [
        f"demo site in {root}: {merged} events merged at central",
        "",
        "key fingerprints (compare these by phone when enrolling a real room):",
    ]
    lines += [f"  {name:<12} {fp}" for name, fp in fingerprints.items()]
    lines += ["", "open a room's kiosk (key holder name / PIN):"]
    for room in DEMO_ROOMS:
        name, pin, events = pins[room]
        lines.append(
            f"  bwk-kiosk --config {root / room / 'room.toml'}    # {name} / {pin}, {events} events"
        )
    lines += [
        "",
        "the staff dashboard on the merged copy, and the yearly report:",
        f"  bwk-staff --config {root / 'central' / 'central.toml'}",
        f"  bwk-staff report --config {root / 'central' / 'central.toml'} --year "
        f"{datetime.now().year} --format md",
        "",
        "keep them syncing (one terminal each):",
    ]
    lines += [f"  bwk-syncd run --config {root / room / 'room.toml'}" for room in DEMO_ROOMS]
    lines += [
        f"  bwk-syncd run --config {root / 'central' / 'central.toml'}",
        f"  bwk-syncd status --config {root / 'central' / 'central.toml'}",
    ]
    return "\n".join(lines)
