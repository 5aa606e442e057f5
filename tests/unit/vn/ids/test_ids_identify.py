"""identify(): every kind a typed string could be, most likely first."""

from __future__ import annotations

from datetime import date

import pytest

from lienthong.vn.ids import IdKind, PersonalNumber, TaxCode, geohash_encode, identify

TODAY = date(2025, 9, 1)
ICAO_LINES = (
    "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\nL898902C36UTO7408122F1204159ZE184226B<<<<<10"
)


def kinds(text: str) -> list[IdKind]:
    return [found.kind for found in identify(text, today=TODAY)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("001088012345", [IdKind.PIN, IdKind.TAX_CODE]),
        ("0100233488", [IdKind.TAX_CODE]),
        ("0314409058-002", [IdKind.TAX_CODE]),
        ("025123456", [IdKind.CMND]),
        ("30A-123.45", [IdKind.PLATE]),
        ("30-a1 123.45", [IdKind.PLATE]),
        ("C1234567", [IdKind.PASSPORT]),
        (ICAO_LINES, [IdKind.MRZ]),
        ("26734-12-345", [IdKind.PARCEL]),
        (geohash_encode(21.028511, 105.852182), [IdKind.PARCEL_ID]),
    ],
)
def test_each_kind_is_recognised(text: str, expected: list[IdKind]) -> None:
    assert kinds(text) == expected


@pytest.mark.parametrize("text", ["", "   ", "hello", "0100233480", "12", "003088012345"])
def test_nothing_recognisable_gives_an_empty_list(text: str) -> None:
    assert identify(text, today=TODAY) == []


def test_a_non_string_gives_an_empty_list() -> None:
    assert identify(12345) == []  # type: ignore[arg-type]


def test_a_personal_number_is_also_shown_as_the_personal_tax_code() -> None:
    pin, tax = identify("001088012345", today=TODAY)
    assert isinstance(pin.value, PersonalNumber)
    assert isinstance(tax.value, TaxCode) and tax.value.pin == pin.value


def test_each_reading_explains_itself_starting_with_its_kind() -> None:
    (found,) = identify("30A-123.45", today=TODAY)
    pairs = found.describe()
    assert pairs[0] == ("Kind", "vehicle plate")
    assert ("Province today", "Hà Nội") in pairs
