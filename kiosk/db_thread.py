"""The kiosk's one database thread: every job on the room's store runs here, in order.

Not Textual's worker threads: the store keeps one SQLite connection per thread
(``shared.db.ThreadConnections``), so jobs on Textual's thread workers (asyncio's default
pool, up to min(32, CPUs + 4) threads) would open a connection on each pool thread, kept
until the store closes, and several in-process writers would contend for the one write
lock. One thread is one connection and one writer, and a visit handed over
(``record_visit``) is still written when its screen, or the app, is gone. Screens wait on
it with async workers (``KioskApp.in_db_thread``).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

from shared.store import RoomStore

log = logging.getLogger("bwk.kiosk")


class DatabaseThread(ThreadPoolExecutor):
    """A one-thread executor for jobs ``job(store)`` on the room's store."""

    def __init__(self, store: RoomStore) -> None:
        super().__init__(max_workers=1, thread_name_prefix="kiosk-db")
        self.store = store

    def run(self, job: Callable[[RoomStore], Any]) -> Any:
        """Run ``job(store)`` here and wait (call from a thread)."""
        return self.submit(job, self.store).result()

    async def run_awaited(self, job: Callable[[RoomStore], Any]) -> Any:
        """``job(store)`` here, awaited without blocking the event loop.

        Shielded: a cancelled wait (the screen went away) never cancels a job still
        queued, so a write handed over is always done; only its result is dropped."""
        done = asyncio.wrap_future(self.submit(job, self.store))
        done.add_done_callback(lambda f: f.cancelled() or f.exception())  # nobody may wait
        return await asyncio.shield(done)

    def record_visit(self, code: str | None, activities: list[str]) -> Future[None]:
        """Record a check-in without waiting (a visitor who walked away, or whose screen
        the next visitor took over)."""

        def job(store: RoomStore) -> None:
            try:
                store.check_in(code, activities)
            except Exception:  # noqa: BLE001 - logged; the kiosk goes on
                log.exception("could not record a visit")

        return self.submit(job, self.store)

    def note_survey_offered(self, code: str) -> None:
        """Keep, across restarts, that ``code`` was offered the survey (without waiting)."""
        self.submit(_note_survey_offered, self.store, code)


def _note_survey_offered(store: RoomStore, code: str) -> None:
    try:
        store.note_survey_offered(code)
    except Exception:  # noqa: BLE001 - logged; at worst the survey is offered again
        log.exception("could not note a survey offer")
