"""Key rotation (issue 13, item 6): enrol a room's new key, revoke the old one, rotate central's.

Real keys made at test time, real ``bwk-syncd`` processes for the commands,
a real folder as transport.
"""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import pytest
from test_syncd_site import Site, event_ids

from shared import merge
from shared.bundle import SCHEMA_VERSION, seal
from shared.clock import local_iso, system_clock
from shared.config import load_central_config
from shared.db import connect
from shared.keys import generate, load_private, load_public, public_text
from shared.records import FIELDS
from syncd import transport


@pytest.fixture
def site(tmp_path):
    site = Site(tmp_path / "site")
    yield site
    site.close()


def _fp(path: Path) -> str:
    return load_public(path).fingerprint


def _reasons(inbox: Path) -> list[str]:
    return [reason for _, reason in transport.quarantined(inbox)]


def _new_room_key(site: Site, room: str = "cjm") -> Path:
    out = site.syncd("keygen", room, "--dir", str(site.root / "keys-new")).stdout
    assert _fp(site.root / "keys-new" / f"{room}.pub") in out
    return site.root / "keys-new"


def _use_room_key(site: Site, room: str, key: Path) -> None:
    """On the room machine: the config names the new private key."""
    config = site.config(room)
    config.write_text(re.sub(r"(?m)^key = .*$", f'key = "{key}"', config.read_text(), count=1))


def _thief_bundle(site: Site, key_path: Path, first_seq: int) -> tuple[str, bytes]:
    """Events a thief signs with the stolen key, continuing the room's seq."""
    records = [
        (
            f"{first_seq:012x}{'ab' * 10}",
            "cjm",
            first_seq,
            local_iso(system_clock()),
            "checkin",
            None,
            "kookclub",
            None,
            "{}",
        )
    ]
    assert len(records[0]) == len(FIELDS)
    return seal(
        "events",
        load_private(key_path),
        load_public(site.root / "keys" / "central.pub"),
        records,
        room="cjm",
        created=local_iso(system_clock()),
        schema=SCHEMA_VERSION,
        first_seq=first_seq,
        last_seq=first_seq,
        columns=FIELDS,
    )


def test_enrol_and_revoke_a_room_key_then_the_room_continues_its_seq(site):
    central_toml = site.config("central")
    central_toml.write_text("# central: keep this comment\n" + central_toml.read_text())
    store = site.store("cjm")
    store.check_in(None, ["kookclub"])
    store.check_in(None, ["inloop"])
    site.sync_all()
    old = _fp(site.root / "keys" / "cjm.pub")
    new_dir = _new_room_key(site)
    new = _fp(new_dir / "cjm.pub")

    out = site.syncd(
        "enrol", "--config", str(central_toml), "--room", "cjm", "--key", str(new_dir / "cjm.pub")
    ).stdout
    assert new in out and old in out
    out = site.syncd(
        "revoke", "--config", str(central_toml), "--room", "cjm", "--fingerprint", old.lower()
    ).stdout
    assert old in out and new in out  # the revoked one, and the enrolled one computed from its key
    config = load_central_config(central_toml)
    assert _fp(config.rooms["cjm"].key) == new
    assert [r.fingerprint for r in config.rooms["cjm"].revoked] == [old]
    assert central_toml.read_text().startswith("# central: keep this comment\n")
    assert "handreiking" in config.rooms and not config.rooms["multibron"].revoked

    # The stolen key signs more events: refused whole, with that reason.
    name, data = _thief_bundle(site, site.root / "keys" / "cjm.key", first_seq=3)
    transport.write_atomic(site.inbox, name, data)
    site.once("central")
    assert any(r.startswith("revoked key") for r in _reasons(site.inbox)), _reasons(site.inbox)
    assert len(event_ids(site.db("central"), "cjm")) == 2

    # The room, with its new key, continues at seq 3: central takes it as the same room.
    _use_room_key(site, "cjm", new_dir / "cjm.key")
    store.check_in(None, ["kookclub"])
    site.sync_all()
    assert event_ids(site.db("central"), "cjm") == event_ids(site.db("cjm"))
    assert site.status("central")["rooms"]["cjm"]["contiguous_seq"] == 3
    assert site.status("central")["rooms"]["cjm"]["revoked_keys"] == [old]
    status = site.status("cjm")
    assert status["acked_seq"] == 3 and status["key_fingerprint"] == new


def test_a_revocation_takes_effect_at_its_time_on_centrals_clock(site):
    central_toml = site.config("central")
    current = _fp(site.root / "keys" / "cjm.pub")
    later = local_iso(system_clock() + timedelta(days=1))
    out = site.syncd(
        "revoke",
        "--config",
        str(central_toml),
        "--room",
        "cjm",
        "--fingerprint",
        current,
        "--at",
        later,
    ).stdout
    assert "warning" in out and "enrol" in out  # it is the enrolled key: say what follows
    site.store("cjm").check_in(None, ["kookclub"])
    site.sync_all()  # not yet in force: merged
    assert len(event_ids(site.db("central"), "cjm")) == 1

    config = central_toml.read_text().replace(later, local_iso(system_clock() - timedelta(days=1)))
    central_toml.write_text(config)
    site.store("cjm").check_in(None, ["kookclub"])
    site.once("cjm")
    site.once("central")
    assert len(event_ids(site.db("central"), "cjm")) == 1
    assert any(r.startswith("revoked key") for r in _reasons(site.inbox))


def test_enrol_and_revoke_refuse_bad_input_in_plain_words_and_change_nothing(site, tmp_path):
    central_toml = site.config("central")
    before = central_toml.read_text()
    wrong = tmp_path / "wrong"
    site.syncd("keygen", "multibron", "--dir", str(wrong))
    forged = tmp_path / "forged.pub"
    text = public_text(generate("cjm").public)
    forged.write_text(
        re.sub(r"fingerprint: .*", f"fingerprint: {_fp(site.root / 'keys' / 'cjm.pub')}", text)
    )
    cases = [
        (("enrol", "--room", "cjm", "--key", str(wrong / "multibron.pub")), "named 'multibron'"),
        (("enrol", "--room", "cjm", "--key", str(forged)), "forged"),
        (("enrol", "--room", "nosuch", "--key", str(wrong / "multibron.pub")), "not enrolled"),
        (("revoke", "--room", "cjm", "--fingerprint", "nonsense"), "not a key fingerprint"),
        (
            ("revoke", "--room", "cjm", "--fingerprint", "ABCD-EFGH-JKMN-PQRS", "--at", "soon"),
            "ISO time",
        ),
    ]
    for args, message in cases:
        result = site.syncd(args[0], "--config", str(central_toml), *args[1:], check=False)
        assert result.returncode == 2, (args, result.stdout)
        assert message in result.stderr and "Traceback" not in result.stderr, result.stderr
        assert central_toml.read_text() == before
    # a revoked key cannot come back
    old = _fp(site.root / "keys" / "cjm.pub")
    site.syncd("revoke", "--config", str(central_toml), "--room", "cjm", "--fingerprint", old)
    result = site.syncd(
        "enrol",
        "--config",
        str(central_toml),
        "--room",
        "cjm",
        "--key",
        str(site.root / "keys" / "cjm.pub"),
        check=False,
    )
    assert result.returncode == 2 and "revoked" in result.stderr


def test_centrals_key_rotation_reaches_the_rooms_through_a_bundle_signed_by_the_old_key(site):
    for room in site.rooms:  # re-send unacknowledged events at once ([sync] is the last section)
        with site.config(room).open("a") as config:
            config.write("resend_seconds = 0\n")
    for room in site.rooms:
        site.store(room).check_in(None, ["kookclub"])
    site.sync_all()
    old = _fp(site.root / "keys" / "central.pub")
    site.store("cjm").check_in(None, ["inloop"])
    site.once("cjm")  # in transit, sealed to the old key
    out = site.syncd("keygen", "central", "--dir", str(site.root / "keys-new")).stdout
    new = _fp(site.root / "keys-new" / "central.pub")
    assert new in out
    out = site.syncd(
        "enrol",
        "--config",
        str(site.config("central")),
        "--central",
        "--key",
        str(site.root / "keys-new" / "central.key"),
    ).stdout
    assert old in out and new in out
    site.once("central")  # the bundle sealed to the old key is not for the new one
    for _ in range(2):
        site.sync_all()
    for room in site.rooms:
        status = site.status(room)
        assert status["central_key_fingerprint"] == new, room
        assert status["acked_seq"] == status["max_seq"], (room, status)
    assert event_ids(site.db("central"), "cjm") == event_ids(site.db("cjm"))

    # The old central key (leaked, say) can no longer speak to the rooms.
    ack = seal(
        "ack",
        load_private(site.root / "keys" / "central.key"),
        load_public(site.root / "keys" / "cjm.pub"),
        [{"type": "ack", "room": "cjm", "seq": 0}],
        room="cjm",
        created=local_iso(system_clock()),
        schema=SCHEMA_VERSION,
    )
    transport.write_atomic(site.root / "cjm" / "inbox", *ack)
    site.once("cjm")
    assert any(r.startswith("revoked key") for r in _reasons(site.root / "cjm" / "inbox"))
    assert site.status("cjm")["acked_seq"] == site.status("cjm")["max_seq"]


def test_a_room_refuses_a_central_key_record_that_is_not_a_key(site):
    bad = seal(
        "config",
        load_private(site.root / "keys" / "central.key"),
        load_public(site.root / "keys" / "cjm.pub"),
        [{"type": "central_key", "key": "bwk-key v1 public\nname: central\n"}],
        room="cjm",
        created=local_iso(system_clock()),
        schema=SCHEMA_VERSION,
    )
    transport.write_atomic(site.root / "cjm" / "inbox", *bad)
    site.once("cjm")
    assert any("central_key does not load" in r for r in _reasons(site.root / "cjm" / "inbox"))
    assert site.status("cjm")["central_key_fingerprint"] == _fp(site.root / "keys" / "central.pub")
    conn = connect(site.db("cjm"))
    try:
        assert merge.get_state(conn, "central_key") is None
    finally:
        conn.close()


def test_the_new_central_key_is_read_before_acks_it_signed_in_the_same_pass(site):
    import os

    site.store("cjm").check_in(None, ["kookclub"])
    site.once("cjm")
    site.syncd("keygen", "central", "--dir", str(site.root / "keys-new"))
    site.syncd(
        "enrol",
        "--config",
        str(site.config("central")),
        "--central",
        "--key",
        str(site.root / "keys-new" / "central.key"),
    )
    inbox = site.root / "cjm" / "inbox"
    ack = seal(
        "ack",
        load_private(site.root / "keys-new" / "central.key"),
        load_public(site.root / "keys" / "cjm.pub"),
        [{"type": "ack", "room": "cjm", "seq": 1}],
        room="cjm",
        created=local_iso(system_clock()),
        schema=SCHEMA_VERSION,
    )
    path = transport.write_atomic(inbox, *ack)
    os.utime(path, ns=(1, 1))  # older than the announcement: listed first
    site.once("cjm")
    assert _reasons(inbox) == []
    assert site.status("cjm")["acked_seq"] == 1


def test_the_example_configs_revoked_line_loads_when_uncommented(tmp_path):
    example = Path(__file__).resolve().parents[1] / "config" / "central.example.toml"
    text = example.read_text().replace("# revoked = ", "revoked = ")
    (tmp_path / "central.toml").write_text(text)
    config = load_central_config(tmp_path / "central.toml")
    assert [r.fingerprint for r in config.rooms["cjm"].revoked] == ["ABCD-EFGH-JKMN-PQRS"]
