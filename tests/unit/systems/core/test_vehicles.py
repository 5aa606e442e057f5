"""The Vehicle record: plate, VIN, kind and registering province."""

from __future__ import annotations

from typing import Any

import pytest
from tests.unit.systems.core.checks import accepted, refused

from lienthong.systems.core.samples import sample_vehicle
from lienthong.systems.core.vehicles.models import vin_check_digit


def test_a_valid_vehicle_is_stored_with_normal_plate_and_province() -> None:
    stored = accepted(
        "Vehicle",
        sample_vehicle(plate="30k 12345", vin="rllv8aan0ph000123", engine_number="vf8e  0012345"),
    )
    assert stored["plate"] == "30K-123.45"
    assert stored["vin"] == "RLLV8AAN0PH000123"
    assert stored["engine_number"] == "VF8E 0012345"
    assert stored["province"] == "01"
    assert stored["status"] == "registered"


def test_a_plate_from_a_merged_province_belongs_to_its_successor() -> None:
    assert accepted("Vehicle", sample_vehicle(plate="61A-123.45"))["province"] == "79"


def test_a_motorcycle_carries_a_motorcycle_plate() -> None:
    stored = accepted("Vehicle", sample_vehicle(plate="29-b1 234.56", kind="motorcycle"))
    assert stored["plate"] == "29-B1 234.56"


def test_a_central_agency_plate_names_its_province() -> None:
    assert accepted("Vehicle", sample_vehicle(plate="80A12345", province="01"))["province"] == "01"


def test_a_vehicle_without_a_vin_gives_its_frame_number() -> None:
    stored = accepted("Vehicle", sample_vehicle(vin=None, frame_number="vlc100 123456"))
    assert stored["frame_number"] == "VLC100 123456"


def test_an_enterprise_may_own_a_vehicle() -> None:
    assert accepted("Vehicle", sample_vehicle(owner={"enterprise": "0101243150"}))


def test_the_vin_check_digit_is_computed_but_not_enforced() -> None:
    assert vin_check_digit("1M8GDM9AXKP042788") == "X"
    assert vin_check_digit("11111111111111111") == "1"
    assert accepted("Vehicle", sample_vehicle(vin="1M8GDM9A1KP042788"))


@pytest.mark.parametrize(
    ("change", "field", "code"),
    [
        ({"plate": "30K-12"}, "plate", "vn.plate.format"),
        ({"plate": "13A-123.45"}, "plate", "vn.plate.locality"),
        ({"plate": "30NG-123.45"}, "plate", "vn.plate.special_series"),
        ({"vin": "RLLV8AAN0PH00012"}, "vin", "vehicles.vin_length"),
        ({"vin": "RLLV8AAN0PH00012O"}, "vin", "vehicles.vin_characters"),
        ({"vin": "RLLV8AAN0PH00012I"}, "vin", "vehicles.vin_characters"),
        ({"vin": "QLLV8AAN0PH000123"}, "vin", "vehicles.vin_characters"),
        ({"vin": None}, "frame_number", "vehicles.no_frame_number"),
        ({"kind": "motorcycle"}, "kind", "vehicles.kind_plate"),
        ({"kind": "hovercraft"}, "kind", "enum"),
        ({"plate": "80A12345"}, "province", "vehicles.province_required"),
        ({"province": "79"}, "province", "vehicles.province_mismatch"),
        (
            {"owner": {"person": "001088012340", "enterprise": "0101243150"}},
            "owner",
            "registries.party",
        ),
        ({"owner": {"enterprise": "0101243151"}}, "owner.enterprise", "vn.mst.check_digit"),
        ({"registered_on": "2023"}, "registered_on", "registries.partial_date"),
        ({"status": "lost"}, "status", "enum"),
    ],
)
def test_invalid_vehicles_are_refused_at_the_field(
    change: dict[str, Any], field: str, code: str
) -> None:
    refused("Vehicle", sample_vehicle(**change), code=code, field=field)
