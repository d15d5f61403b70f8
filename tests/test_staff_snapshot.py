"""A snapshot of the dashboard at a fixed size, on deterministic data and a fixed clock."""

from __future__ import annotations

from kiosk.staff_widgets.results import ResultsTable
from tests.test_staff_dashboard import SIZE, make_app, settle
from tests.test_staff_data import build_central


def test_dashboard_snapshot(snap_compare, tmp_path):
    path = tmp_path / "central.db"
    build_central(path)

    async def loaded(pilot) -> None:
        await settle(pilot.app, pilot)
        assert pilot.app.screen.report is not None
        pilot.app.screen.query_one(ResultsTable).focus()
        await pilot.wait_for_scheduled_animations()
        await pilot.pause()

    assert snap_compare(make_app(path), terminal_size=SIZE, run_before=loaded)
