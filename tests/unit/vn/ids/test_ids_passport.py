"""Vietnamese passport number: one letter and seven digits."""

from __future__ import annotations

import pytest

from lienthong.errors import VnError
from lienthong.vn.ids import is_valid_passport_number, parse_passport_number


@pytest.mark.parametrize("text", ["C1234567", "c1234567", " C 1234567 ", "N-1234567"])
def test_a_letter_and_seven_digits_parse_in_upper_case(text: str) -> None:
    number = parse_passport_number(text)
    assert number.number == text.strip().replace(" ", "").replace("-", "").upper()
    assert (number.letter, number.digits) == (number.number[0], number.number[1:])


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("", "vn.passport.empty"),
        ("C123456", "vn.passport.format"),
        ("C12345678", "vn.passport.format"),
        ("12345678", "vn.passport.format"),
        ("CC123456", "vn.passport.format"),
        ("Đ1234567", "vn.passport.format"),
        ("C123456O", "vn.passport.format"),
    ],
)
def test_other_shapes_are_rejected(text: str, code: str) -> None:
    with pytest.raises(VnError) as caught:
        parse_passport_number(text)
    assert caught.value.code == code
    assert caught.value.message_en


def test_is_valid_answers_without_raising() -> None:
    assert is_valid_passport_number("B7654321")
    assert not is_valid_passport_number("B765432")
