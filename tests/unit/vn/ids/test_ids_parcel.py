"""Land parcels: commune–sheet–parcel triples and 12-character GeoHash identifiers."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lienthong.errors import VnError
from lienthong.vn.ids import (
    geohash_decode,
    geohash_encode,
    is_valid_parcel,
    is_valid_parcel_id,
    parse_parcel,
    parse_parcel_id,
)

HOAN_KIEM_LAKE = (21.028511, 105.852182)


@pytest.mark.parametrize(
    "value",
    [
        "26734-12-345",
        "26734 / 12 / 345",
        "26734.12.345",
        "26734 12 345",
        "26734-012-0345",
        ("26734", 12, 345),
        ("26734", "12", "345"),
    ],
)
def test_a_traditional_reference_accepts_common_separators(
    value: str | tuple[str | int, str | int, str | int],
) -> None:
    parcel = parse_parcel(value)
    assert (parcel.commune_code, parcel.sheet, parcel.number) == ("26734", 12, 345)
    assert parcel.text == "26734-12-345"
    assert ("Map sheet number", "12") in parcel.describe()


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("", "vn.parcel.empty"),
        ("26734-12", "vn.parcel.format"),
        ("26734-12-345-6", "vn.parcel.format"),
        (("26734", 12), "vn.parcel.format"),
        ("2673-12-345", "vn.parcel.commune"),
        ("2673A-12-345", "vn.parcel.commune"),
        ("26734-0-345", "vn.parcel.sheet"),
        ("26734-XII-345", "vn.parcel.sheet"),
        ("26734-12-0", "vn.parcel.number"),
        ("26734-12-34a", "vn.parcel.number"),
    ],
)
def test_bad_references_are_rejected_with_a_reason(value: object, code: str) -> None:
    with pytest.raises(VnError) as caught:
        parse_parcel(value)  # type: ignore[arg-type]
    assert caught.value.code == code
    assert caught.value.message_en
    assert not is_valid_parcel(value)  # type: ignore[arg-type]


def test_the_classic_geohash_example_decodes_to_its_cell() -> None:
    # Gustavo Niemeyer's reference example: "ezs42" is the cell around 42.6, −5.6.
    cell = geohash_decode("ezs42")
    assert cell.contains(42.6, -5.6)
    assert geohash_encode(42.6, -5.6, precision=5) == "ezs42"


def test_a_point_in_hanoi_encodes_to_a_parcel_id_that_parses_back() -> None:
    code = geohash_encode(*HOAN_KIEM_LAKE)
    assert len(code) == 12 and code.startswith("w7er")
    parcel_id = parse_parcel_id(code.upper())
    assert parcel_id.code == code
    assert parcel_id.cell.contains(*HOAN_KIEM_LAKE)
    assert abs(parcel_id.cell.latitude - HOAN_KIEM_LAKE[0]) < 1e-6


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("", "vn.parcel.empty"),
        ("w7er8u", "vn.parcel.id_length"),
        ("w7er8u0e0000x", "vn.parcel.id_length"),
        ("w7er8u0e000a", "vn.parcel.id_characters"),  # a, i, l, o are not in the alphabet
        ("w7er8u0e000l", "vn.parcel.id_characters"),
        ("u33dc0cppjs0", "vn.parcel.outside_vietnam"),  # Berlin
        ("s00000000000", "vn.parcel.outside_vietnam"),  # latitude 0, longitude 0
    ],
)
def test_bad_parcel_ids_are_rejected_with_a_reason(text: str, code: str) -> None:
    with pytest.raises(VnError) as caught:
        parse_parcel_id(text)
    assert caught.value.code == code
    assert caught.value.message_en
    assert not is_valid_parcel_id(text)


@pytest.mark.parametrize(
    ("args", "code"),
    [
        ((91.0, 105.0), "vn.parcel.latitude"),
        ((float("nan"), 105.0), "vn.parcel.latitude"),
        ((21.0, 181.0), "vn.parcel.longitude"),
        ((21.0, 105.0, 0), "vn.parcel.precision"),
        ((21.0, 105.0, 23), "vn.parcel.precision"),
    ],
)
def test_encode_rejects_impossible_arguments(args: tuple[float, ...], code: str) -> None:
    with pytest.raises(VnError) as caught:
        geohash_encode(*args)  # type: ignore[arg-type]
    assert caught.value.code == code


latitudes = st.floats(-89.999, 89.999, allow_nan=False)
longitudes = st.floats(-179.999, 179.999, allow_nan=False)


@given(latitudes, longitudes, st.integers(1, 12))
def test_a_point_lies_in_the_cell_of_its_own_geohash(lat: float, lon: float, n: int) -> None:
    code = geohash_encode(lat, lon, precision=n)
    assert len(code) == n
    assert geohash_decode(code).contains(lat, lon)


@given(latitudes, longitudes)
def test_the_centre_of_a_cell_encodes_back_to_the_cell(lat: float, lon: float) -> None:
    code = geohash_encode(lat, lon)
    cell = geohash_decode(code)
    assert geohash_encode(cell.latitude, cell.longitude) == code
    assert geohash_encode(lat, lon, precision=6) == code[:6]


@given(st.floats(8.5, 23.0), st.floats(102.5, 109.0))
def test_every_point_of_mainland_vietnam_makes_a_valid_parcel_id(lat: float, lon: float) -> None:
    assert is_valid_parcel_id(geohash_encode(lat, lon))
