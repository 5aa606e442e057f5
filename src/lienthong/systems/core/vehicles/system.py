"""The vehicle registry: vehicles by plate, each owned by a registered person or enterprise."""

from __future__ import annotations

from typing import Any

from lienthong.errors import LienthongError
from lienthong.i18n import N_
from lienthong.store.unit_of_work import UnitOfWork
from lienthong.systems import RecordType, SearchKind, SearchParam, Service, System
from lienthong.systems.core.fields import (
    current_content,
    party_references,
    party_search,
    party_tokens,
)
from lienthong.systems.core.vehicles.models import Vehicle
from lienthong.vn.ids import parse_plate

VEHICLE = RecordType(
    name="Vehicle",
    title=N_("Vehicle"),
    model=Vehicle,
    identifier="plate",
    search=(
        SearchParam("plate", SearchKind.TOKEN, "plate"),
        SearchParam("vin", SearchKind.TOKEN, "vin"),
        SearchParam("frame-number", SearchKind.TOKEN, "frame_number"),
        SearchParam("engine-number", SearchKind.TOKEN, "engine_number"),
        SearchParam("kind", SearchKind.TOKEN, "kind"),
        SearchParam("make", SearchKind.STRING, "make"),
        SearchParam("status", SearchKind.TOKEN, "status"),
        SearchParam("province", SearchKind.TOKEN, "province"),
        SearchParam("registered", SearchKind.DATE, "registered_on"),
        SearchParam("owner", SearchKind.TOKEN, party_tokens("owner")),
        *party_search("owner", "owner"),
    ),
    references=(*party_references("owner"),),
    partition="province",
    personal_data=True,
)


def plate_status(*, uow: UnitOfWork, plate: str) -> dict[str, Any]:
    """Describe the vehicle a plate is registered to, without its owner.

    What a traffic officer or a buyer needs to see that plate and vehicle belong together
    and that the vehicle is not reported stolen; who owns it is a separate, audited read.
    """
    key = parse_plate(plate).text
    content = current_content(uow, "Vehicle", key)
    if content is None:
        raise LienthongError(
            "vehicles.unknown_plate",
            N_("No vehicle is registered with plate {plate}. Check the plate."),
            field="plate",
            plate=key,
        )
    fields = ("plate", "kind", "make", "model", "colour", "status", "province", "registered_on")
    return {name: content.get(name) for name in fields}


SYSTEM = System(
    code="vehicles",
    title=N_("Vehicle registry"),
    record_types=(VEHICLE,),
    operations=(
        Service.custom(
            "plateStatus",
            handler=plate_status,
            description=N_("Describe the vehicle a plate is registered to and its status."),
        ),
    ),
)
