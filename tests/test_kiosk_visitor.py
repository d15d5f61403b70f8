"""Visitor flows at the kiosk, driven like a person would (keys and clicks)."""

from __future__ import annotations

import json

from test_kiosk_support import SIZE, checkins, make_app, scan, screen_text, settle, type_text

from kiosk.screens.activities import ActivitiesScreen
from kiosk.screens.closed import ClosedScreen
from kiosk.screens.confirm import ConfirmScreen
from kiosk.screens.register import CodeScreen
from kiosk.screens.survey import SurveyScreen
from kiosk.screens.welcome import WelcomeScreen
from shared import codes


async def test_anonymous_visitor_checks_in_with_two_touches(tmp_path):
    app, store, _, _ = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, WelcomeScreen)
        await pilot.click("#anonymous")
        await settle(pilot)
        assert isinstance(app.screen, ActivitiesScreen)
        await pilot.click("#done")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmScreen)
        assert "Welkom!" in screen_text(app)
        assert checkins(store) == [(None, "inloop")]
        await pilot.click("#ok")
        await settle(pilot)
        assert isinstance(app.screen, WelcomeScreen)


async def test_new_visitor_registers_with_a_nickname_and_sees_the_code(tmp_path):
    app, store, _, _ = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.click("#new")
        await settle(pilot)
        await type_text(pilot, "Zoë")
        await pilot.click("#area-yes")
        await pilot.click("#heard-benefits_agency")
        await pilot.click("#next")
        await settle(pilot)
        assert isinstance(app.screen, CodeScreen)
        person = store.find_people("zoe")[0]
        assert codes.display(person.code) in screen_text(app)
        payload = json.loads(
            store.conn.execute(
                "SELECT payload FROM events WHERE kind = 'visitor_registered' AND visitor = ?",
                (person.code,),
            ).fetchone()[0]
        )
        assert payload == {"new_in_area": True, "heard_via": "benefits_agency", "lang": "nl"}
        await pilot.click("#next")
        await settle(pilot)
        assert isinstance(app.screen, ActivitiesScreen)
        assert "Hallo Zoë!" in screen_text(app)
        await pilot.click("#act-kookclub")
        await pilot.click("#act-computerles")
        await pilot.click("#act-computerles")  # changed her mind
        await pilot.click("#act-formulierenbrigade")
        await pilot.click("#done")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmScreen)
        text = screen_text(app)
        assert "Welkom, Zoë!" in text and "Kookclub" in text
        assert checkins(store) == [(person.code, "kookclub"), (person.code, "formulierenbrigade")]


async def test_registering_needs_only_a_name(tmp_path):
    app, store, _, _ = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.click("#new")
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        assert "Typ eerst een naam." in screen_text(app)
        await type_text(pilot, "Mo")
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, CodeScreen)


async def test_returning_visitor_finds_their_name_after_two_letters(tmp_path):
    app, store, _, _ = make_app(tmp_path)
    zoe = store.register_visitor("Zoë")
    store.register_visitor("Zoran")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await type_text(pilot, "z")
        await settle(pilot)
        assert len(app.screen.query(".person")) == 0  # no names before two letters
        assert "Typ nog een letter" in screen_text(app)
        await type_text(pilot, "oe")
        await settle(pilot)
        names = [str(b.label) for b in app.screen.query(".person")]
        assert names == ["Zoë"]
        await pilot.press("enter")  # the one match
        await settle(pilot)
        assert isinstance(app.screen, ActivitiesScreen)
        await pilot.press("enter")  # "Klaar" has the focus: inloop
        await settle(pilot)
        assert checkins(store) == [(zoe.code, "inloop")]


async def test_scanner_types_code_and_enter_on_welcome(tmp_path):
    """A keyboard-wedge scanner: code + Enter, then one more Enter checks in (2 presses)."""
    app, store, _, _ = make_app(tmp_path)
    kofi = store.register_visitor("Kofi")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press(*codes.display(kofi.code).lower(), "enter")
        await settle(pilot)
        assert isinstance(app.screen, ActivitiesScreen)
        assert "Hallo Kofi!" in screen_text(app)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmScreen)
        assert checkins(store) == [(kofi.code, "inloop")]


async def test_code_from_another_room_is_accepted_without_a_name(tmp_path):
    app, store, _, _ = make_app(tmp_path)
    code = codes.new_code()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await scan(pilot, code)
        assert isinstance(app.screen, ActivitiesScreen)
        await pilot.press("enter")
        await settle(pilot)
        assert checkins(store) == [(code, "inloop")]


async def test_mistyped_code_gets_a_friendly_message(tmp_path):
    app, store, _, _ = make_app(tmp_path)
    code = codes.new_code()
    wrong = code[:-1] + ("0" if code[-1] != "0" else "1")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await scan(pilot, wrong)
        assert isinstance(app.screen, WelcomeScreen)
        assert "tikfout" in screen_text(app)
        assert checkins(store) == []


async def test_markup_in_a_nickname_is_shown_literally_and_does_nothing(tmp_path):
    app, store, _, _ = make_app(tmp_path)
    nasty = store.register_visitor("[@click=app.quit]xx[/]")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await type_text(pilot, "[@cl")
        await settle(pilot)
        buttons = list(app.screen.query(".person"))
        assert [str(b.label) for b in buttons] == ["[@click=app.quit]xx[/]"]
        await pilot.click(".person")
        await settle(pilot)
        assert "Hallo [@click=app.quit]xx[/]!" in screen_text(app)
        await pilot.click("#done")
        await settle(pilot)
        assert "Welkom, [@click=app.quit]xx[/]!" in screen_text(app)
        for y in (1, 2, 3):
            await pilot.click(offset=(20, y))
        assert app.is_running and app.return_code is None
        assert checkins(store) == [(nasty.code, "inloop")]


async def test_survey_after_check_in_is_skippable_and_recorded(tmp_path):
    app, store, _, clock = make_app(tmp_path, survey_chance=1.0)
    ayse = store.register_visitor("Ayşe")
    clock.advance(days=1)  # a returning visitor: only they are asked
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await scan(pilot, ayse.code)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, SurveyScreen)
        await pilot.click("#confidence-3")
        await pilot.click("#pleasant-2")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmScreen)
        rows = store.conn.execute(
            "SELECT visitor, payload FROM events WHERE kind = 'survey_answered'"
        ).fetchall()
        assert sorted(json.loads(p)["answer"] for _, p in rows) == [2, 3]
        # Answered this quarter: not asked again.
        await pilot.click("#ok")
        await settle(pilot)
        await scan(pilot, ayse.code)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmScreen)


async def test_survey_skip_records_nothing(tmp_path):
    app, store, _, clock = make_app(tmp_path, survey_chance=1.0)
    mo = store.register_visitor("Mo")
    clock.advance(days=1)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await scan(pilot, mo.code)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, SurveyScreen)
        await pilot.press("enter")  # "Overslaan" has the focus
        await settle(pilot)
        assert isinstance(app.screen, ConfirmScreen)
        assert (
            store.conn.execute(
                "SELECT COUNT(*) FROM events WHERE kind = 'survey_answered'"
            ).fetchone()[0]
            == 0
        )


async def test_language_choice_is_on_welcome_and_changes_the_texts(tmp_path):
    app, store, _, _ = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        for lang in ("nl", "en", "es", "tr", "pap", "srn"):
            assert app.screen.query_one(f"#lang-{lang}")
        await pilot.click("#lang-en")
        await settle(pilot)
        assert "Welcome to Casa Jepie Makandra!" in screen_text(app)
        await pilot.click("#anonymous")
        await settle(pilot)
        assert "Drop-in and chat" in screen_text(app)


async def test_volunteer_clocks_in_and_out_and_records_jobs(tmp_path):
    app, store, key_holder, clock = make_app(tmp_path)
    roy = store.register_visitor("Roy")
    store.set_volunteer(roy.code, True, by=key_holder.code)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await scan(pilot, roy.code)
        await pilot.click("#shift-start")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmScreen)
        assert "10:00" in screen_text(app)
        assert store.open_shift(roy.code) is not None
        await pilot.click("#ok")
        clock.advance(hours=2, minutes=30)
        await settle(pilot)
        await scan(pilot, roy.code)
        await pilot.click("#jobs")
        await settle(pilot)
        await pilot.click("#crew-tuindienst")
        await pilot.click("#more")
        await pilot.click("#more")
        await pilot.click("#done")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmScreen)
        jobs = store.conn.execute(
            "SELECT visitor, activity FROM events WHERE kind = 'job_done'"
        ).fetchall()
        assert [tuple(j) for j in jobs] == [(roy.code, "tuindienst")] * 3
        await pilot.click("#ok")
        await settle(pilot)
        await scan(pilot, roy.code)
        await pilot.click("#shift-end")
        await settle(pilot)
        assert "2,50 uur" in screen_text(app)
        assert store.open_shift(roy.code) is None


async def test_closed_room_shows_no_welcome(tmp_path):
    app, store, _, _ = make_app(tmp_path, open_room=False, opening_hours="ma-vr 10-16")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, ClosedScreen)
        assert "ma-vr 10-16" in screen_text(app)
        assert not app.screen.query("#who")


async def test_next_visitor_can_scan_while_the_confirmation_shows(tmp_path):
    app, store, _, _ = make_app(tmp_path)
    first, second = store.register_visitor("Esther"), store.register_visitor("Omar")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await scan(pilot, first.code)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press(*codes.display(second.code), "enter")
        await settle(pilot)
        assert isinstance(app.screen, ActivitiesScreen)
        assert "Hallo Omar!" in screen_text(app)
        await pilot.press("enter")
        await settle(pilot)
        assert checkins(store) == [(first.code, "inloop"), (second.code, "inloop")]
        await pilot.press("enter")  # Enter on the confirmation: back to welcome
        await settle(pilot)
        assert isinstance(app.screen, WelcomeScreen)


async def test_a_scan_on_someone_elses_activity_screen_starts_the_new_visitor(tmp_path):
    app, store, _, _ = make_app(tmp_path)
    first, second = store.register_visitor("Esther"), store.register_visitor("Omar")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await scan(pilot, first.code)
        assert isinstance(app.screen, ActivitiesScreen)  # Esther walked away
        await scan(pilot, second.code)
        assert "Hallo Omar!" in screen_text(app)
        await pilot.press("enter")
        await settle(pilot)
        # Esther identified herself, so she visited: recorded, not dropped
        assert checkins(store) == [(first.code, "inloop"), (second.code, "inloop")]
