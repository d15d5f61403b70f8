"""The bundle format: what travels between a room and central, as one file.

Layout of a bundle file (format 1)::

    <header: one line of canonical JSON, UTF-8>\\n
    <Ed25519 signature: 64 bytes, over the header line (with its \\n) + the ciphertext>
    <HPKE ciphertext (enc || ct) of zlib(JSON lines), header line bound as ``info``>

Header fields: ``bwk`` (format version, 1), ``kind`` (events | ack | config |
restore), ``sender`` / ``sender_key`` (node name and key fingerprint),
``recipient`` / ``recipient_key``, ``room`` (whose log or which room it is
for), ``first_seq`` / ``last_seq`` (events and restore; else null), ``count``
(records), ``created`` (local ISO time), ``schema`` (the sender's schema
version). The header is not secret (it names rooms and seq numbers only).

``open_bundle`` checks, in this order, and stops at the first failure: total
size; header shape and a format this program knows (a newer one is refused
naming both versions and the side to upgrade); kind expected; sender
enrolled, its key not revoked and its fingerprint the enrolled one;
recipient is us; the signature against the ENROLLED key; a schema this
program knows (newer: refused the same way); only then HPKE decryption;
decompression bounded while it runs; every line a JSON object (format 1), or a
list of column names then arrays of that length (format 2). File names are content addressed:
``KIND-SENDER-<first 40 hex of SHA-256 of the file>.bwk``.
"""

from __future__ import annotations

import hashlib
import json
import re
import zlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from cryptography.exceptions import InvalidSignature, InvalidTag

from shared.errors import Refusal
from shared.keys import SUITE, PrivateKey, PublicKey
from shared.schema import MIGRATIONS

FORMAT_VERSION = 1  # records as JSON objects
TABLE_FORMAT_VERSION = 2  # records as a table: column names, then arrays
KINDS = ("events", "ack", "config", "restore")
NEWEST_FORMAT = TABLE_FORMAT_VERSION  # the newest format this program reads
SCHEMA_VERSION = len(MIGRATIONS)  # the newest schema this program knows
# Who reads, and what its operator must do when a bundle is newer than the program.
UPGRADE_ADVICE = {
    "central": ("central", "upgrade central first"),
    "room": ("this room", "upgrade this room"),
}
SUFFIX = ".bwk"
MAX_HEADER = 4096
MAX_BUNDLE_BYTES = 8 * 1024 * 1024  # a bundle file from a transport folder
MAX_PAYLOAD_BYTES = 64 * 1024 * 1024  # after decompression
MAX_RESTORE_BYTES = 512 * 1024 * 1024  # an operator-supplied restore file
MAX_RESTORE_PAYLOAD = 4 * 1024 * 1024 * 1024
SIGNATURE_BYTES = 64
# Bounds checked on the raw bytes before any JSON parser allocates: a bundle of
# twenty million ``{}`` lines must cost a count of newlines, not two GiB of dicts.
MAX_RECORDS = 200_000  # records in one bundle from a transport folder
MAX_RESTORE_RECORDS = 20_000_000  # an operator-supplied restore file
MAX_LINE_BYTES = 1024 * 1024  # one record line (a published catalog is the longest)
MAX_CONTAINERS_PER_RECORD = 4  # ours: 1 (the row) + 1 (the payload's JSON text)
MAX_VALUES_PER_RECORD = 64  # ours: 9 fields and a small payload
MAX_EXTRA_VALUES = 65_536  # a published catalog is one record of much text
NAME_RE = re.compile(r"^(events|ack|config|restore)-([a-z][a-z0-9_-]{0,31})-([0-9a-f]{40})\.bwk$")
_HEADER_FIELDS: dict[str, type | tuple[type, ...]] = {
    "bwk": int,
    "kind": str,
    "sender": str,
    "sender_key": str,
    "recipient": str,
    "recipient_key": str,
    "room": str,
    "first_seq": (int, type(None)),
    "last_seq": (int, type(None)),
    "count": int,
    "created": str,
    "schema": int,
}
# Optional: the catalog revision a room runs, in its events bundles. Only a central that
# asked for it (``report_revision`` in its published catalog record) is sent it.
_OPTIONAL_HEADER_FIELDS: dict[str, type | tuple[type, ...]] = {"catalog": int}


class BundleRejected(Refusal):
    """A bundle that must not be used; ``reason`` is short, fixed text (no personal data)."""

    def __init__(self, reason: str, detail: str = "", signer: str | None = None):
        super().__init__(reason, detail)
        self.signer = signer  # the sender whose signature was verified, else None


@dataclass(frozen=True)
class Opened:
    header: dict[str, Any]
    records: list[dict[str, Any]] | list[list[Any]]  # lists when ``columns`` is set
    digest: str  # full SHA-256 hex of the file
    columns: tuple[str, ...] | None = None  # format 2: the names of the list items


def bundle_name(kind: str, sender: str, data: bytes) -> str:
    return f"{kind}-{sender}-{hashlib.sha256(data).hexdigest()[:40]}{SUFFIX}"


def canonical(obj: Any) -> bytes:
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=True).encode()


def encode_records(
    records: Iterable[dict[str, Any]] | Iterable[tuple[Any, ...]],
    columns: tuple[str, ...] | None = None,
) -> bytes:
    lines = records if columns is None else [list(columns), *map(list, records)]
    return b"".join(canonical(r) + b"\n" for r in lines)


def seal(
    kind: str,
    sender: PrivateKey,
    recipient: PublicKey,
    records: Sequence[dict[str, Any]] | Sequence[tuple[Any, ...]],
    *,
    room: str,
    created: str,
    schema: int,
    first_seq: int | None = None,
    last_seq: int | None = None,
    level: int = 6,
    columns: tuple[str, ...] | None = None,
    catalog: int | None = None,
) -> tuple[str, bytes]:
    """Compress, encrypt to ``recipient``, sign: returns (content-addressed name, file bytes).

    With ``columns``, ``records`` are tuples in that order and travel as a table (format 2).
    """
    if kind not in KINDS:
        raise ValueError(f"unknown bundle kind {kind!r}")
    header = {
        "bwk": FORMAT_VERSION if columns is None else TABLE_FORMAT_VERSION,
        "kind": kind,
        "sender": sender.name,
        "sender_key": sender.fingerprint,
        "recipient": recipient.name,
        "recipient_key": recipient.fingerprint,
        "room": room,
        "first_seq": first_seq,
        "last_seq": last_seq,
        "count": len(records),
        "created": created,
        "schema": schema,
    }
    if catalog is not None:
        header["catalog"] = catalog
    line = canonical(header) + b"\n"
    plain = zlib.compress(encode_records(records, columns), level)
    ciphertext = SUITE.encrypt(plain, recipient.kem_key, info=line)
    signature = sender.sign_key.sign(line + ciphertext)
    data = line + signature + ciphertext
    return bundle_name(kind, sender.name, data), data


def read_header(data: bytes) -> tuple[dict[str, Any], bytes, bytes, bytes]:
    """Split and validate the plain part: (header, header line, signature, ciphertext)."""
    end = data.find(b"\n", 0, MAX_HEADER + 1)
    if end < 0:
        raise BundleRejected("no header", "no header line within the first 4 KiB")
    line = data[: end + 1]
    if deeper_than(line, 1):  # a header is one flat object: "[" * 4000 is no header
        raise BundleRejected("bad header", "header is not one flat JSON object")
    try:
        header = json.loads(line)
    except (ValueError, UnicodeDecodeError, RecursionError):
        raise BundleRejected("bad header", "header is not JSON") from None
    if (
        not isinstance(header, dict)
        or not set(_HEADER_FIELDS) <= set(header)
        or not set(header) <= set(_HEADER_FIELDS) | set(_OPTIONAL_HEADER_FIELDS)
    ):
        raise BundleRejected("bad header", "unexpected header fields")
    for key, kind in (_HEADER_FIELDS | _OPTIONAL_HEADER_FIELDS).items():
        if key not in header:
            continue  # an optional field
        value = header[key]
        if not isinstance(value, kind) or (isinstance(value, bool)):
            raise BundleRejected("bad header", f"field {key} has the wrong type")
    if not 0 <= header.get("catalog", 0) < 2**31:
        raise BundleRejected("bad header", "field catalog is out of range")
    if header["bwk"] > NEWEST_FORMAT:
        raise BundleRejected("too new", too_new(header, "format", header["bwk"], NEWEST_FORMAT))
    if header["bwk"] not in (FORMAT_VERSION, TABLE_FORMAT_VERSION):
        raise BundleRejected("unsupported format", f"format {header['bwk']}")
    if header["kind"] not in KINDS:
        raise BundleRejected("bad header", "unknown kind")
    rest = data[end + 1 :]
    if len(rest) <= SIGNATURE_BYTES:
        raise BundleRejected("truncated", "no ciphertext")
    return header, line, rest[:SIGNATURE_BYTES], rest[SIGNATURE_BYTES:]


def too_new(header: dict[str, Any], what: str, theirs: int, ours: int) -> str:
    """ "central runs format 2, this bundle is format 3: upgrade central first".

    Events travel to central; acks, config and restore files to a room."""
    reader = "central" if header.get("kind") == "events" else "room"
    who, advice = UPGRADE_ADVICE[reader]
    noun = "this restore file" if header.get("kind") == "restore" else "this bundle"
    return f"{who} runs {what} {ours}, {noun} is {what} {theirs}: {advice}"


def open_bundle(
    data: bytes,
    me: PrivateKey,
    senders: dict[str, PublicKey],
    *,
    kinds: tuple[str, ...] = KINDS,
    max_bytes: int = MAX_BUNDLE_BYTES,
    max_payload: int = MAX_PAYLOAD_BYTES,
    max_records: int = MAX_RECORDS,
    revoked: frozenset[tuple[str, str]] | set[tuple[str, str]] = frozenset(),
) -> Opened:
    """Verify, decrypt and decode a bundle; raises ``BundleRejected``.

    ``senders`` maps an enrolled node name to its public key: a sender not in
    it (never enrolled, or removed = revoked) is refused before any crypto.
    ``revoked`` holds (sender, key fingerprint) pairs refused as "revoked key".
    A format or schema newer than this program is refused whole, naming both.
    """
    if len(data) > max_bytes:
        raise BundleRejected("too large", f"{len(data)} bytes > {max_bytes}")
    header, line, signature, ciphertext = read_header(data)
    if not 0 <= header["count"] <= max_records:
        raise BundleRejected("too large", f"{header['count']} records > {max_records}")
    if header["kind"] not in kinds:
        raise BundleRejected("unexpected kind", header["kind"])
    enrolled = senders.get(header["sender"])
    if enrolled is None:
        raise BundleRejected("unknown sender", header["sender"])
    if (header["sender"], header["sender_key"]) in revoked:
        raise BundleRejected("revoked key", f"{header['sender']} {header['sender_key']}")
    if header["sender_key"] != enrolled.fingerprint:
        raise BundleRejected("unknown sender key", header["sender"])
    if header["recipient_key"] != me.fingerprint or header["recipient"] != me.name:
        raise BundleRejected("not for us", "sealed to another recipient")
    try:
        enrolled.verify_key.verify(signature, line + ciphertext)
    except InvalidSignature:
        raise BundleRejected("bad signature") from None
    if header["schema"] > SCHEMA_VERSION:  # signed: the sender answers for it
        raise BundleRejected(
            "too new", too_new(header, "schema", header["schema"], SCHEMA_VERSION), header["sender"]
        )
    try:
        compressed = SUITE.decrypt(ciphertext, me.kem_key, info=line)
    except (InvalidTag, ValueError):
        raise BundleRejected("cannot decrypt") from None
    signer = header["sender"]
    try:
        return _decode(header, compressed, max_payload, hashlib.sha256(data).hexdigest())
    except BundleRejected as exc:
        exc.signer = signer  # verified: the sender answers for what it signed
        raise
    except Exception as exc:  # noqa: BLE001 - whatever a signed payload makes the decoder do
        raise BundleRejected("bad payload", type(exc).__name__, signer) from None


def _decode(header: dict[str, Any], compressed: bytes, max_payload: int, digest: str) -> Opened:
    # One line per record (and the column line of a table): a record line can
    # never need more than MAX_LINE_BYTES, so the payload is bounded by the count.
    lines = header["count"] + (header["bwk"] == TABLE_FORMAT_VERSION)
    payload = bounded_decompress(compressed, min(max_payload, (lines + 1) * MAX_LINE_BYTES))
    check_lines(payload, lines)
    records, columns = decode_records(payload), None
    if header["bwk"] == TABLE_FORMAT_VERSION:
        columns, records = table_columns(records), records[1:]
    elif not all(type(r) is dict for r in records):
        raise BundleRejected("bad payload", "a line is not an object")
    if len(records) != header["count"]:
        raise BundleRejected("bad payload", "record count differs from the header")
    return Opened(header, records, digest, columns)


_STRINGS = re.compile(rb'"(?:[^"\\\n]|\\.)*"')
_INNERMOST = re.compile(rb"[\[{][^\[\]{}]*[\]}]")  # a container holding no container
_BRACKETS = re.compile(rb"[\[\]{}]")


def deeper_than(text: bytes, depth: int) -> bool:
    """Is the JSON nesting of ``text`` deeper than ``depth`` (or unbalanced)?

    At C speed and without parsing: strings removed, then the innermost
    containers removed ``depth`` times; anything left nests deeper. Our own
    lines are flat, so one round of two regular expressions settles them.
    """
    bare = _STRINGS.sub(b"", text)
    for _ in range(depth):
        if not _BRACKETS.search(bare):
            return False
        bare = _INNERMOST.sub(b"", bare)
    return _BRACKETS.search(bare) is not None


_STRUCTURE = b"[{,:\n"  # what makes the JSON parser allocate: containers, values, records
_NOT_STRUCTURE = bytes(sorted(set(range(256)) - set(_STRUCTURE)))


def check_lines(payload: bytes, expected: int) -> None:
    """Bounds on the raw payload before the JSON parser allocates anything.

    Line count (= records), line length, then what parsing would allocate: the
    lists and objects, and the values (counted by their separators), per
    record. Our records are flat, one list or object a line with JSON text in
    strings, so these counts hold everything an honest bundle holds with room
    to spare. Nesting is bounded by the container count and, within a line, by
    the parser's own recursion guard (refused as "not JSON lines" at about
    1,000 levels, before anything is kept). All at C speed: one ``translate``
    pass keeps only the structural bytes, then a few counts over what is left.
    """
    body = payload.strip(b"\n")
    structure = body.translate(None, _NOT_STRUCTURE)
    count = structure.count(b"\n") + 1 if body else 0
    if count != expected:
        raise BundleRejected("bad payload", "record count differs from the header")
    if not count:
        return
    if _has_long_line(body):
        raise BundleRejected("bad payload", f"a line of {MAX_LINE_BYTES} bytes or more")
    if (
        structure.count(b"[") + structure.count(b"{")
        > MAX_CONTAINERS_PER_RECORD * count + MAX_EXTRA_VALUES
    ):
        raise BundleRejected("bad payload", "too many lists or objects for its records")
    if (
        len(structure)
        > (MAX_CONTAINERS_PER_RECORD + MAX_VALUES_PER_RECORD + 1) * count + 2 * MAX_EXTRA_VALUES
    ):
        raise BundleRejected("bad payload", "too many values for its records")


def _has_long_line(body: bytes) -> bool:
    """A line of MAX_LINE_BYTES or more holds an aligned block of half that size with no
    newline; lines under half of it never do. A few ``find`` calls, no copies."""
    block = MAX_LINE_BYTES // 2
    return any(
        body.find(b"\n", start, start + block) < 0
        for start in range(0, len(body) - block + 1, block)
    )


def bounded_decompress(compressed: bytes, limit: int) -> bytes:
    """zlib-decompress at most ``limit`` bytes; a bomb or a cut stream is refused."""
    inflater = zlib.decompressobj()
    try:
        out = inflater.decompress(compressed, limit + 1)
    except zlib.error:
        raise BundleRejected("bad payload", "not a zlib stream") from None
    if len(out) > limit or inflater.unconsumed_tail:
        raise BundleRejected("too large", f"payload decompresses to more than {limit} bytes")
    if not inflater.eof or inflater.unused_data:
        raise BundleRejected("bad payload", "compressed stream incomplete or trailing data")
    return out


def decode_records(payload: bytes) -> list[Any]:
    """JSON lines -> values. Canonical JSON never has a raw newline inside a value,
    so the lines are parsed in one go as one JSON array."""
    body = payload.strip(b"\n")
    if not body:
        return []
    try:
        values: list[Any] = json.loads(b"[" + body.replace(b"\n", b",") + b"]")
        return values
    except (ValueError, UnicodeDecodeError):
        raise BundleRejected("bad payload", "not JSON lines") from None
    except RecursionError:  # a record nested deeper than the parser goes: name its seq
        from shared.records import nested_too_deep

        raise nested_too_deep(body) from None


def table_columns(lines: list[Any]) -> tuple[str, ...]:
    """Format 2: the first line names the columns; every other line is an array that long."""
    if (
        not lines
        or type(lines[0]) is not list
        or not lines[0]
        or {type(name) for name in lines[0]} != {str}
        or len(set(lines[0])) != len(lines[0])
    ):
        raise BundleRejected("bad payload", "no column names")
    columns = tuple(lines[0])
    rest = lines[1:]
    if rest and (set(map(type, rest)) != {list} or set(map(len, rest)) != {len(columns)}):
        raise BundleRejected("bad payload", "a line is not a row of the table")
    return columns
