"""Vehicle plates (Circular 79/2024/TT-BCA): locality, series, serial; normal written form."""

from __future__ import annotations

import pytest

from lienthong.errors import VnError
from lienthong.vn.ids import (
    LOCALITY_PROVINCES,
    VehicleClass,
    is_valid_plate,
    parse_plate,
    plate_localities,
)
from lienthong.vn.units import LAST_DAY_BEFORE_REFORM, provinces


@pytest.mark.parametrize(
    ("text", "normal", "vehicle"),
    [
        ("30a12345", "30A-123.45", VehicleClass.CAR),
        ("30A 123.45", "30A-123.45", VehicleClass.CAR),
        ("30A-123.45", "30A-123.45", VehicleClass.CAR),
        ("30A-1234", "30A-1234", VehicleClass.CAR),
        ("30-A1 123.45", "30-A1 123.45", VehicleClass.MOTORCYCLE),
        ("30A1-12345", "30-A1 123.45", VehicleClass.MOTORCYCLE),
        ("30a112345", "30-A1 123.45", VehicleClass.MOTORCYCLE),
        ("30-A1 1234", "30-A1 1234", VehicleClass.MOTORCYCLE),
        ("51LD-123.45", "51LD-123.45", VehicleClass.CAR),
        ("29-MĐ1 123.45", "29-MĐ1 123.45", VehicleClass.MOTORCYCLE),
        ("29-mđ1 123.45", "29-MĐ1 123.45", VehicleClass.MOTORCYCLE),
    ],
)
def test_any_spacing_and_punctuation_normalises(
    text: str, normal: str, vehicle: VehicleClass
) -> None:
    plate = parse_plate(text)
    assert plate.text == normal
    assert plate.vehicle is vehicle
    assert parse_plate(plate.text) == plate


def test_the_parts_are_exposed() -> None:
    plate = parse_plate("30-A1 123.45")
    assert (plate.locality_code, plate.series, plate.serial) == ("30", "A1", "12345")


def test_a_digit_written_against_the_letter_makes_a_motorcycle_series() -> None:
    # "30A1 1234" and "30A 11234" hold the same characters; the grouping decides.
    assert parse_plate("30A1 1234").text == "30-A1 1234"
    assert parse_plate("30A 11234").text == "30A-112.34"


@pytest.mark.parametrize(
    ("locality", "old", "now"),
    [
        ("29", "Hà Nội", "Hà Nội"),
        ("33", "Hà Nội", "Hà Nội"),
        ("40", "Hà Nội", "Hà Nội"),
        ("41", "Hồ Chí Minh", "Hồ Chí Minh"),
        ("59", "Hồ Chí Minh", "Hồ Chí Minh"),
        ("61", "Bình Dương", "Hồ Chí Minh"),
        ("72", "Bà Rịa - Vũng Tàu", "Hồ Chí Minh"),
        ("67", "An Giang", "An Giang"),
        ("68", "Kiên Giang", "An Giang"),
        ("43", "Đà Nẵng", "Đà Nẵng"),
        ("39", "Đồng Nai", "Đồng Nai"),
    ],
)
def test_the_locality_gives_the_old_and_the_current_province(
    locality: str, old: str, now: str
) -> None:
    plate = parse_plate(f"{locality}A-123.45")
    assert plate.province is not None and plate.province.name == old
    assert plate.province_now is not None and plate.province_now.name == now


def test_locality_80_belongs_to_central_agencies() -> None:
    plate = parse_plate("80A-123.45")
    assert plate.central
    assert plate.province is None and plate.province_now is None
    assert ("Registered by", "a central agency") in plate.describe()


def test_every_old_province_has_at_least_one_locality_code() -> None:
    old_codes = {u.code for u in provinces(on=LAST_DAY_BEFORE_REFORM)}
    assert set(LOCALITY_PROVINCES.values()) == old_codes
    assert plate_localities("01") == ["29", "30", "31", "32", "33", "40"]
    assert plate_localities("79") == ["41", *(str(n) for n in range(50, 60))]


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("", "vn.plate.empty"),
        ("30A-123", "vn.plate.format"),
        ("30A-1234567", "vn.plate.format"),
        ("A30-12345", "vn.plate.format"),
        ("TM-12-34", "vn.plate.format"),  # military plates have no locality code
        ("30ABC-12345", "vn.plate.format"),
        ("13A-123.45", "vn.plate.locality"),
        ("00A-123.45", "vn.plate.locality"),
        ("30O-123.45", "vn.plate.series"),  # O reads as 0
        ("30I1-123.45", "vn.plate.series"),
        ("80NG-123.45", "vn.plate.special_series"),
        ("29-NN-123-45", "vn.plate.special_series"),
        ("41QT12345", "vn.plate.special_series"),
        ("51CV-123.45", "vn.plate.special_series"),
    ],
)
def test_bad_plates_are_rejected_with_a_reason(text: str, code: str) -> None:
    with pytest.raises(VnError) as caught:
        parse_plate(text)
    assert caught.value.code == code
    assert caught.value.message_en


def test_is_valid_answers_without_raising() -> None:
    assert is_valid_plate("30A-123.45")
    assert not is_valid_plate("30A")
