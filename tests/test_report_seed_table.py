"""The funders' report read as the seed's table: totals, labels, rates, survey and handgeld.

Data is built through the store API with figures known by hand; the seed's
own text (section 5) is the reference for labels and targets.
"""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path

from shared import codes
from shared.catalog import load_catalog
from shared.clock import TZ
from shared.report import build_report
from shared.report_formats import label, render
from shared.store import RoomStore
from tests.conftest import FakeClock

CATALOG = load_catalog()
ROOMS = ["cjm", "multibron", "handreiking"]


def _open(path, clock):
    return [RoomStore(path, r, clock=clock, durable=False) for r in ROOMS]


def test_the_total_value_is_rounded_once_from_the_unrounded_hours(tmp_path):
    # 0.01 h per room: each room is worth 0.088 -> € 0,09, but the three together are
    # 0.03 h x € 8,80 = 0.264 -> € 0,26, not 3 x € 0,09 = € 0,27.
    clock = FakeClock(datetime(2017, 5, 1, 10, tzinfo=TZ))
    stores = _open(tmp_path / "central.db", clock)
    for store in stores:
        boss = store.add_key_holder("Baas", "2468", by=None)
        helper = codes.new_code()
        store.set_volunteer(helper, True, by=boss.code)
        store.start_shift(helper)
        clock.advance(seconds=36)
        store.end_shift(helper)
    report = build_report(stores[0].conn, CATALOG, 2017, ROOMS)
    for store in stores:
        store.close()
    value = report["volunteer_value"]
    assert value["rooms"] == {"cjm": 0.09, "multibron": 0.09, "handreiking": 0.09}
    assert value["total"] == 0.26
    assert report["indicators"]["vrijwilligersuren"]["total"] == 0.03


SEED = Path(__file__).parent / "data" / "seed_results_table.txt"


def seed_text() -> str:
    return SEED.read_text("utf-8")
PROCES_ROW = re.compile(r"^(?P<label>.+?)\s*\|?\s*(?:Uniek #|Klussen#)\s*\|?\s*"
                        r"(?P<cjm>\d+) (?P<multibron>\d+) (?P<handreiking>\d+)$")


def seed_proces_rows() -> list[tuple[str, tuple[int, int, int]]]:
    """The PROCES rows of the seed's results table (section 5): label and the three targets."""
    text = seed_text()
    section = text[text.index("\nPROCES\n"):text.index("\nINPUT\n")]
    rows = []
    for line in section.splitlines():
        match = PROCES_ROW.match(line.strip())
        if match:
            rows.append((match["label"], (int(match["cjm"]), int(match["multibron"]),
                                          int(match["handreiking"]))))
    return rows


def test_every_proces_row_has_the_seeds_label_and_targets(tmp_path):
    seed = seed_proces_rows()
    assert len(seed) == 13  # twelve activities and the total of unique participants
    store = RoomStore(tmp_path / "central.db", "cjm")
    report = build_report(store.conn, CATALOG, 2017, ROOMS)
    store.close()
    rows = {label(i, CATALOG): e for i, e in report["indicators"].items()}
    for seed_label, targets in seed:
        assert seed_label in rows, f"no report row reads {seed_label!r}"
        entry = rows[seed_label]
        assert tuple(entry["targets"][r] for r in ROOMS) == targets, seed_label
    md = render(report, "md", CATALOG)
    for seed_label, _ in seed:
        assert f"| {seed_label} |" in md
    # The kiosk tiles keep their short labels.
    assert CATALOG.activities["schuldhulp"].label() == "Schuldhulp en budgetadvies"
