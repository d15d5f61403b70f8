"""Opening central's inbox: each events bundle read, verified, decrypted and checked.

Opening needs no database and is all CPU; merging is mostly SQLite's work. When a
backlog arrives at once (a room's year: hundreds of thousands of events), a helper
process opens the next bundles while this process merges, so that two cores work,
and stages each bundle's rows for SQLite to copy (``shared.staging``); see
``python -m bench.p10_merge_end_to_end``. An everyday inbox (a bundle or two) is
opened here: starting a process would cost more than it saves.

Nothing depends on the helper. It is a fresh interpreter (nothing of this process, its
database connection or the watcher's threads, is inherited) that speaks pickle over its
standard input and output, loads the same key files as central and stops if they
changed; if it cannot start, or dies, every bundle it has not answered is opened here.
A file's content can only ever quarantine that file, as before.
"""

from __future__ import annotations

import gc
import logging
import marshal
import os
import pickle
import select
import shutil
import sqlite3
import sys
import tempfile
from collections import deque
from collections.abc import Collection, Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import IO, Any

from shared import staging, tallies
from shared.bundle import BundleRejected, open_bundle
from shared.incoming import Incoming
from shared.keys import PrivateKey, PublicKey, load_private, load_public
from shared.records import MergeRefused, to_rows
from syncd import helper_process, transport

log = logging.getLogger("bwk-syncd")  # syncd.common's: the helper need not import it
# Bundles asked of the helper ahead of the merge: bounds what it holds, and leaves the
# rest for this process to open whenever it would otherwise wait (STEAL).
AHEAD = 4
STEAL = True  # while the helper is busy, open here the bundle it would reach last


@dataclass(frozen=True)
class Refused:
    """An inbox file for quarantine: why, and the sender whose signature was verified."""

    name: str
    signer: str | None
    reason: str


@dataclass(frozen=True)
class Keys:
    """What opening a bundle needs: central's key, the enrolled rooms' keys and the
    revoked ones."""

    me: PrivateKey
    senders: dict[str, PublicKey]
    revoked: frozenset[tuple[str, str]]


def open_events_bundle(inbox: Path, name: str, keys: Keys) -> Incoming | Refused:
    """One inbox file as event rows ready to merge, or why it goes to quarantine; never
    raises for what a file holds. A refusal names the sender only once its signature
    was verified, never the room a file name or an unverified header claims."""
    signer = None
    try:
        data = transport.read_bounded(inbox, name)
        opened = open_bundle(data, keys.me, keys.senders, kinds=("events",), revoked=keys.revoked)
        header = opened.header
        signer = header["sender"]
        if header["room"] != header["sender"]:
            raise BundleRejected("bad header", "room differs from sender", signer)
        rows = to_rows(
            header["room"], opened.records, header["first_seq"], header["last_seq"], opened.columns
        )
    except BundleRejected as exc:
        return Refused(name, exc.signer, str(exc))
    except MergeRefused as exc:
        return Refused(name, signer, str(exc))
    except Exception as exc:  # noqa: BLE001 - one file never stops the pass
        return Refused(name, signer, f"could not be checked: {type(exc).__name__}")
    return Incoming(name, header, rows, opened.digest)


class InboxOpener:
    """The named inbox files opened in order, handed out in runs of one transaction.

    A backlog is opened by a helper process (``python -m syncd.opener``) up to
    ``AHEAD`` bundles ahead of the merge. It stages each bundle's rows in a scratch
    file of a name fixed in advance (``upcoming``), which central attaches before the
    run's transaction begins (SQLite refuses to attach inside one) and copies from
    once the helper has answered. Use it as a context manager: leaving stops the helper.
    """

    def __init__(
        self,
        inbox: Path,
        names: list[str],
        keys: Keys,
        key_files: tuple[Path, dict[str, Path]],
        started: helper_process.Helper | None = None,
    ) -> None:
        """``key_files``: the files central loaded its key and the rooms' keys from, which
        the helper loads too. ``started``: a helper started early (``helper_process``),
        used if a helper is needed, else stopped."""
        self.inbox, self.keys, self.key_files = inbox, keys, key_files
        self.scratch: Path | None = None  # a private temporary folder, while the helper runs
        self.number = {name: i for i, name in enumerate(names)}  # names the scratch files
        self.here = deque(names)  # to open in this process
        self.waiting: deque[str] = deque()  # for the helper
        self.ahead: deque[str] = deque()  # asked of the helper, in order
        self.helper: helper_process.Helper | None = None
        self.ended = not names
        self.staged = self.stolen = 0  # bundles staged by the helper; opened here meanwhile
        self.last_run = False  # every bundle left is in the run being merged
        self.taken: list[Incoming] = []  # the current run's bundles
        self.refused: list[Refused] = []  # and the files it sends to quarantine
        if helper_process.is_backlog(inbox, names):
            # The first bundle is opened here while the helper starts.
            self.here, self.waiting = deque(names[:1]), deque(names[1:])
            self._start_helper(started)
        elif started is not None:
            helper_process.stop(started)

    def __enter__(self) -> InboxOpener:
        return self

    def __exit__(self, *exc: object) -> None:
        if self.helper is not None:
            log.info(
                "backlog: %d bundles staged by the helper process, %d opened here meanwhile",
                self.staged,
                self.stolen,
            )
        self._stop_helper()
        if self.scratch is not None:
            shutil.rmtree(self.scratch, ignore_errors=True)

    def upcoming(self, most: int) -> list[Path]:
        """The scratch files of the next (at most ``most``) bundles the helper stages."""
        if self.helper is None:
            return []
        return [self._scratch_file(name) for name in [*self.ahead, *self.waiting][:most]]

    def run(self, max_events: int, staged: int, attached: Collection[Path]) -> Iterator[Incoming]:
        """The next bundles to merge in one transaction, opened (or waited for) as they
        are consumed: up to ``max_events`` events, and no more answers of the helper than
        the ``staged`` next scratch files, of which those ``attached`` could be attached.
        ``taken`` and ``refused`` list them."""
        self.taken, self.refused = [], []
        events = 0
        while events < max_events and (self.here or staged > 0):
            staged -= not self.here
            self.last_run = not (self.here or self.waiting) and len(self.ahead) <= staged + 1
            opened = self._next()
            if opened is None:
                self.ended = True
                return
            if isinstance(opened, Refused):
                self.refused.append(opened)
                continue
            if opened.staged is not None:
                self.staged += 1
                opened = self._with_rows(opened, attached)
                if isinstance(opened, Refused):  # changed since the helper read it
                    self.refused.append(opened)
                    continue
            self.taken.append(opened)
            yield opened
            events += opened.count
        self.ended = not (self.here or self.ahead or self.waiting)

    def idle(self) -> bool:
        """True in the last run of the pass while the helper has not answered for its
        next bundle: what is merged can be projected meanwhile, so that little is left
        to do after the helper's last answer."""
        return self.last_run and self._helper_busy()

    def _helper_busy(self) -> bool:
        """The helper has not answered yet for the next bundle asked of it."""
        stdout = self.helper.stdout if self.helper is not None else None
        return stdout is not None and not select.select([stdout], [], [], 0)[0]

    def _next(self) -> Incoming | Refused | None:
        if self.here:
            return open_events_bundle(self.inbox, self.here.popleft(), self.keys)
        if not self.ahead or self.helper is None or self.helper.stdout is None:
            return None
        if STEAL and self.waiting and self._helper_busy():
            # The helper is busy: open here a bundle it would reach last.
            self.stolen += 1
            return open_events_bundle(self.inbox, self.waiting.pop(), self.keys)
        name = self.ahead.popleft()
        try:
            answer = _read_frame(self.helper.stdout)
        except Exception as exc:  # noqa: BLE001 - it could not start, or died: open here
            log.warning("opening the inbox in this process (helper process: %r)", exc)
            self.here = deque([name, *self.ahead, *self.waiting])
            self.ahead.clear()
            self.waiting.clear()
            self._stop_helper()
            return self._next()
        self._keep_busy()
        if answer is None:  # the helper could not: open it here
            return open_events_bundle(self.inbox, name, self.keys)
        opened: Incoming | Refused = answer
        return opened

    def _with_rows(self, opened: Incoming, attached: Collection[Path]) -> Incoming | Refused:
        """The rows the helper wrote beside its scratch file, in the pass's private
        folder (0700, like everything this process writes), with ``marshal``: the same
        interpreter on both sides, and faster than pickle. Should the file be
        unreadable, or the scratch file holding the rest not attached, the bundle is
        opened here again."""
        assert opened.staged is not None
        if opened.staged not in attached:
            log.warning("opening %s in this process: its scratch file is not attached", opened.name)
            return open_events_bundle(self.inbox, opened.name, self.keys)
        try:
            rows, tally = marshal.loads(opened.staged.with_suffix(".rows").read_bytes())
        except (OSError, ValueError, EOFError, TypeError) as exc:
            log.warning("opening %s in this process: %s", opened.name, exc)
            return open_events_bundle(self.inbox, opened.name, self.keys)
        return replace(opened, rows=rows, tally=tally)

    def _scratch_file(self, name: str) -> Path:
        assert self.scratch is not None
        return self.scratch / f"{self.number[name]}.db"

    def _start_helper(self, started: helper_process.Helper | None) -> None:
        """The helper started early (``started``) if it still runs, else a new one."""
        early = started is not None and started.poll() is None
        if started is not None and not early:
            helper_process.stop(started)  # it ended already
        self.helper = started if early else None
        try:
            self.scratch = Path(tempfile.mkdtemp(prefix="bwk-merge-"))  # mode 0700
            self.helper = self.helper or helper_process.start()
            self._send((*self.key_files, _fingerprints(self.keys.me, self.keys.senders)))
            log.info(
                "backlog: %d bundles, opened with a helper process%s",
                len(self.number),
                " (started early)" if early else "",
            )
        except OSError as exc:
            log.warning("opening the inbox in this process (helper process: %r)", exc)
            self._stop_helper()
            self.here.extend(self.waiting)
            self.waiting.clear()
            return
        self._keep_busy()

    def _keep_busy(self) -> None:
        while self.helper is not None and self.waiting and len(self.ahead) < AHEAD:
            name = self.waiting[0]
            try:
                self._send((self.inbox, name, self.keys.revoked, self._scratch_file(name)))
            except OSError:
                return  # it died: reading its answers says so
            self.ahead.append(self.waiting.popleft())

    def _send(self, message: object) -> None:
        assert self.helper is not None and self.helper.stdin is not None
        _write_frame(self.helper.stdin, message)

    def _stop_helper(self) -> None:
        helper, self.helper = self.helper, None
        if helper is not None:
            helper_process.stop(helper)


def _write_frame(stream: IO[bytes], message: object) -> None:
    """A message between central and its helper (trusted both ways): its length, then it."""
    data = pickle.dumps(message, pickle.HIGHEST_PROTOCOL)
    data = len(data).to_bytes(8, "big") + data
    while data:
        data = data[stream.write(data) or 0 :]
    stream.flush()


def _read_frame(stream: IO[bytes]) -> Any:
    size = int.from_bytes(_read_exactly(stream, 8), "big")
    return pickle.loads(_read_exactly(stream, size))


def _read_exactly(stream: IO[bytes], size: int) -> bytes:
    chunks = []
    while size:
        chunk = stream.read(size)
        if not chunk:
            raise EOFError("the helper process ended")
        chunks.append(chunk)
        size -= len(chunk)
    return b"".join(chunks)


def _fingerprints(me: PrivateKey, senders: dict[str, PublicKey]) -> dict[str, str]:
    return {"": me.fingerprint} | {room: key.fingerprint for room, key in senders.items()}


# --- the helper process: python -m syncd.opener ------------------------------------------
def serve(requests: IO[bytes], answers: IO[bytes]) -> None:
    """Answer each request (inbox, name, revoked keys, scratch file) with the opened
    bundle, its rows staged and left out (``Incoming``), a ``Refused``, or None (open it
    yourself). The keys come from the files central loaded them from (a private key
    never travels through a pipe); if any of them changed since, the helper stops."""
    me_file, sender_files, fingerprints = _read_frame(requests)
    me = load_private(me_file)
    senders = {room: load_public(path) for room, path in sender_files.items()}
    if _fingerprints(me, senders) != fingerprints:
        raise SystemExit("bwk-syncd helper: a key file changed since central started")
    gc.disable()  # as gc_paused: fresh, acyclic rows by the hundred thousand
    while True:
        try:
            inbox, name, revoked, path = _read_frame(requests)
        except EOFError:
            return
        try:
            answer = _open_and_stage(inbox, name, Keys(me, senders, revoked), path)
        except Exception:  # noqa: BLE001 - out of memory and the like: central opens it
            answer = None
        _write_frame(answers, answer)


def _open_and_stage(inbox: Path, name: str, keys: Keys, path: Path) -> Incoming | Refused | None:
    """Opened and checked; its rows staged for SQLite, their tallies counted, and the rows
    central projects one by one (``staging.split``) marshalled with the count. Both
    go in files: a large answer on the pipe would wait until central reads it, and the
    helper with it."""
    opened = open_events_bundle(inbox, name, keys)
    if isinstance(opened, Refused):
        return opened
    try:
        staging.stage_rows(path, opened.rows)
        tally = tallies.count_rows(opened.rows)
        rows, bulk = staging.split(opened.rows)
        path.with_suffix(".rows").write_bytes(marshal.dumps((rows, tally)))
    except (OSError, sqlite3.Error) as exc:  # a full disk, say: central opens it itself
        log.warning("could not stage the rows of %s: %s", name, exc)
        path.unlink(missing_ok=True)
        return None
    return replace(opened, rows=[], staged=path, bulk=bulk)


if __name__ == "__main__":
    # Through the module's own name: what it answers must unpickle as syncd.opener's.
    from syncd import opener

    opener.serve(sys.stdin.buffer, sys.stdout.buffer)
    # Every answer was flushed and every scratch file closed: leave without tearing the
    # interpreter down, so that central, waiting for the helper to end, need not wait.
    os._exit(0)
