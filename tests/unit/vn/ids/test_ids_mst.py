"""Enterprise code = tax code (MST): 10 or 13 digits with a mod-11 check digit, or a PIN."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from lienthong.errors import VnError
from lienthong.vn.ids import TaxCodeKind, is_valid_tax_code, parse_tax_code, tax_code_check_digit

WEIGHTS = (31, 29, 23, 19, 17, 13, 7, 5, 3)

# The examples in python-stdnum's own documentation of stdnum.vn.mst.
STDNUM_VALID = ["0100233488", "0314409058-002", "01.00.112.437", "0312 68 78 78 - 001"]


def expected_check_digit(first_nine: str) -> int:
    return 10 - sum(w * int(d) for w, d in zip(WEIGHTS, first_nine, strict=True)) % 11


nine_digits = st.from_regex(r"[0-9]{2}(?!0000000)[0-9]{7}", fullmatch=True)


@pytest.mark.parametrize("text", STDNUM_VALID)
def test_stdnum_examples_are_valid(text: str) -> None:
    assert is_valid_tax_code(text)


def test_a_ten_digit_code_is_a_main_code() -> None:
    code = parse_tax_code("0100233488")
    assert code.kind is TaxCodeKind.MAIN
    assert code.parent is None and code.branch is None
    assert code.formatted == "0100233488"


def test_a_branch_names_its_parent_with_or_without_the_hyphen() -> None:
    for text in ("0314409058-002", "0314409058002", "0314409058 - 002"):
        code = parse_tax_code(text)
        assert code.kind is TaxCodeKind.BRANCH
        assert code.parent == "0314409058"
        assert code.branch == "002"
        assert code.formatted == "0314409058-002"


def test_a_personal_identification_number_is_the_personal_tax_code() -> None:
    code = parse_tax_code("001088012345", today=date(2025, 7, 1))
    assert code.kind is TaxCodeKind.PERSONAL
    assert code.pin is not None and code.pin.birth_year == 1988
    assert ("Form", "personal identification number used as the personal tax code") in (
        code.describe()
    )


def test_the_description_shows_the_parent_of_a_branch() -> None:
    pairs = dict(parse_tax_code("0312687878-001").describe())
    assert pairs["Parent tax code"] == "0312687878"
    assert pairs["Branch number"] == "001"


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("", "vn.mst.empty"),
        ("12345", "vn.mst.length"),
        ("01002334881", "vn.mst.length"),
        ("010023348A", "vn.mst.characters"),
        ("0100233480", "vn.mst.check_digit"),  # stdnum's invalid-checksum example
        ("0100000000", "vn.mst.sequence"),
        ("0100233488-000", "vn.mst.branch"),
        ("0100233489-001", "vn.mst.check_digit"),
        ("999088012345", "vn.pin.province"),  # 12 digits are read as a personal number
    ],
)
def test_bad_codes_are_rejected_with_a_reason(text: str, code: str) -> None:
    with pytest.raises(VnError) as caught:
        parse_tax_code(text)
    assert caught.value.code == code
    assert caught.value.message_en


def test_a_prefix_whose_check_digit_would_be_ten_is_never_issued() -> None:
    prefix = "010000005"  # weighted sum 29·1 + 3·5 = 44, divisible by 11
    assert tax_code_check_digit(prefix) is None
    with pytest.raises(VnError) as caught:
        parse_tax_code(prefix + "0")
    assert caught.value.code == "vn.mst.never_issued"


def test_the_check_digit_needs_exactly_nine_digits() -> None:
    with pytest.raises(VnError) as caught:
        tax_code_check_digit("12345")
    assert caught.value.code == "vn.mst.length"


@given(nine_digits)
def test_every_valid_code_ends_in_its_computed_check_digit(first_nine: str) -> None:
    digit = expected_check_digit(first_nine)
    assume(digit != 10)
    assert tax_code_check_digit(first_nine) == str(digit)
    assert is_valid_tax_code(first_nine + str(digit))
    for wrong in set("0123456789") - {str(digit)}:
        assert not is_valid_tax_code(first_nine + wrong)


@given(nine_digits, st.integers(0, 9), st.integers(1, 9))
def test_changing_any_one_digit_invalidates_a_code(first_nine: str, at: int, shift: int) -> None:
    digit = tax_code_check_digit(first_nine)
    assume(digit is not None)
    code = first_nine + str(digit)
    changed = code[:at] + str((int(code[at]) + shift) % 10) + code[at + 1 :]
    assert not is_valid_tax_code(changed)


@given(nine_digits, st.integers(1, 999))
def test_a_branch_is_valid_exactly_when_its_parent_is(first_nine: str, branch: int) -> None:
    digit = tax_code_check_digit(first_nine)
    assume(digit is not None)
    code = parse_tax_code(f"{first_nine}{digit}-{branch:03d}")
    assert code.parent == f"{first_nine}{digit}"
