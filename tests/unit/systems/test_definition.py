"""A system is declared as data: record types, search parameters, references, services."""

from __future__ import annotations

import unicodedata
from typing import Any, ClassVar

import pytest
from pydantic import BaseModel, Field

from lienthong.errors import LienthongError
from lienthong.systems import (
    FixedOwner,
    Operation,
    PartitionOwner,
    RecordType,
    Reference,
    SearchKind,
    SearchParam,
    Service,
    System,
    SystemRegistry,
    creating_node,
    extract,
)


class Enterprise(BaseModel):
    tax_code: str = Field(pattern=r"^\d{10}$")
    name: str
    province: str
    owners: list[dict[str, str]] = []


ENTERPRISE = RecordType(
    name="Enterprise",
    model=Enterprise,
    identifier="tax_code",
    search=(
        SearchParam("name", SearchKind.STRING, "name"),
        SearchParam("owner", SearchKind.REFERENCE, "owners.pin", target="Person"),
    ),
    references=(Reference("owners.pin", "Person"),),
    partition="province",
    owner=PartitionOwner({"01": "VN/GOV/01/node"}, default="VN/GOV/central"),
)


def enterprise_system(*record_types: RecordType, **options: Any) -> System:
    return System("business", "Business registration", record_types or (ENTERPRISE,), **options)


def error_of(build: Any) -> LienthongError:
    with pytest.raises(LienthongError) as caught:
        build()
    return caught.value


class TestExtractors:
    content: ClassVar[dict[str, Any]] = {
        "a": {"b": [{"c": 1}, {"c": 2}, {"d": 3}]},
        "e": None,
        "f": ["x", None],
    }

    def test_a_dotted_path_fans_out_over_lists_and_skips_nulls(self) -> None:
        assert extract("a.b.c", self.content) == [1, 2]
        assert extract("f", self.content) == ["x"]
        assert extract("e", self.content) == []
        assert extract("missing.path", self.content) == []

    def test_a_function_may_return_one_value_or_several(self) -> None:
        assert extract(lambda c: c["a"]["b"][0]["c"], self.content) == [1]
        assert extract(lambda c: [1, None, 2], self.content) == [1, 2]
        assert extract(lambda c: None, self.content) == []


class TestRecordTypes:
    def test_content_is_validated_by_the_model_and_normalized_to_nfc(self) -> None:
        decomposed = unicodedata.normalize("NFD", "Công ty Đông Á")
        data = ENTERPRISE.validate({"tax_code": "0100109106", "name": decomposed, "province": "01"})
        assert data["name"] == unicodedata.normalize("NFC", decomposed)
        assert ENTERPRISE.record_id(data) == "0100109106"

    def test_invalid_content_names_the_field(self) -> None:
        error = error_of(lambda: ENTERPRISE.validate({"tax_code": "12", "name": "X"}))
        assert (error.code, error.field) == ("store.invalid_record", "tax_code")
        assert "tax_code" in error.message_en

    def test_a_nested_field_is_named_by_its_dotted_path(self) -> None:
        content = {"tax_code": "0100109106", "name": "X", "province": "01", "owners": [{"p": 1}]}
        assert error_of(lambda: ENTERPRISE.validate(content)).field == "owners.0.p"

    def test_the_partition_and_owner_follow_the_rules(self) -> None:
        data = {"tax_code": "0100109106", "name": "X", "province": "01"}
        assert ENTERPRISE.partition_of(data) == "01"
        assert ENTERPRISE.owner(content=data, partition="01", node="any") == "VN/GOV/01/node"
        assert ENTERPRISE.owner(content=data, partition="48", node="any") == "VN/GOV/central"
        assert creating_node(content=data, partition="01", node="me") == "me"
        assert FixedOwner("VN/GOV/central")(content=data, partition=None, node="me") == (
            "VN/GOV/central"
        )

    def test_a_partition_without_an_owner_is_an_error(self) -> None:
        rule = PartitionOwner({"01": "VN/GOV/01/node"})
        error = error_of(lambda: rule(content={}, partition="79", node="me"))
        assert error.code == "systems.no_owner"

    def test_references_list_the_identifiers_they_hold(self) -> None:
        content = {"owners": [{"pin": "001090000001"}, {"pin": "001090000002"}]}
        assert ENTERPRISE.references[0].values(content) == ["001090000001", "001090000002"]

    def test_search_parameters_are_found_by_name(self) -> None:
        assert ENTERPRISE.search_param("name").kind is SearchKind.STRING
        error = error_of(lambda: ENTERPRISE.search_param("nope"))
        assert (error.code, error.params["known"]) == ("store.unknown_search_param", "name, owner")

    def test_the_json_schema_comes_from_the_model(self) -> None:
        assert ENTERPRISE.json_schema()["required"] == ["tax_code", "name", "province"]

    @pytest.mark.parametrize(
        "build",
        [
            lambda: RecordType(name="enterprise", model=Enterprise, identifier="tax_code"),
            lambda: RecordType(name="E", model=Enterprise, identifier="a..b"),
            lambda: RecordType(name="E", model=Enterprise, identifier="x", schema_version=0),
            lambda: RecordType(
                name="E",
                model=Enterprise,
                identifier="x",
                search=(
                    SearchParam("n", SearchKind.STRING, "name"),
                    SearchParam("n", SearchKind.TOKEN, "name"),
                ),
            ),
            lambda: SearchParam("Name", SearchKind.STRING, "name"),
            lambda: SearchParam("owner", SearchKind.REFERENCE, "pin"),
            lambda: SearchParam("name", SearchKind.STRING, "name", target="Person"),
        ],
    )
    def test_a_malformed_declaration_is_refused_when_it_is_made(self, build: Any) -> None:
        assert error_of(build).code == "systems.invalid_definition"


def check_tax_debt(*, uow: object, tax_code: str) -> bool:
    return False


class TestSystems:
    def test_every_record_type_gets_the_standard_services(self) -> None:
        system = enterprise_system(
            operations=(Service.custom("checkTaxDebt", handler=check_tax_debt),)
        )
        assert [service.name for service in system.services] == [
            "getEnterprise",
            "searchEnterprise",
            "historyEnterprise",
            "createEnterprise",
            "updateEnterprise",
            "checkTaxDebt",
        ]
        assert system.service("checkTaxDebt").handler is check_tax_debt
        assert system.service("getEnterprise").operation is Operation.GET

    def test_a_system_chooses_its_standard_operations(self) -> None:
        system = enterprise_system(standard=(Operation.GET, Operation.DELETE))
        assert [s.name for s in system.services] == ["getEnterprise", "deleteEnterprise"]

    def test_lookups_of_unknown_names_say_so(self) -> None:
        system = enterprise_system()
        assert error_of(lambda: system.record_type("Person")).code == "systems.unknown_record_type"
        assert error_of(lambda: system.service("fly")).code == "systems.unknown_service"

    @pytest.mark.parametrize(
        "build",
        [
            lambda: enterprise_system(ENTERPRISE, ENTERPRISE),
            lambda: System("bad code!", "x", (ENTERPRISE,)),
            lambda: enterprise_system(
                operations=(Service("getEnterprise", Operation.GET, "Enterprise"),)
            ),
            lambda: enterprise_system(operations=(Service("x", Operation.GET, "Person"),)),
            lambda: Service("custom", Operation.CUSTOM),
            lambda: Service("get", Operation.GET),
        ],
    )
    def test_a_malformed_system_is_refused(self, build: Any) -> None:
        assert error_of(build).code == "systems.invalid_definition"


class TestRegistry:
    def test_systems_are_found_by_code_and_record_types_by_name(self) -> None:
        registry = SystemRegistry([enterprise_system()])
        assert "business" in registry and len(registry) == 1
        assert registry.get("business").title == "Business registration"
        assert list(registry.record_types()) == ["Enterprise"]
        assert [system.code for system in registry] == ["business"]
        assert error_of(lambda: registry.get("customs")).code == "systems.unknown"

    def test_codes_and_record_type_names_are_unique_across_systems(self) -> None:
        registry = SystemRegistry([enterprise_system()])
        assert error_of(lambda: registry.register(enterprise_system())).code == "systems.duplicate"
        other = System("other", "Other", (ENTERPRISE,))
        assert error_of(lambda: registry.register(other)).code == "systems.duplicate_record_type"

    def test_check_finds_references_to_unregistered_record_types(self) -> None:
        registry = SystemRegistry([enterprise_system()])
        assert error_of(registry.check).code == "systems.invalid_definition"

        class Person(BaseModel):
            pin: str

        registry.register(
            System("population", "Population", (RecordType("Person", Person, "pin"),))
        )
        registry.check()

    def test_installed_packages_publish_systems_through_entry_points(self) -> None:
        registry = SystemRegistry()
        registry.load_entry_points(group="lienthong.test.no_such_group")
        assert len(registry) == 0
