"""How the node's passes went: kept in a small file beside its database.

The daemon (and ``once``) record every pass here; ``status`` (another process)
reads it. A run of failed passes is what makes the daemon stop pinging the
systemd watchdog, and ``status`` says why. A JSON file rather than a table:
it must still be written when the database is what is failing.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from syncd.common import Node, log


def health_path(node: Node) -> Path:
    return Path(f"{node.database}.syncd-health.json")


def read(node: Node) -> dict[str, Any]:
    try:
        data = json.loads(health_path(node).read_text("utf-8"))
    except (OSError, ValueError):
        return {"failed_passes": 0, "last_error": None, "failing_since": None, "last_ok": None}
    return data if isinstance(data, dict) else {}


class Health:
    """Consecutive failed passes; written to disk when it changes."""

    def __init__(self, node: Node, alarm_after: int) -> None:
        self.node, self.alarm_after = node, alarm_after
        self.state = read(node)
        self.failed = int(self.state.get("failed_passes") or 0)
        self.last_ok = self.state.get("last_ok")  # kept in memory; written when it matters

    @property
    def alarming(self) -> bool:
        return self.failed >= self.alarm_after

    def passed(self, at: str) -> None:
        self.last_ok = at
        if self.failed or not self.state.get("last_ok"):
            self.failed = 0
            self._write(
                {"failed_passes": 0, "last_error": None, "failing_since": None, "last_ok": at}
            )

    def failed_pass(self, error: str, at: str) -> None:
        self.failed += 1
        self._write(
            {
                "failed_passes": self.failed,
                "last_error": error[:500],
                "failing_since": self.state.get("failing_since") or at,
                "last_ok": self.last_ok,
                "alarm_after": self.alarm_after,
            }
        )

    def _write(self, state: dict[str, Any]) -> None:
        self.state = state
        path = health_path(self.node)
        tmp = path.with_name(path.name + ".tmp")
        try:
            tmp.write_text(json.dumps(state), "utf-8")
            os.replace(tmp, path)
        except OSError as exc:  # a full or read-only disk: the log still says it
            log.error("could not record the pass state in %s: %s", path, exc)
