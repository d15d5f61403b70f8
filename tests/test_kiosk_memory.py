"""Issue 11.20: screens and widgets the kiosk has left behind do not stay in memory.

Textual's ``StylesCache.get_inner_outer`` is an ``lru_cache`` on an instance
method: it kept the last 1,024 widgets' style caches (with their rendered
lines) alive after the widgets were gone, about 30 MB in a real terminal
(Textual #6665). ``bwk-kiosk`` applies ``kiosk.memory.release_dead_widgets``
at start; the soak in bench/p9_kiosk_soak.py measures the whole process.
"""

from __future__ import annotations

import gc

from textual._styles_cache import StylesCache

from kiosk.memory import release_dead_widgets, tune_malloc
from kiosk.screens.pin import PinScreen
from kiosk.screens.welcome import WelcomeScreen
from test_kiosk_support import SIZE, make_app, settle


def live_style_caches() -> int:
    gc.collect()
    return sum(isinstance(o, StylesCache) for o in gc.get_objects())


async def test_screens_left_behind_free_their_rendered_lines(tmp_path):
    assert release_dead_widgets()  # as bwk-kiosk does at start
    app, _store, _, _ = make_app(tmp_path)

    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)

        async def key_holder_and_back() -> None:  # a new PIN screen each time, then home
            await pilot.click("#keyholder")
            await settle(pilot)
            assert isinstance(app.screen, PinScreen)
            await pilot.press("escape")
            await settle(pilot)
            assert isinstance(app.screen, WelcomeScreen)

        for _ in range(2):
            await key_holder_and_back()
        before = live_style_caches()
        for _ in range(8):
            await key_holder_and_back()
        # before the fix each visit left about ten widgets' caches behind (90 here)
        assert live_style_caches() - before < 10


def test_malloc_tuning_is_harmless_to_call_twice():
    first = tune_malloc()
    assert tune_malloc() == first
    assert release_dead_widgets() and release_dead_widgets()
