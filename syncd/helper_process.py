"""Central's helper process (``python -m syncd.opener``): when it is worth starting, how
it is started, and how it is stopped.

Small on purpose: ``bwk-syncd once`` and ``run`` start the helper as soon as they find
a backlog in central's inbox (``start_early``), before central imports its modules and
opens its database, so that it is ready when the pass begins. Nothing depends on that:
the pass starts a helper itself when none was started early (``syncd.opener``), and
one it does not use is stopped.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

# An inbox of at least this many events bundles and bytes (about 30,000 events) is a
# backlog, opened with a helper process.
BACKLOG_FILES = 3
BACKLOG_BYTES = 1 << 20
Helper = subprocess.Popen[bytes]


def is_backlog(inbox: Path, names: list[str]) -> bool:
    """At least ``BACKLOG_FILES`` bundles of ``BACKLOG_BYTES``, on a machine with more
    than one core (on one, a helper would only wait for it)."""
    return (
        len(names) >= BACKLOG_FILES
        and _size(inbox, names) >= BACKLOG_BYTES
        and len(os.sched_getaffinity(0)) > 1
    )


def start_early(inbox: Path) -> Helper | None:
    """A helper when the events bundles waiting in ``inbox`` are a backlog, else None."""
    try:
        names = [n for n in os.listdir(inbox) if n.startswith("events-") and n.endswith(".bwk")]
    except OSError:
        return None
    if not is_backlog(inbox, names):
        return None
    try:
        return start()
    except OSError:
        return None  # the pass tries again, and says why


def start() -> Helper:
    """A fresh interpreter running this package's ``syncd.opener``, whatever folder it is
    started from (``-P``: the working folder is not put first on its path)."""
    package_root = str(Path(__file__).resolve().parent.parent)
    path = os.pathsep.join(filter(None, (package_root, os.environ.get("PYTHONPATH"))))
    return subprocess.Popen(
        [sys.executable, "-P", "-m", "syncd.opener"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        bufsize=0,  # nothing read ahead out of sight of select()
        env={**os.environ, "PYTHONPATH": path},
    )


def stop(helper: Helper) -> None:
    """Its end of input, and it exits (killed if it does not)."""
    try:
        if helper.stdin:
            helper.stdin.close()
        helper.wait(timeout=10)
    except (OSError, subprocess.TimeoutExpired):
        helper.kill()
        helper.wait()
    if helper.stdout:
        helper.stdout.close()


def _size(inbox: Path, names: list[str]) -> int:
    total = 0
    for name in names:
        try:
            total += (inbox / name).lstat().st_size
        except OSError:
            pass  # gone or unreadable: opening it says why
    return total
