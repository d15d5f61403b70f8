"""Stopping the kiosk in a real terminal: SIGTERM, SIGHUP, and a terminal that goes away.

Textual's own shutdown writes to the terminal (mouse off, alternate screen
off) through a writer thread with a bounded queue. When the terminal is gone
(a closed tmux window, a dropped ssh session, foot killed under cage), those
writes fail or block, the queue fills and the main thread hangs in
``Queue.put`` for ever (Textual issue #5140); a SIGTERM handled on the event
loop then never runs, and systemd has to SIGKILL a kiosk that keeps the
database open.

So the stop signals are not handled on the event loop. ``TerminalGuard``
blocks them in every thread (threads inherit the mask, so it is installed
before the app starts any) and one watcher thread takes them with
``sigtimedwait``; between signals it polls the terminal for a hang-up.

* SIGTERM or SIGINT: ask the app to exit normally (the screen is restored),
  and end the process anyway after ``grace`` seconds.
* SIGHUP or a hung-up terminal: first make Textual's terminal output a no-op
  (nothing is written to a terminal that is not there), then the same.
* A second stop signal during the shutdown ends the process at once.

A forced end uses ``os._exit``: the database is safe (every event is its own
committed transaction; an unfinished one is rolled back by SQLite), and
nothing else needs saving. Children started by the kiosk inherit the blocked
signals: start them with ``preexec_fn=unblock_stop_signals`` if they must obey
``terminate()`` (or stop them with ``kill()``).
"""

from __future__ import annotations

import logging
import os
import select
import signal
import termios
import threading
import time
from typing import Any

log = logging.getLogger("bwk.kiosk")

STOP_SIGNALS = (signal.SIGTERM, signal.SIGHUP, signal.SIGINT)
GRACE_SECONDS = 3.0  # a normal shutdown takes well under a second
POLL_SECONDS = 0.25  # how often the watcher looks at the terminal
HANG_UP = select.POLLHUP | select.POLLERR | select.POLLNVAL
EXIT_STOPPED = 0  # the units treat a stop as a clean exit


class _NoTerminal:
    """Stands in for Textual's writer thread once the terminal is gone."""

    def write(self, text: str) -> None:
        return None

    def flush(self) -> None:
        return None

    def stop(self) -> None:
        return None

    def isatty(self) -> bool:
        return True


class TerminalGuard:
    """Owns the stop signals and watches the terminal for the kiosk's whole run."""

    def __init__(self, *, grace: float = GRACE_SECONDS, tty_fds: tuple[int, ...] = (0, 2)):
        self.grace = grace
        self.tty_fds = tuple(fd for fd in tty_fds if _is_tty(fd))
        self.app: Any = None
        self.loop: Any = None
        self.deadline: float | None = None  # when a stop that has begun is forced
        self.terminal_lost = False
        self.reason = ""
        self._attrs = _terminal_attrs(self.tty_fds)
        self._lock = threading.Lock()
        self._watcher: threading.Thread | None = None

    # --- set-up -----------------------------------------------------------
    def install(self) -> TerminalGuard:
        """Block the stop signals here (and so in every thread started later); start
        the watcher. Call from the main thread before the app starts."""
        signal.pthread_sigmask(signal.SIG_BLOCK, STOP_SIGNALS)
        self._watcher = threading.Thread(target=self._watch, name="kiosk-stop-watch", daemon=True)
        self._watcher.start()
        return self

    def attach(self, app: Any) -> None:
        """The app is running (call from its ``on_mount``): a stop now exits it normally."""
        import asyncio

        with self._lock:
            self.app, self.loop = app, asyncio.get_running_loop()

    # --- the watcher thread -----------------------------------------------
    def _watch(self) -> None:
        poller = select.poll()
        for fd in self.tty_fds:
            poller.register(fd, 0)  # POLLHUP/POLLERR/POLLNVAL are always reported
        while True:
            try:
                info = signal.sigtimedwait(STOP_SIGNALS, POLL_SECONDS)
            except InterruptedError:
                info = None
            if info is not None:
                self.on_signal(info.si_signo)
            elif (
                self.tty_fds
                and not self.terminal_lost
                and any(mask & HANG_UP for _fd, mask in poller.poll(0))
            ):
                self.stop("terminal lost", terminal_gone=True)
            if self.deadline is not None and time.monotonic() >= self.deadline:
                self.force_exit(f"{self.reason}: still running after {self.grace:g} s")

    def on_signal(self, signum: int) -> None:
        name = signal.Signals(signum).name
        if self.deadline is not None and signum != signal.SIGHUP:
            self.force_exit(f"{name} during the shutdown")
        self.stop(name, terminal_gone=signum == signal.SIGHUP)

    # --- stopping ---------------------------------------------------------
    def stop(self, reason: str, *, terminal_gone: bool = False) -> None:
        """Begin a normal exit (from any thread); it is forced after ``grace`` seconds."""
        if terminal_gone and not self.terminal_lost:
            self.terminal_lost = True
            self._mute_terminal()
        with self._lock:
            if self.deadline is not None:
                return
            self.reason = reason
            self.deadline = time.monotonic() + self.grace
        log.info("kiosk stopping: %s", reason)
        self._request_exit()

    def _request_exit(self) -> None:
        app, loop = self.app, self.loop
        if app is None or loop is None:  # still starting: nothing to finish or save
            self.force_exit(f"{self.reason} during start-up")
        try:
            loop.call_soon_threadsafe(app.exit, EXIT_STOPPED)
        except RuntimeError:  # the loop has already closed: the app is ending
            pass

    def _mute_terminal(self) -> None:
        """Textual writes nothing more; a write already waiting for room is let through."""
        driver = getattr(self.app, "_driver", None)
        writer = getattr(driver, "_writer_thread", None)
        if driver is None or writer is None:
            return
        driver._writer_thread = _NoTerminal()
        queue = getattr(writer, "_queue", None)
        while queue is not None and not queue.empty():
            try:
                queue.get_nowait()
            except Exception:  # noqa: BLE001 - emptied by the writer meanwhile
                break

    def force_exit(self, why: str) -> None:
        """End the process now, from any thread, without touching the terminal's screen."""
        log.warning("kiosk ends without a full shutdown: %s", why)
        if not self.terminal_lost:
            _restore_attrs(self._attrs)  # echo and line mode back; never blocks
        _flush_logs()
        os._exit(EXIT_STOPPED)

    def finish(self, code: int) -> int:
        """After the app has returned: with the terminal gone, end here, before Python's
        exit flushes stdout and stderr into it (a write that could fail or hang)."""
        if self.terminal_lost:
            _flush_logs()
            os._exit(code)
        return code


def unblock_stop_signals() -> None:
    """``preexec_fn`` for a child process: SIGTERM, SIGHUP and SIGINT work in it again."""
    signal.pthread_sigmask(signal.SIG_UNBLOCK, STOP_SIGNALS)


def _is_tty(fd: int) -> bool:
    try:
        return os.isatty(fd)
    except OSError:
        return False


def _terminal_attrs(fds: tuple[int, ...]) -> tuple[int, list] | None:
    for fd in fds:
        try:
            return fd, termios.tcgetattr(fd)
        except termios.error:
            continue
    return None


def _restore_attrs(saved: tuple[int, list] | None) -> None:
    if saved is not None:
        try:
            termios.tcsetattr(saved[0], termios.TCSANOW, saved[1])
        except (termios.error, OSError):
            pass


def _flush_logs() -> None:
    for handler in logging.getLogger().handlers:
        try:
            handler.flush()
        except Exception:  # noqa: BLE001 - the log is best effort at this point
            pass
