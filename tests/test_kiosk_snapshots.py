"""Screenshots of the main kiosk screens, in Dutch, at a fixed size with a fixed clock.

Update after an intended change: ``pytest tests/test_kiosk_snapshots.py --snapshot-update``.
"""

from __future__ import annotations

from test_kiosk_support import SIZE, make_app, scan, settle, type_text


def _app(tmp_path, **kwargs):
    app, store, key_holder, clock = make_app(tmp_path, **kwargs)
    return app, store, key_holder, clock


def test_snapshot_closed(snap_compare, tmp_path):
    app, *_ = _app(tmp_path, open_room=False, opening_hours="ma-vr 10:00-16:00",
                   demo_key_holder=("Demo", "1234"))
    assert snap_compare(app, terminal_size=SIZE, run_before=settle)


def test_snapshot_welcome_with_matches(snap_compare, tmp_path):
    app, store, *_ = _app(tmp_path)
    for name in ("Zoë", "Zoran", "Kofi"):
        store.register_visitor(name)

    async def run_before(pilot):
        await settle(pilot)
        await type_text(pilot, "zo")
        await settle(pilot)

    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)


def test_snapshot_activity_choice(snap_compare, tmp_path):
    app, store, *_ = _app(tmp_path)
    zoe = store.register_visitor("Zoë")

    async def run_before(pilot):
        await settle(pilot)
        await scan(pilot, zoe.code)
        await pilot.click("#act-kookclub")
        await settle(pilot)

    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)


def test_snapshot_confirmation(snap_compare, tmp_path):
    app, store, *_ = _app(tmp_path)
    zoe = store.register_visitor("Zoë")

    async def run_before(pilot):
        await settle(pilot)
        await scan(pilot, zoe.code)
        await pilot.click("#act-kookclub")
        await pilot.click("#act-conversatieles")
        await pilot.click("#done")
        await settle(pilot)

    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)


def test_snapshot_close_summary(snap_compare, tmp_path):
    app, store, key_holder, clock = _app(tmp_path)
    zoe, roy, kofi = (store.register_visitor(n) for n in ("Zoë", "Roy", "Kofi"))
    store.set_volunteer(roy.code, True, by=key_holder.code)
    store.start_shift(roy.code)
    clock.advance(minutes=20)
    store.check_in(zoe.code, ["kookclub", "computerles"])
    store.check_in(kofi.code, [])
    store.check_in(None, ["formulierenbrigade"])
    store.record_jobs("klussendienst", 2, roy.code)
    clock.advance(hours=5)

    async def run_before(pilot):
        await settle(pilot)
        await pilot.click("#keyholder")
        await settle(pilot)
        await type_text(pilot, "Anna")
        await settle(pilot)
        await pilot.press("enter", *"2468", "enter")
        await settle(pilot)
        await pilot.click("#kh-close")
        await settle(pilot)

    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)
