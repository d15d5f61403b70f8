"""Bundles: seal/open round trip and every refusal, in the documented order."""

from __future__ import annotations

import json
import zlib

import pytest

from shared.bundle import (
    MAX_PAYLOAD_BYTES,
    NAME_RE,
    BundleRejected,
    canonical,
    open_bundle,
    read_header,
    seal,
)
from shared.keys import SUITE, generate
from syncd import transport


@pytest.fixture(scope="module")
def nodes():
    return {
        "cjm": generate("cjm"),
        "central": generate("central"),
        "other": generate("central"),
        "mallory": generate("cjm"),
    }


RECORDS = [
    {"id": f"e{i}", "room": "cjm", "seq": i, "kind": "checkin", "payload": {}} for i in range(1, 6)
]


def _seal(nodes, records=RECORDS, sender="cjm", recipient="central", kind="events"):
    return seal(
        kind,
        nodes[sender],
        nodes[recipient].public,
        records,
        room="cjm",
        created="2017-03-01T10:00:00+01:00",
        schema=6,
        first_seq=1,
        last_seq=5,
    )


def _open(nodes, data, **kw):
    return open_bundle(data, nodes["central"], {"cjm": nodes["cjm"].public}, **kw)


def test_round_trip_and_content_addressed_name(nodes):
    name, data = _seal(nodes)
    assert NAME_RE.match(name) and name.startswith("events-cjm-")
    opened = _open(nodes, data)
    assert opened.records == RECORDS
    assert opened.header["first_seq"] == 1 and opened.header["last_seq"] == 5
    assert opened.header["sender_key"] == nodes["cjm"].fingerprint
    assert name[len("events-cjm-") : -4] == opened.digest[:40]
    # the payload is encrypted: no record text in the file
    assert b"checkin" not in data and b'"e1"' not in data


def test_unknown_sender_is_refused_before_any_crypto(nodes):
    _, data = _seal(nodes)
    with pytest.raises(BundleRejected, match="unknown sender"):
        open_bundle(data, nodes["central"], {})  # revoked: removed from the config


def test_sender_with_a_different_key_is_refused(nodes):
    _, data = _seal(nodes, sender="mallory")  # calls itself cjm, other key
    with pytest.raises(BundleRejected, match="unknown sender key"):
        _open(nodes, data)


def test_forged_header_fingerprint_fails_the_signature(nodes):
    _, data = _seal(nodes, sender="mallory")
    header, line, sig, ct = read_header(data)
    header["sender_key"] = nodes["cjm"].fingerprint
    forged = canonical(header) + b"\n" + sig + ct
    with pytest.raises(BundleRejected, match="bad signature"):
        _open(nodes, forged)


def test_sealed_to_another_recipient_is_refused(nodes):
    _, data = _seal(nodes, recipient="other")  # another node also named central
    with pytest.raises(BundleRejected, match="not for us"):
        _open(nodes, data)


@pytest.mark.parametrize("position", [0, 40, 200, -1, -100])
def test_any_flipped_bit_is_refused(nodes, position):
    _, data = _seal(nodes)
    damaged = bytearray(data)
    damaged[position] ^= 0x04
    with pytest.raises(BundleRejected):
        _open(nodes, bytes(damaged))


@pytest.mark.parametrize("keep", [0, 10, 300, 0.5, 0.99])
def test_truncated_file_is_refused(nodes, keep):
    _, data = _seal(nodes)
    cut = int(len(data) * keep) if isinstance(keep, float) else keep
    with pytest.raises(BundleRejected):
        _open(nodes, data[:cut])


def test_header_change_breaks_signature_and_hpke_binding(nodes):
    _, data = _seal(nodes)
    header, line, sig, ct = read_header(data)
    header["last_seq"] = 99
    with pytest.raises(BundleRejected, match="bad signature"):
        _open(nodes, canonical(header) + b"\n" + sig + ct)


def test_oversized_file_refused_by_size_alone(nodes):
    _, data = _seal(nodes)
    with pytest.raises(BundleRejected, match="too large"):
        _open(nodes, data, max_bytes=len(data) - 1)


def test_decompression_bomb_is_refused_while_decompressing(nodes):
    """A validly signed, validly sealed bundle whose payload inflates beyond the limit."""
    sender, central = nodes["cjm"], nodes["central"]
    header = {
        "bwk": 1,
        "kind": "events",
        "sender": "cjm",
        "sender_key": sender.fingerprint,
        "recipient": "central",
        "recipient_key": central.fingerprint,
        "room": "cjm",
        "first_seq": 1,
        "last_seq": 1,
        "count": 1,
        "created": "x",
        "schema": 6,
    }
    line = canonical(header) + b"\n"
    bomb = zlib.compress(b"{" + b" " * (MAX_PAYLOAD_BYTES + 10) + b"}", 9)
    assert len(bomb) < 200_000
    ct = SUITE.encrypt(bomb, central.public.kem_key, info=line)
    data = line + sender.sign_key.sign(line + ct) + ct
    with pytest.raises(BundleRejected, match="too large"):
        _open(nodes, data)


def test_wrong_kind_and_bad_header_shapes(nodes):
    _, data = _seal(nodes, kind="ack")
    with pytest.raises(BundleRejected, match="unexpected kind"):
        _open(nodes, data, kinds=("events",))
    for line in (b"not json\n", b"[]\n", json.dumps({"bwk": 1}).encode() + b"\n", b"x" * 5000):
        with pytest.raises(BundleRejected):
            _open(nodes, line + b"\0" * 100)


def test_transport_ignores_temporary_and_foreign_names(tmp_path, nodes):
    name, data = _seal(nodes)
    transport.write_atomic(tmp_path, name, data)
    for other in (
        f"{name}.tmp",
        f".syncthing.{name}.tmp",
        f"{name[:-4]}.sync-conflict-1.bwk",
        f"{name}.part",
        "notes.txt",
        "../evil.bwk".replace("/", "_"),
        "EVENTS-x.bwk",
    ):
        (tmp_path / other).write_bytes(b"junk")
    assert transport.incoming(tmp_path, ("events",)) == [name]
    assert transport.suspicious(tmp_path) == [
        (b"EVENTS-x.bwk", "bad name")
    ]  # ours by suffix, not by name
    assert transport.read_bounded(tmp_path, name) == data
    with pytest.raises(BundleRejected, match="too large"):
        transport.read_bounded(tmp_path, name, limit=10)


def test_transport_does_not_follow_symlinks(tmp_path, nodes):
    name, data = _seal(nodes)
    secret = tmp_path / "secret"
    secret.write_bytes(data)
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / name).symlink_to(secret)
    assert transport.incoming(inbox, ("events",)) == []
    with pytest.raises(BundleRejected):
        transport.read_bounded(inbox, name)


def test_quarantine_writes_reason_beside_inbox(tmp_path):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    name = "events-cjm-" + "0" * 40 + ".bwk"
    (inbox / name).write_bytes(b"x")
    target = transport.quarantine(inbox, name, "bad signature")
    assert target.parent == tmp_path / "quarantine"
    assert (tmp_path / "quarantine" / f"{name}.reason").read_text() == "bad signature\n"
    assert transport.quarantined(inbox) == [(name, "bad signature")]


def _seal_payload(nodes, payload: bytes, bwk: int, count: int) -> bytes:
    """A validly signed and sealed bundle around any payload (what a buggy or hostile room
    could send)."""
    sender, central = nodes["cjm"], nodes["central"]
    header = {
        "bwk": bwk,
        "kind": "events",
        "sender": "cjm",
        "sender_key": sender.fingerprint,
        "recipient": "central",
        "recipient_key": central.fingerprint,
        "room": "cjm",
        "first_seq": 1,
        "last_seq": count,
        "count": count,
        "created": "x",
        "schema": 6,
    }
    line = canonical(header) + b"\n"
    ct = SUITE.encrypt(zlib.compress(payload), central.public.kem_key, info=line)
    return line + sender.sign_key.sign(line + ct) + ct


def test_table_bundle_round_trip_and_smaller_than_objects(nodes):
    columns = ("id", "room", "seq", "kind", "payload")
    rows = [tuple(record[c] for c in columns) for record in RECORDS * 40]
    _, table = seal(
        "events",
        nodes["cjm"],
        nodes["central"].public,
        rows,
        room="cjm",
        created="2017-03-01T10:00:00+01:00",
        schema=6,
        columns=columns,
    )
    opened = _open(nodes, table)
    assert opened.header["bwk"] == 2 and opened.columns == columns
    assert [tuple(r) for r in opened.records] == rows and opened.header["count"] == len(rows)
    _, objects = _seal(nodes, RECORDS * 40)
    assert _open(nodes, objects).columns is None
    assert len(table) < len(objects)


@pytest.mark.parametrize(
    "payload, reason",
    [
        (b'{"id": "e1"}\n', "no column names"),
        (b"[]\n", "no column names"),
        (b'["id", "id"]\n["a", "b"]\n', "no column names"),
        (b'["id", 5]\n["a", "b"]\n', "no column names"),
        (b'["id", "seq"]\n["a"]\n', "not a row of the table"),
        (b'["id", "seq"]\n{"id": "a", "seq": 1}\n', "not a row of the table"),
    ],
)
def test_bad_table_payloads_are_refused(nodes, payload, reason):
    with pytest.raises(BundleRejected, match=reason):
        # the header counts the rows: every line but the column names
        _open(nodes, _seal_payload(nodes, payload, bwk=2, count=payload.count(b"\n") - 1))


def test_format_1_lines_must_be_objects_and_unknown_formats_refused(nodes):
    with pytest.raises(BundleRejected, match="not an object"):
        _open(nodes, _seal_payload(nodes, b'["id", "seq"]\n["a", 1]\n', bwk=1, count=2))
    with pytest.raises(BundleRejected, match="unsupported format"):
        _open(nodes, _seal_payload(nodes, b'{"id": "a"}\n', bwk=0, count=1))
    with pytest.raises(BundleRejected, match="central runs format 2, this bundle is format 3"):
        _open(nodes, _seal_payload(nodes, b'{"id": "a"}\n', bwk=3, count=1))
