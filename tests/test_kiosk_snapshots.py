"""Screenshots of the main kiosk screens, in Dutch, at a fixed size with a fixed clock.

Update after an intended change: ``pytest tests/test_kiosk_snapshots.py --snapshot-update``.
"""

from __future__ import annotations

from test_kiosk_support import SIZE, make_app, scan, settle, type_text

from kiosk.speech import Speaker
from shared import codes, people


def _app(tmp_path, **kwargs):
    # 🔊 shown whether or not this machine has espeak-ng (nothing is spoken here)
    kwargs.setdefault("speaker", Speaker(program="true"))
    app, store, key_holder, clock = make_app(tmp_path, **kwargs)
    return app, store, key_holder, clock


def fixed_code(number: int) -> str:
    """A valid visitor code that is the same in every run (screenshots show its end)."""
    body = "".join(codes.ALPHABET[(number * 7 + i) % 32] for i in range(codes.RANDOM_LENGTH))
    return body + codes.check_character(body)


def remember(store, names) -> None:
    """People with fixed codes (register_visitor draws random ones)."""
    with store.conn:
        for number, name in enumerate(names):
            people.remember(store.conn, fixed_code(number), name, store.now())


def test_snapshot_closed(snap_compare, tmp_path):
    app, *_ = _app(
        tmp_path,
        open_room=False,
        opening_hours="ma-vr 10:00-16:00",
        demo_key_holder=("Demo", "1234"),
    )
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


# --- the visitor screens at the smallest supported terminal (branch visitor) --------
SMALL = (80, 24)


def _same_names_app(tmp_path):
    app, store, *_ = _app(tmp_path)
    remember(store, ("Mohamed", "Mohamed", "Mohamed A.", "Mohammed", "Moussa", "Monique", "Mo"))
    return app


def test_snapshot_welcome_80x24(snap_compare, tmp_path):
    app, *_ = _app(tmp_path)
    assert snap_compare(app, terminal_size=SMALL, run_before=settle)


def test_snapshot_same_names_and_more_80x24(snap_compare, tmp_path):
    async def run_before(pilot):
        await settle(pilot)
        await type_text(pilot, "mo")
        await settle(pilot)

    assert snap_compare(_same_names_app(tmp_path), terminal_size=SMALL, run_before=run_before)


def test_snapshot_same_names_and_more(snap_compare, tmp_path):
    async def run_before(pilot):
        await settle(pilot)
        await type_text(pilot, "mo")
        await settle(pilot)

    assert snap_compare(_same_names_app(tmp_path), terminal_size=SIZE, run_before=run_before)


def test_snapshot_letter_pad_80x24(snap_compare, tmp_path):
    async def run_before(pilot):
        await settle(pilot)
        await pilot.click("#pad-letters")
        await pilot.click("#letters-M")
        await pilot.click("#letters-O")
        await settle(pilot)

    assert snap_compare(_same_names_app(tmp_path), terminal_size=SMALL, run_before=run_before)


def test_snapshot_code_pad_80x24(snap_compare, tmp_path):
    app, *_ = _app(tmp_path)

    async def run_before(pilot):
        await settle(pilot)
        await pilot.click("#pad-code")
        await settle(pilot)

    assert snap_compare(app, terminal_size=SMALL, run_before=run_before)


def test_snapshot_anonymous_window_80x24(snap_compare, tmp_path):
    app, *_ = _app(tmp_path)

    async def run_before(pilot):
        await settle(pilot)
        await pilot.click("#anonymous")
        await settle(pilot)

    assert snap_compare(app, terminal_size=SMALL, run_before=run_before)


def test_snapshot_activity_choice_80x24(snap_compare, tmp_path):
    app, store, *_ = _app(tmp_path)
    zoe = store.register_visitor("Zoë")

    async def run_before(pilot):
        await settle(pilot)
        await scan(pilot, zoe.code)
        await pilot.click("#act-kookclub")
        await settle(pilot)

    assert snap_compare(app, terminal_size=SMALL, run_before=run_before)


def test_snapshot_confirmation_80x24(snap_compare, tmp_path):
    app, *_ = _app(tmp_path)

    async def run_before(pilot):
        await settle(pilot)
        await pilot.click("#anonymous")
        await pilot.click("#act-kookclub")
        await pilot.click("#done")
        await settle(pilot)

    assert snap_compare(app, terminal_size=SMALL, run_before=run_before)


def _taken_name_run(pad: bool):
    async def run_before(pilot):
        await settle(pilot)
        await pilot.click("#new")
        await settle(pilot)
        await type_text(pilot, "Fatma")
        await pilot.press("enter")
        await settle(pilot)
        if pad:
            await pilot.click("#pad-letters")
            await settle(pilot)

    return run_before


def test_snapshot_register_taken_name_80x24(snap_compare, tmp_path):
    app, store, *_ = _app(tmp_path)
    store.register_visitor("Fatma")
    assert snap_compare(app, terminal_size=SMALL, run_before=_taken_name_run(False))


def test_snapshot_register_taken_name(snap_compare, tmp_path):
    app, store, *_ = _app(tmp_path)
    store.register_visitor("Fatma")
    assert snap_compare(app, terminal_size=SIZE, run_before=_taken_name_run(False))


def test_snapshot_register_letter_pad_80x24(snap_compare, tmp_path):
    app, store, *_ = _app(tmp_path)
    store.register_visitor("Fatma")
    assert snap_compare(app, terminal_size=SMALL, run_before=_taken_name_run(True))


def test_snapshot_survey_80x24(snap_compare, tmp_path):
    app, store, _, clock = _app(tmp_path, survey_chance=1.0)
    zoe = store.register_visitor("Zoë")
    clock.advance(days=1)

    async def run_before(pilot):
        await settle(pilot)
        await scan(pilot, zoe.code)
        await pilot.click("#done")
        await settle(pilot)

    assert snap_compare(app, terminal_size=SMALL, run_before=run_before)
