"""Issue 11.20: screens and widgets the kiosk has left behind do not stay in memory.

Textual's ``StylesCache.get_inner_outer`` is an ``lru_cache`` on an instance
method: it kept the last 1,024 widgets' style caches (with their rendered
lines) alive after the widgets were gone, about 30 MB in a real terminal
(Textual #6665). ``bwk-kiosk`` applies ``kiosk.memory.release_dead_widgets``
at start; the soak in bench/p9_kiosk_soak.py measures the whole process.
"""

from __future__ import annotations

import gc

from test_kiosk_support import SIZE, make_app, settle
from textual._styles_cache import StylesCache

from kiosk.memory import release_dead_widgets, tune_malloc
from kiosk.screens.pin import PinScreen
from kiosk.screens.welcome import WelcomeScreen


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


def test_pins_hashed_before_the_change_still_match():
    """The kiosk hashes PINs with hashlib's scrypt (no `cryptography` extension loaded);
    a hash stored by the earlier code (cryptography's Scrypt) must still match."""
    import base64
    import os

    from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

    from shared.people import SCRYPT_N, SCRYPT_P, SCRYPT_R, hash_pin, pin_matches

    salt = os.urandom(16)
    old = Scrypt(salt=salt, length=32, n=SCRYPT_N, r=SCRYPT_R, p=SCRYPT_P).derive(b"2468")
    b64 = lambda b: base64.b64encode(b).decode()  # noqa: E731
    stored = f"scrypt${SCRYPT_N}${SCRYPT_R}${SCRYPT_P}${b64(salt)}${b64(old)}"
    assert pin_matches(stored, "2468") and not pin_matches(stored, "2469")
    assert pin_matches(hash_pin("2468"), "2468")
    assert not pin_matches("scrypt$3$8$1$AAAA$AAAA", "2468")  # n not a power of two
