"""A SpaceAPI-style ``status.json`` saying whether the room is open.

Written atomically (a temporary file in the same folder, fsync, rename) so a
web server or a window sign never reads half a file. ``trigger_person`` is the
role, never a name: names do not leave the room machine.
"""

from __future__ import annotations

import json
import os
import tempfile
from datetime import datetime
from pathlib import Path

TRIGGER_ROLE = "sleutelbeheerder"


def status_document(space: str, is_open: bool, lastchange: datetime, *,
                    room_id: str = "", opening_hours: str = "") -> dict:
    doc = {
        "api_compatibility": ["14", "15"],
        "space": space,
        "state": {
            "open": bool(is_open),
            "lastchange": int(lastchange.timestamp()),
            "trigger_person": TRIGGER_ROLE,
        },
    }
    if room_id:
        doc["ext_room_id"] = room_id
    if opening_hours:
        doc["state"]["message"] = opening_hours
    return doc


def write_status(path: str | Path, space: str, is_open: bool, lastchange: datetime, *,
                 room_id: str = "", opening_hours: str = "") -> Path:
    """Write the status file atomically and return its path."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    data = json.dumps(status_document(space, is_open, lastchange, room_id=room_id,
                                      opening_hours=opening_hours), ensure_ascii=False, indent=2)
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
