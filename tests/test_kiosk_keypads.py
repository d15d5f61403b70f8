"""Issue 11 item 8: on-screen keypads reachable by touch (mouse clicks), big targets;
a physical keyboard keeps working; language buttons with the language's own greeting."""

from __future__ import annotations

from test_kiosk_support import SIZE, checkins, make_app, screen_text, settle, type_text
from textual.app import App, ComposeResult

from kiosk.screens.activities import ActivitiesScreen
from kiosk.screens.base import KioskScreen
from kiosk.screens.register import CodeScreen
from kiosk.widgets.inputs import KioskInput
from kiosk.widgets.keypads import CodePad, DigitPad, LetterPad
from shared import codes, i18n, queries


async def tap(pilot, pad: str, keys) -> None:
    for key in keys:
        await pilot.click(f"#{pad}-{ {'-': 'dash', ' ': 'space'}.get(key, key) }")


async def test_a_name_typed_on_the_letter_pad_finds_the_visitor(tmp_path):
    app, store, _, _ = make_app(tmp_path)
    zoe = store.register_visitor("Zoë")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.click("#pad-letters")
        await settle(pilot)
        await tap(pilot, "letters", "ZOX")
        await pilot.click("#letters-backspace")
        await tap(pilot, "letters", "E")
        await settle(pilot)
        assert app.screen.query_one("#who").value == "Zoe"
        assert [str(b.label) for b in app.screen.query(".person")] == ["Zoë"]
        await pilot.click("#letters-enter")
        await settle(pilot)
        assert isinstance(app.screen, ActivitiesScreen) and app.screen.code == zoe.code


async def test_a_code_typed_on_the_code_pad_checks_in(tmp_path):
    app, store, _, _ = make_app(tmp_path)
    kofi = store.register_visitor("Kofi")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.click("#pad-code")
        await settle(pilot)
        assert len(app.screen.query("#codepad Button")) == 32 + 3  # 32 characters, -, ⌫, ⏎
        await tap(pilot, "codepad", codes.display(kofi.code))
        await pilot.click("#codepad-enter")
        await settle(pilot)
        assert isinstance(app.screen, ActivitiesScreen) and app.screen.code == kofi.code
        await pilot.click("#done")
        await settle(pilot)
        assert checkins(store) == [(kofi.code, "inloop")]


async def test_the_keyboard_still_works_with_a_pad_open(tmp_path):
    app, store, _, _ = make_app(tmp_path)
    zoe = store.register_visitor("Zoë")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.click("#pad-letters")
        await tap(pilot, "letters", "Z")
        await type_text(pilot, "oe")
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, ActivitiesScreen) and app.screen.code == zoe.code


async def test_a_nickname_on_the_letter_pad_registers(tmp_path):
    app, store, _, _ = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.click("#new")
        await settle(pilot)
        await pilot.click("#pad-letters")
        await tap(pilot, "letters", "AMA")
        await pilot.click("#letters-space")
        await tap(pilot, "letters", "K")
        await pilot.click("#letters-enter")
        await settle(pilot)
        assert isinstance(app.screen, CodeScreen)
        assert app.screen.person.name == "Ama K"


class PadScreen(KioskScreen):
    """As the PIN screen would mount it: a name box first, the pad types the PIN."""

    def compose(self) -> ComposeResult:
        yield KioskInput(id="kh-name")
        yield KioskInput(id="pin", password=True)
        yield DigitPad(id="digits", target="#pin")

    def on_input_submitted(self, event) -> None:
        self.app.submitted.append(event.value)  # type: ignore[attr-defined]


class PadApp(App):
    def on_mount(self) -> None:
        self.submitted: list[str] = []
        self.push_screen(PadScreen())


async def test_the_digit_pad_types_a_pin_with_big_keys():
    app = PadApp()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        for digit in "24680":
            await pilot.click(f"#digits-{digit}")
        await pilot.click("#digits-backspace")
        await pilot.click("#digits-enter")
        for _ in range(3):  # pad key -> pad message -> the box's Submitted
            await pilot.pause()
        assert app.submitted == ["2468"]
        assert app.screen.query_one("#kh-name").value == ""
        key = app.screen.query_one("#digits-5")
        assert key.region.width >= 9 and key.region.height >= 3  # a finger-sized target


def test_the_pads_have_every_key():
    assert "".join(k for k in CodePad.KEYS if len(k) == 1 and k != "-") == codes.ALPHABET
    assert sum(len(k) == 1 for k in LetterPad.KEYS) == 26
    assert sorted(k for k in DigitPad.KEYS if k.isdigit()) == list("0123456789")


async def test_language_buttons_show_the_name_and_a_greeting(tmp_path):
    app, store, _, _ = make_app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        for lang in i18n.LANGUAGES:
            label = str(app.screen.query_one(f"#lang-{lang}").label)
            assert i18n.language_name(lang) in label
            assert i18n.t(lang, "lang_greeting") in label
        await pilot.click("#lang-tr")
        await settle(pilot)
        assert app.lang == "tr"


async def test_pad_keys_stay_put_when_matches_appear(tmp_path):
    """A key must not move away under a finger while the match list grows."""
    app, store, _, _ = make_app(tmp_path)
    for name in ("Ayşe", "Ayan", "Ayla"):
        store.register_visitor(name)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.click("#pad-letters")
        await settle(pilot)
        before = app.screen.query_one("#letters-enter").region
        await tap(pilot, "letters", "AY")
        await settle(pilot)
        assert len(app.screen.query(".person")) == 3
        assert app.screen.query_one("#letters-enter").region == before
        person = app.screen.query(".person").first()
        assert person.region.y + person.region.height <= 24  # the names are on the screen too


async def test_a_key_holder_opens_the_room_by_touch_alone(tmp_path):
    """The closed screen, the name on the letter pad, the PIN on the digit pad: no keyboard."""
    from test_kiosk_support import PIN

    for size in (SIZE, (80, 24)):
        folder = tmp_path / f"{size[0]}x{size[1]}"
        folder.mkdir()
        app, store, anna, _ = make_app(folder, open_room=False)
        async with app.run_test(size=size) as pilot:
            await settle(pilot)
            await pilot.click("#open")
            await settle(pilot)
            await pilot.click("#pad-letters")
            await settle(pilot)
            await tap(pilot, "pin-letters", anna.name[:2].upper())
            await settle(pilot)
            await pilot.click("#pad-digits")
            await settle(pilot)
            assert app.screen.query_one("#pin-digits").display
            assert not app.screen.query_one("#pin-letters").display  # one pad at a time
            await tap(pilot, "pin-digits", "9")
            await pilot.click("#pin-digits-backspace")  # a mistyped digit is taken back
            await tap(pilot, "pin-digits", PIN)
            assert app.screen.query_one("#pin").value == PIN, (size, screen_text(app))
            await pilot.click("#pin-digits-enter")
            await settle(pilot)
        assert queries.room_state(store.conn, store.room).is_open, size
