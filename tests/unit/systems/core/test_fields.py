"""Shared field types: text, dates, shares, countries, and how their errors surface."""

from __future__ import annotations

import pytest
from babel import Locale
from pydantic import BaseModel, ValidationError

from lienthong.errors import LienthongError
from lienthong.systems import RecordType
from lienthong.systems.core.countries import COUNTRIES
from lienthong.systems.core.fields import (
    Address,
    PartialDateText,
    Party,
    Share,
    Text,
    date_end,
    date_start,
    not_after,
)


class Sample(BaseModel):
    text: Text | None = None
    when: PartialDateText | None = None
    share: Share | None = None
    address: Address | None = None
    party: Party | None = None


SAMPLE = RecordType(name="Sample", model=Sample, identifier="text")


def test_text_is_nfc_with_normalised_tone_marks_and_single_spaces() -> None:
    decomposed = "  Nguye\u0302\u0303n   Thi\u0323  Hoa\u0300 "
    assert SAMPLE.validate({"text": decomposed})["text"] == "Nguyễn Thị Hòa"


def test_blank_text_is_refused_with_its_code() -> None:
    with pytest.raises(ValidationError) as caught:
        Sample.model_validate({"text": "   "})
    assert caught.value.errors()[0]["type"] == "registries.blank_text"


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("1988", "1988"),
        ("1988-03", "1988-03"),
        ("1988-03-15", "1988-03-15"),
        ("15/03/1988", "1988-03-15"),
        ("03/1988", "1988-03"),
        ("ngày 15 tháng 3 năm 1988", "1988-03-15"),
    ],
)
def test_dates_are_stored_as_iso_full_or_partial(typed: str, stored: str) -> None:
    assert Sample.model_validate({"when": typed}).when == stored


@pytest.mark.parametrize(
    ("typed", "code"),
    [("1988-13", "vn.date.month"), ("1988-02-30", "vn.date.day"), ("hôm qua", "vn.date.format")],
)
def test_malformed_dates_carry_the_date_code(typed: str, code: str) -> None:
    with pytest.raises(LienthongError) as caught:
        SAMPLE.validate({"text": "x", "when": typed})
    assert caught.value.params["cause"] == code
    assert caught.value.field == "when"


def test_partial_dates_compare_as_periods() -> None:
    assert (date_start("1988"), date_end("1988-02")) == ("1988-01-01", "1988-02-31")
    assert not_after("1988", "1988-03-15")
    assert not_after("1988-03-15", "1988")
    assert not not_after("1989", "1988-12")


@pytest.mark.parametrize(
    ("typed", "stored"), [("1/3", "1/3"), ("50%", "1/2"), ("12,5%", "1/8"), (0.25, "1/4"), (1, "1")]
)
def test_shares_are_stored_as_exact_fractions(typed: str | float, stored: str) -> None:
    assert Sample.model_validate({"share": typed}).share == stored


@pytest.mark.parametrize(
    ("typed", "code"),
    [
        ("half", "registries.share"),
        ("150%", "registries.share_range"),
        (0, "registries.share_range"),
    ],
)
def test_bad_shares_are_refused(typed: str | int, code: str) -> None:
    with pytest.raises(ValidationError) as caught:
        Sample.model_validate({"share": typed})
    assert caught.value.errors()[0]["type"] == code


def test_an_address_derives_its_province_from_the_commune() -> None:
    address = Address.model_validate({"commune": "26743", "line": "Số 1 Lê Lợi"})
    assert address.province == "79"


def test_an_address_refuses_a_province_that_contradicts_the_commune() -> None:
    with pytest.raises(ValidationError) as caught:
        Address.model_validate({"commune": "26743", "line": "x", "province": "01"})
    assert caught.value.errors()[0]["type"] == "registries.province_mismatch"


def test_an_address_refuses_a_commune_abolished_in_2025() -> None:
    with pytest.raises(ValidationError) as caught:
        Address.model_validate({"commune": "26734", "line": "x"})
    assert caught.value.errors()[0]["type"] == "vn.unit.not_in_force"


def test_a_party_is_exactly_one_person_or_enterprise() -> None:
    assert Party.model_validate({"enterprise": "0101243150-001"}).token == (
        "enterprise",
        "0101243150001",
    )
    for neither_or_both in ({}, {"person": "001088012345", "enterprise": "0101243150"}):
        with pytest.raises(ValidationError) as caught:
            Party.model_validate(neither_or_both)
        assert caught.value.errors()[0]["type"] == "registries.party"


def test_a_personal_number_is_not_an_enterprise_code() -> None:
    with pytest.raises(ValidationError) as caught:
        Party.model_validate({"enterprise": "001088012345"})
    assert caught.value.errors()[0]["type"] == "registries.not_enterprise_code"


def test_the_country_list_is_iso_3166_alpha_2_as_cldr_knows_it() -> None:
    not_iso = {
        "AC",
        "CP",
        "CQ",
        "DG",
        "EA",
        "EU",
        "EZ",
        "IC",
        "QO",
        "TA",
        "UN",
        "XA",
        "XB",
        "XK",
        "ZZ",
    }
    cldr = {code for code in Locale("en").territories if len(code) == 2 and code.isalpha()}
    assert cldr - not_iso == COUNTRIES
    assert len(COUNTRIES) == 249


def test_a_refused_record_names_the_underlying_code_in_its_parameters() -> None:
    with pytest.raises(LienthongError) as caught:
        SAMPLE.validate({"text": "x", "party": {"person": "123"}})
    error = caught.value
    assert error.code == "store.invalid_record"
    assert error.field == "party.person"
    assert error.params["cause"] == "vn.pin.length"
    assert "vn.pin.length" in error.params["reason"]


def test_pydantic_errors_carry_pydantic_error_types_as_cause() -> None:
    with pytest.raises(LienthongError) as caught:
        SAMPLE.validate({"text": 5})
    assert caught.value.params["cause"] == "string_type"
