"""Every parser refuses what is not text with its own ``vn.<kind>.type`` code."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from lienthong.errors import VnError
from lienthong.vn.ids import (
    geohash_decode,
    geohash_encode,
    parse_cmnd,
    parse_parcel,
    parse_parcel_id,
    parse_passport_number,
    parse_pin,
    parse_plate,
    parse_tax_code,
    parse_td3,
)

PARSERS: list[tuple[Callable[[str], object], str]] = [
    (parse_pin, "vn.pin.type"),
    (parse_cmnd, "vn.cmnd.type"),
    (parse_tax_code, "vn.mst.type"),
    (parse_plate, "vn.plate.type"),
    (parse_passport_number, "vn.passport.type"),
    (parse_td3, "vn.mrz.type"),
    (parse_parcel, "vn.parcel.type"),
    (parse_parcel_id, "vn.parcel.type"),
    (geohash_decode, "vn.parcel.type"),
]


@pytest.mark.parametrize(("parse", "code"), PARSERS)
@pytest.mark.parametrize("value", [None, 1088012345, b"001088012345"])
def test_a_value_that_is_not_text_is_refused_by_code(
    parse: Callable[[object], object], code: str, value: object
) -> None:
    with pytest.raises(VnError) as caught:
        parse(value)
    assert caught.value.code == code
    assert "string" in caught.value.message_en


def test_a_zone_given_as_lines_must_give_text_lines() -> None:
    with pytest.raises(VnError) as caught:
        parse_td3(["P<VNM", 42])  # type: ignore[list-item]
    assert caught.value.code == "vn.mrz.type"


@pytest.mark.parametrize(
    ("args", "code"),
    [
        (("21", 105.0), "vn.parcel.latitude"),
        ((True, 105.0), "vn.parcel.latitude"),
        ((21.0, None), "vn.parcel.longitude"),
        ((21.0, 105.0, 12.0), "vn.parcel.precision"),
    ],
)
def test_encode_refuses_values_that_are_not_numbers(args: tuple[object, ...], code: str) -> None:
    with pytest.raises(VnError) as caught:
        geohash_encode(*args)  # type: ignore[arg-type]
    assert caught.value.code == code
