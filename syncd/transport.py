"""The folder transport: atomic writes, safe listing and reading, quarantine.

Whatever moves the files (Syncthing, rsync, a share, a USB stick), syncd only
ever sees a folder. Writers put ``NAME.tmp``, fsync, rename to ``NAME``, fsync
the folder. Readers list the folder and consider only names that match the
bundle pattern exactly (so ``*.tmp``, ``.syncthing.*``, ``*.sync-conflict-*``,
``*.part`` and anything else are ignored), open them relative to the folder
without following symlinks, and refuse anything larger than the limit before
reading it. A file name is never used as a path: it is matched against the
pattern first, which allows no separators.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from shared import atomic_file
from shared.atomic_file import fsync_dir  # noqa: F401 - callers import it from here
from shared.bundle import MAX_BUNDLE_BYTES, NAME_RE, SUFFIX, BundleRejected

QUARANTINE = "quarantine"


def write_atomic(folder: Path, name: str, data: bytes) -> Path:
    """Write the bundle ``folder/name`` completely or not at all (tmp, fsync, rename, fsync dir)."""
    if not NAME_RE.match(name):
        raise ValueError(f"not a bundle name: {name!r}")
    folder.mkdir(parents=True, exist_ok=True)
    return atomic_file.write_atomic(folder / name, data)


def safe_name(raw: bytes | str) -> str:
    """A file name as printable ASCII for the quarantine, the database and status:
    other bytes (a name that is not UTF-8, control characters) as ``%XX``."""
    if isinstance(raw, str):
        raw = os.fsencode(raw)
    return "".join(chr(b) if 0x20 < b < 0x7F and b not in b"/\\" else f"%{b:02X}" for b in raw)


def _scan(folder: Path) -> list[tuple[bytes, os.stat_result | None]]:
    """(raw name, lstat or None when it vanished) of every entry; names stay bytes."""
    try:
        with os.scandir(os.fsencode(folder)) as entries:
            found: list[tuple[bytes, os.stat_result | None]] = []
            for entry in entries:
                try:
                    found.append((entry.name, entry.stat(follow_symlinks=False)))
                except OSError:
                    found.append((entry.name, None))
            return found
    except FileNotFoundError:
        return []


def _bundle_name(raw: bytes) -> str | None:
    try:
        name = raw.decode("ascii")
    except UnicodeDecodeError:
        return None
    return name if NAME_RE.match(name) else None


def incoming(folder: Path, kinds: tuple[str, ...]) -> list[str]:
    """Bundle names waiting in ``folder`` (oldest first), of the given kinds: regular
    files only (what else has a bundle name is for ``suspicious``)."""
    found = []
    for raw, info in _scan(folder):
        name = _bundle_name(raw)
        match = NAME_RE.match(name) if name else None
        if name and match and match.group(1) in kinds and info and stat.S_ISREG(info.st_mode):
            found.append((info.st_mtime_ns, name))
    return [name for _, name in sorted(found)]


def suspicious(folder: Path) -> list[tuple[bytes, str]]:
    """(raw name, reason) of what must go to quarantine before a pass reads the folder:
    names with our suffix that are not bundle names (or not even UTF-8), and bundle
    names that are not regular files (symlinks, FIFOs, devices, folders)."""
    out = []
    for raw, info in _scan(folder):
        if info is None:
            continue
        if _bundle_name(raw):
            if not stat.S_ISREG(info.st_mode):
                out.append((raw, "not a file"))
            continue
        if (
            raw.endswith(SUFFIX.encode())
            and not raw.startswith(b".")
            and b".sync-conflict-" not in raw
        ):
            try:
                raw.decode("utf-8")
            except UnicodeDecodeError:
                out.append((raw, "bad name: not UTF-8"))
                continue
            if stat.S_ISREG(info.st_mode):
                out.append((raw, "bad name"))
            elif not stat.S_ISDIR(info.st_mode):
                out.append((raw, "bad name: not a file"))
    return out


def read_bounded(folder: Path, name: str, limit: int = MAX_BUNDLE_BYTES) -> bytes:
    """Read a listed bundle; refuse before reading if it is too big, or not a plain file.

    Opened without following a link and without blocking: a FIFO swapped in for
    a listed file would otherwise hang the pass until a writer came along.
    """
    if "/" in name or "\\" in name or name in (".", ".."):
        raise BundleRejected("bad name")
    dir_fd = os.open(folder, os.O_RDONLY)
    flags = os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)
    try:
        fd = os.open(name, flags, dir_fd=dir_fd)
    except OSError as exc:
        raise BundleRejected("unreadable", exc.strerror or "") from None
    finally:
        os.close(dir_fd)
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise BundleRejected("not a file")
        if info.st_size > limit:
            raise BundleRejected("too large", f"{info.st_size} bytes > {limit}")
        chunks, total = [], 0
        while True:
            chunk = os.read(fd, 1 << 20)
            if not chunk:
                break
            total += len(chunk)
            if total > limit:
                raise BundleRejected("too large", f"grew beyond {limit} bytes while reading")
            chunks.append(chunk)
        return b"".join(chunks)
    except OSError as exc:
        raise BundleRejected("unreadable", exc.strerror or "") from None
    finally:
        os.close(fd)


def quarantine_folder(inbox: Path) -> Path:
    return inbox.parent / QUARANTINE


def quarantine(inbox: Path, name: str | bytes, reason: str) -> Path | None:
    """Move ``inbox/name`` to ``quarantine/`` beside the inbox with ``NAME.reason``.

    Returns where it went (a printable ASCII name), or None when the file had
    gone meanwhile (the transport took it back). Whatever the entry is (a file,
    a link, a FIFO), the entry itself is moved, never what it points to.
    """
    target_dir = quarantine_folder(inbox)
    target_dir.mkdir(parents=True, exist_ok=True)
    raw = os.fsencode(name) if isinstance(name, str) else name
    base = safe_name(os.path.basename(raw))
    target = base
    n = 1
    while (
        (target_dir / target).exists()
        or (target_dir / f"{target}.reason").exists()
        or (target_dir / target).is_symlink()
    ):
        target = f"{base}.{n}"
        n += 1
    try:
        os.replace(
            os.path.join(os.fsencode(inbox), os.path.basename(raw)),
            os.fsencode(target_dir / target),
        )
    except FileNotFoundError:
        return None
    reason_path = target_dir / f"{target}.reason"
    reason_path.write_text(reason.strip() + "\n", "utf-8")
    fsync_dir(target_dir)
    return target_dir / target


def quarantined(inbox: Path) -> list[tuple[str, str]]:
    """(file name, reason) of everything in quarantine beside ``inbox``."""
    folder = quarantine_folder(inbox)
    if not folder.is_dir():
        return []
    out = []
    for raw, _ in sorted(_scan(folder)):
        name = safe_name(raw)
        if name.endswith(".reason"):
            continue
        reason_path = folder / f"{name}.reason"
        try:
            reason = reason_path.read_text("utf-8", "replace").strip()
        except OSError:
            reason = ""
        out.append((name, reason))
    return out


def prune_quarantine(
    inbox: Path, max_files: int, max_bytes: int, max_age_seconds: float, now: float | None = None
) -> int:
    """Remove the oldest quarantined files (with their reasons) past a count, total size
    or age; returns how many went. A flood of junk can then never fill the disk."""
    import time

    folder = quarantine_folder(inbox)
    now = time.time() if now is None else now
    entries = {raw: info for raw, info in _scan(folder) if info is not None}
    held = []
    for raw, info in entries.items():
        if raw.endswith(b".reason"):
            continue
        since = entries.get(raw + b".reason", info).st_mtime  # when it was quarantined
        held.append((since, raw, info.st_size if stat.S_ISREG(info.st_mode) else 0))
    held.sort(reverse=True)  # newest first: what is kept
    kept_bytes, removed = 0, 0
    for index, (mtime, raw, size) in enumerate(held):
        kept_bytes += size
        if index < max_files and kept_bytes <= max_bytes and now - mtime <= max_age_seconds:
            continue
        for victim in (raw, raw + b".reason"):
            try:
                os.unlink(os.path.join(os.fsencode(folder), victim))
            except FileNotFoundError:
                pass
            except IsADirectoryError:
                import shutil

                shutil.rmtree(os.path.join(os.fsencode(folder), victim), ignore_errors=True)
        removed += 1
    return removed


def remove(folder: Path, name: str) -> None:
    try:
        os.unlink(os.path.join(folder, os.path.basename(name)))
    except FileNotFoundError:
        pass


def clean_stale_tmp(folder: Path, older_than: float = 60.0) -> int:
    """Remove our own half-written ``BUNDLE.tmp`` files (a crash mid-write)."""
    import time

    removed = 0
    try:
        names = os.listdir(folder)
    except FileNotFoundError:
        return 0
    for name in names:
        if name.endswith(".tmp") and NAME_RE.match(name[:-4]):
            try:
                age = time.time() - os.stat(os.path.join(folder, name)).st_mtime
            except FileNotFoundError:
                continue
            if age >= older_than:
                remove(folder, name)
                removed += 1
    return removed


def waiting_count(folder: Path) -> int:
    return sum(1 for raw, _ in _scan(folder) if _bundle_name(raw))
