"""Node keys: the file format, permissions, refusal to overwrite, the fingerprint."""

from __future__ import annotations

import os
import re
import stat
import subprocess
import sys

import pytest

from shared.keys import FORMAT, KeyFileError, generate, load_private, load_public, write_keypair

FINGERPRINT = re.compile(r"^[0-9A-HJKMNP-TV-Z]{4}(-[0-9A-HJKMNP-TV-Z]{4}){3}$")


def test_keygen_writes_private_0600_and_public_with_same_fingerprint(tmp_path):
    key = write_keypair(tmp_path, "cjm")
    private, public = tmp_path / "cjm.key", tmp_path / "cjm.pub"
    assert stat.S_IMODE(private.stat().st_mode) == 0o600
    assert private.read_text().startswith(f"{FORMAT} private\n")
    assert public.read_text().startswith(f"{FORMAT} public\n")
    assert FINGERPRINT.match(key.fingerprint)
    assert load_private(private).fingerprint == key.fingerprint
    assert load_public(public).fingerprint == key.fingerprint
    assert f"fingerprint: {key.fingerprint}" in public.read_text()
    # the public file holds no private material
    assert key.raw[0].hex() not in public.read_bytes().hex()


def test_keygen_refuses_to_overwrite(tmp_path):
    write_keypair(tmp_path, "cjm")
    before = (tmp_path / "cjm.key").read_bytes()
    with pytest.raises(KeyFileError, match="refusing to overwrite"):
        write_keypair(tmp_path, "cjm")
    assert (tmp_path / "cjm.key").read_bytes() == before


def test_cli_keygen_prints_fingerprint_and_refuses_second_time(tmp_path):
    cmd = [sys.executable, "-m", "syncd", "keygen", "multibron", "--dir", str(tmp_path / "k")]
    first = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
    assert first.returncode == 0, first.stderr
    fingerprint = first.stdout.strip().splitlines()[-1].split()[-1]
    assert FINGERPRINT.match(fingerprint)
    assert load_public(tmp_path / "k" / "multibron.pub").fingerprint == fingerprint
    second = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
    assert second.returncode == 2 and "refusing to overwrite" in second.stderr


def test_fingerprints_differ_between_keys():
    assert generate("a").fingerprint != generate("a").fingerprint


@pytest.mark.parametrize(
    "mutate, message",
    [
        (lambda t: t.replace("bwk-key v1 private", "bwk-key v9 private"), "not a BuurtWerkKamer"),
        (lambda t: t.replace("bwk-key v1 private", "bwk-key v1 public"), "public key file"),
        (
            lambda t: "\n".join(ln for ln in t.splitlines() if not ln.startswith("x25519")),
            "missing 'x25519'",
        ),
        (lambda t: t.replace("ed25519: ", "ed25519: !!"), "not valid base64"),
        (lambda t: t.replace("ed25519: ", "ed25519: AAAA"), "must be 32 bytes"),
    ],
)
def test_damaged_private_key_is_a_clear_error(tmp_path, mutate, message):
    write_keypair(tmp_path, "cjm")
    path = tmp_path / "cjm.key"
    text = path.read_text()
    os.chmod(path, 0o600)
    path.write_text(mutate(text))
    with pytest.raises(KeyFileError, match=message):
        load_private(path)


def test_private_key_readable_by_others_is_refused(tmp_path):
    write_keypair(tmp_path, "cjm")
    os.chmod(tmp_path / "cjm.key", 0o644)
    with pytest.raises(KeyFileError, match="chmod 600"):
        load_private(tmp_path / "cjm.key")


def test_private_file_given_as_public_is_refused(tmp_path):
    write_keypair(tmp_path, "cjm")
    with pytest.raises(KeyFileError, match="private key file"):
        load_public(tmp_path / "cjm.key")


def test_bad_names_are_refused(tmp_path):
    for name in ("../x", "Central", "", "a/b", "x" * 40):
        with pytest.raises(KeyFileError):
            write_keypair(tmp_path, name)
