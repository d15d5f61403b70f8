"""The daemon as a process: READY/WATCHDOG to systemd, SIGTERM, SIGHUP, watchfiles wake-up."""

from __future__ import annotations

import signal
import socket
import time

import pytest
from test_syncd_site import Site, child_env, event_ids, wait_for


@pytest.fixture
def site(tmp_path):
    site = Site(tmp_path / "site")
    yield site
    site.close()


@pytest.fixture
def notify_socket(tmp_path):
    path = tmp_path / "notify.sock"
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(str(path))
    sock.settimeout(20)
    yield path, sock
    sock.close()


def _stop(proc, sig=signal.SIGTERM) -> tuple[int, float, str]:
    start = time.monotonic()
    proc.send_signal(sig)
    try:
        _, err = proc.communicate(timeout=10)
    except Exception:
        proc.kill()
        raise
    return proc.returncode, time.monotonic() - start, err


def _messages(sock, until: str) -> list[str]:
    seen = []
    while True:
        message = sock.recv(4096).decode()
        seen.append(message)
        if until in message:
            return seen


def test_ready_watchdog_and_sigterm_exit_0(site, notify_socket):
    # How fast it stops is timed in the bench (P3: SIGTERM -> process gone), not here.
    path, sock = notify_socket
    proc = site.daemon("central", env=child_env(NOTIFY_SOCKET=str(path), WATCHDOG_USEC="400000"))
    try:
        assert any("READY=1" in m for m in _messages(sock, "READY=1"))
        assert _messages(sock, "WATCHDOG=1")  # heartbeats at half the watchdog interval
    finally:
        code, _, err = _stop(proc)
    assert code == 0, err
    assert _messages(sock, "STOPPING=1")  # told systemd, then left the loop by itself
    assert "stopped" in err and "Traceback" not in err, err


def test_sigint_also_exits_0(site):
    proc = site.daemon("cjm")
    wait_for(
        under=site.root,
        condition=lambda: (site.root / "cjm" / "room.db").exists(),
        what="the room database",
    )
    code, _, err = _stop(proc, signal.SIGINT)
    assert code == 0, err
    assert "stopped" in err and "KeyboardInterrupt" not in err, err


def test_room_and_central_daemons_sync_a_check_in_by_themselves(site):
    room = site.daemon("cjm")
    central = site.daemon("central")
    try:
        event = site.store("cjm").check_in(None, ["kookclub"]).events[0]
        wait_for(
            under=site.root,
            condition=lambda: event.id in event_ids(site.db("central")),
            what="the check-in at central",
        )
        wait_for(
            under=site.root,
            condition=lambda: site.status("cjm")["acked_seq"] == event.seq,
            what="the ack at the room",
        )
        wait_for(
            under=site.root,
            condition=lambda: not list(site.inbox.glob("*.bwk")),
            what="an empty central inbox",
        )
    finally:
        codes = [_stop(p)[0] for p in (room, central)]
    assert codes == [0, 0]


def test_sighup_reloads_the_config(site):
    proc = site.daemon("central")
    try:
        site.store("multibron").check_in(None, [])
        site.once("multibron")
        # multibron is enrolled: merged by the running daemon
        wait_for(
            under=site.root,
            condition=lambda: event_ids(site.db("central")),
            what="multibron merged",
        )
        conf = site.config("central")
        text = conf.read_text()
        conf.write_text(
            text.split("[rooms.multibron]")[0]
            + "[rooms.handreiking]"
            + text.split("[rooms.handreiking]")[1]
        )
        proc.send_signal(signal.SIGHUP)
        site.store("multibron").check_in(None, [])
        site.once("multibron")
        # revoked after the reload: the new bundle goes to quarantine
        wait_for(
            under=site.root,
            condition=lambda: list((site.root / "central" / "quarantine").glob("*.reason")),
            what="the revoked room's bundle in quarantine",
        )
        reason = next((site.root / "central" / "quarantine").glob("*.reason")).read_text()
        assert "unknown sender: multibron" in reason
    finally:
        code, _, err = _stop(proc)
    assert code == 0 and "reloaded" in err


def test_daemon_keeps_going_after_hostile_files(site):
    proc = site.daemon("central")
    try:
        (site.inbox / ("events-cjm-" + "a" * 40 + ".bwk")).write_bytes(b"\0" * 100)
        (site.inbox / "events-cjm-zzz.bwk").write_bytes(b"x")
        wait_for(
            under=site.root,
            condition=lambda: (
                len(list((site.root / "central" / "quarantine").glob("*.reason"))) == 2
            ),
            what="two files in quarantine",
        )
        event = site.store("cjm").check_in(None, []).events[0]
        site.once("cjm")
        wait_for(
            under=site.root,
            condition=lambda: event.id in event_ids(site.db("central")),
            what="a good bundle merged",
        )
        assert proc.poll() is None
    finally:
        code, _, err = _stop(proc)
    assert code == 0
    assert err.count("WARNING quarantined") == 2  # one line each, and no personal data
    assert "Traceback" not in err


def test_bad_config_exits_2_with_a_message(site):
    conf = site.root / "bad.toml"
    conf.write_text('[central]\ndatabase = "c.db"\nkey = "nope.key"\ninbox = "in"\n')
    result = site.syncd("run", "--config", str(conf), check=False, timeout=30)
    assert result.returncode == 2 and "key file not found" in result.stderr
