"""Snapshots of the dashboard at fixed sizes, on deterministic data and a fixed clock:
the wide default, a 120x40 terminal (every room and the total) and 80x24 (one room at a
time next to the total)."""

from __future__ import annotations

import pytest

from kiosk.staff.widgets.results import ResultsTable
from tests.test_staff_dashboard import SIZE, make_app, settle
from tests.test_staff_data import build_central


@pytest.mark.parametrize("size", [SIZE, (120, 40), (80, 24)], ids=["wide", "120x40", "80x24"])
def test_dashboard_snapshot(snap_compare, tmp_path, size):
    path = tmp_path / "central.db"
    build_central(path)

    async def loaded(pilot) -> None:
        await settle(pilot.app, pilot)
        assert pilot.app.screen.report is not None
        pilot.app.screen.query_one(ResultsTable).focus()
        await pilot.wait_for_scheduled_animations()
        await pilot.pause()

    assert snap_compare(make_app(path), terminal_size=size, run_before=loaded)
