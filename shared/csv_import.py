"""Paper sign-in lists (days the kiosk was down) into the room log.

Contract (DESIGN.md): UTF-8, header ``date,time,activity,code[,name]``; the
whole file is checked first and any bad row refuses the whole file with
``FILE:LINE: reason`` for every bad row. Event ids are a keyed hash (HMAC
with the room secret, which never leaves the room) of the room, the row's
content and its occurrence number, so importing a file again adds nothing and
nobody without the secret can test a guessed name against an id.

Ids made before the keyed form (an unkeyed sha256 of the same parts) are still
recognised, so a list imported before the upgrade is not added twice.
"""

from __future__ import annotations

import csv
import hashlib
import hmac
import io
import json
import re
import sys
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import NamedTuple

from shared import codes, people
from shared.catalog import Catalog, CatalogError, current_catalog
from shared.clock import TZ, system_clock
from shared.config import ConfigError, load_room_config
from shared.db import DatabaseError, transaction
from shared.events import Draft, Kind, append_many
from shared.room_secret import SecretError
from shared.store import RoomStore

COLUMNS = ("date", "time", "activity", "code", "name")
MAX_ROWS = 1_000_000
PAPER = '{"source": "paper"}'  # the payload of every imported event
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_TIME = re.compile(r"^\d{1,2}:\d{2}$")
SELECT_EXISTING_IDS = "SELECT id FROM events WHERE id IN (SELECT value FROM json_each(?))"
SELECT_BY_NAME_KEY = "SELECT code FROM people WHERE name_key = ? ORDER BY code"
ANY_PAPER_EVENT = (
    "SELECT 1 FROM events WHERE kind IN ('checkin', 'job_done') AND payload = ? LIMIT 1"
)
PAPER_PAYLOAD = {"source": "paper"}


class ImportRefused(ValueError):
    """The file was refused as a whole; ``problems`` are ``FILE:LINE: reason`` lines."""

    def __init__(self, problems: list[str]):
        super().__init__("\n".join(problems))
        self.problems = problems


class Row(NamedTuple):
    line: int
    at: str
    activity: str
    code: str | None
    name: str
    content: tuple[str, ...]  # room, date, time, activity, code, name key, occurrence

    def event_id(self, secret: bytes) -> str:
        return keyed_id(secret, "csv", *self.content)

    def legacy_id(self) -> str:
        """The id an import made before ids were keyed (recognised, never made again)."""
        return hashlib.sha256("\x1f".join(("csv", *self.content)).encode()).hexdigest()[:32]


@dataclass(frozen=True)
class ImportResult:
    rows: int
    added: int
    already: int
    registered: int


def keyed_id(secret: bytes, *parts: str) -> str:
    return hmac.digest(secret, "\x1f".join(parts).encode(), "sha256").hex()[:32]


def _decode(data: bytes, name: str) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise ImportRefused(
            [f"{name}:{line}: not UTF-8 text (save the file as CSV UTF-8)"]
        ) from None


def parse(text: str, name: str, room: str, catalog: Catalog, now: datetime) -> list[Row]:
    """Check every row; return them all, or raise ImportRefused naming every bad line."""
    first_line = text.split("\n", 1)[0]
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    header = [h.strip().lower() for h in next(reader, [])]
    if header not in (list(COLUMNS), list(COLUMNS[:4])):
        raise ImportRefused(
            [
                f"{name}:1: the first line must be the header "
                f"'{','.join(COLUMNS)}' (found '{','.join(header)}')"
            ]
        )
    problems: list[str] = []
    rows: list[Row] = []
    seen: Counter[tuple[str, ...]] = Counter()
    for fields in reader:
        line = reader.line_num
        if not any(f.strip() for f in fields):
            continue  # blank lines are harmless
        reason, row = _check(fields, len(header), catalog, now)
        if reason:
            problems.append(f"{name}:{line}: {reason}")
            continue
        assert row is not None  # _check gives a row whenever it gives no reason
        date, time, at, activity, code, person = row
        content = (room, date, time, activity, code or "", people.name_key(person))
        seen[content] += 1
        rows.append(Row(line, at, activity, code, person, (*content, str(seen[content]))))
        if len(rows) > MAX_ROWS:
            raise ImportRefused([f"{name}:{line}: more than {MAX_ROWS} rows; split the file"])
    if problems:
        raise ImportRefused(problems)
    if not rows:
        raise ImportRefused([f"{name}:2: no rows below the header"])
    return rows


# A checked row: date, time, ISO moment, activity, normalised code (or None), name.
_Checked = tuple[str, str, str, str, str | None, str]


def _check(
    fields: list[str], width: int, catalog: Catalog, now: datetime
) -> tuple[str | None, _Checked | None]:
    if len(fields) != width and not (width == 5 and len(fields) == 4):
        return f"expected {width} columns ({','.join(COLUMNS[:width])}), found {len(fields)}", None
    date, time, activity, code = (f.strip() for f in fields[:4])
    name = people.clean_name(fields[4]) if len(fields) > 4 else ""
    reason, when = _moment(date, time)
    if reason:
        return reason, None
    assert when is not None  # _moment gives a moment whenever it gives no reason
    time, at, moment = when
    if moment > now:
        return f"{date} {time} is in the future", None
    if activity not in catalog.activities:
        return f"unknown activity '{activity}' (known: {', '.join(catalog.activities)})", None
    reason, normal = _code(code) if code else (None, None)
    if reason:
        return reason, None
    return None, (date, time, at, activity, normal, name)


# Paper lists repeat dates, times and codes: the caches make a big import
# several times faster (strptime alone was two thirds of the time).
@lru_cache(maxsize=65_536)
def _moment(date: str, time: str) -> tuple[str | None, tuple[str, str, datetime] | None]:
    try:
        if not _DATE.match(date):
            raise ValueError
        moment = datetime(int(date[:4]), int(date[5:7]), int(date[8:10]), tzinfo=TZ)
    except ValueError:
        return f"date '{date}' is not a date like 2017-03-01", None
    try:
        if not _TIME.match(time):
            raise ValueError
        hour, minute = (int(part) for part in time.split(":"))
        moment = moment.replace(hour=hour, minute=minute)
    except ValueError:
        return f"time '{time}' is not a time like 09:30", None
    return None, (f"{hour:02d}:{minute:02d}", moment.isoformat(timespec="seconds"), moment)


@lru_cache(maxsize=65_536)
def _code(code: str) -> tuple[str | None, str | None]:
    try:
        return None, codes.normalise(code)
    except codes.InvalidCode as exc:
        explain = {
            "code_checksum": "has a typing mistake (the check character does not match)",
            "code_length": "should be 8 characters like ABCD-EFGH",
            "code_characters": "has characters that are not in visitor codes",
        }
        return f"code '{code}' {explain[exc.reason]}", None


def import_rows(store: RoomStore, catalog: Catalog, rows: list[Row]) -> ImportResult:
    """Write the new rows in one transaction; rows imported before are skipped.

    A name without a code finds that person here or registers them the way the
    kiosk does (``RoomStore.register_within``: a fresh code, never one in use).
    """
    conn, secret = store.conn, store.secret
    with transaction(conn):
        ids = [row.event_id(secret) for row in rows]
        legacy = [""] * len(rows)  # no paper rows here yet: no old id to look for
        if conn.execute(ANY_PAPER_EVENT, (PAPER,)).fetchone():
            legacy = [row.legacy_id() for row in rows]
        lookup = ids + legacy if legacy[0] else ids
        existing = {r[0] for r in conn.execute(SELECT_EXISTING_IDS, (_json_list(lookup),))}
        drafts: list[Draft] = []
        registered = 0
        names: dict[str, str] = {}
        for row, event_id, old_id in zip(rows, ids, legacy):
            if event_id in existing or old_id in existing:
                continue
            code = row.code
            if code is None and row.name:
                key = people.name_key(row.name)
                if key not in names:
                    found = [r[0] for r in conn.execute(SELECT_BY_NAME_KEY, (key,))]
                    if found:
                        names[key] = found[0]
                    else:
                        names[key] = store.register_within(
                            row.name, at=row.at, payload=PAPER_PAYLOAD
                        ).code
                        registered += 1
                code = names[key]
            elif code and row.name and people.get_person(conn, code) is None:
                people.remember(conn, code, row.name, row.at)  # re-learn a name
            kind = Kind.JOB_DONE if catalog.activity(row.activity).unit == "jobs" else Kind.CHECKIN
            drafts.append(Draft(event_id, row.at, kind, code, row.activity, None, PAPER))
        append_many(conn, store.room, drafts)
    return ImportResult(len(rows), len(drafts), len(rows) - len(drafts), registered)


def _json_list(values: Iterable[str]) -> str:
    return json.dumps(list(values))


def import_file(path: Path, config_path: Path, now: datetime | None = None) -> ImportResult:
    config = load_room_config(config_path)
    data = path.read_bytes()
    catalog = current_catalog(config.room.database)
    rows = parse(
        _decode(data, str(path)), str(path), config.room.id, catalog, now or system_clock()
    )
    store = RoomStore(config.room.database, config.room.id)
    try:
        return import_rows(store, catalog, rows)
    finally:
        store.close()


def import_csv_command(file: str | Path, config: str | Path) -> int:
    """``bwk-kiosk import-csv FILE --config ROOM.toml``: 0 done, 1 refused, 2 cannot run."""
    path = Path(file)
    try:
        result = import_file(path, Path(config))
    except ImportRefused as refused:
        for problem in refused.problems:
            print(problem, file=sys.stderr)
        print(
            f"import-csv: {path}: nothing imported; fix the lines above and try again",
            file=sys.stderr,
        )
        return 1
    except FileNotFoundError:
        print(f"import-csv: {path}: file not found", file=sys.stderr)
        return 2
    except (ConfigError, CatalogError, DatabaseError, SecretError) as exc:
        print(f"import-csv: {exc}", file=sys.stderr)
        return 2
    if result.added == 0:
        print(f"import-csv: {path}: nothing new, all {result.rows} rows were imported before")
    else:
        again = f", {result.already} were imported before" if result.already else ""
        new = f", {result.registered} new visitors registered" if result.registered else ""
        print(f"import-csv: {path}: imported {result.added} of {result.rows} rows{again}{new}")
    return 0
