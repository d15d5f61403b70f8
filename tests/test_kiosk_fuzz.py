"""Random keys and clicks on a running kiosk: it never exits and never raises.

Short in CI (about 20 examples); ``BWK_LONG=1`` runs many more.
"""

from __future__ import annotations

import asyncio
import os

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_kiosk_support import SIZE, make_app, settle

from kiosk.app import LOCKED_KEYS

LONG = os.environ.get("BWK_LONG") == "1"
KEYS = (
    list("abcdefghijklmnopqrstuvwxyz0123456789-[]@=/")
    + [
        "enter",
        "escape",
        "tab",
        "shift+tab",
        "up",
        "down",
        "left",
        "right",
        "space",
        "backspace",
        "home",
        "end",
        "pageup",
        "pagedown",
        "ctrl+u",
        "ctrl+w",
        "ctrl+a",
    ]
    + [f"f{i}" for i in range(1, 13)]
    + list(LOCKED_KEYS)
)
ACTIONS = st.one_of(
    st.tuples(st.just("key"), st.sampled_from(KEYS)),
    st.tuples(
        st.just("click"), st.tuples(st.integers(0, SIZE[0] - 1), st.integers(0, SIZE[1] - 1))
    ),
)


async def _drive(tmp_path, actions, open_room: bool) -> None:
    app, store, _, _ = make_app(tmp_path, open_room=open_room, survey_chance=0.5)
    store.register_visitor("Zoë")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        for kind, value in actions:
            if kind == "key":
                await pilot.press(value)
            else:
                await pilot.click(offset=value)
        await settle(pilot)
        assert app.is_running and app.return_code is None or app.return_code == 3
    store.close()


@settings(
    max_examples=400 if LONG else 10,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(actions=st.lists(ACTIONS, min_size=1, max_size=120 if LONG else 30), open_room=st.booleans())
def test_random_keys_and_clicks_never_crash_or_quit(tmp_path_factory, actions, open_room):
    tmp_path = tmp_path_factory.mktemp("fuzz")
    asyncio.run(_drive(tmp_path, actions, open_room))
