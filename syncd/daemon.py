"""The daemon loop: watchfiles wakes a pass; signals stop or reload; systemd is told.

Shape (after uvicorn's reloader and journalpump): signal handlers only set
flags and one ``threading.Event`` that is also watchfiles' ``stop_event``, so
SIGTERM/SIGINT end the watch within one ``step`` (50 ms) and the loop exits 0;
SIGHUP sets the same event with the reload flag, the loop re-reads the config,
rebuilds the node and watches again. ``yield_on_timeout`` makes the watch
return empty at least every half second: the heartbeat for ``WATCHDOG=1``,
the periodic rescan for missed events (network shares) every
``rescan_seconds``, and the pass owed when a watch (re)starts, for a file that
landed after the previous pass but before the new watcher ran. A pass that fails is
logged and the loop goes on; after ``failed_passes_alarm`` failed passes in a row the
heartbeat stops (systemd restarts the daemon), ``STATUS=`` and ``bwk-syncd status`` say
why, and the first pass that succeeds again resumes it.
"""

from __future__ import annotations

import os
import signal
import socket
import sqlite3
import threading
import time
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING

from shared.bundle import NAME_RE
from shared.config import ConfigError, load_config
from shared.db import DatabaseError
from syncd.common import Node, SetupError, log

if TYPE_CHECKING:  # both load only when the daemon needs them
    from watchfiles import Change

    from syncd.health import Health

SETUP_ERRORS = (ConfigError, SetupError, DatabaseError, sqlite3.DatabaseError, OSError)
STEP_MS = 20
# The watch yields at least this often: the pass owed once a new watch runs, and the
# rescan (``rescan_seconds``) counted against the clock rather than the watch timeout.
TICK_MS = 500


def sd_notify(message: str) -> bool:
    """Send one state line to systemd (``NOTIFY_SOCKET``); False when not under systemd."""
    address = os.environ.get("NOTIFY_SOCKET")
    if not address:
        return False
    if address.startswith("@"):
        address = "\0" + address[1:]
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as sock:
            sock.connect(address)
            sock.sendall(message.encode())
        return True
    except OSError as exc:
        log.warning("could not notify systemd: %s", exc)
        return False


def make_node(config_path: Path, passes: bool = False) -> Node:
    """The node the config describes; ``passes``: it is made to run passes (``once``,
    ``run``), and a backlog already in central's inbox starts its helper process now,
    while central imports its modules and opens its database."""
    # Only the node this machine runs is imported: ``once`` on central starts faster.
    from shared.config import CentralConfig

    config = load_config(config_path)
    if isinstance(config, CentralConfig):
        from syncd import helper_process

        helper = helper_process.start_early(config.central.inbox) if passes else None
        try:
            from syncd.central import CentralNode

            return CentralNode(config, helper=helper)
        except BaseException:
            if helper is not None:
                helper_process.stop(helper)
            raise
    from syncd.room import RoomNode

    return RoomNode(config)


class _Filter:
    """Only wake for bundle files and what the node asks for (the room database), not for
    our own outbox's tmp files."""

    def __init__(self, node: Node) -> None:
        self.node = node

    def __call__(self, change: Change, path: str) -> bool:
        name = os.path.basename(path)
        return bool(NAME_RE.match(name)) or self.node.wakes_for(name)


def _timeout_ms(node: Node) -> int:
    rescan_ms = node.watch_settings().rescan_seconds * 1000
    watchdog_usec = os.environ.get("WATCHDOG_USEC")
    if watchdog_usec and watchdog_usec.isdigit():
        rescan_ms = min(rescan_ms, max(int(watchdog_usec) // 2000, 100))
    return rescan_ms


def run(config_path: Path) -> int:
    wake = threading.Event()
    flags = {"stop": False, "reload": False}

    def on_stop(signum: int, frame: FrameType | None) -> None:
        flags["stop"] = True
        wake.set()

    def on_reload(signum: int, frame: FrameType | None) -> None:
        flags["reload"] = True
        wake.set()

    signal.signal(signal.SIGTERM, on_stop)
    signal.signal(signal.SIGINT, on_stop)
    signal.signal(signal.SIGHUP, on_reload)
    try:
        node = make_node(config_path, passes=True)
    except SETUP_ERRORS as exc:
        log.error("%s", exc)
        return 2
    log.info(
        "started (%s) watching %s",
        type(node).__name__,
        ", ".join(str(p) for p in node.watch_paths()),
    )
    health = _health(node)
    _safe_pass(node, health)
    sd_notify("READY=1\nSTATUS=running")
    pending, last_pass = True, time.monotonic()
    import watchfiles  # only the long-running daemon watches (``once`` starts faster)

    try:
        while not flags["stop"]:
            settings = node.watch_settings()
            rescan_ms = _timeout_ms(node)
            for changes in watchfiles.watch(
                *node.watch_paths(),
                watch_filter=_Filter(node),
                debounce=settings.debounce_ms,
                step=STEP_MS,
                stop_event=wake,
                rust_timeout=min(rescan_ms, TICK_MS),
                yield_on_timeout=True,
                raise_interrupt=False,
                recursive=False,
                force_polling=settings.force_polling or None,
            ):
                if not health.alarming:  # passes keep failing: let systemd step in
                    sd_notify("WATCHDOG=1")
                if flags["stop"] or flags["reload"]:
                    break
                # ``pending``: the first yield comes once the watcher runs; a file that
                # landed between the last pass and that moment has no event of its own.
                if changes or pending or time.monotonic() - last_pass >= rescan_ms / 1000:
                    _safe_pass(node, health)
                    pending, last_pass = False, time.monotonic()
            if flags["stop"]:
                break
            if flags["reload"]:
                flags["reload"] = False
                wake.clear()
                node = _reload(node, config_path)
                health = _health(node, health)
                _safe_pass(node, health)
            else:  # the watch ended by itself (a watched folder vanished): retry shortly
                wake.wait(0.5)
            pending, last_pass = True, time.monotonic()
    finally:
        sd_notify("STOPPING=1")
        node.close()
    log.info("stopped")
    return 0


def _reload(node: Node, config_path: Path) -> Node:
    sd_notify("RELOADING=1")
    try:
        fresh = make_node(config_path, passes=True)
    except SETUP_ERRORS as exc:
        log.error("reload refused, keeping the running config: %s", exc)
        sd_notify("READY=1")
        return node
    node.close()
    log.info("reloaded %s", config_path)
    sd_notify("READY=1")
    return fresh


def _health(node: Node, previous: Health | None = None) -> Health:
    from syncd.health import Health

    health = Health(node, node.watch_settings().failed_passes_alarm)
    if previous is not None:
        health.failed = previous.failed
    return health


def _safe_pass(node: Node, health: Health) -> None:
    started = time.perf_counter()
    try:
        report = node.run_pass()
    except Exception as exc:  # noqa: BLE001 - the daemon keeps going; the next pass retries
        was_alarming = health.alarming
        health.failed_pass(f"{type(exc).__name__}: {exc}", node.now())
        log.error("pass failed (%d in a row): %s: %s", health.failed, type(exc).__name__, exc)
        if health.alarming and not was_alarming:
            log.error("%d passes failed in a row: no more watchdog heartbeats", health.failed)
        if health.alarming:
            sd_notify(
                f"STATUS=failing: {health.failed} passes failed in a row; last: "
                f"{type(exc).__name__}: {str(exc)[:200]}"
            )
        return
    if health.alarming:
        sd_notify("STATUS=running")
        log.info("a pass succeeded again after %d failed ones", health.failed)
    health.passed(node.now())
    if report.summary() != "nothing to do":
        log.info("pass: %s (%.0f ms)", report.summary(), (time.perf_counter() - started) * 1000)
