"""A room clock far from central's is noticed once an acknowledgement has been read.

The room's own signs (a dead clock battery, a time before the last event or a
year after it) cannot see a room whose clock was wrong from its very first
event; central's clock in the newest ack can.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from test_syncd_site import Site, StepClock

from shared.clock import TZ
from shared.config import load_config
from shared.store import RoomStore
from syncd.central import CentralNode
from syncd.room import RoomNode

REAL_NOW = datetime(2017, 3, 1, 10, 0, tzinfo=TZ)


@pytest.fixture
def site(tmp_path):
    site = Site(tmp_path / "site", rooms=("cjm",))
    yield site
    site.close()


@pytest.fixture
def clocks():
    """(the room's clock, central's clock), both right to start with."""
    return StepClock(REAL_NOW), StepClock(REAL_NOW)


@pytest.fixture
def store(site, clocks):
    store = RoomStore(site.db("cjm"), "cjm", clock=clocks[0])
    yield store
    store.close()


def _sync(site: Site, room_clock, central_clock, ack_travels: timedelta = timedelta(0)) -> None:
    room = RoomNode(load_config(site.config("cjm")), clock=room_clock)
    central = CentralNode(load_config(site.config("central")), clock=central_clock)
    try:
        room.run_pass()
        central.run_pass()
        room_clock.now += ack_travels
        central_clock.now += ack_travels
        assert room.run_pass().bundles_read == 1  # the ack
    finally:
        room.close()
        central.close()


@pytest.mark.parametrize(
    "room_clock_off, ack_travels, warned",
    [
        (timedelta(0), timedelta(0), False),
        (timedelta(0), timedelta(days=12), False),  # carried on a USB stick, read 12 days later
        (timedelta(minutes=-20), timedelta(0), False),  # a little off: not worth a warning
        (timedelta(hours=-3), timedelta(0), True),
        (timedelta(days=-800), timedelta(0), True),
        (timedelta(days=60), timedelta(0), True),
        (timedelta(days=365 * 14), timedelta(0), True),  # a new room whose clock is in 2031
    ],
)
def test_clock_far_from_centrals_is_noticed_after_an_ack(
    site, clocks, store, room_clock_off, ack_travels, warned
):
    clocks[0].now += room_clock_off  # wrong from the room's very first event
    store.check_in(None)
    assert store.clock_warning() is None  # nothing to compare with yet
    _sync(site, *clocks, ack_travels)
    assert (store.clock_warning() == "clock_far_off") is warned


@pytest.mark.parametrize(
    "wrong_by, until_the_next_ack",
    [
        (timedelta(hours=-3), "clock_far_off"),  # central's old reading still says "behind"
        (timedelta(days=60), "clock_before_last_event"),  # the events made while it was ahead
    ],
)
def test_a_clock_set_right_is_cleared_by_the_next_ack(
    site, clocks, store, wrong_by, until_the_next_ack
):
    room_clock, central_clock = clocks
    room_clock.now += wrong_by
    store.check_in(None)
    _sync(site, *clocks)
    assert store.clock_warning() == "clock_far_off"
    room_clock.now = central_clock.now = REAL_NOW + timedelta(minutes=10)  # set right
    # Until the next ack: seconds after the opening, with a live transport.
    assert store.clock_warning() == until_the_next_ack
    store.check_in(None)
    _sync(site, *clocks)
    assert store.clock_warning() is None


def test_an_older_ack_arriving_late_does_not_replace_the_newest(site, clocks, store):
    store.check_in(None)
    _sync(site, *clocks)
    late = CentralNode(
        load_config(site.config("central")), clock=StepClock(REAL_NOW - timedelta(days=90))
    )
    try:
        late.write_ack("cjm")  # an ack sealed 90 days earlier, found only now
    finally:
        late.close()
    assert len(list((site.root / "cjm" / "inbox").glob("ack-*.bwk"))) == 1
    room = RoomNode(load_config(site.config("cjm")), clock=clocks[0])
    try:
        assert room.run_pass().bundles_read == 1
    finally:
        room.close()
    assert store.clock_warning() is None


def test_retention_purge_waits_for_central_to_vouch_for_a_clock_that_jumped_ahead(
    site, clocks, store
):
    room_clock, central_clock = clocks
    sleeper = store.register_visitor("Slaper")
    store.check_in(sleeper.code)
    _sync(site, *clocks)
    room_clock.now += timedelta(days=330)  # the date jumps 11 months: no sign of its own
    assert store.clock_warning() is None
    assert store.purge_idle_names(6) == 0 and store.person(sleeper.code) is not None
    central_clock.now = room_clock.now  # 11 months really passed: central agrees
    store.check_in(None)
    _sync(site, *clocks)
    assert store.purge_idle_names(6) == 1 and store.person(sleeper.code) is None
