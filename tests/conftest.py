"""Shared test fixtures: a controllable clock and real room databases in tmp_path."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from shared.clock import TZ
from shared.store import RoomStore


class FakeClock:
    """A clock the test moves by hand; ``clock()`` returns an aware local time."""

    def __init__(self, start: datetime):
        self.now = start if start.tzinfo else start.replace(tzinfo=TZ)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta) -> datetime:
        self.now += timedelta(**delta)
        return self.now

    def set(self, *args) -> datetime:
        self.now = datetime(*args, tzinfo=TZ)
        return self.now


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(datetime(2017, 3, 1, 10, 0, tzinfo=TZ))


@pytest.fixture
def make_store(tmp_path, clock):
    """``make_store(room, path=None)``: a RoomStore on a real file, closed after the test."""
    stores: list[RoomStore] = []

    def make(room: str = "cjm", path=None) -> RoomStore:
        store = RoomStore(path or tmp_path / f"{room}.db", room, clock=clock)
        stores.append(store)
        return store

    yield make
    for store in stores:
        store.close()


@pytest.fixture
def store(make_store) -> RoomStore:
    return make_store("cjm")
