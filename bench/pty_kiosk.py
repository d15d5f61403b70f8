"""Drive ``bwk-kiosk --demo`` in a real pseudo-terminal, as a person at a terminal would.

The kiosk is a real subprocess whose stdin/stdout/stderr are the slave side of
a pty that is also its controlling terminal (so closing the master sends it
SIGHUP, as closing a tmux window does). HOME and XDG_DATA_HOME point at a
temporary folder, so the demo database and log never touch the developer's.
A reader thread keeps draining the master (a terminal that stops reading
would block the kiosk's writes); ``wait_for`` looks for a screen's text in
what the kiosk drew since the last key sent.

Used by the P9 soak (``bench/p9_kiosk_soak.py``), the R7 signal drill
(``bench/r7_kiosk_signals.py``) and tests/test_kiosk_signals.py.
"""

from __future__ import annotations

import fcntl
import os
import re
import select
import sqlite3
import struct
import subprocess
import sys
import termios
import threading
import time
from pathlib import Path

ANSI = re.compile(
    rb"\x1b\[[0-9;?<>=]*[ -/]*[@-~]|\x1b[()][0-9A-Za-z]|\x1b[=>78MDE]"
    rb"|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1bP[^\x1b]*\x1b\\"
)
KEYS = {"enter": "\r", "tab": "\t", "shift+tab": "\x1b[Z", "escape": "\x1b", "backspace": "\x7f"}


def kiosk_command() -> list[str]:
    """The installed console script beside this Python, else the module."""
    script = Path(sys.executable).with_name("bwk-kiosk")
    return [str(script)] if script.exists() else [sys.executable, "-m", "kiosk.cli"]


def _become_terminal_owner() -> None:  # runs in the child between fork and exec
    os.setsid()
    fcntl.ioctl(0, termios.TIOCSCTTY, 0)


class PtyKiosk:
    """One kiosk process on its own pty; ``home`` is its private HOME."""

    def __init__(
        self,
        home: Path,
        *,
        size: tuple[int, int] = (120, 40),
        args: tuple[str, ...] = ("--demo",),
        command: list[str] | None = None,
        env: dict[str, str] | None = None,
    ):
        self.home = Path(home)
        self.home.mkdir(parents=True, exist_ok=True)
        self.master, slave = os.openpty()
        cols, rows = size
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
        extra_env = env
        env = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith(("TEXTUAL", "TMUX", "PYTEST", "COLUMNS", "LINES"))
        }
        env.update(
            HOME=str(self.home),
            XDG_DATA_HOME=str(self.home / "data"),
            TERM="xterm-256color",
            COLORTERM="truecolor",
            LANG="C.UTF-8",
        )
        env.update(extra_env or {})
        self.proc = subprocess.Popen(
            (command or kiosk_command()) + list(args),
            stdin=slave,
            stdout=slave,
            stderr=slave,
            cwd=self.home,
            env=env,
            close_fds=True,
            preexec_fn=_become_terminal_owner,
        )
        os.close(slave)
        self._screen = bytearray()  # what was drawn since the last mark()
        self._lock = threading.Condition()
        self._closing = threading.Event()
        self.frozen = threading.Event()
        self._capture: bytearray | None = None
        self.total_bytes = 0
        self._reader = threading.Thread(target=self._drain, daemon=True, name="pty-reader")
        self._reader.start()

    @property
    def pid(self) -> int:
        return self.proc.pid

    @property
    def folder(self) -> Path:
        return self.home / "data" / "bwk-demo"

    # --- the terminal ---------------------------------------------------
    def _drain(self) -> None:
        # This thread owns the master: a close() from another thread while a read()
        # is blocked on it would not really close it (no hang-up would reach the kiosk).
        while True:
            if self._closing.is_set():
                os.close(self.master)
                chunk = b""
            elif self.frozen.is_set():  # a terminal that stops reading (XOFF, a hung tmux)
                time.sleep(0.05)
                continue
            else:
                ready, _, _ = select.select([self.master], [], [], 0.05)
                try:
                    chunk = os.read(self.master, 65536) if ready else None
                except OSError:  # EIO: the kiosk has closed its side
                    chunk = b""
            if chunk is None:
                continue
            with self._lock:
                if chunk:
                    self.total_bytes += len(chunk)
                    self._screen += chunk
                    if self._capture is not None:
                        self._capture += chunk
                    if len(self._screen) > 1 << 20:
                        del self._screen[: len(self._screen) - (1 << 19)]
                self._lock.notify_all()
            if not chunk:
                if not self._closing.is_set():
                    self._closing.set()
                    os.close(self.master)
                return

    def mark(self) -> None:
        """Forget what was drawn so far: ``wait_for`` looks only at what comes next."""
        with self._lock:
            self._screen.clear()

    def capture(self) -> None:
        """Keep everything drawn from now on (``mark`` does not clear it): ``captured``."""
        with self._lock:
            self._capture = bytearray()

    def captured(self) -> bytes:
        with self._lock:
            return bytes(self._capture or b"")

    def text(self) -> str:
        with self._lock:
            raw = bytes(self._screen)
        return ANSI.sub(b"", raw).decode("utf-8", "replace")

    def wait_for(self, *needles: str, timeout: float = 30.0) -> str | None:
        """The first of ``needles`` drawn since the last mark, or None after ``timeout``."""
        deadline = time.monotonic() + timeout
        while True:
            shown = self.text()
            for needle in needles:
                if needle in shown:
                    return needle
            left = deadline - time.monotonic()
            if left <= 0 or self.proc.poll() is not None:
                return None
            with self._lock:
                self._lock.wait(min(left, 0.2))

    def send(self, *keys: str, mark: bool = True) -> None:
        """Type ``keys`` (plain text, or names from KEYS); marks the screen first."""
        if mark:
            self.mark()
        data = "".join(KEYS.get(key, key) for key in keys).encode()
        self._write(data)

    def click(self, x: int, y: int) -> None:
        """A mouse click (SGR mouse reporting) at column x, row y (0-based)."""
        self.mark()
        self._write(f"\x1b[<0;{x + 1};{y + 1}M\x1b[<0;{x + 1};{y + 1}m".encode())

    def _write(self, data: bytes) -> None:
        try:
            if not self._closing.is_set():
                os.write(self.master, data)
        except OSError:  # the terminal has just been closed: the keys go nowhere
            pass

    def close_master(self) -> None:
        """The terminal goes away (a closed tmux window or ssh session)."""
        self._closing.set()
        self._reader.join(5)

    def drained(self, timeout: float) -> None:
        """Wait until the kiosk's side of the terminal is closed and all of its
        output has been read (call after it has exited)."""
        self._reader.join(timeout)

    # --- the process ----------------------------------------------------
    def status(self, field: str) -> int:
        """A kB field of /proc/PID/status (VmRSS, VmHWM)."""
        try:
            with open(f"/proc/{self.pid}/status") as status:
                for line in status:
                    if line.startswith(field + ":"):
                        return int(line.split()[1])
        except OSError:
            pass
        return 0

    def signal(self, sig: int) -> None:
        try:
            self.proc.send_signal(sig)
        except ProcessLookupError:
            pass

    def wait(self, timeout: float) -> int | None:
        """The exit code, or None if it is still running after ``timeout`` seconds."""
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            return None

    def stop(self) -> None:
        """Clean up whatever happened: SIGKILL if still alive, close the terminal."""
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(10)
        self.close_master()

    def __enter__(self) -> PtyKiosk:
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    # --- the demo room --------------------------------------------------
    def visitor_codes(self) -> list[str]:
        """Codes of the demo's visitors (read-only, beside the running kiosk)."""
        db = sqlite3.connect(f"file:{self.folder / 'demo.db'}?mode=ro", uri=True, timeout=10)
        try:
            rows = db.execute(
                "SELECT code FROM people WHERE code NOT IN "
                "(SELECT code FROM roles WHERE role = 'key_holder') "
                "ORDER BY code"
            ).fetchall()
        finally:
            db.close()
        return [code for (code,) in rows]

    def count_checkins(self) -> int:
        db = sqlite3.connect(f"file:{self.folder / 'demo.db'}?mode=ro", uri=True, timeout=10)
        try:
            return db.execute("SELECT COUNT(*) FROM events WHERE kind = 'checkin'").fetchone()[0]
        finally:
            db.close()


class FlowError(RuntimeError):
    """The kiosk did not show the screen the flow expected."""


def text(lang: str, key: str, length: int = 16) -> str:
    """The start of a screen text: short enough never to be wrapped or cut."""
    from shared.i18n import t

    return t(lang, key)[:length]


class VisitorFlow:
    """The visitor's way through a kiosk in a pty, step by step (keys only, as a
    keyboard-wedge scanner and a keyboard user would). ``lang`` is the language the
    welcome screen is in; each step waits for the screen it leads to."""

    def __init__(self, kiosk: PtyKiosk, timeout: float = 15.0):
        self.kiosk, self.timeout = kiosk, timeout
        self.lang = "nl"
        self.surveys = 0

    def expect(self, *needles: str) -> str:
        seen = self.kiosk.wait_for(*needles, timeout=self.timeout)
        if seen is None:
            raise FlowError(
                f"expected one of {needles!r}; the screen shows {self.kiosk.text()[-600:]!r}"
            )
        return seen

    def started(self) -> None:
        self.expect(text("nl", "closed_open", 12))

    def open_room(self, name: str | None = None, pin: str | None = None) -> None:
        """From the closed screen: the key holder (the demo's, unless told) opens the room
        and goes home."""
        from shared.demo import DEMO_KEY_HOLDER, DEMO_PIN

        name, pin = name or DEMO_KEY_HOLDER, pin or DEMO_PIN
        k = self.kiosk
        k.send("enter")
        self.expect(text("nl", "pin_name", 8))
        k.send(name)
        time.sleep(0.5)  # the name search lands (the PIN screen needs it)
        k.send("enter")
        time.sleep(0.1)
        k.send(pin, "enter")
        self.expect(text("nl", "room_opened", 10))
        k.send("escape")
        self.expect(text("nl", "welcome_been_here"))

    def choose_language(self, lang: str, languages: tuple[str, ...]) -> None:
        """On the welcome screen (focus in the name box): Shift+Tab to the language."""
        if lang == self.lang:
            return
        back = len(languages) - languages.index(lang)
        self.kiosk.send(*["shift+tab"] * back, "enter")
        self.expect(text(lang, "welcome_been_here"))
        self.lang = lang

    def check_in(self, code: str, *, answer_survey: bool = False) -> None:
        """Code + Enter, Enter on the activities ("Klaar"), the survey if it comes
        (answered or skipped), Enter on the confirmation; back on the welcome screen."""
        k, lang = self.kiosk, self.lang
        k.send(code, "enter")
        self.expect(text(lang, "activities_hint"))
        k.send("enter")
        seen = self.expect(text(lang, "confirm_bye"), text(lang, "survey_title"))
        if seen == text(lang, "survey_title"):
            self.surveys += 1
            # focus starts on "skip"; Shift+Tab reaches the last smiley of each question
            keys = (
                ["shift+tab", "enter", "shift+tab", "shift+tab", "shift+tab", "enter"]
                if answer_survey
                else ["enter"]
            )
            k.send(*keys)
            self.expect(text(lang, "confirm_bye"))
        k.send("enter")
        # home in the same language, or in Dutch once the kiosk resets it (issue 11.7)
        seen = self.expect(text(lang, "welcome_been_here"), text("nl", "welcome_been_here"))
        self.lang = lang if seen == text(lang, "welcome_been_here") else "nl"
