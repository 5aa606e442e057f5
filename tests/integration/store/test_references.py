"""A reference to another record must point at a live record when it is written."""

from __future__ import annotations

import pytest
from tests.integration.store.backends import UowFactory
from tests.integration.store.example import person, vehicle

from lienthong.errors import LienthongError


def refused(uow: UowFactory, record_type: str, content: dict[str, object]) -> LienthongError:
    with uow() as work, pytest.raises(LienthongError) as caught:
        work.records.create(record_type=record_type, content=content)
    return caught.value


@pytest.fixture
def owner(uow: UowFactory) -> None:
    with uow() as work:
        work.records.create(record_type="Person", content=person("001090000001"))
        work.commit()


@pytest.mark.usefixtures("owner")
def test_a_reference_to_an_existing_record_is_accepted(uow: UowFactory) -> None:
    with uow() as work:
        record = work.records.create(record_type="Vehicle", content=vehicle())
        work.commit()
    assert record.content["owner_pin"] == "001090000001"


def test_a_dangling_reference_is_refused_naming_the_field(uow: UowFactory) -> None:
    error = refused(uow, "Vehicle", vehicle(owner_pin="001090999999"))
    assert error.code == "store.dangling_reference"
    assert error.field == "owner_pin"
    assert error.params["target_id"] == "001090999999"


@pytest.mark.usefixtures("owner")
def test_every_identifier_in_a_list_of_references_is_checked(uow: UowFactory) -> None:
    error = refused(uow, "Vehicle", vehicle(co_owner_pins=["001090000001", "001090999999"]))
    assert (error.code, error.field) == ("store.dangling_reference", "co_owner_pins")


@pytest.mark.usefixtures("owner")
def test_a_reference_to_a_deleted_record_is_dangling(uow: UowFactory) -> None:
    with uow() as work:
        work.records.delete(record_type="Person", record_id="001090000001", expected_version=1)
        work.commit()
    assert refused(uow, "Vehicle", vehicle()).code == "store.dangling_reference"


def test_a_record_created_earlier_in_the_same_unit_of_work_can_be_referred_to(
    uow: UowFactory,
) -> None:
    with uow() as work:
        work.records.create(record_type="Person", content=person("001090000001"))
        work.records.create(record_type="Vehicle", content=vehicle())
        work.commit()


@pytest.mark.usefixtures("owner")
def test_updates_are_checked_too(uow: UowFactory) -> None:
    with uow() as work:
        work.records.create(record_type="Vehicle", content=vehicle())
        work.commit()
    with uow() as work, pytest.raises(LienthongError) as caught:
        work.records.update(
            record_type="Vehicle",
            record_id="29A-123.45",
            content=vehicle(owner_pin="001090999999"),
            expected_version=1,
        )
    assert caught.value.code == "store.dangling_reference"
