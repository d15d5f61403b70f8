"""Key holder flows: open, close with summary, handgeld, corrections, people, totals, leave."""

from __future__ import annotations

import json

from test_kiosk_support import PIN, SIZE, kinds, make_app, screen_text, settle, type_text

from kiosk.app import EXIT_MAINTENANCE
from kiosk.screens.closed import ClosedScreen
from kiosk.screens.keyholder import KeyHolderScreen
from kiosk.screens.pin import PinScreen
from kiosk.screens.welcome import WelcomeScreen
from shared import queries


async def log_in(pilot, name: str = "Anna", pin: str = PIN) -> None:
    await type_text(pilot, name)
    await settle(pilot)
    await pilot.press("enter")  # to the PIN box
    await type_text(pilot, pin)
    await pilot.press("enter")
    await settle(pilot)


async def as_key_holder(pilot) -> None:
    """From the first screen: the key holder button, then name and PIN."""
    await settle(pilot)
    await pilot.click("#keyholder")
    await settle(pilot)
    await log_in(pilot)


async def test_key_holder_opens_the_room(tmp_path):
    app, store, key_holder, _ = make_app(tmp_path, open_room=False)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, ClosedScreen)
        await pilot.click("#open")
        await settle(pilot)
        assert isinstance(app.screen, PinScreen)
        await log_in(pilot, "an")
        assert isinstance(app.screen, KeyHolderScreen)
        assert "De kamer is open." in screen_text(app)
        assert queries.room_state(store.conn, "cjm").is_open
        opened = store.conn.execute(
            "SELECT visitor FROM events WHERE kind = 'room_opened'"
        ).fetchone()[0]
        assert opened == key_holder.code  # who opened it is recorded
        status = json.loads((tmp_path / "status.json").read_text())
        assert status["state"]["open"] is True
        assert status["state"]["trigger_person"] == "sleutelbeheerder"
        assert "Anna" not in json.dumps(status)
        await pilot.click("#kh-done")
        await settle(pilot)
        assert isinstance(app.screen, WelcomeScreen)


async def test_open_warns_about_an_implausible_clock(tmp_path):
    app, store, _, clock = make_app(tmp_path, open_room=False)
    clock.advance(days=-2)  # the machine's clock went back
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.click("#open")
        await settle(pilot)
        await log_in(pilot)
        assert app.screen.query_one("#clock-warning")
        assert "klok" in screen_text(app)


async def test_wrong_pins_are_rate_limited(tmp_path):
    app, store, _, _ = make_app(tmp_path, open_room=False)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.click("#open")
        await settle(pilot)
        await type_text(pilot, "Anna")
        await settle(pilot)
        for _ in range(5):
            await pilot.click("#pin")
            await type_text(pilot, "0000")
            await pilot.press("enter")
            await settle(pilot)
            assert "Die pincode klopt niet." in screen_text(app)
        await pilot.click("#pin")
        await type_text(pilot, PIN)  # even the right PIN must wait now
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, PinScreen)
        assert "Wacht 6" in screen_text(app)
        assert not queries.room_state(store.conn, "cjm").is_open


async def test_close_shows_the_day_and_ends_open_shifts(tmp_path):
    app, store, key_holder, clock = make_app(tmp_path)
    zoe = store.register_visitor("Zoë")
    roy = store.register_visitor("Roy")
    store.set_volunteer(roy.code, True, by=key_holder.code)
    store.start_shift(roy.code)
    store.check_in(zoe.code, ["kookclub", "computerles"])
    store.check_in(None, [])
    clock.advance(hours=6)
    async with app.run_test(size=SIZE) as pilot:
        await as_key_holder(pilot)
        await pilot.click("#kh-close")
        await settle(pilot)
        text = screen_text(app)
        assert "Aanmeldingen: 3" in text and "Verschillende bezoekers: 1" in text
        assert "Anoniem: 1" in text and "Kookclub: 1" in text
        assert "Roy" in text  # the running shift, ended at closing
        await type_text(pilot, "12,50")
        await pilot.click("#close-confirm")
        await settle(pilot)
        assert isinstance(app.screen, ClosedScreen)
        assert "Roy" in screen_text(app)
        assert not queries.room_state(store.conn, "cjm").is_open
        counted = store.conn.execute(
            "SELECT payload FROM events WHERE kind = 'cash_counted'"
        ).fetchone()[0]
        assert json.loads(counted)["cents"] == 1250
        assert store.open_shift(roy.code) is None
        assert kinds(store)[-1] == "room_closed"
        assert json.loads((tmp_path / "status.json").read_text())["state"]["open"] is False


async def test_handgeld_expense_against_the_monthly_cap(tmp_path):
    app, store, key_holder, _ = make_app(tmp_path)
    store.record_expense(48000, "B", "lunch", by=key_holder.code)
    async with app.run_test(size=SIZE) as pilot:
        await as_key_holder(pilot)
        await pilot.click("#kh-handgeld")
        await settle(pilot)
        assert "€ 480,00 van € 500,00" in screen_text(app)
        await type_text(pilot, "25,00")
        await pilot.click("#cat-A")
        await pilot.click("#note")
        await type_text(pilot, "koffie")
        await pilot.click("#save")
        await settle(pilot)
        assert "boven € 500,00" in screen_text(app)  # asked before it is saved
        while app.screen.query_one("#save").has_class("-active"):  # the first tap's effect
            await pilot.pause(0.05)
        await pilot.click("#save")
        await settle(pilot)
        assert "€ 505,00" in screen_text(app) and "meer dan € 500,00" in screen_text(app)
        row = store.conn.execute(
            "SELECT payload, id FROM events WHERE kind = 'cash_expense' ORDER BY seq DESC"
        ).fetchone()
        assert json.loads(row[0]) == {"by": key_holder.code, "category": "A", "cents": 2500}
        assert store.expense_note(row[1]) == "koffie"  # the note stays in the room


async def test_correction_voids_an_entry_and_keeps_history(tmp_path):
    app, store, key_holder, _ = make_app(tmp_path)
    checked = store.check_in(None, ["kookclub"])
    async with app.run_test(size=SIZE) as pilot:
        await as_key_holder(pilot)
        await pilot.click("#kh-corrections")
        await settle(pilot)
        await pilot.click(".entry")
        await pilot.click("#void")
        await settle(pilot)
        assert "Ongedaan gemaakt." in screen_text(app)
        void = store.conn.execute("SELECT ref, payload FROM events WHERE kind = 'void'").fetchone()
        assert void[0] == checked.events[0].id
        assert json.loads(void[1])["by"] == key_holder.code
        assert (
            store.conn.execute("SELECT COUNT(*) FROM events WHERE kind = 'checkin'").fetchone()[0]
            == 1
        )  # nothing deleted


async def test_people_volunteer_key_holder_and_forget(tmp_path):
    app, store, key_holder, _ = make_app(tmp_path)
    kwame = store.register_visitor("Kwame")
    esther = store.register_visitor("Esther")
    async with app.run_test(size=SIZE) as pilot:
        await as_key_holder(pilot)
        await pilot.click("#kh-people")
        await settle(pilot)
        await type_text(pilot, "kw")
        await settle(pilot)
        await pilot.click(".person")
        await settle(pilot)
        await pilot.click("#volunteer-on")
        await settle(pilot)
        assert store.has_role(kwame.code, "volunteer")
        await pilot.click("#new-pin")
        await type_text(pilot, "13579")
        await pilot.click("#kh-add")
        await settle(pilot)
        assert store.has_role(kwame.code, "key_holder")
        assert store.verify_key_holder(kwame.code, "13579", scope="test").code == kwame.code
        # forget Esther, on her request
        app.screen.query_one("#people-search").value = ""
        await pilot.click("#people-search")
        await type_text(pilot, "est")
        await settle(pilot)
        await pilot.click(".person")
        await settle(pilot)
        await pilot.click("#forget")
        await settle(pilot)
        assert "Zeker weten?" in screen_text(app)
        assert store.person(esther.code) is not None
        await pilot.click("#forget-yes")
        await settle(pilot)
        assert store.person(esther.code) is None
        forget = store.conn.execute(
            "SELECT visitor, payload FROM events WHERE kind = 'forget'"
        ).fetchone()
        assert forget[0] == esther.code and json.loads(forget[1])["by"] == key_holder.code


async def test_totals_and_sync_screens_open(tmp_path):
    app, store, _, _ = make_app(tmp_path)
    store.check_in(None, ["kookclub"])
    async with app.run_test(size=SIZE) as pilot:
        await as_key_holder(pilot)
        await pilot.click("#kh-totals")
        await settle(pilot)
        assert "Kookclub" in screen_text(app)
        await pilot.click("#back")
        await settle(pilot)
        await pilot.click("#kh-sync")
        await settle(pilot)
        assert "synchroniseert niet" in screen_text(app)


async def test_key_holder_can_leave_the_kiosk(tmp_path):
    app, store, _, _ = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await as_key_holder(pilot)
        await pilot.click("#kh-leave")
        await settle(pilot)
        assert app.return_code is None  # one tap is not enough: the PIN again
        await type_text(pilot, PIN)
        await pilot.click("#leave-confirm")
        await until_exit(pilot)
    assert app.return_code == EXIT_MAINTENANCE


async def until_exit(pilot) -> None:
    """The PIN check runs in a worker; when it passes the app exits, which may cancel
    that worker as it winds down (the assertions after this say whether it exited)."""
    from textual.worker import WorkerCancelled

    try:
        await pilot.app.workers.wait_for_complete()
    except WorkerCancelled:
        pass
    await pilot.pause()


async def test_sync_screen_shows_what_central_acknowledged(tmp_path):
    from shared import merge
    from shared.config import SyncSection

    for folder in ("outbox", "inbox"):
        (tmp_path / folder).mkdir()
    (tmp_path / "outbox" / "events-cjm-0123.bwk").write_bytes(b"sealed")
    sync = SyncSection(
        key=tmp_path / "k",
        central_key=tmp_path / "c",
        outbox=tmp_path / "outbox",
        inbox=tmp_path / "inbox",
    )
    app, store, _, _ = make_app(tmp_path, sync=sync)
    for _ in range(3):
        store.check_in(None, ["kookclub"])
    top = merge.max_seq(store.conn, "cjm")
    merge.set_state(store.conn, "acked_seq", top - 3)
    merge.set_state(store.conn, "last_ack_at", "2017-03-01T09:30:00+01:00")
    async with app.run_test(size=SIZE) as pilot:
        await as_key_holder(pilot)
        await pilot.click("#kh-sync")
        await settle(pilot)
        text = screen_text(app)
        assert "Wachtend om te versturen: 1" in text
        assert "Laatste bevestiging van de coöperatie: 01-03-2017 09:30" in text
        assert "Nog niet bevestigd: 3 gebeurtenissen" in text
        assert "Laatst verstuurd: nog nooit" in text


async def test_escape_goes_back_like_the_back_button(tmp_path):
    from kiosk.screens.keyholder import KeyHolderScreen

    app, store, _, _ = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await as_key_holder(pilot)
        await pilot.click("#kh-totals")
        await settle(pilot)
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, KeyHolderScreen)
        await pilot.press("escape")
        await settle(pilot)
        assert not isinstance(app.screen, KeyHolderScreen) and app.screen.is_home
