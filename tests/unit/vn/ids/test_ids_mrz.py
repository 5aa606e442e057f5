"""Passport machine-readable zone, ICAO Doc 9303 TD3; the GPL ``mrz`` package is the oracle."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st
from mrz.base.functions import hash_string  # type: ignore[import-untyped]
from mrz.checker.td3 import TD3CodeChecker  # type: ignore[import-untyped]
from mrz.generator.td3 import TD3CodeGenerator  # type: ignore[import-untyped]

from lienthong.errors import VnError
from lienthong.vn.ids import Sex, compose_td3, is_valid_td3, mrz_check_digit, parse_td3

# The specimen of ICAO Doc 9303 Part 4 (Appendix A): Utopia, Anna Maria Eriksson.
ICAO_LINES = (
    "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<",
    "L898902C36UTO7408122F1204159ZE184226B<<<<<10",
)
TODAY = date(2025, 9, 1)


def line2(number: str, birth: str, sex: str, expiry: str, optional: str = "") -> str:
    """Build line 2 with check digits from the oracle, for cases past the check digits."""
    parts = [
        f"{number:<<9}" + hash_string(f"{number:<<9}"),
        f"{birth}{hash_string(birth)}",
        f"{expiry}{hash_string(expiry)}",
        f"{optional:<<14}" + hash_string(f"{optional:<<14}"),
    ]
    composite = hash_string("".join(parts))
    return f"{parts[0]}VNM{parts[1]}{sex}{parts[2]}{parts[3]}{composite}"


@pytest.mark.parametrize(
    ("field", "digit"),
    [("L898902C3", "6"), ("740812", "2"), ("120415", "9"), ("ZE184226B<<<<<", "1")],
)
def test_icao_check_digit_examples(field: str, digit: str) -> None:
    assert mrz_check_digit(field) == digit


def test_the_icao_specimen_parses_field_by_field() -> None:
    zone = parse_td3(ICAO_LINES, today=TODAY)
    assert (zone.document_type, zone.issuing_state, zone.nationality) == ("P", "UTO", "UTO")
    assert (zone.surname, zone.given_names) == ("ERIKSSON", "ANNA MARIA")
    assert zone.number == "L898902C3"
    assert zone.birth_date == date(1974, 8, 12)
    assert zone.expiry_date == date(2012, 4, 15)
    assert zone.sex is Sex.FEMALE
    assert zone.optional_data == "ZE184226B"
    assert ("Date of birth", "12/08/1974") in zone.describe()


def test_the_zone_may_be_one_text_with_two_lines_or_88_characters() -> None:
    joined = "\n".join(ICAO_LINES)
    assert parse_td3(joined, today=TODAY).lines == ICAO_LINES
    assert parse_td3("".join(ICAO_LINES), today=TODAY).lines == ICAO_LINES
    assert parse_td3(f"  {ICAO_LINES[0].lower()}\n {ICAO_LINES[1]}  ", today=TODAY).lines == (
        ICAO_LINES
    )


def test_composing_the_specimen_gives_the_specimen() -> None:
    lines = compose_td3(
        surname="Eriksson",
        given_names="Anna Maria",
        number="L898902C3",
        birth_date=date(1974, 8, 12),
        sex=Sex.FEMALE,
        expiry_date=date(2012, 4, 15),
        nationality="UTO",
        issuing_state="UTO",
        optional_data="ZE184226B",
    )
    assert lines == ICAO_LINES


def test_vietnamese_names_fold_to_a_to_z() -> None:
    line1, _ = compose_td3(
        surname="Nguyễn",
        given_names="Thị Đoàn-Hoà",
        number="C1234567",
        birth_date=date(1990, 1, 2),
        sex=Sex.FEMALE,
        expiry_date=date(2033, 1, 2),
    )
    assert line1 == "P<VNMNGUYEN<<THI<DOAN<HOA" + "<" * 19


def test_an_unused_optional_field_may_carry_a_filler_check_digit() -> None:
    _, second = compose_td3(
        surname="Le",
        given_names="Van",
        number="C1234567",
        birth_date=date(1990, 1, 2),
        sex=Sex.MALE,
        expiry_date=date(2033, 1, 2),
    )
    assert second[42] == "0"
    with_filler = second[:42] + "<" + second[43]
    assert parse_td3(["P<VNMLE<<VAN" + "<" * 32, with_filler], today=TODAY).optional_data == ""


def test_birth_dates_never_lie_ahead_and_expiry_dates_may() -> None:
    lines = (ICAO_LINES[0], line2("C1234567", "300101", "M", "300101"))
    zone = parse_td3(lines, today=TODAY)
    assert zone.birth_date == date(1930, 1, 1)
    assert zone.expiry_date == date(2030, 1, 1)


def changed(line: str, at: int, ch: str) -> str:
    return line[:at] + ch + line[at + 1 :]


@pytest.mark.parametrize(
    ("lines", "code"),
    [
        ((ICAO_LINES[0], changed(ICAO_LINES[1], 9, "7")), "vn.mrz.number_check"),
        ((ICAO_LINES[0], changed(ICAO_LINES[1], 2, "1")), "vn.mrz.number_check"),
        ((ICAO_LINES[0], changed(ICAO_LINES[1], 19, "3")), "vn.mrz.birth_date_check"),
        ((ICAO_LINES[0], changed(ICAO_LINES[1], 27, "8")), "vn.mrz.expiry_date_check"),
        ((ICAO_LINES[0], changed(ICAO_LINES[1], 42, "2")), "vn.mrz.optional_data_check"),
        ((ICAO_LINES[0], changed(ICAO_LINES[1], 43, "1")), "vn.mrz.composite_check"),
        ((ICAO_LINES[0], changed(ICAO_LINES[1], 20, "Z")), "vn.mrz.sex"),
        ((ICAO_LINES[0],), "vn.mrz.lines"),
        ((*ICAO_LINES, ICAO_LINES[1]), "vn.mrz.lines"),
        ((ICAO_LINES[0][:-1], ICAO_LINES[1]), "vn.mrz.length"),
        ((ICAO_LINES[0], ICAO_LINES[1] + "<"), "vn.mrz.length"),
        ((changed(ICAO_LINES[0], 10, "*"), ICAO_LINES[1]), "vn.mrz.characters"),
        ((changed(ICAO_LINES[0], 0, "V"), ICAO_LINES[1]), "vn.mrz.document_type"),
        ((ICAO_LINES[0], line2("C1234567", "741332", "F", "300101")), "vn.mrz.birth_date"),
        ((ICAO_LINES[0], line2("C1234567", "740812", "F", "300230")), "vn.mrz.expiry_date"),
    ],
)
def test_each_failing_field_has_its_own_code(lines: tuple[str, ...], code: str) -> None:
    with pytest.raises(VnError) as caught:
        parse_td3(lines, today=TODAY)
    assert caught.value.code == code
    assert caught.value.message_en
    assert not is_valid_td3(lines)


def test_an_empty_zone_is_rejected() -> None:
    with pytest.raises(VnError) as caught:
        parse_td3("  ")
    assert caught.value.code == "vn.mrz.empty"


BASE: dict[str, object] = {
    "surname": "Nguyen",
    "given_names": "Van An",
    "number": "C1234567",
    "birth_date": date(1990, 1, 2),
    "sex": Sex.MALE,
    "expiry_date": date(2033, 1, 2),
}


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"surname": "Tôn Nữ " * 6}, "vn.mrz.name_length"),
        ({"given_names": "An 2"}, "vn.mrz.name_characters"),
        ({"number": "C12345678901"}, "vn.mrz.number"),
        ({"number": "C-123"}, "vn.mrz.number"),
        ({"optional_data": "0010880123456789"}, "vn.mrz.optional_data"),
        ({"nationality": "VN1"}, "vn.mrz.state"),
        ({"issuing_state": "VIETNAM"}, "vn.mrz.state"),
        ({"document_type": "V"}, "vn.mrz.document_type"),
    ],
)
def test_compose_rejects_what_does_not_fit(change: dict[str, object], code: str) -> None:
    with pytest.raises(VnError) as caught:
        compose_td3(**(BASE | change))  # type: ignore[arg-type]
    assert caught.value.code == code
    assert caught.value.message_en


words = st.lists(st.from_regex(r"[A-Z]{1,8}", fullmatch=True), min_size=1, max_size=3)
SEX_CODES = {Sex.MALE: "M", Sex.FEMALE: "F", None: "<"}


@given(st.from_regex(r"[A-Z0-9<]{0,30}", fullmatch=True))
def test_check_digits_agree_with_the_oracle(field: str) -> None:
    assert mrz_check_digit(field) == hash_string(field)


@given(
    surname=words,
    given_names=st.one_of(st.just([]), words),
    number=st.from_regex(r"[A-Z0-9]{1,9}", fullmatch=True),
    # The oracle reads a two-digit birth year up to this year's as 20YY, so a century-old
    # birth in this year's YY would look like a birth after expiry to it.
    birth=st.dates(date(1901 + date.today().year % 100, 1, 1), date(2024, 12, 31)),
    expiry=st.dates(date(2025, 1, 1), date(2060, 12, 31)),
    sex=st.sampled_from([Sex.MALE, Sex.FEMALE, None]),
    optional=st.from_regex(r"[A-Z0-9]{0,14}", fullmatch=True),
)
def test_composed_lines_agree_with_the_oracle_and_parse_back(
    surname: list[str],
    given_names: list[str],
    number: str,
    birth: date,
    expiry: date,
    sex: Sex | None,
    optional: str,
) -> None:
    assume(len("<".join(surname)) + 2 + len("<".join(given_names)) <= 39)
    ours = compose_td3(
        surname=" ".join(surname),
        given_names=" ".join(given_names),
        number=number,
        birth_date=birth,
        sex=sex,
        expiry_date=expiry,
        optional_data=optional,
    )
    oracle = TD3CodeGenerator(
        "P",
        "VNM",
        " ".join(surname),
        " ".join(given_names),
        number,
        "VNM",
        birth.strftime("%y%m%d"),
        SEX_CODES[sex],
        expiry.strftime("%y%m%d"),
        optional,
        force=True,
    )
    assert "\n".join(ours) == str(oracle)
    assert TD3CodeChecker("\n".join(ours))
    zone = parse_td3(ours, today=TODAY)
    assert (zone.number, zone.birth_date, zone.expiry_date, zone.sex) == (
        number,
        birth,
        expiry,
        sex,
    )
    assert zone.surname == " ".join(surname)
    assert zone.given_names == " ".join(given_names)
    assert zone.optional_data == optional
