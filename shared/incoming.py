"""A verified bundle's events on their way into central's copy (``shared.merge``).

Its own small module: central's helper process (``syncd.opener``) makes these and
should start without importing the merge and its bookkeeping.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from shared.event_rows import RawEventRow
from shared.staging import Bulk
from shared.tallies import Tally


@dataclass(frozen=True)
class Incoming:
    """A verified bundle's events, ready to merge."""

    name: str
    header: dict[str, Any]
    rows: list[RawEventRow]
    digest: str
    staged: Path | None = None  # a scratch database holding the rows (shared.staging)
    tally: Tally | None = None  # what all its rows add to the tallies (the helper's count)
    bulk: Bulk | None = None  # rows only in the scratch database, left out of ``rows``

    @property
    def count(self) -> int:
        """All the bundle's events."""
        return len(self.rows) + (self.bulk.size if self.bulk else 0)
