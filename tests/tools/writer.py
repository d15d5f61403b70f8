"""A room writer in its own process, for concurrency and kill tests.

Usage: python writer.py DB ROOM COUNT TAG
Each check-in uses the kiosk's own store settings; the event id is printed
(and flushed) only after ``check_in`` returned, i.e. after the commit.
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from shared.db import UI_BUSY_TIMEOUT_MS  # noqa: E402
from shared.store import RoomStore  # noqa: E402


def main() -> None:
    database, room, count, tag = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
    store = RoomStore(database, room, busy_timeout_ms=UI_BUSY_TIMEOUT_MS * 10)
    for i in range(count):
        activity = ("inloop", "kookclub", "computerles")[i % 3]
        result = store.check_in(None, [activity])
        print(f"{tag} {result.events[0].id}", flush=True)
    store.close()


if __name__ == "__main__":
    main()
