"""The land registry: parcels, whose right holders and encumbrance holders must be registered."""

from __future__ import annotations

from typing import Any

from lienthong.errors import LienthongError
from lienthong.i18n import N_
from lienthong.store.unit_of_work import UnitOfWork
from lienthong.systems import RecordType, SearchKind, SearchParam, Service, System
from lienthong.systems.core.fields import (
    current_content,
    get_path,
    party_references,
    party_search,
    party_tokens,
    today_in_vietnam,
)
from lienthong.systems.core.land.models import Parcel
from lienthong.vn.ids import parse_parcel

PARCEL = RecordType(
    name="Parcel",
    title=N_("Land parcel"),
    model=Parcel,
    identifier="parcel",
    search=(
        SearchParam("parcel", SearchKind.TOKEN, "parcel"),
        SearchParam("parcel-id", SearchKind.TOKEN, "parcel_id"),
        SearchParam("commune", SearchKind.TOKEN, "commune"),
        SearchParam("province", SearchKind.TOKEN, "province"),
        SearchParam("land-use", SearchKind.TOKEN, "land_uses.code"),
        SearchParam("area", SearchKind.NUMBER, "area_m2"),
        SearchParam("certificate", SearchKind.TOKEN, "certificate.number"),
        SearchParam("holder", SearchKind.TOKEN, party_tokens("right_holders.holder")),
        *party_search("holder", "right_holders.holder"),
        SearchParam("encumbrance", SearchKind.TOKEN, "encumbrances.kind"),
        SearchParam("encumbrance-holder", SearchKind.TOKEN, party_tokens("encumbrances.holder")),
    ),
    references=(
        *party_references("right_holders.holder"),
        *party_references("encumbrances.holder"),
    ),
    partition="province",
    personal_data=True,
)


def parcel_encumbrances(*, uow: UnitOfWork, parcel: str) -> dict[str, Any]:
    """Say whether a parcel is encumbered today, and by what kinds of encumbrance.

    The answer names the kinds in force (registered, not yet released) and not their
    holders, so a buyer or a notary can ask it without seeing who lent against the land.
    """
    key = parse_parcel(parcel).text
    content = current_content(uow, "Parcel", key)
    if content is None:
        raise LienthongError(
            "land.unknown_parcel",
            N_("No parcel {parcel} is registered. Check the commune, sheet and parcel number."),
            field="parcel",
            parcel=key,
        )
    today = today_in_vietnam(uow.clock()).isoformat()
    active = sorted(
        {
            str(item["kind"])
            for item in content.get("encumbrances") or []
            if item["registered_on"] <= today
            and (item.get("released_on") is None or item["released_on"] > today)
        }
    )
    return {
        "parcel": key,
        "encumbered": bool(active),
        "kinds": active,
        "as_of": today,
        "certificate": get_path(content, "certificate.number"),
    }


SYSTEM = System(
    code="land",
    title=N_("Land registry"),
    record_types=(PARCEL,),
    operations=(
        Service.custom(
            "parcelEncumbrances",
            handler=parcel_encumbrances,
            description=N_("Say whether a parcel is mortgaged or otherwise encumbered today."),
        ),
    ),
)
