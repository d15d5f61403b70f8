"""The key holder's room screens (issue 11, items 12-16): totals in the language's own
words and numbers, handgeld that warns before saving, the people and corrections screens
and the day summary. status.json and the sync set-up: test_kiosk_room_status.py."""

from __future__ import annotations

import html
import json
import re

import pytest
from test_kiosk_keyholder import as_key_holder
from test_kiosk_support import SIZE, make_app, screen_text, settle, type_text

SMALL = (80, 24)


def shown(app) -> str:
    """What is visible on the terminal now, line by line (from a screenshot, not the widgets)."""
    lines: dict[int, str] = {}
    for line, text in re.findall(
        r'clip-path="url\(#[^)]*-line-(\d+)\)">(.*?)</text>', app.export_screenshot()
    ):
        lines[int(line)] = lines.get(int(line), "") + html.unescape(text).replace("\xa0", " ")
    return "\n".join(lines[n] for n in sorted(lines))


async def tap_again(pilot, selector: str) -> None:
    """A second tap on the same button: a Button ignores clicks during its short press effect."""
    button = pilot.app.screen.query_one(selector)
    while button.has_class("-active"):
        await pilot.pause(0.05)
    await pilot.click(selector)


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


@pytest.mark.parametrize(
    "lang, percent, hours, goal_hours",
    [
        ("nl", "66,7%", "2,5 uur", "10.000 uur"),
        ("en", "66.7%", "2.5 hours", "10,000 hours"),
        ("tr", "66,7%", "2,5 saat", "10.000 saat"),
    ],
)
async def test_totals_use_labels_and_the_languages_numbers(
    tmp_path, lang, percent, hours, goal_hours
):
    app = totals_room(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        text = await open_totals(pilot, lang)
    for raw in (
        "None",
        "totaal uniek",
        "totaal_uniek",
        "doorverwezen wpi",
        "enquete",
        "vrijwilligersuren:",
    ):
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


# --- 13 handgeld ----------------------------------------------------------------------
def expenses(store) -> list[dict]:
    return [
        json.loads(r[0])
        for r in store.conn.execute(
            "SELECT payload FROM events WHERE kind = 'cash_expense' ORDER BY seq"
        )
    ]


async def open_handgeld(pilot, lang: str = "nl") -> None:
    await as_key_holder(pilot)
    pilot.app.lang = lang
    await pilot.click("#kh-handgeld")
    await settle(pilot)


@pytest.mark.parametrize("size", [SIZE, SMALL])
async def test_handgeld_categories_are_whole_and_translated(tmp_path, size):
    app, *_ = make_app(tmp_path)
    async with app.run_test(size=size) as pilot:
        await open_handgeld(pilot, "en")
        labels = [str(b.label) for b in app.screen.query(".category")]
        assert "D  Toilet paper, washing-up liquid, sponges" in labels
        assert "E  Office supplies (stamps, ink, paper)" in labels
        text = shown(app)
        assert "sponges" in text and "Coffee" in text  # wrapped, not cut off
        assert app.screen.query_one("#save").region.bottom <= size[1]  # Save stays in view


async def test_handgeld_dutch_categories_are_not_cut(tmp_path):
    app, *_ = make_app(tmp_path)
    async with app.run_test(size=SMALL) as pilot:
        await open_handgeld(pilot)
        text = shown(app)
        assert "sponsjes" in text and "activiteiten" in text


async def test_handgeld_large_amount_warns_before_saving(tmp_path):
    app, store, key_holder, _ = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await open_handgeld(pilot)
        await type_text(pilot, "600")
        await pilot.click("#cat-B")
        await pilot.click("#save")
        await settle(pilot)
        assert expenses(store) == []  # nothing saved yet
        assert "Met € 600,00 komt deze maand boven € 500,00" in screen_text(app)
        assert str(app.screen.query_one("#save").label) == "💾 Ja, toch opslaan"
        assert "💾 Ja, toch opslaan" in shown(app)  # the whole label, not cut to "Ja,"
        await tap_again(pilot, "#save")
        await settle(pilot)
        assert [e["cents"] for e in expenses(store)] == [60000]
        assert "Uitgave van € 600,00 opgeslagen." in screen_text(app)


async def test_handgeld_unusual_amount_within_the_cap_asks_too(tmp_path):
    app, store, _, _ = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await open_handgeld(pilot)
        await type_text(pilot, "200")
        await pilot.click("#cat-F")
        await pilot.click("#save")
        await settle(pilot)
        assert expenses(store) == []
        assert "€ 200,00 is veel" in screen_text(app)
        # a changed amount needs its own warning: 20 is ordinary and saves at once
        app.screen.query_one("#amount").value = ""
        await pilot.click("#amount")
        await type_text(pilot, "20")
        assert str(app.screen.query_one("#save").label) == "💾 Opslaan"
        await tap_again(pilot, "#save")
        await settle(pilot)
        assert [e["cents"] for e in expenses(store)] == [2000]


async def test_handgeld_accepts_dutch_thousands_separators(tmp_path):
    app, store, _, _ = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await open_handgeld(pilot)
        await type_text(pilot, "1.234,56")
        await pilot.click("#cat-B")
        await pilot.click("#save")
        await settle(pilot)
        assert "€ 1234,56 in één uitgave kan hier niet" in screen_text(app)
        assert "Dat bedrag klopt niet" not in screen_text(app)
        app.screen.query_one("#amount").value = ""
        await pilot.click("#amount")
        await type_text(pilot, "1.000")
        await tap_again(pilot, "#save")
        await settle(pilot)
        await tap_again(pilot, "#save")  # yes, save anyway
        await settle(pilot)
        assert [e["cents"] for e in expenses(store)] == [100000]


async def test_handgeld_category_is_cleared_for_the_next_entry(tmp_path):
    app, store, _, _ = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await open_handgeld(pilot)
        await type_text(pilot, "12,50")
        await pilot.click("#cat-A")
        await pilot.click("#save")
        await settle(pilot)
        assert [e["category"] for e in expenses(store)] == ["A"]
        assert not app.screen.query(".category.-chosen")
        await pilot.click("#amount")
        await type_text(pilot, "3")
        await tap_again(pilot, "#save")
        await settle(pilot)
        assert len(expenses(store)) == 1  # the next entry needs its own category
        assert app.t("category_invalid") in screen_text(app)


# --- 14 people ------------------------------------------------------------------------
async def test_people_panel_is_cleared_when_the_search_changes(tmp_path):
    app, store, _, _ = make_app(tmp_path)
    store.register_visitor("Kwame")
    store.register_visitor("Esther")
    async with app.run_test(size=SIZE) as pilot:
        await as_key_holder(pilot)
        await pilot.click("#kh-people")
        await settle(pilot)
        await type_text(pilot, "kw")
        await settle(pilot)
        await pilot.click(".person")
        await settle(pilot)
        assert "Kwame" in str(app.screen.query_one("#selected").render())
        assert app.screen.query("#forget")
        app.screen.query_one("#people-search").value = ""
        await pilot.click("#people-search")
        await type_text(pilot, "est")
        await settle(pilot)
        assert str(app.screen.query_one("#selected").render()) == ""
        assert not app.screen.query("#person-actions > *")  # no "Vergeet" under Esther's result
        assert app.screen.selected is None
        assert [str(b.label) for b in app.screen.query(".person")] == ["Esther"]


# --- 15 corrections -------------------------------------------------------------------
async def open_corrections(pilot) -> None:
    await as_key_holder(pilot)
    await pilot.click("#kh-corrections")
    await settle(pilot)


async def test_corrections_name_the_key_holder_of_a_handgeld_line(tmp_path):
    app, store, key_holder, _ = make_app(tmp_path)
    store.record_expense(1250, "A", "koffie", by=key_holder.code)
    store.check_in(None, ["kookclub"])
    async with app.run_test(size=SIZE) as pilot:
        await open_corrections(pilot)
        lines = [str(b.label) for b in app.screen.query(".entry")]
    assert any("handgeld € 12,50" in line and line.endswith("door Anna") for line in lines)
    assert any("Kookclub" in line and line.endswith("anoniem") for line in lines)


def test_day_entries_name_who_entered_a_line(tmp_path):
    from test_kiosk_support import make_room

    from shared import queries

    store, key_holder, clock = make_room(tmp_path)
    store.record_expense(500, "C", "", by=key_holder.code)
    store.record_expense(700, "C", "", by="XXXX-XXXX")  # a code the room has no name for
    entries = queries.day_entries(store.conn, "cjm", clock().date())
    assert [(e.by, e.by_name) for e in entries] == [("XXXX-XXXX", None), (key_holder.code, "Anna")]


async def test_corrections_void_with_nothing_chosen_says_what_to_do(tmp_path):
    app, store, _, _ = make_app(tmp_path)
    store.check_in(None, ["kookclub"])
    async with app.run_test(size=SIZE) as pilot:
        await open_corrections(pilot)
        await pilot.click("#void")
        await settle(pilot)
        assert "Tik eerst op de regel die ongedaan moet worden." in screen_text(app)
        assert not store.conn.execute("SELECT 1 FROM events WHERE kind = 'void'").fetchone()
        await pilot.click(".entry")
        await tap_again(pilot, "#void")
        await settle(pilot)
        assert "Ongedaan gemaakt." in screen_text(app)
        await tap_again(pilot, "#void")  # the voided line is gone: nothing is chosen again
        await settle(pilot)
        assert "Tik eerst op de regel" in screen_text(app)
        assert (
            store.conn.execute("SELECT COUNT(*) FROM events WHERE kind = 'void'").fetchone()[0] == 1
        )


# --- 16 day summary -------------------------------------------------------------------
def test_day_summary_counts_events_not_moments(tmp_path):
    from test_kiosk_support import make_room

    from shared import queries

    store, _, clock = make_room(tmp_path)
    kofi = store.register_visitor("Kofi")
    store.check_in(kofi.code, [])
    store.check_in(kofi.code, [])  # the same visitor twice in the same second
    store.check_in(None, [])
    store.check_in(None, [])  # two anonymous visitors in the same second
    summary = queries.day_summary(store.conn, "cjm", clock().date())
    assert (summary.visits, summary.distinct_visitors, summary.anonymous_visits) == (4, 1, 2)
    assert summary.per_activity == {"inloop": 4}


def busy_day(store, key_holder, clock, people: int) -> None:
    for i in range(people):
        person = store.register_visitor(f"Ria{i}")
        store.set_volunteer(person.code, True, by=key_holder.code)
        store.start_shift(person.code)
        store.check_in(person.code, ["kookclub", "computerles"])
        clock.advance(minutes=1)  # distinct start times: a stable order on the screen
    store.record_expense(1250, "A", "", by=key_holder.code)
    clock.advance(hours=2)


async def open_close(pilot) -> None:
    await as_key_holder(pilot)
    await pilot.click("#kh-close")
    await settle(pilot)


async def test_close_summary_fits_a_small_screen(tmp_path):
    app, store, key_holder, clock = make_app(tmp_path)
    busy_day(store, key_holder, clock, 3)
    async with app.run_test(size=SMALL) as pilot:
        await open_close(pilot)
        text = shown(app)
        assert "Aanmeldingen: 6" in text and "Ria2" in text
        assert "Handgeld uitgegeven vandaag: € 12,50" in text  # the last line is in view
        assert not app.screen.query_one("#summary-more").display


async def test_close_summary_that_does_not_fit_says_so_and_scrolls(tmp_path):
    app, store, key_holder, clock = make_app(tmp_path)
    busy_day(store, key_holder, clock, 40)
    async with app.run_test(size=SMALL) as pilot:
        await open_close(pilot)
        assert app.screen.query_one("#summary-more").display
        text = shown(app)
        assert "Er staat meer in het vak" in text
        assert "Handgeld uitgegeven vandaag" not in text
        await pilot.click("#summary")
        await pilot.press("pagedown", "pagedown", "pagedown")
        await pilot.wait_for_scheduled_animations()
        await settle(pilot)
        text = shown(app)
        assert "Handgeld uitgegeven vandaag: € 12,50" in text


# --- snapshots of the changed screens, at the usual size and at 80x24 -----------------
def snapshot_room(tmp_path, **settings):
    app, store, key_holder, clock = make_app(tmp_path, **settings)
    zoe = store.register_visitor("Zoë")
    store.check_in(zoe.code, ["kookclub"])
    store.check_in(None, [])
    store.answer_survey(zoe.code, {"confidence": 3})
    store.record_expense(1250, "A", "koffie", by=key_holder.code)
    return app


def key_holder_screen(button: str, lang: str = "nl"):
    async def run_before(pilot):
        await as_key_holder(pilot)
        pilot.app.lang = lang
        await pilot.click(button)
        await settle(pilot)

    return run_before


@pytest.mark.parametrize("size", [SIZE, SMALL], ids=["100x32", "80x24"])
@pytest.mark.parametrize("button", ["#kh-totals", "#kh-handgeld", "#kh-corrections"])
def test_snapshot_key_holder_screens(snap_compare, tmp_path, size, button):
    app = snapshot_room(tmp_path)
    assert snap_compare(app, terminal_size=size, run_before=key_holder_screen(button))


def test_snapshot_handgeld_in_english_small(snap_compare, tmp_path):
    app = snapshot_room(tmp_path)
    assert snap_compare(
        app, terminal_size=SMALL, run_before=key_holder_screen("#kh-handgeld", "en")
    )


def test_snapshot_close_summary_small(snap_compare, tmp_path):
    app, store, key_holder, clock = make_app(tmp_path)
    busy_day(store, key_holder, clock, 2)
    assert snap_compare(app, terminal_size=SMALL, run_before=key_holder_screen("#kh-close"))
