"""A system's declared services run against the store, each in its own unit of work."""

from __future__ import annotations

import pytest
from tests.integration.store.backends import UowFactory
from tests.integration.store.example import EXAMPLE, person, vehicle

from lienthong.errors import LienthongError
from lienthong.store.service import call_service


def test_standard_services_create_and_read_records(uow: UowFactory) -> None:
    created = call_service(system=EXAMPLE, service="createPerson", uow=uow(), content=person())
    found = call_service(
        system=EXAMPLE, service="getPerson", uow=uow(), record_id=created.record_id
    )
    assert found == created


def test_a_custom_operation_runs_its_handler_with_keyword_arguments(uow: UowFactory) -> None:
    call_service(system=EXAMPLE, service="createPerson", uow=uow(), content=person())
    call_service(system=EXAMPLE, service="createVehicle", uow=uow(), content=vehicle())
    count = call_service(
        system=EXAMPLE, service="countVehicles", uow=uow(), owner_pin="001090000001"
    )
    assert count == 1


def test_wrong_parameters_are_refused_before_anything_runs(uow: UowFactory) -> None:
    with pytest.raises(LienthongError) as caught:
        call_service(system=EXAMPLE, service="getPerson", uow=uow(), pin="001090000001")
    assert caught.value.code == "store.bad_parameters"


def test_an_undeclared_service_is_refused(uow: UowFactory) -> None:
    with pytest.raises(LienthongError) as caught:
        call_service(system=EXAMPLE, service="deletePerson", uow=uow(), record_id="1")
    assert caught.value.code == "systems.unknown_service"
