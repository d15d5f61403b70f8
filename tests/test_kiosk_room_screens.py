"""The key holder's room screens (issue 11, items 12-16, 18, 19): totals in the language's
own words and numbers, handgeld that warns before saving, the people and corrections
screens, the day summary, status.json and a sync set-up that says what is missing."""

from __future__ import annotations

import json

import pytest
from test_kiosk_keyholder import as_key_holder
from test_kiosk_support import SIZE, make_app, screen_text, settle, type_text

SMALL = (80, 24)


async def open_totals(pilot, lang: str = "nl") -> str:
    await as_key_holder(pilot)
    pilot.app.lang = lang  # the key holder's screens follow the chosen language
    await pilot.click("#kh-totals")
    await settle(pilot)
    return screen_text(pilot.app)


def totals_room(tmp_path):
    app, store, key_holder, clock = make_app(tmp_path)
    zoe, roy = store.register_visitor("Zoë"), store.register_visitor("Roy")
    store.check_in(zoe.code, ["kookclub"])
    store.answer_survey(zoe.code, {"confidence": 3})
    store.answer_survey(roy.code, {"confidence": 3})
    store.answer_survey(None, {"confidence": 1})
    store.set_volunteer(roy.code, True, by=key_holder.code)
    store.start_shift(roy.code)
    clock.advance(hours=2, minutes=30)
    store.end_shift(roy.code)
    return app


@pytest.mark.parametrize("lang, percent, hours, goal_hours", [
    ("nl", "66,7%", "2,5 uur", "10.000 uur"),
    ("en", "66.7%", "2.5 hours", "10,000 hours"),
    ("tr", "66,7%", "2,5 saat", "10.000 saat"),
])
async def test_totals_use_labels_and_the_languages_numbers(tmp_path, lang, percent, hours,
                                                           goal_hours):
    app = totals_room(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        text = await open_totals(pilot, lang)
    for raw in ("None", "totaal uniek", "totaal_uniek", "doorverwezen wpi", "enquete",
                "vrijwilligersuren:"):
        assert raw not in text
    assert percent in text and hours in text and goal_hours in text
    assert app.catalog.activities["kookclub"].label(lang) in text


async def test_totals_without_survey_answers_say_so(tmp_path):
    app, *_ = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        text = await open_totals(pilot, "en")
    assert "None" not in text
    assert "Survey: more confidence in own abilities: no answers yet   (target 50%)" in text
    assert "Different participants (all activities): 0   (target 500)" in text
