"""The room role: export new events to the outbox, apply acks and config from central.

One pass (``RoomNode.run_pass``):

1. read the inbox: acknowledgements (advance the acknowledged seq, apply
   forgets relayed from other rooms) and config bundles (a newer catalog is
   written beside the room database); anything rejected goes to quarantine;
2. delete outbox bundles that central has acknowledged (nothing else);
3. if nothing was acknowledged for ``resend_seconds``, export again
   from the acknowledged seq (a fresh bundle replaces the older unacknowledged
   ones it covers);
4. export events above the exported seq, one bundle per snapshot (split only
   beyond ``max_events_per_bundle``);
5. once a day, purge names of people not seen for ``retention_months``.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

from shared import acks, outbox, sync_state
from shared.bundle import BundleRejected, open_bundle, seal
from shared.catalog import (
    CatalogError,
    catalog_from_text,
    current_catalog,
    keep_copies_in_step,
    keep_published,
)
from shared.clock import Clock, parse_iso, system_clock
from shared.config import RoomConfig, WatchSettings
from shared.db import connect, schema_version
from shared.keys import KeyFileError, load_private, load_public
from shared.records import FIELDS, MergeRefused
from shared.room_local import forget_local
from shared.store import RoomStore
from syncd import central_keys, transport
from syncd.common import PassReport, SetupError, log, now_iso, prune_quarantine, quarantine_file

INBOX_KINDS = ("ack", "config", "restore", "events")
REPORT_CATALOG_KEY = "report_catalog_revision"  # central asked to hear the revision we run


def _is_time(value: object) -> bool:
    """An ISO time with its offset (as every bundle's ``created``)."""
    try:
        return type(value) is str and len(value) <= 40 and parse_iso(value).tzinfo is not None
    except ValueError:
        return False


class RoomNode:
    def __init__(self, config: RoomConfig, clock: Clock = system_clock) -> None:
        if config.sync is None:
            raise SetupError(f"{config.path}: no [sync] section: this room does not sync")
        self.config, self.clock = config, clock
        self.room = self.label = config.room.id
        self.database = config.room.database
        self.sync = config.sync
        try:
            self.me = load_private(self.sync.key)
            self.central = load_public(self.sync.central_key)
        except KeyFileError as exc:
            raise SetupError(str(exc)) from None
        if self.me.name != self.room:
            raise SetupError(
                f"{self.sync.key}: this key is named {self.me.name!r}, but the room "
                f"is {self.room!r}: use the room's own key (bwk-syncd keygen {self.room})"
            )
        for folder in (self.sync.outbox, self.sync.inbox):
            folder.mkdir(parents=True, exist_ok=True)
        self.conn = connect(config.room.database)
        try:  # the catalog this room received: inside room.db and beside it
            keep_copies_in_step(self.conn, config.room.database)
        except (CatalogError, OSError, sqlite3.DatabaseError) as exc:
            log.warning("the received catalog could not be kept in step: %s", exc)
        self._store: RoomStore | None = None
        self._catalog_applied = False  # this pass applied a newer catalog: tell central
        self.central = central_keys.key_in_use(self.conn, self.central)

    def close(self) -> None:
        if self._store:
            self._store.close()
        self.conn.close()

    def now(self) -> str:
        return now_iso(self.clock)

    def watch_paths(self) -> list[Path]:
        return [self.sync.inbox, self.database.parent]

    def watch_settings(self) -> WatchSettings:
        return self.sync

    def wakes_for(self, name: str) -> bool:
        """A write to the room database (the kiosk recorded something) owes an export."""
        return name in (self.database.name, f"{self.database.name}-wal")

    # --- one pass -----------------------------------------------------------------
    def run_pass(self) -> PassReport:
        report = PassReport()
        self.read_inbox(report)
        self.drop_acknowledged()
        self.maybe_resend(report)
        self.export(report)
        self.announce_catalog(report)
        self.daily_purge()
        return report

    def read_inbox(self, report: PassReport) -> None:
        inbox = self.sync.inbox
        for raw_name, reason in transport.suspicious(inbox):
            self._reject(raw_name, reason, report)
        # Config first: a new central key (signed by the old one) before acks signed by the new.
        names = transport.incoming(inbox, INBOX_KINDS)
        for name in sorted(names, key=lambda n: not n.startswith("config-")):
            signer = None
            try:
                data = transport.read_bounded(inbox, name)
                opened = open_bundle(
                    data,
                    self.me,
                    {self.central.name: self.central},
                    kinds=("ack", "config"),
                    revoked=central_keys.replaced(self.conn, self.central.name),
                )
                signer = opened.header["sender"]
                if opened.header["room"] != self.room:
                    raise BundleRejected("not for this room", "", signer)
                self._apply(opened.header["kind"], opened.records)
                if opened.header["kind"] == "ack":
                    acks.note_central_time(self.conn, opened.header["created"], self.now())
            except BundleRejected as exc:
                self._reject(name, str(exc), report, exc.signer)
                continue
            except MergeRefused as exc:
                self._reject(name, str(exc), report, signer)
                continue
            except Exception as exc:  # noqa: BLE001 - one file never stops the room's exports
                self._reject(name, f"could not be applied: {type(exc).__name__}", report, signer)
                continue
            transport.remove(inbox, name)
            report.bundles_read += 1
        if report.quarantined:
            prune_quarantine(self.sync, inbox, self.conn, self.clock)

    def _reject(
        self, name: str | bytes, reason: str, report: PassReport, signer: str | None = None
    ) -> None:
        quarantine_file(self.sync.inbox, self.conn, name, signer, reason, report, self.now())

    def _apply(self, kind: str, records: list[Any]) -> None:
        """Check every record first, then apply: a bad record refuses the file whole.

        ``records`` are dicts in a well-formed bundle; anything else fails the checks."""
        for record in records:
            rtype = record.get("type")
            if kind == "ack" and rtype == "ack":
                seq = record.get("seq")
                if type(seq) is not int or not 0 <= seq < 2**53:
                    raise MergeRefused("bad ack")
                created = record.get("bundle_created")
                if created is not None and not _is_time(created):
                    raise MergeRefused("bad ack")
            elif kind == "ack" and rtype == "forget":
                event_id, code = record.get("id"), record.get("code")
                if not (
                    type(event_id) is str
                    and type(code) is str
                    and 0 < len(event_id) <= 64
                    and 0 < len(code) <= 32
                ):
                    raise MergeRefused("bad forget")
            elif kind == "config" and rtype == "catalog":
                if type(record.get("text")) is not str:
                    raise MergeRefused("bad config")
            elif kind == "config" and rtype == "central_key":
                central_keys.check_record(record)
            else:
                raise MergeRefused("unknown record")
        for record in records:
            rtype = record["type"]
            if rtype == "ack" and self._from_before_resend(record):
                log.info(
                    "ignored an acknowledgement of seq %s sealed before `resend --all` "
                    "(a central that was lost)",
                    record["seq"],
                )
            elif rtype == "ack":
                acked = acks.apply_ack(self.conn, self.room, record["seq"], self.now())
                self._end_resend_when_all_acknowledged(acked)
            elif rtype == "forget":
                if not acks.forget_applied(self.conn, record["id"]):
                    forget_local(self.conn, record["code"])
                    acks.mark_forget_applied(self.conn, record["id"], self.now())
            elif rtype == "central_key":
                self.central = central_keys.adopt(self.conn, self.central, record["key"])
            else:
                self._apply_catalog(record)

    def _from_before_resend(self, record: dict[str, Any]) -> bool:
        """After ``resend --all`` only an ack for a bundle sealed since then counts: an older
        one (in transit, or delivered again by Syncthing) was written by the central that
        was lost, and would say central holds what it no longer has."""
        resent = sync_state.get_state(self.conn, "resend_all_at")
        created = record.get("bundle_created")
        if not resent:
            return False
        # resend waits for the next second: every bundle sealed since is strictly later.
        return created is None or parse_iso(created) <= parse_iso(resent)

    def _end_resend_when_all_acknowledged(self, acked: int) -> None:
        """Once the new central holds the whole log, a stale ack (which never says more than
        the log held then) can raise nothing: the check stops, so a room clock put back
        later cannot make good acks look old."""
        if sync_state.get_state(self.conn, "resend_all_at") and acked >= outbox.max_seq(
            self.conn, self.room
        ):
            sync_state.set_state(self.conn, "resend_all_at", "")

    def _apply_catalog(self, record: dict[str, Any]) -> None:
        text = record.get("text")
        if not isinstance(text, str):
            raise MergeRefused("bad config")
        try:
            catalog = catalog_from_text(text, "published catalog")
        except CatalogError:
            raise MergeRefused("bad config", "catalog does not validate") from None
        if record.get("report_revision") is True:  # central reads the optional header field
            sync_state.set_state(self.conn, REPORT_CATALOG_KEY, 1)
        database = self.config.room.database
        if catalog.revision <= current_catalog(database).revision:
            return  # not newer: keep what we have
        keep_published(self.conn, database, catalog, text)
        self._catalog_applied = True
        log.info("applied catalog revision %s", catalog.revision)

    def announce_catalog(self, report: PassReport) -> None:
        """After applying a catalog, tell central at once (an events bundle without events)
        rather than with the next check-in; a pass that exported events told it already."""
        applied, self._catalog_applied = self._catalog_applied, False
        if (
            not applied
            or report.bundles_written
            or not sync_state.get_state(self.conn, REPORT_CATALOG_KEY)
        ):
            return
        name, data = seal(
            "events",
            self.me,
            self.central,
            [],
            room=self.room,
            created=self.now(),
            schema=schema_version(self.conn),
            columns=FIELDS,
            catalog=current_catalog(self.config.room.database).revision,
        )
        transport.write_atomic(self.sync.outbox, name, data)

    def drop_acknowledged(self) -> None:
        acked = sync_state.get_int(self.conn, "acked_seq")
        done = [name for name, _, last, _ in outbox.outbox(self.conn) if last <= acked]
        for name in done:
            transport.remove(self.sync.outbox, name)
        if done:
            outbox.drop_outbox(self.conn, done)
        transport.clean_stale_tmp(self.sync.outbox)

    def maybe_resend(self, report: PassReport) -> None:
        acked = sync_state.get_int(self.conn, "acked_seq")
        exported = sync_state.get_int(self.conn, "exported_seq")
        if exported <= acked:
            return
        waiting = [created for _, _, last, created in outbox.outbox(self.conn) if last > acked]
        oldest = (
            min(waiting, key=parse_iso)
            if waiting
            else sync_state.get_state(self.conn, "last_export_at")
        )
        if oldest and (self.clock() - parse_iso(oldest)).total_seconds() < self.sync.resend_seconds:
            return
        log.info("no acknowledgement since %s: exporting again from seq %s", oldest, acked + 1)
        outbox.rewind_export(self.conn, acked, self.now())
        report.notes.append("resend")

    def export(self, report: PassReport) -> None:
        acked = sync_state.get_int(self.conn, "acked_seq")
        exported = max(sync_state.get_int(self.conn, "exported_seq"), acked)
        if outbox.max_seq(self.conn, self.room) <= exported:
            return
        superseded = [row for row in outbox.outbox(self.conn) if row[2] > exported]
        schema = schema_version(self.conn)
        catalog = (
            current_catalog(self.config.room.database).revision
            if sync_state.get_state(self.conn, REPORT_CATALOG_KEY)
            else None
        )
        while True:
            records = outbox.pending_events(
                self.conn, self.room, exported, self.sync.max_events_per_bundle
            )
            if not records:
                break
            first, last = records[0].seq, records[-1].seq
            created = self.now()
            name, data = seal(
                "events",
                self.me,
                self.central,
                records,
                room=self.room,
                created=created,
                schema=schema,
                first_seq=first,
                last_seq=last,
                columns=FIELDS,
                catalog=catalog,
            )
            transport.write_atomic(self.sync.outbox, name, data)
            outbox.record_export(self.conn, name, first, last, created)
            report.exported += len(records)
            report.bundles_written += 1
            exported = last
        # A re-export replaces older unacknowledged bundles it fully covers.
        gone = [name for name, first, last, _ in superseded if last <= exported]
        for name in gone:
            transport.remove(self.sync.outbox, name)
        if gone:
            outbox.drop_outbox(self.conn, gone)

    def daily_purge(self) -> None:
        today = self.clock().date().isoformat()
        if sync_state.get_state(self.conn, "last_purge_day") == today:
            return
        if self._store is None:
            self._store = RoomStore(self.config.room.database, self.room, clock=self.clock)
        purged = self._store.purge_idle_names(self.config.room.retention_months)
        sync_state.set_state(self.conn, "last_purge_day", today)
        if purged:
            log.info(
                "retention: removed %d names not seen for %d months",
                purged,
                self.config.room.retention_months,
            )

    # --- status ---------------------------------------------------------------------
    def status(self) -> dict[str, Any]:
        state = sync_state.all_state(self.conn)
        top = outbox.max_seq(self.conn, self.room)
        acked = int(state.get("acked_seq", 0))
        last_ack = state.get("last_ack_at")
        lag = None
        if last_ack and top > acked:
            lag = round((self.clock() - parse_iso(last_ack)).total_seconds())
        from syncd import health

        return {
            "role": "room",
            "room": self.room,
            "key_fingerprint": self.me.fingerprint,
            # Computed from central's key file itself, to compare by phone with central.
            "central_key_fingerprint": self.central.fingerprint,
            "daemon": health.read(self),
            "max_seq": top,
            "exported_seq": int(state.get("exported_seq", 0)),
            "acked_seq": acked,
            "unacknowledged": max(top - acked, 0),
            "last_export_at": state.get("last_export_at"),
            "last_ack_at": last_ack,
            "ack_lag_seconds": lag,
            "catalog_revision": current_catalog(self.config.room.database).revision,
            "outbox_waiting": transport.waiting_count(self.sync.outbox),
            "inbox_waiting": transport.waiting_count(self.sync.inbox),
            "quarantined": [
                {"file": n, "reason": r} for n, r in transport.quarantined(self.sync.inbox)
            ],
            "checked_at": self.now(),
        }
