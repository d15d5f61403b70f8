"""Several threads and a second process writing one room database at once."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from shared.db import UI_BUSY_TIMEOUT_MS
from shared.events import events_after
from shared.store import RoomStore

WRITER = Path(__file__).parent / "tools" / "writer.py"


def start_writer(database: Path, count: int, tag: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, str(WRITER), str(database), "cjm", str(count), tag],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_threads_and_a_second_process_lose_nothing(tmp_path):
    database = tmp_path / "room.db"
    store = RoomStore(database, "cjm", busy_timeout_ms=UI_BUSY_TIMEOUT_MS * 10)
    others = [start_writer(database, 150, f"p{i}") for i in range(2)]
    returned: list[str] = []
    errors: list[BaseException] = []

    def write(n: int) -> None:
        try:
            for _ in range(n):
                returned.append(store.check_in(None, ["kookclub"]).events[0].id)
        except BaseException as exc:  # noqa: BLE001 - the test reports it below
            errors.append(exc)

    threads = [threading.Thread(target=write, args=(100,)) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for process in others:
        out, err = process.communicate(timeout=120)
        assert process.returncode == 0, err
        returned += [line.split()[1] for line in out.splitlines()]
    assert errors == []
    stored = events_after(store.conn, "cjm", 0, 10_000)
    assert len(returned) == 700 == len(set(returned))
    assert {e.id for e in stored} == set(returned)
    assert [e.seq for e in stored] == list(range(1, 701))
    store.close()


@pytest.mark.parametrize("kills", [25])
def test_sigkill_loses_no_returned_write(tmp_path, kills):
    """A writer killed at random moments: every write that returned is on disk."""
    import random

    database = tmp_path / "room.db"
    RoomStore(database, "cjm").close()  # created and migrated once
    promised: set[str] = set()
    rng = random.Random(20171231)
    for round_number in range(kills):
        writer = start_writer(database, 10_000, f"k{round_number}")
        for _ in range(rng.randint(0, 40)):  # wait for a random number of returned writes
            line = writer.stdout.readline()
            if not line:
                break
            promised.add(line.split()[1])
        os.kill(writer.pid, signal.SIGKILL)
        writer.communicate()
    conn = sqlite3.connect(database)
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    stored = {row[0] for row in conn.execute("SELECT id FROM events")}
    assert promised <= stored
    seqs = [row[0] for row in conn.execute("SELECT seq FROM events ORDER BY seq")]
    assert seqs == list(range(1, len(seqs) + 1))
    conn.close()
