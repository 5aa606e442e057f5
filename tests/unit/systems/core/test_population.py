"""The Person record: what the population registry accepts, derives and refuses."""

from __future__ import annotations

from typing import Any

import pytest
from tests.unit.systems.core.checks import accepted, refused

from lienthong.systems.core.population.ethnic_groups import ETHNIC_GROUPS
from lienthong.systems.core.samples import sample_person


def test_a_valid_person_is_stored_normalised_with_derived_fields() -> None:
    stored = accepted(
        "Person",
        sample_person(
            pin="001 088 012 345",
            full_name="  nguyễn  văn   hoà ".title(),
            birth_date="15/03/1988",
        ),
    )
    assert stored["pin"] == "001088012345"
    assert stored["full_name"] == "Nguyễn Văn Hòa"
    assert (stored["family_name"], stored["middle_name"], stored["given_name"]) == (
        "Nguyễn",
        "Văn",
        "Hòa",
    )
    assert stored["birth_date"] == "1988-03-15"
    assert stored["birth_registration_province"] == "01"
    assert stored["permanent_residence"]["province"] == "01"
    assert (stored["nationality"], stored["status"]) == ("VN", "alive")


def test_name_parts_given_explicitly_are_kept() -> None:
    stored = accepted(
        "Person",
        sample_person(family_name="Nguyễn", middle_name="", given_name="Văn An"),
    )
    assert (stored["family_name"], stored["middle_name"], stored["given_name"]) == (
        "Nguyễn",
        None,
        "Văn An",
    )


def test_a_partial_date_of_birth_is_allowed() -> None:
    assert accepted("Person", sample_person(birth_date="1988"))["birth_date"] == "1988"
    assert accepted("Person", sample_person(birth_date="03/1988"))["birth_date"] == "1988-03"


def test_a_person_with_only_a_temporary_residence_is_accepted() -> None:
    stored = accepted(
        "Person",
        sample_person(
            permanent_residence=None,
            temporary_residence={"commune": "30742", "line": "Khu phố 3"},
        ),
    )
    assert stored["temporary_residence"]["province"] == "91"


def test_a_deceased_person_has_a_date_of_death_after_birth() -> None:
    stored = accepted("Person", sample_person(status="deceased", death_date="2024-12"))
    assert stored["death_date"] == "2024-12"


def test_there_are_54_ethnic_groups_coded_01_to_54() -> None:
    assert list(ETHNIC_GROUPS) == [f"{n:02d}" for n in range(1, 55)]
    assert (ETHNIC_GROUPS["01"], ETHNIC_GROUPS["54"]) == ("Kinh", "Rơ-măm")


@pytest.mark.parametrize(
    ("change", "field", "code"),
    [
        ({"pin": "00108801234"}, "pin", "vn.pin.length"),
        ({"pin": "000088012345"}, "pin", "vn.pin.province"),
        ({"birth_date": "1989-03-15"}, "birth_date", "population.birth_year_mismatch"),
        ({"birth_date": "1988-02-30"}, "birth_date", "vn.date.day"),
        ({"sex": "female"}, "sex", "population.sex_mismatch"),
        ({"full_name": "Nguyễn V@n An"}, "full_name", "vn.name.invalid_character"),
        (
            {"permanent_residence": {"commune": "99999", "line": "x"}},
            "permanent_residence.commune",
            "vn.unit.unknown_code",
        ),
        (
            {"permanent_residence": {"commune": "26734", "line": "x"}},
            "permanent_residence.commune",
            "vn.unit.not_in_force",
        ),
        ({"permanent_residence": None}, "temporary_residence", "population.no_residence"),
        ({"nationality": "XX"}, "nationality", "registries.country"),
        ({"ethnic_group": "55"}, "ethnic_group", "population.ethnic_group"),
        ({"father_pin": "12345"}, "father_pin", "vn.pin.length"),
        ({"death_date": "2020"}, "death_date", "population.death_date_alive"),
        (
            {"status": "deceased", "death_date": "1987"},
            "death_date",
            "population.death_before_birth",
        ),
        ({"spouse_pin": "001088012345"}, "content", "population.self_relation"),
        (
            {"birth_registration_province": "79"},
            "content",
            "population.birth_province_mismatch",
        ),
        ({"height_cm": 170}, "height_cm", "extra_forbidden"),
    ],
)
def test_invalid_persons_are_refused_at_the_field(
    change: dict[str, Any], field: str, code: str
) -> None:
    refused("Person", sample_person(**change), code=code, field=field)
