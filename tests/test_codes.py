"""Visitor codes: Crockford base32, Luhn mod 32, forgiving input."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shared import codes

body = st.text(alphabet=codes.ALPHABET, min_size=7, max_size=7)


@given(body)
def test_every_single_substitution_is_refused(random_part):
    code = random_part + codes.check_character(random_part)
    assert codes.normalise(code) == code
    for position in range(codes.CODE_LENGTH):
        for replacement in codes.ALPHABET:
            if replacement == code[position]:
                continue
            typo = code[:position] + replacement + code[position + 1 :]
            with pytest.raises(codes.InvalidCode) as refused:
                codes.normalise(typo)
            assert refused.value.reason == "code_checksum"


def test_new_codes_are_valid_and_shown_with_a_dash():
    code = codes.new_code()
    assert codes.is_valid(code) and len(code) == 8
    shown = codes.display(code)
    assert shown[4] == "-" and shown.replace("-", "") == code


def test_forgiving_input():
    code = "ABCDEFG" + codes.check_character("ABCDEFG")
    spaced = f"{code[:4].lower()} {code[4:].lower()}"
    assert codes.normalise(spaced) == code
    assert codes.normalise(f"{code[:4]}-{code[4:]}") == code
    assert codes.normalise(f"  {code[:4]} - {code[4:]} ") == code


def test_lookalike_letters_read_as_digits():
    real = "1100000" + codes.check_character("1100000")
    assert codes.normalise("IL0O000" + real[-1]) == real
    assert codes.normalise("il0o000" + real[-1].lower()) == real


@pytest.mark.parametrize(
    "typed, reason",
    [
        ("ABC", "code_length"),
        ("ABCDEFGHJ", "code_length"),
        ("ABCD-EFG!", "code_characters"),
        ("ABCDEFGU", "code_characters"),
        ("", "code_length"),
    ],
)
def test_friendly_refusals(typed, reason):
    with pytest.raises(codes.InvalidCode) as refused:
        codes.normalise(typed)
    assert refused.value.reason == reason


def test_looks_like_code_tells_codes_from_names():
    for _ in range(200):
        assert codes.looks_like_code(codes.new_code())
    assert codes.looks_like_code("AB12-CD34")
    assert not codes.looks_like_code("Zoë")
    marianne_is_valid = codes.is_valid("Marianne")
    assert codes.looks_like_code("Marianne") == marianne_is_valid  # letters only: by the check
