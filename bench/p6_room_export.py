"""P6: a room exports its 100 newest events while holding 1M (goal <= 50 ms).

The room database holds ``events`` events, all exported and acknowledged;
then 100 new check-ins are written with the store, and one export pass reads
them, seals a bundle (compress, HPKE, sign) and writes it to the outbox. The
median over several passes; each pass starts from the same 100 unexported
events. Baseline: the same export in a room holding only those 100 events.
The two rooms take turns, pass by pass (``bench.common.alternate``).
"""

from __future__ import annotations

import statistics
import tempfile
from pathlib import Path

from bench.common import Result, Side, alternate, ratio_note, spread_of
from bench.data import generate
from shared import codes, merge
from shared.config import load_config
from shared.store import RoomStore
from syncd.common import PassReport
from syncd.demo import write_site
from syncd.room import RoomNode

NEW = 100


def _export_side(root: Path, room: str) -> tuple[Side, RoomNode]:
    store = RoomStore(root / room / "room.db", room)
    for _ in range(NEW):
        store.check_in(codes.new_code(), ["kookclub"])
    store.close()
    node = RoomNode(load_config(root / room / "room.toml"))
    outbox = root / "central" / "inbox"  # the room's outbox is central's inbox in a demo site

    def rewind() -> None:  # the 100 newest events are not exported yet, all before acknowledged
        merge.drop_outbox(node.conn, [row[0] for row in merge.outbox(node.conn)])
        top = merge.max_seq(node.conn, room)
        for key in ("acked_seq", "exported_seq"):
            merge.set_state(node.conn, key, top - NEW)
        for path in outbox.glob("*.bwk"):
            path.unlink()

    return Side(lambda: node.export(PassReport()), rewind), node


def sizes(quick: bool, tiny: bool) -> tuple[int, int]:
    """(events in the big room, passes per room)"""
    return (2_000, 2) if tiny else (100_000, 5) if quick else (1_000_000, 9)


def run(quick: bool = False, tiny: bool = False) -> list[Result]:
    events, repeat = sizes(quick, tiny)
    with tempfile.TemporaryDirectory(prefix="bwk-p6-") as folder:
        root = Path(folder)
        write_site(root, ("cjm", "small"))
        generate(root / "cjm" / "room.db", events, rooms=("cjm",), years=(2015, 2016))
        (big_side, big_node), (small_side, small_node) = (
            _export_side(root, room) for room in ("cjm", "small")
        )
        try:
            times = alternate({"big": big_side, "small": small_side}, repeat)
        finally:
            big_node.close()
            small_node.close()
    big, small = statistics.median(times["big"]), statistics.median(times["small"])
    return [
        Result(
            "P6",
            f"room export of {NEW} new events, room holding {events} (s; 100-event room)",
            big,
            "s",
            small,
            "<= 50 ms",
            big <= 0.050,
            spread=spread_of(times["big"]),
            note=ratio_note(times["big"], times["small"]),
        )
    ]
