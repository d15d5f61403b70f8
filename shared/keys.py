"""Node keys: an Ed25519 signing key and an HPKE MLKEM768-X25519 key per node.

Key file format, version 1 (UTF-8 text, one ``field: value`` per line)::

    bwk-key v1 private            (or: bwk-key v1 public)
    name: multibron
    ed25519: <base64, 32 bytes: the signing seed / the verifying key>
    mlkem768: <base64, 64 bytes: the ML-KEM-768 seed / 1184 bytes: its public key>
    x25519: <base64, 32 bytes: the X25519 private / public key>
    fingerprint: ABCD-EFGH-JKMN-PQRS   (public files only; must match the key)

The private file is written with mode 0600 and holds everything needed to
derive the public half. The fingerprint is the first 80 bits of SHA-256 over
the three public keys, in Crockford base32: 16 characters two people can
compare by phone when a room is enrolled. A public file whose fingerprint line
differs from the fingerprint of the key it holds is refused: otherwise a
forged file could carry the real room's fingerprint and pass the phone check.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import os
import re
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives import hpke
from cryptography.hazmat.primitives.asymmetric import ed25519, mlkem, x25519

FORMAT = "bwk-key v1"
SUITE = hpke.Suite(hpke.KEM.MLKEM768_X25519, hpke.KDF.HKDF_SHA256, hpke.AEAD.CHACHA20_POLY1305)
_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_NAME = re.compile(r"^[a-z][a-z0-9_-]{0,31}$")
_MAX_KEY_FILE = 16 * 1024
_SIZES = {
    "private": {"ed25519": 32, "mlkem768": 64, "x25519": 32},
    "public": {"ed25519": 32, "mlkem768": 1184, "x25519": 32},
}


class KeyFileError(ValueError):
    """A key file that cannot be used; the message names the file."""


@dataclass(frozen=True)
class PublicKey:
    name: str
    verify_key: ed25519.Ed25519PublicKey
    kem_key: hpke.MLKEM768X25519PublicKey
    raw: tuple[bytes, bytes, bytes]  # ed25519, mlkem768, x25519 public bytes

    @property
    def fingerprint(self) -> str:
        return fingerprint(*self.raw)


@dataclass(frozen=True)
class PrivateKey:
    name: str
    sign_key: ed25519.Ed25519PrivateKey
    kem_key: hpke.MLKEM768X25519PrivateKey
    public: PublicKey
    raw: tuple[bytes, bytes, bytes]  # ed25519 seed, mlkem768 seed, x25519 private

    @property
    def fingerprint(self) -> str:
        return self.public.fingerprint


def fingerprint(ed_pub: bytes, kem_pub: bytes, x_pub: bytes) -> str:
    digest = hashlib.sha256(b"bwk-key-v1\0" + ed_pub + kem_pub + x_pub).digest()[:10]
    number = int.from_bytes(digest, "big")
    chars = "".join(_ALPHABET[(number >> (5 * i)) & 31] for i in reversed(range(16)))
    return "-".join(chars[i : i + 4] for i in range(0, 16, 4))


def _public_from_raw(name: str, ed_pub: bytes, kem_pub: bytes, x_pub: bytes) -> PublicKey:
    verify = ed25519.Ed25519PublicKey.from_public_bytes(ed_pub)
    kem = hpke.MLKEM768X25519PublicKey(
        mlkem.MLKEM768PublicKey.from_public_bytes(kem_pub),
        x25519.X25519PublicKey.from_public_bytes(x_pub),
    )
    return PublicKey(name, verify, kem, (ed_pub, kem_pub, x_pub))


def _private_from_raw(name: str, ed_seed: bytes, kem_seed: bytes, x_raw: bytes) -> PrivateKey:
    sign = ed25519.Ed25519PrivateKey.from_private_bytes(ed_seed)
    kem_part = mlkem.MLKEM768PrivateKey.from_seed_bytes(kem_seed)
    x_part = x25519.X25519PrivateKey.from_private_bytes(x_raw)
    public = _public_from_raw(
        name,
        sign.public_key().public_bytes_raw(),
        kem_part.public_key().public_bytes_raw(),
        x_part.public_key().public_bytes_raw(),
    )
    return PrivateKey(
        name,
        sign,
        hpke.MLKEM768X25519PrivateKey(kem_part, x_part),
        public,
        (ed_seed, kem_seed, x_raw),
    )


def generate(name: str) -> PrivateKey:
    check_name(name)
    return _private_from_raw(
        name,
        ed25519.Ed25519PrivateKey.generate().private_bytes_raw(),
        mlkem.MLKEM768PrivateKey.generate().private_bytes_raw(),
        x25519.X25519PrivateKey.generate().private_bytes_raw(),
    )


def check_name(name: str) -> str:
    if not _NAME.match(name or ""):
        raise KeyFileError(
            f"{name!r}: a key name is lower-case letters, digits, - or _ "
            "(at most 32, starting with a letter), e.g. the room id or 'central'"
        )
    return name


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def private_text(key: PrivateKey) -> str:
    ed, kem, x = key.raw
    return (
        f"{FORMAT} private\nname: {key.name}\ned25519: {_b64(ed)}\n"
        f"mlkem768: {_b64(kem)}\nx25519: {_b64(x)}\n"
    )


def public_text(key: PublicKey) -> str:
    ed, kem, x = key.raw
    return (
        f"{FORMAT} public\nname: {key.name}\ned25519: {_b64(ed)}\n"
        f"mlkem768: {_b64(kem)}\nx25519: {_b64(x)}\nfingerprint: {key.fingerprint}\n"
    )


def _write_new(path: Path, text: str, mode: int) -> None:
    """Create ``path`` (never overwrite), write, fsync."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    try:
        os.write(fd, text.encode("ascii"))
        os.fsync(fd)
    finally:
        os.close(fd)
    os.chmod(path, mode)


def write_keypair(folder: str | Path, name: str) -> PrivateKey:
    """Write ``folder/NAME.key`` (0600) and ``folder/NAME.pub``; refuse to overwrite."""
    check_name(name)
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    private_path, public_path = folder / f"{name}.key", folder / f"{name}.pub"
    for path in (private_path, public_path):
        if path.exists():
            raise KeyFileError(
                f"{path}: already exists; refusing to overwrite a key "
                "(move it away first if you really mean to replace it)"
            )
    key = generate(name)
    _write_new(private_path, private_text(key), 0o600)
    _write_new(public_path, public_text(key.public), 0o644)
    dir_fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)
    return key


def _parse(path: Path, kind: str) -> tuple[str, bytes, bytes, bytes]:
    try:
        if path.stat().st_size > _MAX_KEY_FILE:
            raise KeyFileError(f"{path}: too large for a key file")
        text = path.read_text("ascii")
    except FileNotFoundError:
        raise KeyFileError(f"{path}: key file not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise KeyFileError(f"{path}: cannot read the key file ({exc})") from None
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    if not lines or lines[0] != f"{FORMAT} {kind}":
        other = "public" if kind == "private" else "private"
        if lines and lines[0] == f"{FORMAT} {other}":
            raise KeyFileError(f"{path}: this is a {other} key file; a {kind} key is needed here")
        raise KeyFileError(
            f"{path}: not a BuurtWerkKamer {kind} key (first line must be '{FORMAT} {kind}')"
        )
    fields: dict[str, str] = {}
    for number, line in enumerate(lines[1:], start=2):
        key, sep, value = line.partition(":")
        if not sep:
            raise KeyFileError(f"{path}:{number}: expected 'field: value'")
        fields[key.strip()] = value.strip()
    name = fields.get("name", "")
    if not _NAME.match(name):
        raise KeyFileError(f"{path}: missing or invalid 'name'")
    raw = []
    for field, size in _SIZES[kind].items():
        try:
            decoded = base64.b64decode(fields[field], validate=True)
        except KeyError:
            raise KeyFileError(f"{path}: missing '{field}'") from None
        except (binascii.Error, ValueError):
            raise KeyFileError(f"{path}: '{field}' is not valid base64") from None
        if len(decoded) != size:
            raise KeyFileError(f"{path}: '{field}' must be {size} bytes, not {len(decoded)}")
        raw.append(decoded)
    return name, raw[0], raw[1], raw[2]


def load_private(path: str | Path) -> PrivateKey:
    path = Path(path)
    if os.name == "posix":
        try:
            mode = path.stat().st_mode & 0o777
        except FileNotFoundError:
            raise KeyFileError(f"{path}: key file not found") from None
        if mode & 0o077:
            raise KeyFileError(
                f"{path}: private key is readable by others (mode {mode:o}); run: chmod 600 {path}"
            )
    name, ed, kem, x = _parse(path, "private")
    try:
        return _private_from_raw(name, ed, kem, x)
    except ValueError as exc:
        raise KeyFileError(f"{path}: invalid key material ({exc})") from None


def load_public(path: str | Path) -> PublicKey:
    path = Path(path)
    name, ed, kem, x = _parse(path, "public")
    try:
        key = _public_from_raw(name, ed, kem, x)
    except ValueError as exc:
        raise KeyFileError(f"{path}: invalid key material ({exc})") from None
    claimed = _fields_of(path).get("fingerprint")
    if claimed is not None and claimed.upper() != key.fingerprint:
        raise KeyFileError(
            f"{path}: the fingerprint line says {claimed}, but the key in this file has "
            f"fingerprint {key.fingerprint}. This file was altered or forged: do not use it; "
            "get the public key again and compare its fingerprint by phone"
        )
    return key


def _fields_of(path: Path) -> dict[str, str]:
    """The ``field: value`` lines of a key file already read once by ``_parse``."""
    lines = path.read_text("ascii").splitlines()[1:]
    return {k.strip(): v.strip() for k, sep, v in (line.partition(":") for line in lines) if sep}
