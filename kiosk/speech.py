"""Read aloud: the screen's main text spoken by the ``espeak-ng`` program, if installed.

espeak-ng is a Debian package, not a Python wheel: the kiosk looks for the
program and hides the 🔊 button without it. Speaking never blocks the screen:
the program runs in the background (a new tap stops the previous sentence).
A language espeak-ng has no voice for (Sranan) is read in Dutch, the room's
first language, rather than mispronounced by an unrelated voice.
"""

from __future__ import annotations

import logging
import shutil
import subprocess
import threading
from pathlib import Path

log = logging.getLogger("bwk.kiosk")
PROGRAM = "espeak-ng"
FALLBACK_VOICE = "nl"
WORDS_PER_MINUTE = "140"  # a little slower than espeak-ng's 175: easier to follow
VOICES_TIMEOUT = 5.0
WAV_TIMEOUT = 30.0


class Speaker:
    """Speaks texts with espeak-ng. ``program=None``: find it on PATH; "" : no speech."""

    def __init__(self, program: str | None = None):
        found = shutil.which(PROGRAM) if program is None else (program or None)
        self.program = found
        self.spoken: list[tuple[str, str]] = []  # (voice, text), newest last
        self._languages: frozenset[str] | None = None
        self._process: subprocess.Popen | None = None
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    @property
    def available(self) -> bool:
        return self.program is not None

    def languages(self) -> frozenset[str]:
        """The language names espeak-ng has voices for (asked once)."""
        if self._languages is None:
            listing = ""
            try:
                if self.program is not None:
                    listing = subprocess.run(
                        [self.program, "--voices"],
                        capture_output=True,
                        text=True,
                        timeout=VOICES_TIMEOUT,
                    ).stdout
            except (OSError, subprocess.SubprocessError):
                listing = ""
            names = {line.split()[1] for line in listing.splitlines()[1:] if len(line.split()) > 1}
            self._languages = frozenset(names | {name.split("-")[0] for name in names})
        return self._languages

    def voice_for(self, lang: str) -> str:
        return lang if lang in self.languages() else FALLBACK_VOICE

    def command(self, voice: str, wav: Path | None = None) -> list[str]:
        """The espeak-ng command line; the text goes in on stdin (never parsed as options)."""
        argv = [str(self.program), "-v", voice, "-s", WORDS_PER_MINUTE, "--stdin"]
        return argv + ["-w", str(wav)] if wav else argv

    def speak(self, text: str, lang: str) -> None:
        """Say ``text`` in the background; returns at once."""
        if not self.available or not text.strip():
            return
        self._thread = threading.Thread(
            target=self._speak, args=(text, lang), name="kiosk-speech", daemon=True
        )
        self._thread.start()

    def wait(self, timeout: float = 10.0) -> None:
        """Wait for the last sentence to finish (tests and shutdown)."""
        if self._thread:
            self._thread.join(timeout)
        with self._lock:
            process = self._process
        if process:
            process.wait(timeout)

    def stop(self) -> None:
        with self._lock:
            process, self._process = self._process, None
        if process and process.poll() is None:
            process.terminate()

    def _speak(self, text: str, lang: str) -> None:
        voice = self.voice_for(lang)
        self.stop()
        try:
            process = subprocess.Popen(
                self.command(voice),
                stdin=subprocess.PIPE,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                start_new_session=True,
            )
            with self._lock:
                self._process = process
                self.spoken.append((voice, text))
            process.communicate(text.encode("utf-8"))
        except (OSError, subprocess.SubprocessError) as exc:
            log.warning("read-aloud failed: %s", exc)

    def write_wav(self, text: str, lang: str, path: Path) -> Path:
        """Write the spoken text to a WAV file (a check that speech works on this machine)."""
        subprocess.run(
            self.command(self.voice_for(lang), wav=path),
            input=text.encode("utf-8"),
            check=True,
            capture_output=True,
            timeout=WAV_TIMEOUT,
        )
        return path
