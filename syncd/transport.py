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

from shared.bundle import MAX_BUNDLE_BYTES, NAME_RE, SUFFIX, BundleRejected

QUARANTINE = "quarantine"


def fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write_atomic(folder: Path, name: str, data: bytes) -> Path:
    """Write ``folder/name`` completely or not at all (tmp, fsync, rename, fsync dir)."""
    if not NAME_RE.match(name):
        raise ValueError(f"not a bundle name: {name!r}")
    folder.mkdir(parents=True, exist_ok=True)
    final = folder / name
    tmp = folder / f"{name}.tmp"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view):]
        os.fsync(fd)
    finally:
        os.close(fd)
    os.replace(tmp, final)
    fsync_dir(folder)
    return final


def incoming(folder: Path, kinds: tuple[str, ...]) -> list[str]:
    """Bundle names waiting in ``folder`` (oldest first), of the given kinds."""
    try:
        entries = list(os.scandir(folder))
    except FileNotFoundError:
        return []
    found = []
    for entry in entries:
        match = NAME_RE.match(entry.name)
        if match and match.group(1) in kinds:
            try:
                info = entry.stat(follow_symlinks=False)
            except FileNotFoundError:
                continue
            if stat.S_ISREG(info.st_mode):
                found.append((info.st_mtime_ns, entry.name))
    return [name for _, name in sorted(found)]


def suspicious(folder: Path) -> list[str]:
    """Names with our suffix that are not valid bundle names (to quarantine)."""
    try:
        names = os.listdir(folder)
    except FileNotFoundError:
        return []
    return [n for n in names if n.endswith(SUFFIX) and not NAME_RE.match(n)
            and not n.startswith(".") and ".sync-conflict-" not in n
            and os.path.isfile(os.path.join(folder, n))]


def read_bounded(folder: Path, name: str, limit: int = MAX_BUNDLE_BYTES) -> bytes:
    """Read a listed bundle; refuse before reading if it is too big, or not a plain file."""
    if "/" in name or "\\" in name or name in (".", ".."):
        raise BundleRejected("bad name")
    dir_fd = os.open(folder, os.O_RDONLY)
    try:
        fd = os.open(name, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0), dir_fd=dir_fd)
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
    finally:
        os.close(fd)


def quarantine_folder(inbox: Path) -> Path:
    return inbox.parent / QUARANTINE


def quarantine(inbox: Path, name: str, reason: str) -> Path | None:
    """Move ``inbox/name`` to ``quarantine/`` beside the inbox with ``name.reason``."""
    target_dir = quarantine_folder(inbox)
    target_dir.mkdir(parents=True, exist_ok=True)
    base = os.path.basename(name)
    target = target_dir / base
    n = 1
    while target.exists() or (target_dir / f"{target.name}.reason").exists():
        target = target_dir / f"{base}.{n}"
        n += 1
    try:
        os.replace(os.path.join(inbox, base), target)
    except FileNotFoundError:
        return None  # moved away meanwhile (the transport took it back)
    reason_path = target_dir / f"{target.name}.reason"
    reason_path.write_text(reason.strip() + "\n", "utf-8")
    fsync_dir(target_dir)
    return target


def quarantined(inbox: Path) -> list[tuple[str, str]]:
    """(file name, reason) of everything in quarantine beside ``inbox``."""
    folder = quarantine_folder(inbox)
    if not folder.is_dir():
        return []
    out = []
    for path in sorted(folder.iterdir()):
        if path.name.endswith(".reason"):
            continue
        reason_path = folder / f"{path.name}.reason"
        reason = reason_path.read_text("utf-8").strip() if reason_path.exists() else ""
        out.append((path.name, reason))
    return out


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
    try:
        return sum(1 for n in os.listdir(folder) if NAME_RE.match(n))
    except FileNotFoundError:
        return 0
