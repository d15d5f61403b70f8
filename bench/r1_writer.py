"""The room writer R1 kills and snapshots: the kiosk's own store settings, exactly.

    python -m bench.r1_writer DB ROOM COUNT TAG

``RoomStore(database, room, busy_timeout_ms=UI_BUSY_TIMEOUT_MS)`` is what
``bwk-kiosk --config`` opens (``kiosk/cli.py:run_room``): synchronous=FULL,
WAL, the kiosk's busy timeout. One check-in per transaction; the event id
is printed (and flushed) only after ``check_in`` returned, i.e. after the
commit. (tests/tools/writer.py, used by the tests, waits 10x longer on a
busy database because several writers share one there; R1 has one writer.)
"""

from __future__ import annotations

import sys

from shared.db import UI_BUSY_TIMEOUT_MS
from shared.store import RoomStore


def main() -> None:
    database, room, count, tag = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
    store = RoomStore(database, room, busy_timeout_ms=UI_BUSY_TIMEOUT_MS)
    for i in range(count):
        activity = ("inloop", "kookclub", "computerles")[i % 3]
        result = store.check_in(None, [activity])
        print(f"{tag} {result.events[0].id}", flush=True)
    store.close()


if __name__ == "__main__":
    main()
