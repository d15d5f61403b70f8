"""The hostile transport of ``test_syncd_hostile``, with every inbox of two files or more
opened by central's helper process (``syncd.opener``).

Its answers, staged rows and tallies, the bundles central opens itself while the
helper is busy, and a file swapped between the listing and the helper's read meet the
same attacks and must keep the same invariants: nothing a room did not write, all
that was acknowledged, every honest bundle merged by the next pass, a healed
transport converging to the union of the rooms' logs. Every such pass starts a real
helper process, so this runs fewer examples (BWK_HOSTILE_EXAMPLES for more).
"""

from __future__ import annotations

import logging
import os

from hypothesis.stateful import invariant
from test_syncd_hostile import HostileTransport, machine_settings

from syncd import helper_process

EXAMPLES = int(os.environ.get("BWK_HOSTILE_EXAMPLES", "6"))


class Warnings(logging.Handler):
    def __init__(self):
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record):
        self.messages.append(record.getMessage())


class HostileTransportThroughTheHelper(HostileTransport):
    def __init__(self):
        self.thresholds = (helper_process.BACKLOG_FILES, helper_process.BACKLOG_BYTES)
        helper_process.BACKLOG_FILES, helper_process.BACKLOG_BYTES = 2, 0
        self.warnings = Warnings()
        logging.getLogger("bwk-syncd").addHandler(self.warnings)
        super().__init__()

    @invariant()
    def the_helper_never_failed(self):
        """Hostile files are the helper's to refuse: none makes central open it here."""
        failed = [m for m in self.warnings.messages if "quarantined" not in m]
        assert not failed, failed

    def teardown(self):
        try:
            super().teardown()
        finally:
            logging.getLogger("bwk-syncd").removeHandler(self.warnings)
            helper_process.BACKLOG_FILES, helper_process.BACKLOG_BYTES = self.thresholds


HostileTransportThroughTheHelper.TestCase.settings = machine_settings(EXAMPLES)
TestHostileTransportThroughTheHelper = HostileTransportThroughTheHelper.TestCase
