"""A SpaceAPI-style ``status.json`` saying whether the room is open.

Written atomically (a temporary file in the same folder, fsync, rename) so a
web server or a window sign never reads half a file. ``trigger_person`` is the
role, never a name: names do not leave the room machine. ``lastchange`` is the
moment the state last changed: rewriting the same state (every kiosk start)
keeps the time already in the file.
"""

from __future__ import annotations

import json
import os
import tempfile
from datetime import datetime
from pathlib import Path
from typing import Any

TRIGGER_ROLE = "sleutelbeheerder"


def room_details(room: Any) -> dict[str, Any]:
    """The SpaceAPI fields a room fills from its config ([room] space_* keys); empty ones
    left out."""
    details: dict[str, Any] = {}
    for key in ("space", "url", "logo"):
        value = getattr(room, f"space_{'name' if key == 'space' else key}", "")
        if value:
            details[key] = value
    location = {"address": room.space_address} if getattr(room, "space_address", "") else {}
    if (
        getattr(room, "space_lat", None) is not None
        and getattr(room, "space_lon", None) is not None
    ):
        location.update(lat=room.space_lat, lon=room.space_lon)
    if location:
        details["location"] = location
    contact = {key: getattr(room, f"space_{key}", "") for key in ("email", "phone")}
    if any(contact.values()):
        details["contact"] = {k: v for k, v in contact.items() if v}
    return details


def status_document(
    space: str,
    is_open: bool,
    lastchange: datetime | int,
    *,
    room_id: str = "",
    opening_hours: str = "",
    details: dict[str, Any] | None = None,
) -> dict[str, Any]:
    details = dict(details or {})
    doc: dict[str, Any] = {
        "api_compatibility": ["14", "15"],
        "space": details.pop("space", "") or space,
        **details,
        "state": {
            "open": bool(is_open),
            "lastchange": lastchange
            if isinstance(lastchange, int)
            else int(lastchange.timestamp()),
            "trigger_person": TRIGGER_ROLE,
        },
    }
    if room_id:
        doc["ext_room_id"] = room_id
    if opening_hours:
        doc["state"]["message"] = opening_hours
    return doc


def _unchanged_since(path: Path, is_open: bool) -> int | None:
    """The file's ``lastchange`` when it already says ``is_open`` (None if it does not)."""
    try:
        state = json.loads(path.read_text("utf-8"))["state"]
    except (OSError, ValueError, KeyError, TypeError):
        return None
    if not isinstance(state, dict) or state.get("open") is not bool(is_open):
        return None
    lastchange = state.get("lastchange")
    return lastchange if isinstance(lastchange, int) and not isinstance(lastchange, bool) else None


def write_status(
    path: str | Path,
    space: str,
    is_open: bool,
    lastchange: datetime,
    *,
    room_id: str = "",
    opening_hours: str = "",
    details: dict[str, Any] | None = None,
) -> Path:
    """Write the status file atomically and return its path."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    since = _unchanged_since(path, is_open)
    data = json.dumps(
        status_document(
            space,
            is_open,
            lastchange if since is None else since,
            room_id=room_id,
            opening_hours=opening_hours,
            details=details,
        ),
        ensure_ascii=False,
        indent=2,
    )
    fd, tmp = tempfile.mkstemp(prefix=".status-", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(data + "\n")
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise
    return path
