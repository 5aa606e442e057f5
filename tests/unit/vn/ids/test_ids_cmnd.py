"""Old identity card (CMND): nine digits, shape only, never unique."""

from __future__ import annotations

from datetime import date

import pytest

from lienthong.errors import VnError
from lienthong.vn.ids import IdentityCardNumber, PersonalNumber, is_valid_cmnd, parse_cmnd


def test_nine_digits_parse_as_an_old_identity_card_flagged_non_unique() -> None:
    card = parse_cmnd("025 123 456")
    assert isinstance(card, IdentityCardNumber)
    assert card.number == "025123456"
    assert card.unique is False
    assert ("Unique", "no") in card.describe()


def test_twelve_digits_in_a_cmnd_field_are_a_personal_number() -> None:
    value = parse_cmnd("001088012345", today=date(2025, 1, 1))
    assert isinstance(value, PersonalNumber)
    assert value.birth_year == 1988


def test_a_twelve_digit_value_that_is_no_personal_number_fails_as_one() -> None:
    with pytest.raises(VnError) as caught:
        parse_cmnd("999088012345")
    assert caught.value.code == "vn.pin.province"


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("", "vn.cmnd.empty"),
        ("12345678", "vn.cmnd.length"),
        ("1234567890", "vn.cmnd.length"),
        ("12345678X", "vn.cmnd.characters"),
        ("123-456-789", "vn.cmnd.characters"),
    ],
)
def test_bad_input_is_rejected_with_a_reason(text: str, code: str) -> None:
    with pytest.raises(VnError) as caught:
        parse_cmnd(text)
    assert caught.value.code == code
    assert caught.value.message_en


def test_is_valid_accepts_only_the_nine_digit_shape() -> None:
    assert is_valid_cmnd("025123456")
    assert not is_valid_cmnd("001088012345")
    assert not is_valid_cmnd("0251234")
