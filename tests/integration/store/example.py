"""A small example system: people owned by their province's node, and vehicles that refer to them."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from lienthong.systems import (
    PartitionOwner,
    RecordType,
    Reference,
    SearchKind,
    SearchParam,
    Service,
    System,
    SystemRegistry,
)

HANOI = "VN/GOV/01/node"
HCMC = "VN/GOV/79/node"


class Identifier(BaseModel):
    model_config = ConfigDict(extra="forbid")

    system: str
    value: str


class Person(BaseModel):
    model_config = ConfigDict(extra="forbid")

    pin: str = Field(pattern=r"^\d{12}$")
    full_name: str = Field(min_length=1)
    birth_date: str = Field(pattern=r"^\d{4}(-\d{2}(-\d{2})?)?$")
    province: str = Field(pattern=r"^\d{2}$")
    identifiers: list[Identifier] = []
    parent_pins: list[str] = []
    height_cm: float | None = None


class Vehicle(BaseModel):
    model_config = ConfigDict(extra="forbid")

    plate: str = Field(min_length=1)
    owner_pin: str
    co_owner_pins: list[str] = []
    weight_kg: int = Field(gt=0)
    registered_at: str | None = None


def _identifiers(content: Any) -> list[tuple[str, str]]:
    return [(item["system"], item["value"]) for item in content.get("identifiers", [])]


PERSON = RecordType(
    name="Person",
    model=Person,
    identifier="pin",
    search=(
        SearchParam("name", SearchKind.STRING, "full_name"),
        SearchParam("pin", SearchKind.TOKEN, "pin"),
        SearchParam("identifier", SearchKind.TOKEN, _identifiers),
        SearchParam("birth-date", SearchKind.DATE, "birth_date"),
        SearchParam("height", SearchKind.NUMBER, "height_cm"),
        SearchParam("parent", SearchKind.REFERENCE, "parent_pins", target="Person"),
    ),
    references=(Reference("parent_pins", "Person"),),
    partition="province",
    owner=PartitionOwner({"01": HANOI, "79": HCMC}),
)

VEHICLE = RecordType(
    name="Vehicle",
    model=Vehicle,
    identifier="plate",
    search=(
        SearchParam("plate", SearchKind.TOKEN, "plate"),
        SearchParam("owner", SearchKind.REFERENCE, "owner_pin", target="Person"),
        SearchParam("weight", SearchKind.NUMBER, "weight_kg"),
        SearchParam("registered", SearchKind.DATE, "registered_at"),
    ),
    references=(Reference("owner_pin", "Person"), Reference("co_owner_pins", "Person")),
)


def count_vehicles(*, uow: Any, owner_pin: str) -> int:
    """Count the vehicles a person owns (a custom operation)."""
    page = uow.records.search(record_type="Vehicle", where={"owner": owner_pin}, limit=1000)
    return len(page.records)


EXAMPLE = System(
    code="example",
    title="Example registry",
    record_types=(PERSON, VEHICLE),
    operations=(Service.custom("countVehicles", handler=count_vehicles),),
)

REGISTRY = SystemRegistry([EXAMPLE])
RECORD_TYPES = REGISTRY.record_types()


def person(pin: str = "001090000001", **fields: Any) -> dict[str, Any]:
    """Return the content of a person living in Hà Nội, with fields overridden."""
    return {
        "pin": pin,
        "full_name": "Nguyễn Văn An",
        "birth_date": "1990-05-03",
        "province": "01",
        **fields,
    }


def vehicle(
    plate: str = "29A-123.45", owner_pin: str = "001090000001", **fields: Any
) -> dict[str, Any]:
    """Return the content of a vehicle, with fields overridden."""
    return {"plate": plate, "owner_pin": owner_pin, "weight_kg": 1200, **fields}
