"""Write a file completely or not at all: one routine for every writer that must survive
a crash or a power cut (bundles, the published catalog, exports).

The data goes to a temporary file in the same folder, which is fsynced, renamed over the
target, and then the folder itself is fsynced so the rename is on disk too. A reader
sees the old file or the new one, never half of one.
"""

from __future__ import annotations

import os
from pathlib import Path


def fsync_dir(folder: Path) -> None:
    """Make a rename or a new entry in ``folder`` durable."""
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write_atomic(
    path: Path, data: bytes | str, *, tmp: Path | None = None, mode: int = 0o644
) -> Path:
    """Write ``data`` (text is UTF-8) to ``path`` via ``tmp`` (default ``PATH.tmp``, which
    must be in the same folder); a failed write leaves no temporary file behind."""
    if isinstance(data, str):
        data = data.encode("utf-8")
    tmp = path.with_name(path.name + ".tmp") if tmp is None else tmp
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    try:
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view) :]
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    fsync_dir(path.parent)
    return path
