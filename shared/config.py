"""Room and central configuration: TOML files read into typed dataclasses.

A wrong key, type or value is a ``ConfigError`` that names the file, the line
(where it can be found), the key and what was expected. Relative paths are
relative to the config file.
"""

from __future__ import annotations

import os
import re
import tomllib
from dataclasses import MISSING, dataclass, field, fields
from datetime import datetime
from pathlib import Path
from typing import Any


class ConfigError(ValueError):
    """A config file that cannot be used; the message is meant for an operator."""


def _f(kind: str, doc: str, default: Any = MISSING) -> Any:
    return field(default=default, metadata={"kind": kind, "doc": doc})


_ROOM_ID = re.compile(r"^[a-z][a-z0-9_-]{0,31}$")
FINGERPRINT = re.compile(r"^[0-9A-HJKMNP-TV-Z]{4}(-[0-9A-HJKMNP-TV-Z]{4}){3}$")


@dataclass(frozen=True)
class RoomSection:
    id: str = _f("room_id", 'The room id, e.g. "multibron" (lower case, as in the catalog).')
    database: Path = _f("path", "The room's SQLite database file.")
    status_file: Path | None = _f(
        "path", "Where the SpaceAPI-style status.json (open/closed) is written.", None
    )
    opening_hours: str = _f("str", 'Shown on the closed screen, e.g. "ma-vr 10-16 uur".', "")
    retention_months: int = _f("int", "Names of people not seen for this long are purged.", 24)
    idle_seconds: int = _f("int", "Any screen returns to welcome after this much quiet.", 60)
    # SpaceAPI fields for status.json (all optional; names of people never go there)
    space_name: str = _f(
        "str", "The room's public name in status.json (default: the catalog's).", ""
    )
    space_url: str = _f("str", 'The room\'s website, e.g. "https://example.org/multibron".', "")
    space_logo: str = _f("str", "Address (URL) of the room's logo.", "")
    space_address: str = _f("str", "The room's street address.", "")
    space_lat: float | None = _f("float", "Latitude of the room (decimal degrees).", None)
    space_lon: float | None = _f("float", "Longitude of the room (decimal degrees).", None)
    space_email: str = _f("str", "A public e-mail address of the room.", "")
    space_phone: str = _f("str", "A public phone number of the room.", "")


# Older releases tuned these with environment variables; they still work, read here once
# at config load, as the default of the key (a key in the file wins).
ENVIRONMENT_DEFAULTS = {
    "debounce_ms": "BWK_SYNCD_DEBOUNCE_MS",
    "resend_seconds": "BWK_SYNCD_RESEND_SECONDS",
    "max_events_per_bundle": "BWK_SYNCD_MAX_EVENTS",
}


@dataclass(frozen=True, kw_only=True)
class WatchSettings:
    """How a syncd node watches its folders and keeps its quarantine: the same keys in a
    room's [sync] and central's [central]."""

    rescan_seconds: int = _f("int", "Rescan folders this often even when no change is seen.", 30)
    force_polling: bool = _f("bool", "Poll instead of inotify (network shares).", False)
    debounce_ms: int = _f("int", "Gather file events this long before a pass (milliseconds).", 50)
    quarantine_max_files: int = _f(
        "int", "Keep at most this many quarantined files (the oldest go first).", 1000
    )
    quarantine_max_mb: int = _f("int", "Keep at most this many MB of quarantined files.", 512)
    quarantine_max_days: int = _f("int", "Quarantined files older than this are removed.", 90)
    failed_passes_alarm: int = _f(
        "int", "After this many failed passes in a row the daemon stops the systemd watchdog.", 3
    )


@dataclass(frozen=True)
class SyncSection(WatchSettings):
    key: Path = _f("path", "This room's private key file (bwk-syncd keygen).")
    central_key: Path = _f("path", "Central's public key file.")
    outbox: Path = _f("path", "Sealed bundles for central are written here.")
    inbox: Path = _f("path", "Acknowledgements and config from central arrive here.")
    resend_seconds: int = _f(
        "seconds",
        "Export again what central has not acknowledged after this long (0: at every pass).",
        600,
    )
    max_events_per_bundle: int = _f(
        "int", "At most this many events in one bundle; a larger backlog is split.", 20000
    )


@dataclass(frozen=True)
class RoomConfig:
    path: Path
    room: RoomSection
    sync: SyncSection | None = None

    @property
    def role(self) -> str:
        return "room"


@dataclass(frozen=True)
class CentralSection(WatchSettings):
    database: Path = _f("path", "The central copy (SQLite).")
    key: Path = _f("path", "Central's private key file.")
    inbox: Path = _f("path", "Bundles from all rooms arrive here.")


@dataclass(frozen=True)
class Revocation:
    """A room key central refuses (``bwk-syncd revoke``), from ``at`` on (central's clock)."""

    fingerprint: str
    at: datetime | None = None  # None: always

    def in_force(self, now: datetime) -> bool:
        return self.at is None or self.at <= now


@dataclass(frozen=True)
class RoomLink:
    key: Path = _f("path", "The room's public key file; removing the room revokes it.")
    outbox: Path = _f("path", "Acknowledgements and config for this room are written here.")
    revoked: tuple[Revocation, ...] = _f(
        "revocations",
        "Key fingerprints of this room that are refused (bwk-syncd revoke): "
        '["FP", {fingerprint = "FP", at = "ISO time"}].',
        (),
    )


@dataclass(frozen=True)
class CentralConfig:
    path: Path
    central: CentralSection
    rooms: dict[str, RoomLink]

    @property
    def role(self) -> str:
        return "central"

    @property
    def database(self) -> Path:
        return self.central.database


def _line_of(text: str, section: str, key: str) -> int | None:
    """Best effort: the line of ``key = ...`` inside ``[section]``."""
    current = ""
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        header = re.match(r"^\[([^\[\]]+)\]", stripped)
        if header:
            current = header.group(1).strip()
            if current == section and not key:
                return number
        elif current == section and key and re.match(rf"^\"?{re.escape(key)}\"?\s*=", stripped):
            return number
    return None


class _Reader:
    def __init__(self, path: Path, text: str):
        self.path, self.text = path, text

    def error(self, section: str, key: str, message: str) -> ConfigError:
        line = _line_of(self.text, section, key)
        where = f"{self.path}:{line}" if line else str(self.path)
        name = f"[{section}] {key}" if key else f"[{section}]"
        return ConfigError(f"{where}: {name}: {message}")

    def section(self, cls: type, table: Any, section: str) -> Any:
        if not isinstance(table, dict):
            raise self.error(section, "", "must be a table")
        # The section's own keys first (required ones lead), then the shared watch settings.
        # (kw_only is a bool once the class is made; typeshed also allows MISSING)
        ordered = sorted(fields(cls), key=lambda f: f.kw_only is True)
        known = {f.name: f for f in ordered}
        for key in table:
            if key not in known:
                raise self.error(section, key, f"unknown key (known keys: {', '.join(known)})")
        values = {}
        for f in ordered:
            if f.name not in table:
                if f.default is MISSING:
                    raise self.error(
                        section, "", f"missing required key '{f.name}' ({f.metadata['doc']})"
                    )
                if f.name in ENVIRONMENT_DEFAULTS:
                    values.update(self.from_environment(section, f))
                continue
            values[f.name] = self.value(section, f.name, f.metadata["kind"], table[f.name])
        return cls(**values)

    def from_environment(self, section: str, f: Any) -> dict[str, Any]:
        name = ENVIRONMENT_DEFAULTS[f.name]
        raw = os.environ.get(name, "").strip()
        if not raw:
            return {}
        try:
            number = int(float(raw))
        except (ValueError, OverflowError):
            raise ConfigError(
                f"{self.path}: [{section}] {f.name}: the environment variable "
                f"{name} must be a whole number, got {raw!r}"
            ) from None
        return {f.name: self.value(section, f"{f.name} (from {name})", f.metadata["kind"], number)}

    def value(self, section: str, key: str, kind: str, value: Any) -> Any:
        if kind == "revocations":
            return self.revocations(section, key, value)
        # Any, so that ``value`` stays Any past the isinstance below (each kind checks more)
        expected: Any = {
            "path": str,
            "str": str,
            "room_id": str,
            "int": int,
            "seconds": int,
            "bool": bool,
            "float": (int, float),
        }[kind]
        if not isinstance(value, expected) or (expected is int and isinstance(value, bool)):
            noun = {
                "path": "a file or folder path (text)",
                "str": "text",
                "room_id": "a room id (text)",
                "int": "a whole number",
                "seconds": "a whole number of seconds",
                "bool": "true or false",
                "float": "a number",
            }[kind]
            raise self.error(section, key, f"expected {noun}, got {value!r}")
        if kind == "path":
            if not value.strip():
                raise self.error(section, key, "expected a path, got an empty text")
            return (self.path.parent / Path(value).expanduser()).resolve()
        if kind == "room_id" and not _ROOM_ID.match(value):
            raise self.error(section, key, "expected lower-case letters, digits, - or _")
        if kind == "int" and value <= 0:
            raise self.error(section, key, f"expected a number above 0, got {value}")
        if kind == "seconds" and value < 0:
            raise self.error(section, key, f"expected 0 or more seconds, got {value}")
        if kind == "float":
            limit = 90 if key.endswith("lat") else 180
            if not -limit <= value <= limit:
                raise self.error(
                    section, key, f"expected degrees from -{limit} to {limit}, got {value}"
                )
            return float(value)
        return value

    def revocations(self, section: str, key: str, value: Any) -> tuple[Revocation, ...]:
        if not isinstance(value, list):
            raise self.error(section, key, f"expected a list of key fingerprints, got {value!r}")
        found = []
        for item in value:
            at = None
            if isinstance(item, dict):
                unknown = set(item) - {"fingerprint", "at"}
                if unknown or "fingerprint" not in item:
                    raise self.error(
                        section,
                        key,
                        'each entry is a fingerprint, or {fingerprint = "FP", at = "ISO time"}',
                    )
                item, at = item["fingerprint"], item.get("at")
            if not isinstance(item, str) or not FINGERPRINT.match(item.upper()):
                raise self.error(
                    section,
                    key,
                    f'expected a key fingerprint like "ABCD-EFGH-JKMN-PQRS", got {item!r}',
                )
            if at is not None:
                try:
                    at = datetime.fromisoformat(at) if isinstance(at, str) else None
                except ValueError:
                    at = None
                if at is None or at.tzinfo is None:
                    raise self.error(
                        section,
                        key,
                        f"{item}: 'at' must be an ISO time with its "
                        'offset, e.g. "2026-11-29T10:00:00+01:00"',
                    )
            found.append(Revocation(item.upper(), at))
        return tuple(found)


def load_config(path: str | Path) -> RoomConfig | CentralConfig:
    """Read a room or central config; the role follows from its sections."""
    path = Path(path).expanduser()
    try:
        text = path.read_text("utf-8")
    except FileNotFoundError:
        raise ConfigError(f"{path}: config file not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read the config file ({exc})") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from None
    reader = _Reader(path.resolve(), text)
    if "room" in data and "central" in data:
        raise ConfigError(f"{path}: has both [room] and [central]; a config is one or the other")
    if "room" in data:
        for key in data:
            if key not in ("room", "sync"):
                raise reader.error(key, "", "unknown section in a room config ([room], [sync])")
        room = reader.section(RoomSection, data["room"], "room")
        sync = reader.section(SyncSection, data["sync"], "sync") if "sync" in data else None
        return RoomConfig(reader.path, room, sync)
    if "central" in data:
        for key in data:
            if key not in ("central", "rooms"):
                raise reader.error(
                    key, "", "unknown section in a central config ([central], [rooms.ID])"
                )
        central = reader.section(CentralSection, data["central"], "central")
        rooms_table = data.get("rooms", {})
        rooms = {}
        for room_id, table in rooms_table.items():
            if not _ROOM_ID.match(room_id):
                raise reader.error(
                    f"rooms.{room_id}", "", "room ids are lower-case letters, digits, - or _"
                )
            rooms[room_id] = reader.section(RoomLink, table, f"rooms.{room_id}")
        return CentralConfig(reader.path, central, rooms)
    raise ConfigError(f"{path}: needs a [room] section (a room) or a [central] section (central)")


def load_room_config(path: str | Path) -> RoomConfig:
    config = load_config(path)
    if not isinstance(config, RoomConfig):
        raise ConfigError(f"{path}: this command needs a room config (with [room]), not central's")
    return config


def load_central_config(path: str | Path) -> CentralConfig:
    config = load_config(path)
    if not isinstance(config, CentralConfig):
        raise ConfigError(f"{path}: this command needs central's config (with [central])")
    return config
