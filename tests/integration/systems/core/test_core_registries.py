"""The six registries on a real store: writes, enforced references, search and services."""

from __future__ import annotations

from typing import Any

import pytest
from tests.integration.store.backends import FakeClock, UowFactory

from lienthong.errors import LienthongError
from lienthong.store import call_service
from lienthong.systems.core import ENTERPRISES, FINANCE, LAND, POPULATION, TAX, VEHICLES
from lienthong.systems.core import samples as s
from lienthong.vn.ids import parse_plate

HANOI = "VN/GOV/01/node"
EVERYTHING: list[tuple[str, dict[str, Any]]] = [
    ("Person", s.sample_person()),
    ("Person", s.sample_spouse()),
    ("Enterprise", s.sample_enterprise()),
    ("Parcel", s.sample_parcel()),
    ("Vehicle", s.sample_vehicle()),
    ("Taxpayer", s.sample_taxpayer()),
    ("Taxpayer", s.sample_taxpayer(tax_code=s.SPOUSE_PIN, debt=None)),
    ("BudgetUnit", s.sample_province_budget_unit()),
    ("BudgetUnit", s.sample_budget_unit()),
    ("FeePayment", s.sample_fee_payment()),
]


def write_everything(uow: UowFactory) -> None:
    with uow() as unit:
        for record_type, content in EVERYTHING:
            unit.records.create(record_type=record_type, content=content)
        unit.commit()


def search(uow: UowFactory, record_type: str, **where: str) -> list[str]:
    with uow() as unit:
        page = unit.records.search(record_type=record_type, where=where)
        return [record.record_id for record in page.records]


def dangling(uow: UowFactory, record_type: str, content: dict[str, Any]) -> LienthongError:
    with uow() as unit, pytest.raises(LienthongError) as caught:
        unit.records.create(record_type=record_type, content=content)
    assert caught.value.code == "store.dangling_reference"
    return caught.value


def test_every_registry_writes_in_one_unit_of_work_owned_by_the_creating_node(
    uow: UowFactory,
) -> None:
    write_everything(uow)
    with uow() as unit:
        person = unit.records.get(record_type="Person", record_id=s.PERSON_PIN)
        vehicle = unit.records.get(record_type="Vehicle", record_id="30K-123.45")
        payment = unit.records.get(record_type="FeePayment", record_id="1012345-BL-2025-000123")
    assert (person.owner_node, person.partition) == (HANOI, "01")
    assert person.content["family_name"] == "Nguyễn"
    assert (vehicle.partition, vehicle.content["owner"]["person"]) == ("01", s.PERSON_PIN)
    assert payment.content["paid_at"] == "2025-07-15T02:30:00Z"


def test_a_vehicle_owner_must_be_registered(uow: UowFactory) -> None:
    error = dangling(uow, "Vehicle", s.sample_vehicle())
    assert (error.field, error.params["target"]) == ("owner.person", "Person")
    error = dangling(uow, "Vehicle", s.sample_vehicle(owner={"enterprise": s.ENTERPRISE_CODE}))
    assert (error.field, error.params["target"]) == ("owner.enterprise", "Enterprise")


def test_an_enterprise_representative_must_be_registered(uow: UowFactory) -> None:
    error = dangling(uow, "Enterprise", s.sample_enterprise())
    assert error.field == "legal_representatives"


def test_a_branch_needs_its_enterprise(uow: UowFactory) -> None:
    with uow() as unit:
        unit.records.create(record_type="Person", content=s.sample_person())
        unit.commit()
    branch = s.sample_enterprise(
        code="0101243150-001", unit_kind="branch", legal_form=None, charter_capital=None
    )
    assert dangling(uow, "Enterprise", branch).field == "parent"


def test_right_holders_and_mortgagees_of_a_parcel_must_be_registered(uow: UowFactory) -> None:
    assert dangling(uow, "Parcel", s.sample_parcel()).field == "right_holders.holder.person"
    with uow() as unit:
        unit.records.create(record_type="Person", content=s.sample_person())
        unit.records.create(record_type="Person", content=s.sample_spouse())
        unit.commit()
    assert dangling(uow, "Parcel", s.sample_parcel()).field == "encumbrances.holder.enterprise"


def test_a_taxpayer_must_be_a_registered_enterprise_or_person(uow: UowFactory) -> None:
    assert dangling(uow, "Taxpayer", s.sample_taxpayer()).field == "subject.enterprise"
    individual = s.sample_taxpayer(tax_code=s.PERSON_PIN)
    assert dangling(uow, "Taxpayer", individual).field == "subject.person"


def test_a_fee_payment_needs_its_collecting_unit_and_payer(uow: UowFactory) -> None:
    assert dangling(uow, "FeePayment", s.sample_fee_payment()).field == "collecting_unit"
    assert dangling(uow, "BudgetUnit", s.sample_budget_unit()).field == "parent"


def test_parents_and_spouses_need_not_be_registered(uow: UowFactory) -> None:
    with uow() as unit:
        unit.records.create(
            record_type="Person",
            content=s.sample_person(father_pin="001060000001", mother_pin="001165000002"),
        )
        unit.commit()
    assert search(uow, "Person", parent="Person/001060000001") == [s.PERSON_PIN]
    assert search(uow, "Person", spouse=s.SPOUSE_PIN) == [s.PERSON_PIN]


def test_people_are_found_by_name_without_diacritics(uow: UowFactory) -> None:
    write_everything(uow)
    assert search(uow, "Person", name="nguyen van") == [s.PERSON_PIN]
    assert search(uow, "Person", name="TRAN THI BICH") == [s.SPOUSE_PIN]
    assert search(uow, "Person", name="ngoc") == [s.SPOUSE_PIN]
    assert search(uow, "Person", **{"name:exact": "Nguyen Van An"}) == [s.PERSON_PIN]
    assert search(uow, "Person", family="tran") == [s.SPOUSE_PIN]


def test_people_are_found_by_full_or_partial_date_of_birth(uow: UowFactory) -> None:
    write_everything(uow)
    assert search(uow, "Person", **{"birth-date": "1988"}) == [s.PERSON_PIN]
    assert search(uow, "Person", **{"birth-date": "1990-07"}) == [s.SPOUSE_PIN]
    assert search(uow, "Person", **{"birth-date": "1988-03-15"}) == [s.PERSON_PIN]
    assert search(uow, "Person", **{"birth-date": "ge1989"}) == [s.SPOUSE_PIN]


def test_people_are_found_by_residence_unit(uow: UowFactory) -> None:
    write_everything(uow)
    with uow() as unit:
        unit.records.create(
            record_type="Person",
            content=s.sample_person(
                pin="091195000123",
                full_name="Lê Thị Hồng",
                sex="female",
                birth_date="1995",
                permanent_residence=None,
                temporary_residence={"commune": "30742", "line": "Khu phố 3"},
                spouse_pin=None,
            ),
        )
        unit.commit()
    both = [s.PERSON_PIN, s.SPOUSE_PIN]
    assert search(uow, "Person", **{"residence-commune": "00004"}) == both
    assert search(uow, "Person", **{"residence-province": "01"}) == both
    assert search(uow, "Person", **{"residence-commune": "temporary|30742"}) == ["091195000123"]
    assert search(uow, "Person", **{"residence-commune": "permanent|30742"}) == []
    with uow() as unit:
        stored = unit.records.get(record_type="Person", record_id="091195000123")
    assert stored.partition == "91"


def test_vehicles_are_found_by_normalised_plate_and_by_owner(uow: UowFactory) -> None:
    write_everything(uow)
    assert search(uow, "Vehicle", plate=parse_plate("30k 12345").text) == ["30K-123.45"]
    assert search(uow, "Vehicle", owner=f"person|{s.PERSON_PIN}") == ["30K-123.45"]
    assert search(uow, "Vehicle", **{"owner-person": s.PERSON_PIN}) == ["30K-123.45"]
    assert search(uow, "Vehicle", make="vinfast") == ["30K-123.45"]


def test_parcels_enterprises_and_taxpayers_are_searchable(uow: UowFactory) -> None:
    write_everything(uow)
    assert search(uow, "Parcel", holder=s.SPOUSE_PIN) == ["00004-12-345"]
    assert search(uow, "Parcel", **{"land-use": "ODT", "province": "01"}) == ["00004-12-345"]
    assert search(uow, "Parcel", **{"encumbrance-holder": f"enterprise|{s.ENTERPRISE_CODE}"}) == [
        "00004-12-345"
    ]
    assert search(uow, "Enterprise", name="hoa binh") == [s.ENTERPRISE_CODE]
    assert search(uow, "Enterprise", representative=s.PERSON_PIN) == [s.ENTERPRISE_CODE]
    assert search(uow, "Enterprise", vsic="4711", **{"main-vsic": "4690"}) == [s.ENTERPRISE_CODE]
    assert search(uow, "Taxpayer", **{"overdue-since": "lt2025-06"}) == [s.ENTERPRISE_CODE]
    assert search(uow, "FeePayment", paid="2025-07-15") == ["1012345-BL-2025-000123"]
    assert search(uow, "FeePayment", payer=s.PERSON_PIN) == ["1012345-BL-2025-000123"]


def test_verify_identity_answers_only_match_or_no_match(uow: UowFactory) -> None:
    write_everything(uow)

    def verify(**question: str) -> Any:
        return call_service(system=POPULATION, service="verifyIdentity", uow=uow(), **question)

    truth = {"pin": "001 088 012 345", "full_name": "nguyễn văn an", "birth_date": "15/03/1988"}
    assert verify(**truth) == {"match": True}
    assert verify(**{**truth, "full_name": "Nguyen Van An"}) == {"match": False}
    assert verify(**{**truth, "birth_date": "1988"}) == {"match": False}
    assert verify(**{**truth, "pin": "001088999999"}) == {"match": False}


def test_tax_status_says_whether_debt_is_overdue_over_90_days(
    uow: UowFactory, clock: FakeClock
) -> None:
    write_everything(uow)
    status = call_service(system=TAX, service="taxStatus", uow=uow(), tax_code=s.ENTERPRISE_CODE)
    assert status == {
        "tax_code": s.ENTERPRISE_CODE,
        "status": "active",
        "debt": 12_500_000,
        "overdue_amount": 2_000_000,
        "overdue_days": 148,
        "over_90_days": True,
        "debt_as_of": "2025-09-30",
        "as_of": "2025-10-15",
    }
    clean = call_service(system=TAX, service="taxStatus", uow=uow(), tax_code=s.SPOUSE_PIN)
    assert (clean["debt"], clean["overdue_days"], clean["over_90_days"]) == (0, 0, False)
    with pytest.raises(LienthongError) as caught:
        call_service(system=TAX, service="taxStatus", uow=uow(), tax_code="0100100110")
    assert caught.value.code == "tax.unknown_taxpayer"


def test_the_other_registries_answer_their_custom_operations(uow: UowFactory) -> None:
    write_everything(uow)
    encumbrances = call_service(
        system=LAND, service="parcelEncumbrances", uow=uow(), parcel="00004/12/345"
    )
    assert (encumbrances["encumbered"], encumbrances["kinds"]) == (True, ["mortgage"])
    plate = call_service(system=VEHICLES, service="plateStatus", uow=uow(), plate="30k12345")
    assert (plate["status"], plate["make"]) == ("registered", "VinFast")
    assert "owner" not in plate
    summary = call_service(
        system=ENTERPRISES, service="enterpriseSummary", uow=uow(), code=s.ENTERPRISE_CODE
    )
    assert (summary["status"], summary["main_line"]) == ("active", "4690")
    assert "legal_representatives" not in summary
    paid = call_service(
        system=FINANCE,
        service="verifyFeePayment",
        uow=uow(),
        collecting_unit="1012345",
        receipt_number="bl-2025-000123",
        procedure_code="1.001612",
    )
    assert paid == {"paid": True, "amount": 50_000, "paid_at": "2025-07-15T02:30:00Z"}


def test_standard_services_write_through_the_registries(uow: UowFactory) -> None:
    created = call_service(
        system=POPULATION, service="createPerson", uow=uow(), content=s.sample_person()
    )
    updated = call_service(
        system=POPULATION,
        service="updatePerson",
        uow=uow(),
        record_id=s.PERSON_PIN,
        content={**created.content, "status": "deceased", "death_date": "2025-08"},
        expected_version=created.version,
    )
    assert (updated.version, updated.content["status"]) == (2, "deceased")
