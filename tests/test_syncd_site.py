"""A real site on disk for the syncd tests: keys, configs, rooms, central, one folder transport.

Layout under ``root``::

    keys/ROOM.key, keys/ROOM.pub, keys/central.key, keys/central.pub
    central/central.toml, central/central.db, central/inbox/  (= every room's outbox)
    ROOM/room.toml, ROOM/room.db, ROOM/inbox/                  (= central's outbox for ROOM)

Helpers only (no fixtures with side effects at import); ``wait_for`` is the one
polling helper, with a deadline, for conditions that a daemon makes true.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import watchfiles

from shared.clock import TZ
from shared.keys import write_keypair
from shared.store import RoomStore

REPO = Path(__file__).resolve().parents[1]
ROOMS = ("cjm", "multibron", "handreiking")


class StepClock:
    def __init__(self, start: datetime):
        self.now = start

    def __call__(self) -> datetime:
        return self.now


class Site:
    def __init__(self, root: Path, rooms=ROOMS, subprocess: bool = False):
        self.root, self.rooms, self.subprocess = root, tuple(rooms), subprocess
        keys = root / "keys"
        for name in (*self.rooms, "central"):
            write_keypair(keys, name)
        (root / "central" / "inbox").mkdir(parents=True)
        text = '[central]\ndatabase = "central.db"\nkey = "../keys/central.key"\ninbox = "inbox"\n'
        for room in self.rooms:
            text += f'\n[rooms.{room}]\nkey = "../keys/{room}.pub"\noutbox = "../{room}/inbox"\n'
            (root / room / "inbox").mkdir(parents=True)
            (root / room / "room.toml").write_text(
                f'[room]\nid = "{room}"\ndatabase = "room.db"\n\n'
                f'[sync]\nkey = "../keys/{room}.key"\ncentral_key = "../keys/central.pub"\n'
                'outbox = "../central/inbox"\ninbox = "inbox"\n'
            )
        (root / "central" / "central.toml").write_text(text)
        self.clock = StepClock(datetime(2017, 3, 1, 10, 0, tzinfo=TZ))
        self._stores: dict[str, RoomStore] = {}

    def config(self, room: str) -> Path:
        return self.root / room / ("central.toml" if room == "central" else "room.toml")

    def db(self, room: str) -> Path:
        return self.root / room / ("central.db" if room == "central" else "room.db")

    @property
    def inbox(self) -> Path:
        return self.root / "central" / "inbox"

    def store(self, room: str) -> RoomStore:
        if room not in self._stores:
            self._stores[room] = RoomStore(self.db(room), room, clock=self.clock)
        return self._stores[room]

    def close(self) -> None:
        for store in self._stores.values():
            store.close()
        self._stores.clear()

    def syncd(
        self, *args: str, check: bool = True, timeout: float = 60, env=None
    ) -> subprocess.CompletedProcess:
        result = subprocess.run(
            [sys.executable, "-m", "syncd", *args],
            cwd=self.root,
            capture_output=True,
            text=True,
            timeout=timeout,
            env=env or child_env(),
        )
        if check and result.returncode != 0:
            raise AssertionError(
                f"bwk-syncd {' '.join(args)} -> {result.returncode}\n"
                f"{result.stdout}\n{result.stderr}"
            )
        return result

    def once(self, node: str, subprocess: bool | None = None):
        """One pass: a real ``bwk-syncd once`` process, or (faster) the same code in-process."""
        if self.subprocess if subprocess is None else subprocess:
            return self.syncd("once", "--config", str(self.config(node)))
        from syncd.daemon import make_node

        worker = make_node(self.config(node))
        try:
            return worker.run_pass()
        finally:
            worker.close()

    def status(self, node: str) -> dict:
        if self.subprocess:
            return json.loads(
                self.syncd("status", "--config", str(self.config(node)), "--json").stdout
            )
        from syncd.daemon import make_node

        worker = make_node(self.config(node))
        try:
            return json.loads(json.dumps(worker.status()))
        finally:
            worker.close()

    def sync_all(self) -> None:
        for room in self.rooms:
            self.once(room)
        self.once("central")
        for room in self.rooms:
            self.once(room)

    def daemon(self, node: str, env=None) -> subprocess.Popen:
        return subprocess.Popen(
            [sys.executable, "-m", "syncd", "run", "--config", str(self.config(node))],
            cwd=self.root,
            env=env or child_env(),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )


def child_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("NOTIFY_SOCKET", "WATCHDOG_USEC")}
    env["PYTHONPATH"] = str(REPO) + os.pathsep + env.get("PYTHONPATH", "")
    env.update(extra)
    return env


def wait_for(
    condition: Callable[[], object], under: Path, timeout: float = 20.0, what: str = "condition"
):
    """Wait until ``condition`` is truthy (returns it), re-checking whenever a file
    below ``under`` changes (and every 250 ms, for what files do not show, such as
    a process exiting); fail after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    value = condition()
    if value:
        return value
    for _ in watchfiles.watch(
        under, debounce=10, step=10, rust_timeout=250, yield_on_timeout=True, raise_interrupt=False
    ):
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
    raise AssertionError(f"stopped watching {under} while waiting for {what}")


def event_ids(db: Path, room: str | None = None) -> set[str]:
    import sqlite3

    if not db.exists():
        return set()
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        sql = "SELECT id FROM events" + (" WHERE room = ?" if room else "")
        return {r[0] for r in conn.execute(sql, (room,) if room else ())}
    except sqlite3.OperationalError:  # created, not yet migrated by the daemon
        return set()
    finally:
        conn.close()


def test_site_layout_is_valid(tmp_path):
    """The site helper itself: configs load, keys match the enrolled names."""
    from shared.config import load_config

    site = Site(tmp_path)
    central = load_config(site.config("central"))
    assert set(central.rooms) == set(ROOMS)
    room = load_config(site.config("cjm"))
    assert room.sync.outbox == central.central.inbox
    assert central.rooms["cjm"].outbox == room.sync.inbox
