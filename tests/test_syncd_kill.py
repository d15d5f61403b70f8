"""kill -9 of the central daemon mid-merge and of the room daemon mid-export.

The kill moments vary (each after a different amount of progress); after the
restarts, central is exactly the union of the room logs: no duplicate, no gap
left unresent, integrity ok. BWK_KILL_ROUNDS raises the number of kills.
"""

from __future__ import annotations

import os
import random
import signal
import sqlite3
import subprocess
import sys

import pytest
from test_syncd_site import REPO, Site, child_env, event_ids, wait_for

ROUNDS = int(os.environ.get("BWK_KILL_ROUNDS", "5"))


@pytest.fixture
def site(tmp_path):
    site = Site(tmp_path / "site", rooms=("cjm", "multibron"))
    yield site
    site.close()


def _count(db) -> int:
    return len(event_ids(db))


def _check_union(site: Site) -> None:
    conn = sqlite3.connect(site.db("central"))
    try:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        total, distinct = conn.execute("SELECT COUNT(*), COUNT(DISTINCT id) FROM events").fetchone()
    finally:
        conn.close()
    union = set().union(*(event_ids(site.db(r), r) for r in site.rooms))
    assert total == distinct == len(union)
    assert event_ids(site.db("central")) == union
    status = site.status("central")
    for room in site.rooms:
        assert status["rooms"][room]["contiguous_seq"] == len(event_ids(site.db(room), room))


def test_kill_9_central_in_the_middle_of_merges(site):
    rng = random.Random(1234)
    for i in range(40):  # 40 bundles waiting, of 1..60 events each
        room = site.rooms[i % 2]
        store = site.store(room)
        for _ in range(rng.randint(1, 20)):
            store.check_in(None, ["kookclub", "inloop", "computerles"][: rng.randint(1, 3)])
        site.once(room)
    total = sum(_count(site.db(r)) for r in site.rooms)
    assert len(list(site.inbox.glob("*.bwk"))) == 40
    for _round in range(ROUNDS):
        merged = _count(site.db("central"))
        if merged >= total:
            break
        target = merged + rng.randint(1, max(1, (total - merged) // 2))
        proc = site.daemon("central")
        try:
            wait_for(
                under=site.root,
                condition=lambda target=target, proc=proc: (
                    _count(site.db("central")) >= target or proc.poll() is not None
                ),
                timeout=30,
                what="some merging before the kill",
            )
        finally:
            proc.send_signal(signal.SIGKILL)
            proc.wait(timeout=10)
        assert proc.returncode == -signal.SIGKILL
    site.once("central", subprocess=True)
    for room in site.rooms:
        site.once(room)
    _check_union(site)
    assert not list(site.inbox.glob("*.bwk"))
    for room in site.rooms:
        status = site.status(room)
        assert status["acked_seq"] == status["max_seq"]


def test_kill_9_room_daemon_in_the_middle_of_exports(site):
    writer = subprocess.Popen(
        [
            sys.executable,
            str(REPO / "tests" / "tools" / "writer.py"),
            str(site.db("cjm")),
            "cjm",
            "400",
            "w",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=child_env(),
    )
    try:
        for _round in range(ROUNDS):
            before = len(list(site.inbox.glob("*.bwk")))
            proc = site.daemon("cjm")
            try:
                wait_for(
                    under=site.root,
                    condition=lambda before=before: (
                        len(list(site.inbox.glob("*.bwk"))) > before or writer.poll() is not None
                    ),
                    timeout=30,
                    what="an export",
                )
            finally:
                proc.send_signal(signal.SIGKILL)
                proc.wait(timeout=10)
            site.once("central")  # central merges whatever arrived, torn files are never seen
    finally:
        out, err = writer.communicate(timeout=120)
    assert writer.returncode == 0, err
    committed = {line.split()[1] for line in out.splitlines()}
    assert committed <= event_ids(site.db("cjm"))
    site.sync_all()
    site.sync_all()
    _check_union(site)
    status = site.status("cjm")
    assert status["acked_seq"] == status["max_seq"] >= 400
    assert status["outbox_waiting"] == 0
