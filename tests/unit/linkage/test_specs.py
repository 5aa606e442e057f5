"""Linkage specs: the fields read out of registry records, and new records made from fields."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pytest

from lienthong.errors import LienthongError
from lienthong.linkage.specs import ParcelSpec, PersonSpec, spec_for

PERSON: dict[str, Any] = {
    "pin": "001095001746",
    "full_name": "Đinh Văn Hưng",
    "family_name": "Đinh",
    "middle_name": "Văn",
    "given_name": "Hưng",
    "sex": "male",
    "birth_date": "1995-07-25",
    "permanent_residence": {"commune": "00319", "line": "Số 15 phố Phan Bội Châu"},
}

PARCEL: dict[str, Any] = {
    "commune": "00319",
    "map_sheet": 1,
    "parcel_number": 12,
    "address": "Số 15 phố Phan Bội Châu",
    "area_m2": 116.1,
    "land_uses": [{"code": "ODT", "area_m2": 116.1}],
    "right_holders": [{"holder": {"person": "001095001746"}, "share": "1"}],
    "certificate": {"number": "CD 779451", "issued_on": "2024-07-16"},
}


def resolve(record_type: str, record_id: str) -> Mapping[str, Any] | None:
    return PERSON if (record_type, record_id) == ("Person", PERSON["pin"]) else None


class TestSpecFor:
    def test_known_record_types(self) -> None:
        assert isinstance(spec_for("Person"), PersonSpec)
        assert spec_for("Parcel").system == "land"

    def test_unknown_record_type_names_the_known_ones(self) -> None:
        with pytest.raises(LienthongError) as caught:
            spec_for("Vehicle")
        assert caught.value.code == "linkage.spec.unknown"
        assert "Parcel, Person" in caught.value.message_en


class TestPerson:
    def test_fields_of_a_registry_person(self) -> None:
        fields = PersonSpec().from_record(PERSON, resolve=resolve)
        assert set(fields) == set(PersonSpec.fields)
        assert fields["pin"] == "001095001746" and fields["cmnd"] is None
        assert fields["commune"] == "00319" and fields["province"] == "01"
        assert fields["address"] == "Số 15 phố Phan Bội Châu"

    def test_temporary_residence_when_there_is_no_permanent_one(self) -> None:
        content = {
            **PERSON,
            "permanent_residence": None,
            "temporary_residence": {"commune": "00004", "line": "x"},
        }
        assert PersonSpec().from_record(content, resolve=resolve)["commune"] == "00004"

    def test_new_person_from_complete_fields(self) -> None:
        spec = PersonSpec()
        content = spec.to_content(spec.from_record(PERSON, resolve=resolve))
        assert content is not None
        assert content["pin"] == PERSON["pin"] and content["sex"] == "male"
        assert content["permanent_residence"] == PERSON["permanent_residence"]

    def test_name_from_its_parts_when_the_full_name_is_missing(self) -> None:
        spec = PersonSpec()
        fields = {**spec.from_record(PERSON, resolve=resolve), "full_name": None}
        content = spec.to_content(fields)
        assert content is not None and content["full_name"] == "Đinh Văn Hưng"

    @pytest.mark.parametrize(
        ("field", "value"),
        [
            ("pin", None),
            ("pin", "123456789"),
            ("sex", None),
            ("sex", "unknown"),
            ("birth_date", None),
            ("birth_date", "not a date"),
            ("commune", None),
            ("address", ""),
        ],
    )
    def test_no_new_person_without_what_the_registry_needs(
        self, field: str, value: str | None
    ) -> None:
        spec = PersonSpec()
        fields = {**spec.from_record(PERSON, resolve=resolve), field: value}
        assert spec.to_content(fields) is None


class TestParcel:
    def test_fields_of_a_registry_parcel_name_the_holder(self) -> None:
        fields = ParcelSpec().from_record(PARCEL, resolve=resolve)
        assert set(fields) == set(ParcelSpec.fields)
        assert fields["holder_name"] == "Đinh Văn Hưng" and fields["holder_pin"] == "001095001746"
        assert (fields["map_sheet"], fields["parcel_number"], fields["area_m2"]) == (
            "1",
            "12",
            "116.1",
        )
        assert fields["certificate"] == "CD 779451" and fields["province"] == "01"

    def test_a_holder_the_resolver_does_not_know_has_no_name(self) -> None:
        fields = ParcelSpec().from_record(PARCEL, resolve=lambda record_type, record_id: None)
        assert fields["holder_name"] is None and fields["holder_pin"] == "001095001746"

    def test_new_parcel_needs_its_land_use(self) -> None:
        spec = ParcelSpec()
        fields = spec.from_record(PARCEL, resolve=resolve)
        assert spec.to_content(fields) is None
        content = spec.to_content({**fields, "land_use": "odt"})
        assert content is not None
        assert content["land_uses"] == [{"code": "ODT", "area_m2": 116.1}]
        assert content["right_holders"] == [{"holder": {"person": "001095001746"}, "share": "1"}]

    @pytest.mark.parametrize(
        ("field", "value"),
        [
            ("map_sheet", "x"),
            ("parcel_number", "0"),
            ("area_m2", "-1"),
            ("holder_pin", None),
            ("commune", None),
        ],
    )
    def test_no_new_parcel_from_bad_fields(self, field: str, value: str | None) -> None:
        spec = ParcelSpec()
        fields = {**spec.from_record(PARCEL, resolve=resolve), "land_use": "ODT", field: value}
        assert spec.to_content(fields) is None
