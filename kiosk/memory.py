"""Keep the kiosk's resident memory flat on a small room machine (issue 11.20).

Measured in a real terminal (bench/p9_kiosk_soak.py), most of the kiosk's
memory beyond its Python objects was glibc malloc keeping freed memory:

* big short-lived buffers (scrypt's 16 MiB for a PIN check, a full-screen
  frame of escape codes) are first mmap()ed and given back, but glibc then
  raises its mmap threshold to their size, so the next ones come from the heap
  of the thread that asked and stay resident there after free();
* every thread (Textual's writer and input threads, the database thread, each
  database worker) may get its own malloc arena with its own free lists.

A fixed mmap threshold and two arenas cost nothing measurable in speed here.
glibc only; elsewhere (musl, macOS) this does nothing.

The Python objects that grew were Textual's: ``StylesCache.get_inner_outer``
is an ``lru_cache(1024)`` on an instance method, so it keeps the last 1,024
StylesCache objects alive, each with the rendered lines of a widget long gone
(every survey screen, volunteer button or name match leaves one): about 30 MB
before it levels off (Textual issue #6665, open). ``release_dead_widgets``
caches the colours alone.
"""

from __future__ import annotations

import ctypes
import logging
from functools import lru_cache

log = logging.getLogger("bwk.kiosk")

M_TRIM_THRESHOLD = -1
M_MMAP_THRESHOLD = -3
M_ARENA_MAX = -8
MMAP_THRESHOLD = 128 * 1024  # glibc's own starting value, now kept fixed
TRIM_THRESHOLD = 256 * 1024
ARENAS = 2


def _libc():
    try:
        libc = ctypes.CDLL(None)
        return libc if hasattr(libc, "mallopt") else None
    except OSError:
        return None


def tune_malloc() -> bool:
    """Call once at start-up, before threads start; True if glibc took the settings."""
    libc = _libc()
    if libc is None:
        return False
    libc.mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
    results = [
        libc.mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD),
        libc.mallopt(M_TRIM_THRESHOLD, TRIM_THRESHOLD),
        libc.mallopt(M_ARENA_MAX, ARENAS),
    ]
    if not all(results):
        log.info("malloc tuning not taken (%s)", results)
    return all(results)


def release_dead_widgets() -> bool:
    """Stop Textual's style cache from keeping removed widgets' rendered lines
    alive; True if applied (idempotent; a Textual without the method is left alone)."""
    try:
        from textual._styles_cache import StylesCache
        from textual.style import Style
    except ImportError:
        return False
    current = getattr(StylesCache, "get_inner_outer", None)
    if current is None:
        return False
    if getattr(current, "_bwk_colours_only", False):
        return True

    @lru_cache(1024)
    def inner_outer(base_background, background) -> tuple:
        return Style(background=base_background + background), Style(background=base_background)

    def get_inner_outer(self, base_background, background) -> tuple:
        return inner_outer(base_background, background)

    get_inner_outer._bwk_colours_only = True  # type: ignore[attr-defined]
    if hasattr(current, "cache_clear"):
        current.cache_clear()  # let go of what it holds already
    StylesCache.get_inner_outer = get_inner_outer  # type: ignore[method-assign, assignment]
    return True
