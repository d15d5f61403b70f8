"""Visitor codes: 7 random Crockford base32 characters + a Luhn mod 32 check.

A code is the visitor's pseudonymous id in every room. It is shown as
``XXXX-XXXX``; input is forgiving (case, spaces, dashes, I/L -> 1, O -> 0),
and the check character catches every single mistyped character.
"""

from __future__ import annotations

import secrets

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
N = len(ALPHABET)  # 32
_INDEX = {ch: i for i, ch in enumerate(ALPHABET)}
_LOOKALIKES = str.maketrans({"I": "1", "L": "1", "O": "0"})
RANDOM_LENGTH = 7
CODE_LENGTH = RANDOM_LENGTH + 1


class InvalidCode(ValueError):
    """A typed code that is not a visitor code; ``reason`` is a catalog key."""

    def __init__(self, reason: str, typed: str):
        super().__init__(f"{reason}: {typed!r}")
        self.reason = reason
        self.typed = typed


def check_character(body: str) -> str:
    """Luhn mod N over ``body`` (already normalised), as in the Luhn mod N algorithm."""
    factor = 2
    total = 0
    for ch in reversed(body):
        addend = factor * _INDEX[ch]
        factor = 1 if factor == 2 else 2
        total += addend // N + addend % N
    return ALPHABET[(N - total % N) % N]


def new_code() -> str:
    """A fresh random code, normalised (8 characters, no dash)."""
    body = "".join(secrets.choice(ALPHABET) for _ in range(RANDOM_LENGTH))
    return body + check_character(body)


def normalise(typed: str) -> str:
    """Upper-case, drop spaces and dashes, read look-alikes. Raises InvalidCode."""
    cleaned = "".join(typed.split()).replace("-", "").upper().translate(_LOOKALIKES)
    if len(cleaned) != CODE_LENGTH:
        raise InvalidCode("code_length", typed)
    if any(ch not in _INDEX for ch in cleaned):
        raise InvalidCode("code_characters", typed)
    if check_character(cleaned[:RANDOM_LENGTH]) != cleaned[-1]:
        raise InvalidCode("code_checksum", typed)
    return cleaned


def is_valid(typed: str) -> bool:
    try:
        normalise(typed)
    except InvalidCode:
        return False
    return True


def looks_like_code(typed: str) -> bool:
    """True when the text is meant as a code rather than a name.

    Eight code characters that carry a digit or a dash, or that pass the check
    (a code of letters alone is rare but possible).
    """
    compact = "".join(typed.split())
    cleaned = compact.replace("-", "").upper().translate(_LOOKALIKES)
    if len(cleaned) != CODE_LENGTH or any(ch not in _INDEX for ch in cleaned):
        return False
    return any(ch.isdigit() or ch == "-" for ch in compact) or is_valid(cleaned)


def display(code: str) -> str:
    """``ABCD1234`` -> ``ABCD-1234``."""
    code = normalise(code)
    return f"{code[:4]}-{code[4:]}"
