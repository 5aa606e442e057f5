"""Personal identification number: Decree 137/2015 art. 13, Circular 07/2016 art. 7."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lienthong.errors import VnError
from lienthong.vn.ids import PersonalNumber, Sex, compose_pin, is_valid_pin, parse_pin

TODAY = date(2025, 9, 1)

# The annex of Circular 07/2016/TT-BCA: "0" + the code of each of the 63 provinces.
ANNEX_CODES = [f"0{n:02d}" for n in (
    1, 2, 4, 6, 8, 10, 11, 12, 14, 15, 17, 19, 20, 22, 24, 25, 26, 27, 30, 31, 33, 34, 35, 36,
    37, 38, 40, 42, 44, 45, 46, 48, 49, 51, 52, 54, 56, 58, 60, 62, 64, 66, 67, 68, 70, 72,
    74, 75, 77, 79, 80, 82, 83, 84, 86, 87, 89, 91, 92, 93, 94, 95, 96,
)]  # fmt: skip


def parse(text: str) -> PersonalNumber:
    return parse_pin(text, today=TODAY)


def test_the_digits_give_province_sex_and_birth_year() -> None:
    pin = parse("001088012345")
    assert pin.number == "001088012345"
    assert pin.province_code == "001"
    assert (pin.province.code, pin.province.name) == ("01", "Hà Nội")
    assert pin.sex is Sex.MALE
    assert pin.birth_year == 1988
    assert pin.century == 20
    assert pin.serial == "012345"


@pytest.mark.parametrize(
    ("marker", "sex", "year"),
    [
        ("0", Sex.MALE, 1999),
        ("1", Sex.FEMALE, 1999),
        ("2", Sex.MALE, 2099),
        ("3", Sex.FEMALE, 2099),
        ("4", Sex.MALE, 2199),
        ("5", Sex.FEMALE, 2199),
        ("6", Sex.MALE, 2299),
        ("7", Sex.FEMALE, 2299),
        ("8", Sex.MALE, 2399),
        ("9", Sex.FEMALE, 2399),
    ],
)
def test_the_fourth_digit_is_century_and_sex(marker: str, sex: Sex, year: int) -> None:
    pin = parse_pin(f"079{marker}99123456", today=date(2400, 1, 1))
    assert (pin.sex, pin.birth_year) == (sex, year)
    assert pin.century == 20 + int(marker) // 2


def test_a_woman_born_in_2005_in_ho_chi_minh_city() -> None:
    pin = parse("079305000001")
    assert (pin.sex, pin.birth_year, pin.century) == (Sex.FEMALE, 2005, 21)
    assert pin.province.name == "Hồ Chí Minh"


def test_the_province_today_follows_the_2025_merger() -> None:
    pin = parse("091090000001")  # registered in Kiên Giang, now part of An Giang
    assert pin.province.name == "Kiên Giang"
    assert pin.province_now.name == "An Giang"


@pytest.mark.parametrize("text", ["001 088 012 345", "001.088.012.345", " 001088012345\n"])
def test_spaces_and_dots_are_ignored(text: str) -> None:
    assert parse(text).number == "001088012345"


def test_every_code_of_the_annex_is_accepted() -> None:
    for code in ANNEX_CODES:
        assert parse(f"{code}088000000").province_code == code


def test_it_explains_itself_with_labels_that_are_msgids() -> None:
    labels = dict(parse("001188000001").describe())
    assert labels["Sex"] == "female"
    assert labels["Birth year"] == "1988"
    assert labels["Province of birth registration (before 1 July 2025)"] == "Hà Nội (001)"


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("", "vn.pin.empty"),
        ("   ", "vn.pin.empty"),
        ("00108801234", "vn.pin.length"),
        ("0010880123456", "vn.pin.length"),
        ("001-088-012345", "vn.pin.characters"),
        ("00108801234A", "vn.pin.characters"),
        ("００１０８８０１２３４５", "vn.pin.characters"),  # full-width digits
        ("003088012345", "vn.pin.province"),  # 03 is no province code
        ("100088012345", "vn.pin.province"),  # the first digit is always 0
        ("099088012345", "vn.pin.province"),
        ("001299012345", "vn.pin.future"),  # born 2099
        ("001926000001", "vn.pin.future"),
    ],
)
def test_impossible_values_are_rejected_with_a_reason(text: str, code: str) -> None:
    with pytest.raises(VnError) as caught:
        parse(text)
    assert caught.value.code == code
    assert caught.value.field == "pin"
    assert caught.value.message_en  # the template formats with its parameters


def test_a_non_string_is_rejected_not_crashed_on() -> None:
    with pytest.raises(VnError) as caught:
        parse_pin(1088012345)  # type: ignore[arg-type]
    assert caught.value.code == "vn.pin.type"


def test_the_length_error_says_how_many_digits_it_saw() -> None:
    with pytest.raises(VnError) as caught:
        parse("12345")
    assert "5" in caught.value.message_en


def test_is_valid_answers_without_raising() -> None:
    assert is_valid_pin("001088012345", today=TODAY)
    assert not is_valid_pin("001088", today=TODAY)


@pytest.mark.parametrize(
    ("kwargs", "code"),
    [
        ({"province_code": "03"}, "vn.pin.province"),
        ({"birth_year": 1899}, "vn.pin.birth_year"),
        ({"birth_year": 2400}, "vn.pin.birth_year"),
        ({"serial": "12345"}, "vn.pin.serial"),
        ({"serial": "12345a"}, "vn.pin.serial"),
    ],
)
def test_compose_rejects_impossible_parts(kwargs: dict[str, object], code: str) -> None:
    parts: dict[str, object] = {
        "province_code": "01",
        "sex": Sex.MALE,
        "birth_year": 1988,
        "serial": "000001",
    } | kwargs
    with pytest.raises(VnError) as caught:
        compose_pin(**parts)  # type: ignore[arg-type]
    assert caught.value.code == code


@given(
    code=st.sampled_from(ANNEX_CODES),
    sex=st.sampled_from(Sex),
    year=st.integers(1900, TODAY.year),
    serial=st.from_regex(r"[0-9]{6}", fullmatch=True),
)
def test_parsing_a_composed_number_returns_its_parts(
    code: str, sex: Sex, year: int, serial: str
) -> None:
    pin = parse(compose_pin(province_code=code, sex=sex, birth_year=year, serial=serial))
    assert (pin.province_code, pin.sex, pin.birth_year, pin.serial) == (code, sex, year, serial)
    assert compose_pin(province_code=code[1:], sex=sex, birth_year=year, serial=serial) == (
        pin.number
    )
