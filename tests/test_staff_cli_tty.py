"""``bwk-staff`` as a coordinator starts it, in a real terminal (a pty): the usage in
docs/REPORTS.md on a year without data opens, and ``q`` ends it with exit code 0."""

from __future__ import annotations

import fcntl
import os
import pty
import select
import struct
import subprocess
import sys
import termios
from pathlib import Path

from tests.test_staff_data import ROOMS, build_central

STAFF = Path(sys.executable).with_name("bwk-staff")


def read_until(fd: int, wanted: bytes, limit_s: float = 60) -> bytes:
    """Everything the terminal shows until ``wanted`` appears (or the child stops)."""
    seen = b""
    while wanted not in seen:
        ready, _, _ = select.select([fd], [], [], limit_s)
        if not ready:
            break
        try:
            chunk = os.read(fd, 65536)
        except OSError:  # the child closed the terminal
            break
        if not chunk:
            break
        seen += chunk
    return seen


def test_a_year_without_data_opens_in_a_real_terminal_and_q_exits_0(tmp_path):
    build_central(tmp_path / "central.db")
    rooms = "".join(f'\n[rooms.{r}]\nkey = "keys/{r}.pub"\noutbox = "out/{r}"\n' for r in ROOMS)
    config = tmp_path / "central.toml"
    config.write_text(
        f'[central]\ndatabase = "central.db"\nkey = "keys/central.key"\ninbox = "inbox"\n{rooms}',
        "utf-8",
    )
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 120, 0, 0))
    env = {**os.environ, "TERM": "xterm-256color", "COLUMNS": "120", "LINES": "40"}
    child = subprocess.Popen(
        [str(STAFF), "--config", str(config), "--year", "2015"],
        stdin=slave,
        stdout=slave,
        stderr=slave,
        env=env,
        close_fds=True,
    )
    os.close(slave)
    try:
        shown = read_until(master, b"Kookclub")
        assert b"Kookclub" in shown, shown[-2000:]
        os.write(master, b"q")
        rest = read_until(master, b"\x00never\x00")  # to the end of the child's output
        code = child.wait(timeout=60)
    finally:
        if child.poll() is None:
            child.kill()
        os.close(master)
    output = (shown + rest).decode("utf-8", "replace")
    assert "Traceback" not in output and "InvalidSelectValueError" not in output
    assert code == 0
