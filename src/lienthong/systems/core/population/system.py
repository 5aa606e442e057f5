"""The population registry: people, their residence, and the identity check that reveals nothing."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from lienthong.i18n import N_
from lienthong.store.unit_of_work import UnitOfWork
from lienthong.systems import RecordType, SearchKind, SearchParam, Service, System
from lienthong.systems.core.fields import current_content, get_path, partial_date
from lienthong.systems.core.population.models import Person
from lienthong.vn.ids import parse_pin
from lienthong.vn.text import normalize


def _parents(content: Mapping[str, Any]) -> list[Any]:
    return [content.get("father_pin"), content.get("mother_pin")]


def _names(content: Mapping[str, Any]) -> list[str]:
    """Index the full name and the given name, so either can start a search."""
    return [content[key] for key in ("full_name", "given_name") if content.get(key)]


def _residence(part: str) -> Callable[[Mapping[str, Any]], list[tuple[str, str]]]:
    """Index a residence field of both residences, the kind of residence as the token system."""

    def extract(content: Mapping[str, Any]) -> list[tuple[str, str]]:
        found = []
        for kind in ("permanent", "temporary"):
            value = get_path(content, f"{kind}_residence.{part}")
            if value:
                found.append((kind, str(value)))
        return found

    return extract


def _residence_province(content: Mapping[str, Any]) -> str | None:
    """Partition a person by the province of permanent residence, else temporary residence."""
    for kind in ("permanent", "temporary"):
        value = get_path(content, f"{kind}_residence.province")
        if value:
            return str(value)
    return None


PERSON = RecordType(
    name="Person",
    title=N_("Person"),
    model=Person,
    identifier="pin",
    search=(
        SearchParam("name", SearchKind.STRING, _names, description=N_("Full or given name")),
        SearchParam("family", SearchKind.STRING, "family_name"),
        SearchParam("given", SearchKind.STRING, "given_name"),
        SearchParam("pin", SearchKind.TOKEN, "pin"),
        SearchParam("birth-date", SearchKind.DATE, "birth_date"),
        SearchParam("sex", SearchKind.TOKEN, "sex"),
        SearchParam("status", SearchKind.TOKEN, "status"),
        SearchParam("residence-commune", SearchKind.TOKEN, _residence("commune")),
        SearchParam("residence-province", SearchKind.TOKEN, _residence("province")),
        SearchParam("ethnic-group", SearchKind.TOKEN, "ethnic_group"),
        SearchParam("nationality", SearchKind.TOKEN, "nationality"),
        SearchParam("parent", SearchKind.REFERENCE, _parents, target="Person"),
        SearchParam("spouse", SearchKind.REFERENCE, "spouse_pin", target="Person"),
    ),
    # Parents and spouses are not enforced references: a parent may have died before the
    # database existed, live abroad, or be unknown, and a child must still be registered.
    references=(),
    partition=_residence_province,
    personal_data=True,
)


def _same_name(left: str, right: str) -> bool:
    return " ".join(normalize(left).casefold().split()) == " ".join(
        normalize(right).casefold().split()
    )


def verify_identity(
    *, uow: UnitOfWork, pin: str, full_name: str, birth_date: str
) -> dict[str, bool]:
    """Answer whether a person with this number, name and date of birth is registered.

    The answer is only ``{"match": true}`` or ``{"match": false}``: it never says which
    part differs, nor whether the number exists, so it reveals nothing a caller did not
    already know. Names are compared after NFC, tone-mark and case normalisation (not
    folded: *Lê* is not *Le*); the date must be written to the same precision as stored.
    A malformed number or date raises its ``vn.*`` error: that is about the question, not
    about the registry.
    """
    content = current_content(uow, "Person", parse_pin(pin).number)
    if content is None:
        return {"match": False}
    same_date = content.get("birth_date") == partial_date(birth_date)
    return {"match": same_date and _same_name(str(content["full_name"]), full_name)}


SYSTEM = System(
    code="population",
    title=N_("National population database"),
    record_types=(PERSON,),
    operations=(
        Service.custom(
            "verifyIdentity",
            handler=verify_identity,
            description=N_(
                "Check a personal number, full name and date of birth together; answer only"
                " match or no match."
            ),
        ),
    ),
)
