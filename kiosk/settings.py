"""What a kiosk is started with: the room, its status file and opening hours, timings for
idle reset, confirmations and surveys, sync settings, read-aloud and test switches. Built
by ``kiosk/cli.py`` from the room's config (and by tests and benchmarks directly), read by
the app and its screens; kept apart so it can be made without importing the Textual app.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kiosk.speech import Speaker
from shared.clock import Clock, system_clock
from shared.config import SyncSection


@dataclass
class KioskSettings:
    room_id: str
    room_name: str
    status_file: Path | None = None
    opening_hours: str = ""
    idle_seconds: float = 60.0
    sync: SyncSection | None = None
    demo_key_holder: tuple[str, str] | None = None  # (name, PIN) shown on the closed screen
    clock: Clock = system_clock
    survey_chance: float = 0.35  # "now and then": how often a due survey is offered
    confirm_seconds: float = 6.0
    anonymous_seconds: float = 10.0  # "Gewoon binnenlopen": time to add an activity
    handle_signals: bool = True
    seed: int | None = None
    initially_open: bool | None = None  # known before start-up: the first screen comes at once
    speaker: Speaker | None = None  # read-aloud; None: espeak-ng if installed
    status_details: dict[str, Any] | None = (
        None  # SpaceAPI fields from the room config (url, location...)
    )
