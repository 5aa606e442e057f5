"""The six core registries as systems: record types, services, ownership and samples."""

from __future__ import annotations

from lienthong.systems import Operation, creating_node
from lienthong.systems.core import CORE_SYSTEMS, core_registry, samples


def test_the_six_registries_register_together_and_their_references_resolve() -> None:
    registry = core_registry()
    assert [system.code for system in registry] == [
        "population",
        "enterprises",
        "land",
        "vehicles",
        "tax",
        "finance",
    ]
    assert sorted(registry.record_types()) == [
        "BudgetUnit",
        "Enterprise",
        "FeePayment",
        "Parcel",
        "Person",
        "Taxpayer",
        "Vehicle",
    ]


def test_each_registry_has_standard_services_and_a_custom_operation() -> None:
    custom = {
        system.code: [s.name for s in system.services if s.operation is Operation.CUSTOM]
        for system in CORE_SYSTEMS
    }
    assert custom == {
        "population": ["verifyIdentity"],
        "enterprises": ["enterpriseSummary"],
        "land": ["parcelEncumbrances"],
        "vehicles": ["plateStatus"],
        "tax": ["taxStatus"],
        "finance": ["verifyFeePayment"],
    }
    population = CORE_SYSTEMS[0]
    assert {"getPerson", "searchPerson", "createPerson", "updatePerson"} <= {
        service.name for service in population.services
    }


def test_every_record_is_owned_by_the_node_that_creates_it() -> None:
    for record_type in core_registry().record_types().values():
        assert record_type.owner is creating_node


def test_personal_data_is_flagged_where_records_describe_people() -> None:
    flagged = {
        name
        for name, record_type in core_registry().record_types().items()
        if record_type.personal_data
    }
    assert flagged == {"Person", "Parcel", "Vehicle", "Taxpayer", "FeePayment"}


def test_every_sample_is_valid_and_partitioned_by_province() -> None:
    record_types = core_registry().record_types()
    examples = [
        ("Person", samples.sample_person()),
        ("Person", samples.sample_spouse()),
        ("Enterprise", samples.sample_enterprise()),
        ("Parcel", samples.sample_parcel()),
        ("Vehicle", samples.sample_vehicle()),
        ("Taxpayer", samples.sample_taxpayer()),
        ("BudgetUnit", samples.sample_province_budget_unit()),
        ("BudgetUnit", samples.sample_budget_unit()),
        ("FeePayment", samples.sample_fee_payment()),
    ]
    for name, content in examples:
        record_type = record_types[name]
        stored = record_type.validate(content)
        assert record_type.partition_of(stored) == "01"
        # Stored content validates again unchanged: updates round-trip.
        assert record_type.validate(stored) == stored


def test_samples_are_deterministic() -> None:
    assert samples.sample_parcel() == samples.sample_parcel()
    assert samples.sample_enterprise(representative_pin=samples.SPOUSE_PIN)[
        "legal_representatives"
    ] == [samples.SPOUSE_PIN]
