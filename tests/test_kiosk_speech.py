"""Issue 11 item 9: 🔊 reads each visitor screen's main text aloud with espeak-ng.

A stand-in espeak-ng (a real program in tmp_path that knows Dutch, English,
Spanish and Turkish voices) records what the kiosk sends it, so the text and
the voice are checked for every screen and language; where the real
espeak-ng is installed, it must write a non-empty WAV file.
"""

from __future__ import annotations

import json
import shutil
import stat
import sys

import pytest
from test_kiosk_support import SIZE, make_app, scan, settle, type_text

from kiosk.speech import Speaker
from shared import i18n

FAKE_ESPEAK = """#!{python}
import json, sys
if sys.argv[1:] == ["--voices"]:
    print("Pty Language       Age/Gender VoiceName          File          Other Languages")
    for lang in ("nl", "en-gb", "en-us", "es", "tr"):
        print(f" 5  {{lang}}             --/M      x                  x")
    sys.exit(0)
with open({log!r}, "a", encoding="utf-8") as log:
    log.write(json.dumps({{"argv": sys.argv[1:], "text": sys.stdin.read()}}) + "\\n")
"""


@pytest.fixture
def speaker(tmp_path):
    program = tmp_path / "espeak-ng"
    log = tmp_path / "spoken.jsonl"
    program.write_text(FAKE_ESPEAK.format(python=sys.executable, log=str(log)), "utf-8")
    program.chmod(program.stat().st_mode | stat.S_IEXEC)
    speaker = Speaker(program=str(program))
    speaker.log = log  # type: ignore[attr-defined]
    return speaker


def heard(speaker) -> list[dict]:
    speaker.wait()
    if not speaker.log.exists():
        return []
    return [json.loads(line) for line in speaker.log.read_text("utf-8").splitlines()]


async def tap_speak(pilot, speaker) -> dict:
    before = len(heard(speaker))
    await pilot.click("#speak")
    await settle(pilot)
    spoken = heard(speaker)
    assert len(spoken) == before + 1
    return spoken[-1]


def voice(said: dict) -> str:
    return said["argv"][said["argv"].index("-v") + 1]


EXPECTED_VOICE = {"nl": "nl", "en": "en", "es": "es", "tr": "tr", "pap": "nl", "srn": "nl"}


@pytest.mark.parametrize("lang", i18n.LANGUAGES)
async def test_each_visitor_screen_is_read_in_the_chosen_language(tmp_path, speaker, lang):
    app, store, _, clock = make_app(tmp_path, survey_chance=1.0, speaker=speaker)
    zoe = store.register_visitor("Zoë")
    clock.advance(days=1)
    t = lambda key, **f: i18n.t(lang, key, **f)  # noqa: E731
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.click(f"#lang-{lang}")
        await settle(pilot)
        said = await tap_speak(pilot, speaker)
        assert voice(said) == EXPECTED_VOICE[lang]  # Papiamentu and Sranan fall back to Dutch
        assert t("welcome_title", room="Casa Jepie Makandra") in said["text"]
        assert t("welcome_been_here") in said["text"]
        assert t("welcome_anonymous").split(" ", 1)[1] in said["text"]  # without the icon
        assert "☕" not in said["text"]

        await pilot.click("#new")
        await settle(pilot)
        said = await tap_speak(pilot, speaker)
        assert t("register_name") in said["text"] and t("register_heard") in said["text"]
        await type_text(pilot, "Kwame")
        await pilot.click("#next")
        await settle(pilot)
        said = await tap_speak(pilot, speaker)
        assert t("code_title") in said["text"] and t("code_hint") in said["text"]
        code = app.screen.person.code
        assert " ".join(code[:4]) in said["text"]  # the code letter by letter
        await pilot.click("#next")
        await settle(pilot)
        said = await tap_speak(pilot, speaker)
        assert t("activities_hello", name="Kwame") in said["text"]
        assert t("activities_hint") in said["text"]
        assert app.catalog.activities["computerles"].label(lang) in said["text"]  # the tiles
        await pilot.click("#act-kookclub")
        await pilot.click("#done")
        await settle(pilot)
        said = await tap_speak(pilot, speaker)
        assert t("confirm_welcome_name", name="Kwame") in said["text"]
        assert t("confirm_bye") in said["text"]
        assert app.catalog.activities["kookclub"].label(lang) in said["text"]

        await pilot.click("#ok")  # back to Dutch for the next visitor
        await settle(pilot)
        await pilot.click(f"#lang-{lang}")
        await settle(pilot)
        await scan(pilot, zoe.code)
        await pilot.click("#done")
        await settle(pilot)
        said = await tap_speak(pilot, speaker)  # the survey
        assert t("survey_confidence") in said["text"] and t("survey_pleasant") in said["text"]
        assert voice(said) == EXPECTED_VOICE[lang]


async def test_the_button_is_hidden_without_espeak(tmp_path):
    app, store, _, _ = make_app(tmp_path, speaker=Speaker(program=""))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert not app.screen.query_one("#speak").display
        await pilot.click("#anonymous")
        await settle(pilot)
        assert not app.screen.query_one("#speak").display


async def test_speaking_does_not_block_the_screen(tmp_path):
    slow = tmp_path / "espeak-ng"
    slow.write_text(
        f"#!{sys.executable}\nimport sys, time\n"
        "if sys.argv[1:] != ['--voices']:\n    sys.stdin.read(); time.sleep(30)\n",
        "utf-8",
    )
    slow.chmod(0o755)
    speaker = Speaker(program=str(slow))
    app, store, _, _ = make_app(tmp_path, speaker=speaker)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.click("#speak")
        await pilot.click("#anonymous")  # the kiosk goes on while it speaks
        await settle(pilot)
        assert app.screen.query("#tiles")
    speaker.stop()  # a closing kiosk stops the sentence


@pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="espeak-ng is not installed")
@pytest.mark.parametrize("lang", i18n.LANGUAGES)
def test_espeak_writes_a_wav_file(tmp_path, lang):
    speaker = Speaker()
    wav = speaker.write_wav(i18n.t(lang, "confirm_bye"), lang, tmp_path / "bye.wav")
    data = wav.read_bytes()
    assert data[:4] == b"RIFF" and len(data) > 1000
    assert speaker.voice_for("srn") == "nl" and speaker.voice_for("nl") == "nl"
