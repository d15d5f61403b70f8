"""P6: a room exports its 100 newest events while holding 1M (goal <= 50 ms).

The room database holds ``events`` events, all exported and acknowledged;
then 100 new check-ins are written with the store, and one export pass reads
them, seals a bundle (compress, HPKE, sign) and writes it to the outbox. The
median over several passes; each pass starts from the same 100 unexported
events. Baseline: the same export in a room holding only those 100 events.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from bench.common import Result, median_time
from bench.data import generate
from shared import codes, merge
from shared.config import load_config
from shared.store import RoomStore
from syncd.common import PassReport
from syncd.demo import write_site
from syncd.room import RoomNode

NEW = 100


def _export_time(root: Path, room: str, repeat: int) -> float:
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

    took = median_time(lambda: node.export(PassReport()), repeat, setup=rewind)
    node.close()
    return took


def run(quick: bool = False) -> list[Result]:
    events = 100_000 if quick else 1_000_000
    repeat = 5 if quick else 9
    with tempfile.TemporaryDirectory(prefix="bwk-p6-") as folder:
        root = Path(folder)
        write_site(root, ("cjm", "small"))
        generate(root / "cjm" / "room.db", events, rooms=("cjm",), years=(2015, 2016))
        big = _export_time(root, "cjm", repeat)
        small = _export_time(root, "small", repeat)
    return [Result("P6", f"room export of {NEW} new events, room holding {events} (s; 100-event room)",
                   big, "s", small, "<= 50 ms", big <= 0.050)]
