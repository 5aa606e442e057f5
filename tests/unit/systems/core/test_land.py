"""The Parcel record: identifiers, uses, geometry, shares and encumbrances."""

from __future__ import annotations

from typing import Any

import pytest
from tests.unit.systems.core.checks import accepted, refused

from lienthong.systems.core.land.land_use import LAND_USE_TYPES, LandGroup
from lienthong.systems.core.samples import PERSON_PIN, SPOUSE_PIN, sample_parcel

SQUARE = [[105.8400, 21.0300], [105.8402, 21.0300], [105.8402, 21.0302], [105.8400, 21.0300]]


def test_a_valid_parcel_gets_its_key_and_province() -> None:
    stored = accepted("Parcel", sample_parcel(parcel_id="W7ER8MPNYDYZ"))
    assert stored["parcel"] == "00004-12-345"
    assert stored["parcel_id"] == "w7er8mpnydyz"
    assert stored["province"] == "01"
    assert [holder["share"] for holder in stored["right_holders"]] == ["1/2", "1/2"]
    assert stored["certificate"]["number"] == "DA 123456"


def test_shares_may_be_written_as_percentages_or_fractions() -> None:
    holders = [
        {"holder": {"person": PERSON_PIN}, "share": "50%"},
        {"holder": {"person": SPOUSE_PIN}, "share": "1/2"},
    ]
    assert accepted("Parcel", sample_parcel(right_holders=holders))


def test_a_sole_holder_holds_the_whole_by_default() -> None:
    holders = [{"holder": {"enterprise": "0101243150"}}]
    stored = accepted("Parcel", sample_parcel(right_holders=holders))
    assert stored["right_holders"][0]["share"] == "1"


def test_polygons_and_multipolygons_in_wgs84_are_accepted() -> None:
    polygon = {"type": "Polygon", "coordinates": [SQUARE]}
    multi = {"type": "MultiPolygon", "coordinates": [[SQUARE], [SQUARE]]}
    assert accepted("Parcel", sample_parcel(geometry=polygon))["geometry"] == polygon
    assert accepted("Parcel", sample_parcel(geometry=multi))


def test_land_use_codes_are_detailed_codes_in_three_groups() -> None:
    assert {"LUC", "LUK", "ONT", "ODT", "CLN", "RSX", "NTS", "TMD", "BCS"} <= set(LAND_USE_TYPES)
    assert not {"NNP", "PNN", "CSD", "LUA"} & set(LAND_USE_TYPES)
    assert {group for _, group in LAND_USE_TYPES.values()} == set(LandGroup)


@pytest.mark.parametrize(
    ("change", "field", "code"),
    [
        ({"commune": "123"}, "commune", "vn.unit.malformed_code"),
        ({"commune": "26734"}, "commune", "vn.unit.not_in_force"),
        ({"map_sheet": 0}, "map_sheet", "greater_than_equal"),
        ({"parcel": "00004-12-999"}, "parcel", "land.parcel_mismatch"),
        ({"parcel_id": "w7er8mpnydy"}, "parcel_id", "vn.parcel.id_length"),
        ({"area_m2": -5}, "area_m2", "greater_than"),
        ({"area_m2": 0}, "area_m2", "greater_than"),
        ({"land_uses": []}, "land_uses", "too_short"),
        ({"land_uses": [{"code": "XYZ"}]}, "land_uses.0.code", "land.land_use"),
        ({"land_uses": [{"code": "NNP"}]}, "land_uses.0.code", "land.land_use"),
        ({"land_uses": [{"code": "ODT", "area_m2": 500}]}, "land_uses", "land.use_area"),
        ({"land_uses": [{"code": "ODT"}, {"code": "odt"}]}, "land_uses", "land.use_repeated"),
        (
            {"right_holders": [{"holder": {"person": PERSON_PIN}, "share": "1/3"}]},
            "right_holders",
            "land.shares_total",
        ),
        (
            {
                "right_holders": [
                    {"holder": {"person": PERSON_PIN}, "share": "60%"},
                    {"holder": {"person": SPOUSE_PIN}, "share": "60%"},
                ]
            },
            "right_holders",
            "land.shares_total",
        ),
        (
            {
                "right_holders": [
                    {"holder": {"person": PERSON_PIN}, "share": "1/2"},
                    {"holder": {"person": PERSON_PIN}, "share": "1/2"},
                ]
            },
            "right_holders",
            "land.holder_repeated",
        ),
        (
            {"right_holders": [{"holder": {"person": "001088"}}]},
            "right_holders.0.holder.person",
            "vn.pin.length",
        ),
        ({"right_holders": [{"holder": {}}]}, "right_holders.0.holder", "registries.party"),
        (
            {"geometry": {"type": "Point", "coordinates": [105.84, 21.03]}},
            "geometry.type",
            "literal_error",
        ),
        (
            {"geometry": {"type": "Polygon", "coordinates": [SQUARE[:3]]}},
            "geometry",
            "land.geometry",
        ),
        (
            {"geometry": {"type": "Polygon", "coordinates": [[*SQUARE[:3], [105.9, 21.1]]]}},
            "geometry",
            "land.geometry",
        ),
        (
            {"geometry": {"type": "Polygon", "coordinates": [[[585000.0, 2325000.0]] * 4]}},
            "geometry",
            "land.geometry_outside_vietnam",
        ),
        (
            {
                "encumbrances": [
                    {"kind": "mortgage", "registered_on": "2024-04-10", "released_on": "2024-01-01"}
                ]
            },
            "encumbrances.0",
            "land.encumbrance_dates",
        ),
        (
            {"encumbrances": [{"kind": "pledge", "registered_on": "2024-04-10"}]},
            "encumbrances.0.kind",
            "enum",
        ),
        (
            {"certificate": {"number": "DA 1", "issued_on": "2019"}},
            "certificate.issued_on",
            "registries.partial_date",
        ),
    ],
)
def test_invalid_parcels_are_refused_at_the_field(
    change: dict[str, Any], field: str, code: str
) -> None:
    refused("Parcel", sample_parcel(**change), code=code, field=field)
