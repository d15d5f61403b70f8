"""Issue 11 items 1-7: the visitor flows a real room needs (same names, no lost visits,
one-touch anonymous, Enter always answers, type-ahead, back to Dutch, a fair survey)."""

from __future__ import annotations

import asyncio
import threading
import time

from test_kiosk_support import SIZE, checkins, make_app, scan, screen_text, settle, type_text

from kiosk.screens.activities import ActivitiesScreen
from kiosk.screens.confirm import ConfirmScreen
from kiosk.screens.register import CodeScreen, RegisterScreen
from kiosk.screens.survey import SurveyScreen
from kiosk.screens.welcome import WelcomeScreen
from shared import codes


async def db_done(app) -> None:
    """Wait until the database thread has done everything handed to it so far."""
    await asyncio.get_running_loop().run_in_executor(None, app.run_in_db_thread, lambda store: None)


def labels(app) -> list[str]:
    return [str(b.label) for b in app.screen.query(".person")]


# --- 1: identical names ------------------------------------------------------
async def test_same_names_are_told_apart_by_the_end_of_their_code(tmp_path):
    app, store, _, _ = make_app(tmp_path)
    first, second = store.register_visitor("Fatma"), store.register_visitor("Fatma")
    store.register_visitor("Fatima")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await type_text(pilot, "fat")
        await settle(pilot)
        shown = labels(app)
        assert len(shown) == 3 and len(set(shown)) == 3
        assert "Fatima" in shown  # a unique name needs no hint
        assert f"Fatma ·{codes.display(second.code)[-2:]}" in shown
        assert "einde van jouw code" in screen_text(app)
        await pilot.click(f"#person-{second.code}")
        await settle(pilot)
        await pilot.click("#done")
        await settle(pilot)
        assert checkins(store) == [(second.code, "inloop")]
        assert first.code != second.code


async def test_more_pages_reach_every_match(tmp_path):
    app, store, _, _ = make_app(tmp_path)
    names = ["Mohamed", "Mohamed", "Mohamed", "Mohamed A.", "Mohammed", "Moussa", "Monique", "Mo"]
    for name in names:
        store.register_visitor(name)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await type_text(pilot, "mo")
        await settle(pilot)
        seen = set(labels(app))
        assert len(seen) == 5 and app.screen.query("#more")
        await pilot.click("#more")
        await settle(pilot)
        seen |= set(labels(app))
        assert {label.split(" ·")[0] for label in seen} == set(names)
        assert len(seen) == len(names)  # every Mohamed is a button of their own
        await type_text(pilot, "u")  # a longer prefix narrows it down
        await settle(pilot)
        assert labels(app) == ["Moussa"]


async def test_registering_a_taken_nickname_warns_and_offers_a_distinct_one(tmp_path):
    app, store, _, _ = make_app(tmp_path)
    store.register_visitor("Fatma")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.click("#new")
        await settle(pilot)
        await type_text(pilot, "fatma")
        await pilot.click("#next")
        await settle(pilot)
        assert isinstance(app.screen, RegisterScreen)
        assert "Er is al iemand die fatma heet" in screen_text(app)
        assert "Fatma B" not in screen_text(app) and "fatma B" in screen_text(app)
        await pilot.click("#use-suggestion")
        await settle(pilot)
        assert isinstance(app.screen, CodeScreen)
        assert sorted(p.name for p in store.find_people("fatma")) == ["Fatma", "fatma B"]


async def test_a_taken_nickname_can_still_be_kept(tmp_path):
    app, store, _, _ = make_app(tmp_path)
    store.register_visitor("Fatma")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.click("#new")
        await settle(pilot)
        await type_text(pilot, "Fatma")
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, RegisterScreen)
        await pilot.press("enter")  # Enter again: yes, Fatma
        await settle(pilot)
        assert isinstance(app.screen, CodeScreen)
        assert [p.name for p in store.find_people("fatma")] == ["Fatma", "Fatma"]


# --- 2: no lost visits ---------------------------------------------------------
async def test_walking_away_from_the_activities_records_the_visit(tmp_path):
    app, store, _, _ = make_app(tmp_path)
    zoe = store.register_visitor("Zoë")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await scan(pilot, zoe.code)
        await pilot.click("#act-kookclub")
        assert app.idle_tick(now=app.last_input + 61) is True
        await settle(pilot)
        await db_done(app)
        assert isinstance(app.screen, WelcomeScreen)
        assert checkins(store) == [(zoe.code, "kookclub")]
        assert app.idle_tick(now=app.last_input + 61) is False
        await db_done(app)
        assert len(checkins(store)) == 1  # once


async def test_back_from_the_activities_is_not_a_visit(tmp_path):
    app, store, _, _ = make_app(tmp_path)
    zoe = store.register_visitor("Zoë")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await scan(pilot, zoe.code)
        await pilot.click("#back")  # "that is not me"
        await settle(pilot)
        app.idle_tick(now=app.last_input + 61)
        await settle(pilot)
        await db_done(app)
        assert checkins(store) == []


async def test_a_new_visitor_who_leaves_the_code_screen_is_checked_in(tmp_path):
    app, store, _, _ = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.click("#new")
        await settle(pilot)
        await type_text(pilot, "Kwame")
        await pilot.click("#next")
        await settle(pilot)
        assert isinstance(app.screen, CodeScreen)
        code = app.screen.person.code
        assert app.idle_tick(now=app.last_input + 61) is True
        await settle(pilot)
        await db_done(app)
        assert checkins(store) == [(code, "inloop")]


async def test_a_visit_held_when_the_kiosk_stops_is_recorded(tmp_path):
    app, store, _, _ = make_app(tmp_path)
    zoe = store.register_visitor("Zoë")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await scan(pilot, zoe.code)
    store.conn.execute("SELECT 1")  # the app has stopped; its last job has run
    deadline = time.monotonic() + 5
    while not checkins(store) and time.monotonic() < deadline:
        await asyncio.sleep(0.01)  # the database thread finishes on its own
    assert checkins(store) == [(zoe.code, "inloop")]


# --- 3: anonymous in one touch -------------------------------------------------
async def test_just_coming_in_is_one_touch(tmp_path):
    app, store, _, _ = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.click("#lang-en")
        await settle(pilot)
        await pilot.click("#anonymous")
        await settle(pilot)
        assert isinstance(app.screen, ActivitiesScreen)
        assert "Your visit will be noted" in screen_text(app)
        assert app.idle_tick(now=time.monotonic() + 11) is True  # the window ends
        await settle(pilot)
        await db_done(app)
        assert checkins(store) == [(None, "inloop")]
        assert isinstance(app.screen, WelcomeScreen) and app.lang == "nl"
        assert "Je bezoek is genoteerd" in screen_text(app)


async def test_an_activity_can_still_be_added_after_the_one_touch(tmp_path):
    app, store, _, _ = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.click("#anonymous")
        await settle(pilot)
        await pilot.click("#act-kookclub")
        assert app.idle_tick(now=time.monotonic() + 5) is False  # a tap gives more time
        await pilot.click("#done")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmScreen)
        app.idle_tick(now=time.monotonic() + 11)
        await db_done(app)
        assert checkins(store) == [(None, "kookclub")]


# --- 4: Enter always does something visible --------------------------------------
async def test_enter_before_the_search_lands_picks_the_only_match(tmp_path):
    app, store, _, _ = make_app(tmp_path)
    zoe = store.register_visitor("Zoë")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        gate = threading.Event()
        app._db.submit(lambda: gate.wait(10))  # the database is slow for a moment
        await type_text(pilot, "zoe")
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, WelcomeScreen)
        gate.set()
        await settle(pilot)
        assert isinstance(app.screen, ActivitiesScreen)
        assert app.screen.code == zoe.code


async def test_enter_with_several_matches_asks_to_tap_a_name(tmp_path):
    app, store, _, _ = make_app(tmp_path)
    store.register_visitor("Zoë")
    store.register_visitor("Zoran")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await type_text(pilot, "zo")
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, WelcomeScreen)
        assert "Tik op je naam." in screen_text(app)


async def test_enter_with_too_little_typed_says_so(tmp_path):
    app, store, _, _ = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        assert "Typ eerst je naam of je code." in screen_text(app)
        await pilot.press("z", "enter")
        await settle(pilot)
        assert "Typ nog een letter" in screen_text(app)


# --- 5 and 7: the next visitor --------------------------------------------------
async def test_keys_typed_during_the_confirmation_start_the_next_search(tmp_path):
    app, store, _, _ = make_app(tmp_path)
    esther, fatma = store.register_visitor("Esther"), store.register_visitor("Fatma")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await scan(pilot, esther.code)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmScreen)
        await type_text(pilot, "Fatma")
        await settle(pilot)
        assert isinstance(app.screen, WelcomeScreen)
        assert app.screen.query_one("#who").value == "Fatma"
        assert labels(app) == ["Fatma"]
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, ActivitiesScreen) and app.screen.code == fatma.code


async def test_after_a_confirmation_the_kiosk_speaks_dutch_again(tmp_path):
    app, store, _, _ = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.click("#lang-tr")
        await settle(pilot)
        await pilot.click("#anonymous")
        await settle(pilot)
        await pilot.click("#done")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmScreen) and app.lang == "tr"
        await pilot.click("#ok")
        await settle(pilot)
        assert isinstance(app.screen, WelcomeScreen) and app.lang == "nl"
        assert "Welkom in Casa Jepie Makandra!" in screen_text(app)


# --- 6: the survey ----------------------------------------------------------------
async def check_in_by_code(pilot, code: str) -> None:
    await scan(pilot, code)
    await pilot.press("enter")
    await settle(pilot)


async def test_survey_asks_returning_visitors_only_and_a_skip_counts(tmp_path):
    app, store, _, clock = make_app(tmp_path, survey_chance=1.0)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.click("#new")
        await settle(pilot)
        await type_text(pilot, "Nia")
        await pilot.click("#next")
        await settle(pilot)
        code = app.screen.person.code
        await pilot.click("#next")
        await settle(pilot)
        await pilot.click("#done")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmScreen)  # brand new: not asked
        await pilot.click("#ok")
        await check_in_by_code(pilot, code)
        assert isinstance(app.screen, ConfirmScreen)  # same day: still not asked
        await pilot.click("#ok")
        clock.advance(days=1)
        await check_in_by_code(pilot, code)
        assert isinstance(app.screen, SurveyScreen)  # second visit, another day
        await pilot.click("#skip")
        await settle(pilot)
        await pilot.click("#ok")
        for _ in range(3):
            clock.advance(days=20)
            await check_in_by_code(pilot, code)
            assert isinstance(app.screen, ConfirmScreen)  # a skip counts as asked
            await pilot.click("#ok")
            await settle(pilot)
        clock.advance(days=40)
        await check_in_by_code(pilot, code)
        assert isinstance(app.screen, SurveyScreen)  # a new quarter


async def test_a_skipped_survey_stays_skipped_after_the_kiosk_restarts(tmp_path):
    from kiosk.app import KioskApp
    from kiosk.settings import KioskSettings
    from shared.catalog import load_catalog
    from shared.store import RoomStore

    app, store, _, clock = make_app(tmp_path, survey_chance=1.0)
    nia = store.register_visitor("Nia")
    clock.advance(days=1)  # a returning visitor
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await check_in_by_code(pilot, nia.code)
        assert isinstance(app.screen, SurveyScreen)
        await pilot.click("#skip")
        await settle(pilot)
    restarted = KioskApp(
        RoomStore(tmp_path / "room.db", "cjm", clock=clock, durable=False),
        load_catalog(),
        KioskSettings(
            "cjm",
            "Casa Jepie Makandra",
            status_file=tmp_path / "status.json",
            clock=clock,
            handle_signals=False,
            survey_chance=1.0,
            seed=0,
        ),
    )
    clock.advance(days=30)  # same quarter, a fresh kiosk process (nothing kept in memory)
    async with restarted.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await check_in_by_code(pilot, nia.code)
        assert isinstance(restarted.screen, ConfirmScreen)  # the skip counted as asked
