"""``bwk-syncd enrol`` and ``revoke``: key rotation, written into central's config.

- ``enrol --config CENTRAL.toml --room ROOM --key NEW.pub``: the room's new key
  replaces the enrolled one (``[rooms.ROOM] key``). The room keeps its database
  and continues its seq, signing with the new key.
- ``revoke --config CENTRAL.toml --room ROOM --fingerprint FP [--at ISO]``: FP is
  added to ``[rooms.ROOM] revoked``; from ``at`` on (central's clock, default
  now) a bundle bearing that key is quarantined as "revoked key". The time is
  central's, not the bundle's: a thief can write any ``created`` time.
- ``enrol --config CENTRAL.toml --central --key NEW.key``: central's own new key.
  Every room is told in a config bundle signed by the OLD key; then the config
  names the new key. Bundles still sealed to the old key are refused ("not for
  us") and sent again by the rooms with the new key (unacknowledged events are
  re-sent by themselves).

Each prints the fingerprints computed from the keys themselves, to read over
the phone. The config is edited as text (comments stay), checked by loading it
again, and replaced atomically.
"""

from __future__ import annotations

import argparse
import json
import os
import tomllib
from datetime import datetime
from pathlib import Path

from shared.atomic_file import fsync_dir
from shared.bundle import SCHEMA_VERSION, seal
from shared.clock import TZ, local_iso, system_clock
from shared.config import FINGERPRINT, CentralConfig, ConfigError, load_central_config
from shared.keys import KeyFileError, load_private, load_public, public_text
from syncd import transport
from syncd.common import SetupError


def add_parsers(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("enrol", help="central: enrol a room's new key (or central's own)")
    p.add_argument("--config", type=Path, required=True)
    who = p.add_mutually_exclusive_group(required=True)
    who.add_argument("--room", help="the room whose new public key this is")
    who.add_argument(
        "--central",
        action="store_true",
        help="central's own new key (a private .key): the rooms are told",
    )
    p.add_argument("--key", type=Path, required=True, help="the new key file")
    p = sub.add_parser("revoke", help="central: refuse a room's key from now (or --at) on")
    p.add_argument("--config", type=Path, required=True)
    p.add_argument("--room", required=True)
    p.add_argument("--fingerprint", required=True, help="the revoked key's fingerprint")
    p.add_argument(
        "--at",
        default=None,
        help="ISO time from which it is refused (default: now), e.g. 2026-11-29T10:00",
    )


# --- editing the config as text -----------------------------------------------------------


def _section_span(lines: list[str], section: str) -> tuple[int, int]:
    start = None
    for number, line in enumerate(lines):
        stripped = line.strip()
        if stripped.startswith("[") and not stripped.startswith("[["):
            name = stripped[1 : stripped.index("]")].strip() if "]" in stripped else ""
            if start is not None:
                return start, number
            if name.replace('"', "") == section:
                start = number + 1
    if start is None:
        raise SetupError(f"no [{section}] table in the config")
    return start, len(lines)


def with_value(text: str, section: str, key: str, value: str) -> str:
    """``text`` with ``key = value`` set inside ``[section]`` (replaced, else added)."""
    lines = text.splitlines(keepends=True)
    if lines and not lines[-1].endswith("\n"):
        lines[-1] += "\n"
    start, end = _section_span(lines, section)
    new = f"{key} = {value}\n"
    for number in range(start, end):
        if lines[number].split("=", 1)[0].strip().strip('"') == key and "=" in lines[number]:
            stop = number + 1  # a value may span lines (an array): up to where it parses
            while stop < end:
                try:
                    tomllib.loads("".join(lines[number:stop]))
                    break
                except tomllib.TOMLDecodeError:
                    stop += 1
            lines[number:stop] = [new]
            return "".join(lines)
    last = end
    while last > start and not lines[last - 1].strip():
        last -= 1
    lines.insert(last, new)
    return "".join(lines)


def _write_config(path: Path, text: str) -> CentralConfig:
    """Check the edited text loads as a config, then replace the file atomically."""
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(text, "utf-8")
    try:
        os.chmod(tmp, path.stat().st_mode & 0o777)
        config = load_central_config(tmp)
    except (ConfigError, OSError):
        tmp.unlink(missing_ok=True)
        raise
    os.replace(tmp, path)
    fsync_dir(path.parent)
    return config


def _path_text(config: CentralConfig, target: Path) -> str:
    """A path as the config holds its others: relative to the config's folder."""
    return json.dumps(os.path.relpath(target.resolve(), config.path.parent))


# --- commands ------------------------------------------------------------------------------


def enrol(args: argparse.Namespace) -> int:
    config = load_central_config(args.config)
    if args.central:
        return _enrol_central(config, args.key)
    room = args.room
    if room not in config.rooms:
        raise SetupError(
            f"{room!r} is not enrolled in {config.path}: add a [rooms.{room}] table "
            f"with its key and outbox first"
        )
    new = load_public(args.key)  # a forged fingerprint line is refused here
    if new.name != room:
        raise SetupError(
            f"{args.key}: this public key is named {new.name!r}, not {room!r}; "
            f"on the room machine run: bwk-syncd keygen {room} --dir NEWDIR"
        )
    revoked = {r.fingerprint for r in config.rooms[room].revoked}
    if new.fingerprint in revoked:
        raise SetupError(
            f"{args.key}: key {new.fingerprint} of {room} was revoked; "
            f"a revoked key cannot be enrolled again (make a new one with keygen)"
        )
    try:
        old = load_public(config.rooms[room].key).fingerprint
    except KeyFileError:
        old = None
    if old == new.fingerprint:
        print(f"{room}: key {new.fingerprint} is already enrolled; nothing changed")
        return 0
    text = with_value(
        config.path.read_text("utf-8"), f"rooms.{room}", "key", _path_text(config, args.key)
    )
    _write_config(config.path, text)
    print(f"enrolled {room}: new key fingerprint {new.fingerprint}")
    print("  (compare it by phone with the room's: bwk-syncd status --config ROOM.toml)")
    if old:
        print(f"  replaces {old}; to refuse the old key from now on:")
        print(f"  bwk-syncd revoke --config {config.path} --room {room} --fingerprint {old}")
    print("reload central's daemon (systemctl reload bwk-syncd-central: SIGHUP) to use it")
    return 0


def _enrol_central(config: CentralConfig, key_path: Path) -> int:
    old = load_private(config.central.key)
    new = load_private(key_path)
    if new.fingerprint == old.fingerprint:
        print(f"central: key {new.fingerprint} is already in use; nothing changed")
        return 0
    record = {"type": "central_key", "key": public_text(new.public)}
    now = local_iso(system_clock())
    for room, link in config.rooms.items():  # signed by the OLD key: the rooms trust that one
        name, data = seal(
            "config",
            old,
            load_public(link.key),
            [record],
            room=room,
            created=now,
            schema=SCHEMA_VERSION,
        )
        transport.write_atomic(link.outbox, name, data)
    text = with_value(
        config.path.read_text("utf-8"), "central", "key", _path_text(config, key_path)
    )
    _write_config(config.path, text)
    print(f"central's new key fingerprint {new.fingerprint} (was {old.fingerprint})")
    print(
        f"told {', '.join(config.rooms) or 'no rooms'} in a bundle signed by the old key; "
        "each room's status shows the new fingerprint once it has read it"
    )
    print("reload central's daemon (systemctl reload bwk-syncd-central: SIGHUP) to use the new key")
    return 0


def _parse_at(text: str | None) -> datetime:
    if text is None:
        return system_clock()
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise SetupError(f"--at {text!r}: expected an ISO time such as 2026-11-29T10:00") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=TZ)


def revoke(args: argparse.Namespace) -> int:
    config = load_central_config(args.config)
    room, fingerprint = args.room, args.fingerprint.strip().upper()
    if not FINGERPRINT.match(fingerprint):
        raise SetupError(
            f"{args.fingerprint!r} is not a key fingerprint "
            "(16 characters in groups of four, e.g. ABCD-EFGH-JKMN-PQRS)"
        )
    if room not in config.rooms:
        raise SetupError(f"{room!r} is not enrolled in {config.path}")
    link = config.rooms[room]
    current = load_public(link.key).fingerprint
    if fingerprint in {r.fingerprint for r in link.revoked}:
        print(f"{room}: {fingerprint} is already revoked; enrolled key: {current}")
        return 0
    at = local_iso(_parse_at(args.at))
    entries = [
        json.dumps(r.fingerprint)
        if r.at is None
        else f"{{fingerprint = {json.dumps(r.fingerprint)}, at = {json.dumps(local_iso(r.at))}}}"
        for r in link.revoked
    ]
    entries.append(f"{{fingerprint = {json.dumps(fingerprint)}, at = {json.dumps(at)}}}")
    text = with_value(
        config.path.read_text("utf-8"), f"rooms.{room}", "revoked", "[" + ", ".join(entries) + "]"
    )
    _write_config(config.path, text)
    print(
        f"revoked {fingerprint} of {room} from {at}: its bundles are quarantined as 'revoked key'"
    )
    print(f"enrolled key of {room}: {current}")
    if current == fingerprint:
        print(
            f"warning: that is {room}'s enrolled key: nothing of {room} merges until its new "
            f"key is enrolled (bwk-syncd enrol --config {config.path} --room {room} --key NEW.pub)"
        )
    print("reload central's daemon (systemctl reload bwk-syncd-central: SIGHUP) to apply it")
    return 0


COMMANDS = {"enrol": enrol, "revoke": revoke}
