"""Key holders can always get in: wrong PINs count per name, one-letter names log in,
trivial PINs are refused, leaving the kiosk is confirmed (issue 10 item 18; issue 11
items 10, 11). ``init`` and restored key holders: test_kiosk_keyholder_init.py."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from test_kiosk_keyholder import until_exit
from test_kiosk_support import PIN, SIZE, kinds, make_app, screen_text, settle, type_text

from kiosk.app import EXIT_MAINTENANCE
from kiosk.screens.keyholder import KeyHolderScreen
from kiosk.screens.pin import PinScreen
from shared import queries

REPO = Path(__file__).resolve().parents[1]
BERT_PIN = "5831"


async def to_pin_screen(pilot) -> None:
    await settle(pilot)
    await pilot.click("#open")
    await settle(pilot)
    assert isinstance(pilot.app.screen, PinScreen)


async def try_pin(pilot, pin: str) -> str:
    await pilot.click("#pin")
    await type_text(pilot, pin)
    await pilot.press("enter")
    await settle(pilot)
    return screen_text(pilot.app)


async def retype_name(pilot, name: str) -> None:
    pilot.app.screen.query_one("#kh-name").value = ""
    await pilot.click("#kh-name")
    await type_text(pilot, name)
    await settle(pilot)


# --- issue 10 item 18: wrong PINs count per key holder ------------------------------
async def test_wrong_pins_for_one_name_lock_out_only_that_name(tmp_path):
    app, store, anna, clock = make_app(tmp_path, open_room=False)
    store.add_key_holder("Bert", BERT_PIN, by=anna.code)
    async with app.run_test(size=SIZE) as pilot:
        await to_pin_screen(pilot)
        await type_text(pilot, "Bert")
        await settle(pilot)
        for _ in range(4):
            assert "Die pincode klopt niet." in await try_pin(pilot, "9999")
        fifth = await try_pin(pilot, "9999")
        assert "Probeer het over 60 seconden opnieuw." in fifth  # the wait is said at once
        locked = await try_pin(pilot, BERT_PIN)  # even Bert's right PIN waits now
        assert "Te vaak een verkeerde pincode voor Bert. Wacht 60 seconden." in locked
        assert "Andere sleutelbeheerders kunnen wel inloggen." in locked
        # the prankster did not lock Anna out: she opens the room
        await retype_name(pilot, "Anna")
        await try_pin(pilot, PIN)
        assert isinstance(app.screen, KeyHolderScreen)
        assert queries.room_state(store.conn, "cjm").is_open


async def test_the_wait_doubles_and_is_said_in_minutes_and_in_english(tmp_path):
    app, store, anna, clock = make_app(tmp_path, open_room=False)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.click("#lang-en")
        await to_pin_screen(pilot)
        await type_text(pilot, "Anna")
        await settle(pilot)
        for _ in range(5):
            await try_pin(pilot, "9999")
        clock.advance(seconds=61)
        assert "Try again in 2 minutes." in await try_pin(pilot, "9999")  # 120 s
        assert "Too many wrong PINs for Anna. Wait 2 minutes." in await try_pin(pilot, PIN)
        clock.advance(seconds=121)
        await try_pin(pilot, PIN)
        assert isinstance(app.screen, KeyHolderScreen)


def test_a_lock_never_lasts_more_than_an_hour_and_success_starts_again(tmp_path, store, clock):
    from shared.store import PinLocked, PinWrong

    holder = store.add_key_holder("Ans", "2469", by=None)
    waits = []
    for _ in range(20):
        try:
            store.verify_key_holder(holder.code, "0000")
        except PinWrong as exc:
            waits.append(exc.wait_seconds)
        except PinLocked as exc:
            clock.advance(seconds=exc.seconds)
    assert max(w for w in waits if w) == 3600
    assert [w for w in waits if w][:4] == [60, 120, 240, 480]
    clock.advance(hours=1, seconds=1)
    assert store.verify_key_holder(holder.code, "2469").code == holder.code
    with pytest.raises(PinWrong) as wrong:
        store.verify_key_holder(holder.code, "0000")
    assert wrong.value.wait_seconds is None  # the count started again


async def test_unknown_names_have_a_gentle_limit_that_locks_out_nobody(tmp_path):
    app, store, _, _ = make_app(tmp_path, open_room=False)
    async with app.run_test(size=SIZE) as pilot:
        await to_pin_screen(pilot)
        await type_text(pilot, "Zorro")
        await settle(pilot)
        for _ in range(9):
            assert "Geen sleutelbeheerder met die naam." in await try_pin(pilot, "9999")
        assert "Probeer het over 30 seconden opnieuw." in await try_pin(pilot, "9999")
        assert "Te vaak een onbekende naam geprobeerd. Wacht 30 seconden." in await try_pin(
            pilot, "9999"
        )
        scopes = [r[0] for r in store.conn.execute("SELECT scope FROM pin_attempts")]
        assert scopes == ["kiosk:unknown"]  # one row for all unknown names, none per name
        await retype_name(pilot, "Anna")
        await try_pin(pilot, PIN)
        assert isinstance(app.screen, KeyHolderScreen)
    # a key holder got in: the game's count starts again
    assert store.conn.execute("SELECT COUNT(*) FROM pin_attempts").fetchone()[0] == 0


async def test_a_pin_of_the_wrong_shape_is_not_counted(tmp_path):
    app, store, _, _ = make_app(tmp_path, open_room=False)
    async with app.run_test(size=SIZE) as pilot:
        await to_pin_screen(pilot)
        await type_text(pilot, "Anna")
        await settle(pilot)
        for _ in range(6):
            assert "Een pincode is 4 tot 8 cijfers." in await try_pin(pilot, "12")
        await try_pin(pilot, PIN)
        assert isinstance(app.screen, KeyHolderScreen)


# --- issue 11 item 10: one-letter names, trivial PINs, --add-key-holder ---------------
async def test_a_one_letter_key_holder_logs_in_and_esther_can_still_pick_herself(tmp_path):
    app, store, anna, _ = make_app(tmp_path, open_room=False)
    e = store.add_key_holder("E", "7351", by=anna.code)
    store.add_key_holder("Esther", "8264", by=anna.code)
    async with app.run_test(size=SIZE) as pilot:
        await to_pin_screen(pilot)
        await type_text(pilot, "e")
        await settle(pilot)
        buttons = {str(b.label): b for b in app.screen.query(".person")}
        assert set(buttons) == {"E", "Esther"}  # a list from the first letter
        assert buttons["E"].has_class("-chosen")  # the exact name is picked
        await try_pin(pilot, "7351")
        assert isinstance(app.screen, KeyHolderScreen) and app.screen.person.code == e.code
        await pilot.click("#kh-done")
        await settle(pilot)
        await pilot.click("#keyholder")
        await settle(pilot)
        await type_text(pilot, "E")
        await settle(pilot)
        esther = next(b for b in app.screen.query(".person") if str(b.label) == "Esther")
        await pilot.click(esther)  # Esther taps her own name
        await try_pin(pilot, "8264")
        assert app.screen.person.name == "Esther"


async def test_enter_before_the_search_result_lands_still_logs_in(tmp_path):
    app, store, _, _ = make_app(tmp_path, open_room=False)
    async with app.run_test(size=SIZE) as pilot:
        await to_pin_screen(pilot)
        await pilot.press(*"Anna", "enter", *PIN, "enter")  # no waiting in between
        await settle(pilot)
        assert isinstance(app.screen, KeyHolderScreen)


async def test_several_matches_and_no_choice_asks_to_tap_a_name_without_counting(tmp_path):
    app, store, anna, _ = make_app(tmp_path, open_room=False)
    store.add_key_holder("Annemarie", "8264", by=anna.code)
    store.add_key_holder("Anouk", "7351", by=anna.code)
    async with app.run_test(size=SIZE) as pilot:
        await to_pin_screen(pilot)
        await type_text(pilot, "an")
        await settle(pilot)
        assert "Tik op je naam." in await try_pin(pilot, "8264")
        assert isinstance(app.screen, PinScreen)
    assert store.conn.execute("SELECT COUNT(*) FROM pin_attempts").fetchone()[0] == 0


@pytest.mark.parametrize(
    "pin", ["1111", "1234", "0000", "1212", "4321", "2580", "1122", "123456", "98765432"]
)
def test_trivial_pins_are_refused_by_the_store(store, pin):
    from shared.store import StoreError

    with pytest.raises(StoreError, match="pin_trivial"):
        store.add_key_holder("Ans", pin, by=None)
    assert store.people_with_role("key_holder") == []


async def test_the_people_screen_refuses_a_trivial_pin_in_plain_words(tmp_path):
    from test_kiosk_keyholder import as_key_holder

    app, store, _, _ = make_app(tmp_path)
    kwame = store.register_visitor("Kwame")
    async with app.run_test(size=SIZE) as pilot:
        await as_key_holder(pilot)
        await pilot.click("#kh-people")
        await settle(pilot)
        await type_text(pilot, "kw")
        await settle(pilot)
        await pilot.click(".person")
        await settle(pilot)
        await pilot.click("#new-pin")
        await type_text(pilot, "1234")
        await pilot.click("#kh-add")
        await settle(pilot)
        assert "te makkelijk te raden" in screen_text(app)
    assert not store.has_role(kwame.code, "key_holder")


# --- issue 11 item 11: leaving the kiosk ----------------------------------------------
async def test_leaving_asks_the_pin_again_and_the_sign_stops_saying_open(tmp_path):
    from test_kiosk_keyholder import as_key_holder

    app, store, _, _ = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await as_key_holder(pilot)
        await pilot.click("#kh-leave")
        await settle(pilot)
        text = screen_text(app)
        assert "de kamer is open" in text and "status.json" in text  # said before leaving
        await type_text(pilot, "9999")
        await pilot.click("#leave-confirm")
        await settle(pilot)
        assert "Die pincode klopt niet." in screen_text(app)
        assert app.return_code is None and app.is_running
        await pilot.click("#leave-pin")
        await type_text(pilot, PIN)
        await pilot.click("#leave-confirm")
        await until_exit(pilot)
    assert app.return_code == EXIT_MAINTENANCE
    status = json.loads((tmp_path / "status.json").read_text())
    assert status["state"]["open"] is False
    assert queries.room_state(store.conn, "cjm").is_open  # nothing closed silently in the log
    assert "room_closed" not in kinds(store)


async def test_leave_offers_to_close_the_room_first_then_comes_back(tmp_path):
    from test_kiosk_keyholder import as_key_holder

    from kiosk.screens.close import CloseScreen
    from kiosk.screens.leave import LeaveScreen

    app, store, _, _ = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await as_key_holder(pilot)
        await pilot.click("#kh-leave")
        await settle(pilot)
        await pilot.click("#leave-close-first")
        await settle(pilot)
        assert isinstance(app.screen, CloseScreen)
        await pilot.click("#close-confirm")
        await settle(pilot)
        assert isinstance(app.screen, LeaveScreen)  # back to leaving, the room now closed
        assert "De kamer is dicht." in screen_text(app)
        assert not app.screen.query("#leave-room-open")
        await pilot.click("#leave-pin")
        await type_text(pilot, PIN)
        await pilot.press("enter")
        await until_exit(pilot)
    assert app.return_code == EXIT_MAINTENANCE
    assert kinds(store)[-1] == "room_closed"
    assert json.loads((tmp_path / "status.json").read_text())["state"]["open"] is False


def test_units_and_docs_agree_about_what_happens_after_leaving():
    units = sorted((REPO / "config").glob("bwk-kiosk-*.service"))
    assert len(units) == 2
    for unit in units:
        text = unit.read_text("utf-8")
        settings = dict(re.findall(r"^(\w+)=(.*)$", text, re.MULTILINE))
        assert str(EXIT_MAINTENANCE) in settings["RestartPreventExitStatus"].split(), unit.name
        assert str(EXIT_MAINTENANCE) in settings["SuccessExitStatus"].split(), unit.name
        assert "getty@tty1" in settings["ExecStopPost"], unit.name
        assert f'"$EXIT_STATUS" = {EXIT_MAINTENANCE}' in settings["ExecStopPost"], unit.name
    cage = (REPO / "config" / "bwk-kiosk-cage.service").read_text("utf-8")
    assert "bwk-kiosk-cage-run" in cage  # cage does not pass its client's exit code on
    docs = (REPO / "docs" / "KIOSK.md").read_text("utf-8")
    assert f"exit code {EXIT_MAINTENANCE}" in docs and "getty@tty1" in docs
    assert "status.json" in docs and "says closed" in docs


def test_the_cage_wrapper_passes_the_kiosk_exit_code_on(tmp_path):
    """config/bwk-kiosk-cage-run with stand-ins for cage and foot that, like cage,
    exit 0 whatever their client did."""
    import os
    import subprocess

    for name in ("cage", "foot"):
        stand_in = tmp_path / name
        stand_in.write_text('#!/bin/sh\nwhile [ "${1#-}" != "$1" ]; do shift; done\n"$@"\nexit 0\n')
        stand_in.chmod(0o755)
    kiosk = tmp_path / "kiosk"
    kiosk.write_text("#!/bin/sh\nexit 3\n")
    kiosk.chmod(0o755)
    env = {
        **os.environ,
        "BWK_CAGE": str(tmp_path / "cage"),
        "BWK_FOOT": str(tmp_path / "foot"),
        "RUNTIME_DIRECTORY": str(tmp_path),
    }
    result = subprocess.run(
        ["sh", str(REPO / "config" / "bwk-kiosk-cage-run"), str(kiosk)], env=env, timeout=30
    )
    assert result.returncode == EXIT_MAINTENANCE
    kiosk.write_text("#!/bin/sh\nexit 0\n")
    assert (
        subprocess.run(
            ["sh", str(REPO / "config" / "bwk-kiosk-cage-run"), str(kiosk)], env=env, timeout=30
        ).returncode
        == 0
    )


# --- how the changed screens look (update: --snapshot-update on this file only) -------
@pytest.mark.parametrize("size", [(80, 24), SIZE])
def test_snapshot_pin_screen_lists_key_holders_from_the_first_letter(snap_compare, tmp_path, size):
    app, store, anna, _ = make_app(tmp_path, open_room=False)
    store.add_key_holder("E", "7351", by=anna.code)
    store.add_key_holder("Esther", "8264", by=anna.code)

    async def run_before(pilot):
        await to_pin_screen(pilot)
        await type_text(pilot, "e")
        await settle(pilot)

    assert snap_compare(app, terminal_size=size, run_before=run_before)


@pytest.mark.parametrize("size", [(80, 24), SIZE])
def test_snapshot_leave_screen_with_the_room_open(snap_compare, tmp_path, size):
    from test_kiosk_keyholder import as_key_holder

    app, *_ = make_app(tmp_path)

    async def run_before(pilot):
        await as_key_holder(pilot)
        await pilot.click("#kh-leave")
        await settle(pilot)
        await type_text(pilot, "9999")
        await pilot.click("#leave-confirm")
        await settle(pilot)

    assert snap_compare(app, terminal_size=size, run_before=run_before)


async def test_two_key_holders_with_one_name_can_tell_their_buttons_apart(tmp_path):
    app, store, anna, _ = make_app(tmp_path, open_room=False)
    mo1 = store.add_key_holder("Mo", "7351", by=anna.code)
    mo2 = store.add_key_holder("Mo", "8264", by=anna.code)
    async with app.run_test(size=SIZE) as pilot:
        await to_pin_screen(pilot)
        await type_text(pilot, "Mo")
        await settle(pilot)
        labels = sorted(str(b.label) for b in app.screen.query(".person"))
        assert labels == sorted([f"Mo ·{mo1.code[-3:]}", f"Mo ·{mo2.code[-3:]}"])
        assert "Tik op je naam." in screen_text(app)
        mine = next(b for b in app.screen.query(".person") if b.name == mo2.code)
        await pilot.click(mine)
        await try_pin(pilot, "8264")
        assert app.screen.person.code == mo2.code


def test_a_new_pin_from_a_colleague_ends_the_wait(store):
    from shared.store import PinLocked, PinWrong

    ans = store.add_key_holder("Ans", "2469", by=None)
    bo = store.add_key_holder("Bo", "9157", by=ans.code)
    for _ in range(5):
        with pytest.raises(PinWrong):
            store.verify_key_holder(bo.code, "0000")
    with pytest.raises(PinLocked):
        store.verify_key_holder(bo.code, "9157")
    store.add_key_holder("Bo", "6284", by=ans.code, code=bo.code)  # Mensen: a new PIN for Bo
    assert store.verify_key_holder(bo.code, "6284").code == bo.code
