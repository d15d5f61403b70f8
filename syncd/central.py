"""The central role: verify, decrypt, merge, acknowledge; publish config; restore exports.

One pass (``CentralNode.run_pass``) takes every bundle in the inbox:
verify against the enrolled room key (a room removed from the config is
revoked), decrypt, decompress within limits, validate each event, merge
(union on event id; the same ``(room, seq)`` with other content refuses the
whole bundle), record it as seen, and delete it once committed. The bundles
of a pass share one transaction (up to 100,000 events), each under its own
savepoint, so a backlog costs one fsync, not one per bundle; a helper process
opens a backlog meanwhile (``syncd.opener``). Each room heard from gets one
signed acknowledgement of its highest contiguous seq,
carrying the forgets recorded by the other rooms; a newer ack replaces an
older one still waiting in that room's folder. Rejected files go to
``quarantine/`` beside the inbox with a ``.reason`` file.
"""

from __future__ import annotations

import sqlite3
from operator import itemgetter
from pathlib import Path
from typing import Any

from shared import acks, merge, outbox, staging, sync_status
from shared.atomic_file import write_atomic
from shared.bundle import (
    MAX_RESTORE_BYTES,
    MAX_RESTORE_PAYLOAD,
    MAX_RESTORE_RECORDS,
    Opened,
    open_bundle,
    seal,
)
from shared.catalog import (
    CatalogError,
    catalog_from_text,
    current_catalog,
    keep_copies_in_step,
    keep_published,
    note_room_revision,
    packaged_text,
    refuse_unless_newer,
    room_revisions,
)
from shared.clock import Clock, parse_iso, system_clock
from shared.config import CentralConfig, WatchSettings
from shared.db import connect, schema_version
from shared.keys import KeyFileError, PrivateKey, PublicKey, load_private, load_public
from shared.records import FIELDS, MergeRefused
from syncd import helper_process, transport
from syncd.common import (
    DAMAGED_HELP,
    DatabaseDamaged,
    PassReport,
    SetupError,
    gc_paused,
    log,
    now_iso,
    prune_quarantine,
    quarantine_file,
)
from syncd.opener import InboxOpener, Keys

INBOX_KINDS = ("events", "ack", "config", "restore")
# Bundles merged in one transaction, counted in events: bounds the rows held in memory
# (about 0.5 KB an event) and the size of the write-ahead log before a commit.
MAX_EVENTS_PER_TRANSACTION = 100_000


class CentralNode:
    def __init__(
        self,
        config: CentralConfig,
        clock: Clock = system_clock,
        helper: helper_process.Helper | None = None,
    ) -> None:
        """``helper``: a helper process started early for a backlog (``make_node``), used
        by the first pass or stopped."""
        self.config, self.clock = config, clock
        self.early_helper = helper
        self.section = config.central
        self.label, self.database = "central", config.central.database
        try:
            self.me = load_private(self.section.key)
            self.rooms: dict[str, PublicKey] = {}
            for room_id, link in config.rooms.items():
                key = load_public(link.key)
                if key.name != room_id:
                    raise SetupError(
                        f"{link.key}: this public key is named {key.name!r}, but it is "
                        f"enrolled as [rooms.{room_id}] in {config.path}"
                    )
                self.rooms[room_id] = key
        except KeyFileError as exc:
            raise SetupError(str(exc)) from None
        self.section.inbox.mkdir(parents=True, exist_ok=True)
        for link in config.rooms.values():
            link.outbox.mkdir(parents=True, exist_ok=True)
        self.conn = connect(self.section.database, durable=True)
        merge.tune_for_merging(self.conn)
        try:  # the catalog central published: inside central.db and beside it
            keep_copies_in_step(self.conn, self.section.database)
        except (CatalogError, OSError, sqlite3.DatabaseError) as exc:  # status says so too
            log.warning("the published catalog could not be kept in step: %s", exc)
        # Checked at start and after every error: a damaged copy must not merge or ack.
        self.damaged = sync_status.database_problem(self.conn)
        self.revoked = self.revoked_keys()

    def close(self) -> None:
        if self.early_helper is not None:  # no pass ran
            helper_process.stop(self.early_helper)
            self.early_helper = None
        self.conn.close()

    def now(self) -> str:
        return now_iso(self.clock)

    def watch_paths(self) -> list[Path]:
        return [self.section.inbox]

    def watch_settings(self) -> WatchSettings:
        return self.section

    def wakes_for(self, name: str) -> bool:
        return False  # only bundles arrive here

    # --- one pass ---------------------------------------------------------------------
    def run_pass(self) -> PassReport:
        if self.damaged:
            self.damaged = sync_status.database_problem(self.conn)
        if self.damaged:
            raise DatabaseDamaged(
                f"{self.section.database} is damaged ({self.damaged}); "
                f"nothing is merged or acknowledged. {DAMAGED_HELP}"
            )
        try:
            return self._pass()
        except Exception:
            self.damaged = sync_status.database_problem(self.conn)
            raise

    def revoked_keys(self) -> frozenset[tuple[str, str]]:
        """(room, fingerprint) of every key revocation in force now (``bwk-syncd revoke``)."""
        now = self.clock()
        return frozenset(
            (room, r.fingerprint)
            for room, link in self.config.rooms.items()
            for r in link.revoked
            if r.in_force(now)
        )

    def _pass(self) -> PassReport:
        report = PassReport()
        self.revoked = self.revoked_keys()
        inbox = self.section.inbox
        for raw_name, reason in transport.suspicious(inbox):
            self._reject(raw_name, None, reason, report)
        heard: set[str] = set()
        names = transport.incoming(inbox, INBOX_KINDS)
        keys = Keys(self.me, self.rooms, self.revoked)
        key_files = (self.section.key, {room: link.key for room, link in self.config.rooms.items()})
        # gc paused: hundreds of thousands of fresh, acyclic lists and tuples.
        started, self.early_helper = self.early_helper, None
        with gc_paused(), InboxOpener(inbox, names, keys, key_files, started) as opener:
            while not (opener.ended or self.damaged):  # damaged: the other files wait
                self._merge(opener, report, heard)
        if self.damaged:  # no ack from a damaged copy
            raise DatabaseDamaged(
                f"{self.section.database} is damaged ({self.damaged}); "
                f"nothing is acknowledged. {DAMAGED_HELP}"
            )
        heard |= set(acks.rooms_to_acknowledge(self.conn)) & set(self.rooms)
        failed = []
        for room in sorted(heard):
            try:
                self.write_ack(room)
            except OSError as exc:  # one room's folder must not keep the others' acks back
                log.error("could not write the acknowledgement for %s: %s", room, exc)
                failed.append(room)
                continue
            report.acks_written += 1
        if report.quarantined:
            prune_quarantine(self.section, inbox, self.conn, self.clock)
        if failed:  # merged and committed; the acks are written again by the next pass
            raise OSError(f"could not write the acknowledgement for {', '.join(failed)}")
        return report

    def _merge(self, opener: InboxOpener, report: PassReport, heard: set[str]) -> None:
        """Merge the next run of bundles in one transaction; only then are they deleted
        from the inbox, and the refused files quarantined (never rolled back with a merge)."""
        scratch = opener.upcoming(staging.MAX_ATTACHED)
        schemas = staging.attach(self.conn, scratch)  # outside the transaction, as it must
        try:
            run = opener.run(MAX_EVENTS_PER_TRANSACTION, len(scratch), schemas.keys())
            results = merge.merge_bundles(self.conn, run, self.now(), schemas, opener.idle)
        finally:
            staging.detach(self.conn, schemas.values())
            staging.remove(b.staged for b in opener.taken if b.staged)  # the rest: next run
        for refused in opener.refused:
            self._reject(refused.name, refused.signer, refused.reason, report)
        if any(isinstance(r, MergeRefused) and r.reason == merge.MERGE_FAILED for r in results):
            self.damaged = sync_status.database_problem(self.conn)
        for incoming, result in zip(opener.taken, results):
            room = incoming.header["room"]
            if isinstance(result, MergeRefused) and result.reason == merge.MERGE_DEFERRED:
                log.warning("%s waits for the next pass: %s", incoming.name, result.detail)
                continue  # left in the inbox: opened again next time
            if isinstance(result, MergeRefused):
                self._reject(incoming.name, room, str(result), report)
                continue
            transport.remove(self.section.inbox, incoming.name)
            if "catalog" in incoming.header:  # the revision the room runs (optional)
                note_room_revision(self.conn, room, incoming.header["catalog"])
            report.bundles_read += 1
            report.merged += result.added
            heard.add(room)
            if result.added and "forget" in map(itemgetter(4), incoming.rows):
                heard |= set(self.rooms)  # relay the forget to every room now

    def _reject(self, name: str | bytes, room: str | None, reason: str, report: PassReport) -> None:
        quarantine_file(self.section.inbox, self.conn, name, room, reason, report, self.now())

    def write_ack(self, room: str) -> str:
        seq = merge.contiguous_seq(self.conn, room)
        # bundle_created: when the room sealed the newest bundle merged here (the room's
        # clock), so a room that resent its log can tell an ack of a lost central.
        records = [
            {
                "type": "ack",
                "room": room,
                "seq": seq,
                "bundle_created": merge.last_created(self.conn, room),
            }
        ]
        records += [
            {"type": "forget", "id": event_id, "code": code}
            for event_id, code in acks.forgets_elsewhere(self.conn, room)
        ]
        folder = self.config.rooms[room].outbox
        old = transport.incoming(folder, ("ack",))
        name, data = seal(
            "ack",
            self.me,
            self.rooms[room],
            records,
            room=room,
            created=self.now(),
            schema=schema_version(self.conn),
        )
        transport.write_atomic(folder, name, data)
        acks.mark_acknowledged(self.conn, room, seq)
        for previous in old:  # superseded: the newest ack says everything they said
            if previous != name and previous.startswith(f"ack-{self.me.name}-"):
                transport.remove(folder, previous)
        return name

    # --- config and restore ---------------------------------------------------------
    def publish_config(self, catalog_path: Path | None = None) -> tuple[int, list[str]]:
        """Seal the catalog (activities, targets, rates) to every enrolled room, and keep it
        as the catalog central's own reports use (``shared.catalog.keep_published``).

        Refused, with the file and key named, when it does not validate or when the rooms
        would not take it (not newer than what was published, unless it is the same)."""
        if catalog_path is None:
            beside = self.config.path.parent / "catalog.toml"
            catalog_path = beside if beside.exists() else None
        try:
            text = catalog_path.read_text("utf-8") if catalog_path else packaged_text()
        except UnicodeDecodeError:
            raise SetupError(f"{catalog_path}: not a UTF-8 text file") from None
        try:
            catalog = catalog_from_text(text, str(catalog_path or "packaged catalog"))
            refuse_unless_newer(catalog, current_catalog(self.section.database))
        except CatalogError as exc:
            raise SetupError(str(exc)) from None
        keep_published(self.conn, self.section.database, catalog, text)
        record = {
            "type": "catalog",
            "revision": catalog.revision,
            "text": text,
            "report_revision": True,
        }  # rooms: say in your bundles which one you run
        written = []
        for room, key in self.rooms.items():
            name, data = seal(
                "config",
                self.me,
                key,
                [record],
                room=room,
                created=self.now(),
                schema=schema_version(self.conn),
            )
            transport.write_atomic(self.config.rooms[room].outbox, name, data)
            written.append(room)
        return catalog.revision, written

    def export_room(self, room: str, out: Path) -> int:
        """A sealed export of one room's log for its replaced machine (``restore``)."""
        if room not in self.rooms:
            raise SetupError(f"{room!r} is not enrolled in {self.config.path}")
        records = outbox.room_log(self.conn, room)
        last = records[-1].seq if records else 0
        _, data = seal(
            "restore",
            self.me,
            self.rooms[room],
            records,
            room=room,
            created=self.now(),
            schema=schema_version(self.conn),
            first_seq=1 if records else None,
            last_seq=last if records else None,
            columns=FIELDS,
        )
        if len(data) > MAX_RESTORE_BYTES:
            raise SetupError(f"the export of {room} is larger than {MAX_RESTORE_BYTES} bytes")
        write_atomic(out, data)
        return len(records)

    # --- status ---------------------------------------------------------------------
    def status(self) -> dict[str, Any]:
        from syncd import health

        base: dict[str, Any] = {
            "role": "central",
            "key_fingerprint": self.me.fingerprint,
            "database": {
                "ok": not self.damaged,
                "problem": self.damaged,
                "help": DAMAGED_HELP if self.damaged else None,
            },
            "daemon": health.read(self),
            "inbox_waiting": transport.waiting_count(self.section.inbox),
            "quarantined": [
                {"file": n, "reason": r} for n, r in transport.quarantined(self.section.inbox)
            ],
            "checked_at": self.now(),
        }
        try:
            base["catalog_revision"] = current_catalog(self.section.database).revision
        except CatalogError as exc:
            base["catalog_revision"], base["catalog_problem"] = None, str(exc)
        try:
            base["rooms"] = self._room_status()
        except sqlite3.DatabaseError as exc:  # damaged: say so, show what can be shown
            base["rooms"] = {
                room: {"key_fingerprint": key.fingerprint, "enrolled": True}
                for room, key in self.rooms.items()
            }
            base["database"].update(ok=False, problem=self.damaged or str(exc), help=DAMAGED_HELP)
        return base

    def _room_status(self) -> dict[str, dict[str, Any]]:
        now = self.clock()
        rooms = sync_status.room_status(self.conn)
        for room_id in self.rooms:
            rooms.setdefault(
                room_id,
                {
                    "contiguous_seq": 0,
                    "bundles": 0,
                    "last_bundle_at": None,
                    "last_bundle_created": None,
                    "max_seq": 0,
                    "quarantined": 0,
                },
            )
        counts = sync_status.quarantine_counts(self.conn)
        revisions = room_revisions(self.conn)
        for room_id, entry in rooms.items():
            entry["quarantined"] = counts.get(room_id, 0)
            entry["catalog_revision"] = revisions.get(room_id)  # None: not said (yet)
            last = entry.get("last_bundle_at")
            entry["lag_seconds"] = round((now - parse_iso(last)).total_seconds()) if last else None
            entry["enrolled"] = room_id in self.rooms
            # Computed from the enrolled key itself, to compare by phone with the room.
            entry["key_fingerprint"] = (
                self.rooms[room_id].fingerprint if room_id in self.rooms else None
            )
            entry["revoked_keys"] = sorted(fp for room, fp in self.revoked if room == room_id)
            link = self.config.rooms.get(room_id)
            entry["to_room_waiting"] = transport.waiting_count(link.outbox) if link else None
        return rooms


def open_restore(data: bytes, me: PrivateKey, central: PublicKey) -> Opened:
    return open_bundle(
        data,
        me,
        {central.name: central},
        kinds=("restore",),
        max_bytes=MAX_RESTORE_BYTES,
        max_payload=MAX_RESTORE_PAYLOAD,
        max_records=MAX_RESTORE_RECORDS,
    )
