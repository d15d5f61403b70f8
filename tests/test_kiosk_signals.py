"""Issue 11.21: the kiosk always stops on SIGTERM and SIGHUP and when it loses its terminal.

Each test runs the real ``bwk-kiosk --demo`` in a pseudo-terminal that is its
controlling terminal (bench/pty_kiosk.py), with a temporary HOME, while a
visitor goes through the kiosk by keyboard (the room opened by the demo key
holder, check-ins by code, language switches, surveys answered or skipped).
At a random moment (a screen, a transition, a database worker, the
confirmation timer) it is stopped, and it must be gone within a few seconds.

More rounds on demand: ``BWK_SIGNAL_ROUNDS=20 pytest tests/test_kiosk_signals.py``,
or the drill ``python -m bench.r7_kiosk_signals``.
"""

from __future__ import annotations

import os
import random
import signal
import sys
import threading
import zlib
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.pty_kiosk import FlowError, PtyKiosk, VisitorFlow  # noqa: E402
from shared.i18n import LANGUAGES  # noqa: E402

EXIT_WITHIN = 8.0  # seconds; a stop normally takes well under one (the grace is 3)
ROUNDS = int(os.environ.get("BWK_SIGNAL_ROUNDS", "1"))
LEAVE_ALT_SCREEN = b"\x1b[?1049l"  # Textual's goodbye to a terminal it can still write to


def visitor_session(flow: VisitorFlow, rng: random.Random, done: threading.Event) -> None:
    """Visitors until the kiosk goes away (then the flow fails: expected)."""
    try:
        flow.open_room()
        codes = flow.kiosk.visitor_codes()
        while not done.is_set():
            if rng.random() < 0.3:
                flow.choose_language(rng.choice(LANGUAGES), LANGUAGES)
            flow.check_in(rng.choice(codes), answer_survey=rng.random() < 0.5)
    except (FlowError, OSError):
        pass


def stop_at_random_moment(tmp_path: Path, how: str, seed: int) -> tuple[int | None, float, bytes]:
    """Start a kiosk, let visitors use it for a random while, stop it ``how``;
    returns (exit code or None, seconds it took, what it wrote after the stop)."""
    import time

    rng = random.Random(seed)
    with PtyKiosk(tmp_path / f"home-{how}-{seed}", size=(100, 32)) as kiosk:
        flow = VisitorFlow(kiosk)
        flow.started()  # (a stop before the first screen simply ends the process)
        done = threading.Event()
        visitors = threading.Thread(target=visitor_session, args=(flow, rng, done), daemon=True)
        visitors.start()
        time.sleep(rng.uniform(0.0, 2.5))  # opening the room, check-ins: anywhere
        assert kiosk.proc.poll() is None, f"the kiosk ended by itself: {kiosk.text()[-600:]!r}"
        if how == "frozen-term":  # the terminal stops reading; shutdown output cannot drain
            kiosk.frozen.set()
            time.sleep(rng.uniform(0.2, 1.0))
        kiosk.capture()  # the visitors' keys clear what wait_for sees, not this
        started = time.monotonic()
        if how in ("term", "frozen-term", "term-twice"):
            kiosk.signal(signal.SIGTERM)
            if how == "term-twice":
                time.sleep(rng.uniform(0.0, 0.2))
                kiosk.signal(signal.SIGTERM)
        elif how == "hup":
            kiosk.signal(signal.SIGHUP)
        elif how in ("close", "close-then-term"):
            kiosk.close_master()
            if how == "close-then-term":
                time.sleep(rng.uniform(0.0, 0.3))
                kiosk.signal(signal.SIGTERM)
        code = kiosk.wait(EXIT_WITHIN)
        took = time.monotonic() - started
        done.set()
        kiosk.frozen.clear()
        kiosk.drained(5.0)  # all the kiosk wrote before it exited has been read
        written = kiosk.captured()
    visitors.join(20)
    return code, took, written


@pytest.mark.parametrize(
    "how", ["term", "hup", "close", "close-then-term", "term-twice", "frozen-term"]
)
def test_the_kiosk_stops_at_any_moment(tmp_path, how):
    for round_ in range(ROUNDS):
        seed = zlib.crc32(f"{how}{round_}".encode()) & 0xFFFF if ROUNDS > 1 else len(how)
        code, took, written = stop_at_random_moment(tmp_path, how, seed)
        assert code is not None, f"{how} (seed {seed}): still running after {EXIT_WITHIN} s"
        assert code == 0, f"{how} (seed {seed}): exit code {code}"
        if how == "hup":  # the terminal may be gone: not a byte of goodbye
            assert LEAVE_ALT_SCREEN not in written, f"seed {seed}: wrote to the terminal"
        if how == "term":  # a terminal that is there gets its screen back
            assert LEAVE_ALT_SCREEN in written, f"seed {seed}: screen not restored"


def test_a_child_of_the_kiosk_can_be_terminated():
    """The kiosk blocks the stop signals in its threads; a child it starts (say, the
    speaker) with ``unblock_stop_signals`` still obeys ``terminate()``."""
    import subprocess

    from kiosk.lifecycle import STOP_SIGNALS, unblock_stop_signals

    old = signal.pthread_sigmask(signal.SIG_BLOCK, STOP_SIGNALS)
    try:
        child = subprocess.Popen(["sleep", "30"], preexec_fn=unblock_stop_signals)
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, old)
    child.terminate()
    assert child.wait(5) == -signal.SIGTERM
