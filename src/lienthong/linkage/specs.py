"""What each linkable record type offers the linkage model, and how a legacy record becomes one.

A spec names the linkage fields of a registry record type (all text, empty when unknown),
reads them out of a stored record, and builds a new record's content from a legacy
record's fields when that record is new to the registry.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping
from typing import Any, ClassVar, Final

from lienthong.errors import LienthongError
from lienthong.i18n import N_
from lienthong.linkage.features import province_of
from lienthong.vn.ids import is_valid_pin
from lienthong.vn.text import parse_date

#: Looks a record up by type and identifier: its current content, or None.
Resolver = Callable[[str, str], Mapping[str, Any] | None]


def _text(value: Any) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    return text or None


class LinkageSpec(ABC):
    """The linkage fields of one registry record type and the way in and out of them."""

    record_type: ClassVar[str]
    system: ClassVar[str]
    fields: ClassVar[tuple[str, ...]]
    #: Changes whenever the fields or their meaning change, so old models are not reused.
    version: ClassVar[str] = "1"

    @abstractmethod
    def from_record(
        self, content: Mapping[str, Any], *, resolve: Resolver
    ) -> dict[str, str | None]:
        """Return a registry record's linkage fields."""

    @abstractmethod
    def to_content(self, fields: Mapping[str, str | None]) -> dict[str, Any] | None:
        """Return a new registry record's content from linkage fields, or None if they cannot."""

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


class PersonSpec(LinkageSpec):
    """A person in the population registry."""

    record_type = "Person"
    system = "population"
    fields = (
        "pin",
        "cmnd",
        "full_name",
        "family_name",
        "middle_name",
        "given_name",
        "sex",
        "birth_date",
        "province",
        "commune",
        "address",
    )

    def from_record(
        self, content: Mapping[str, Any], *, resolve: Resolver
    ) -> dict[str, str | None]:
        """Return a Person's linkage fields; residence is the permanent one, else the temporary."""
        residence = content.get("permanent_residence") or content.get("temporary_residence") or {}
        commune = _text(residence.get("commune"))
        return {
            "pin": _text(content.get("pin")),
            "cmnd": None,
            "full_name": _text(content.get("full_name")),
            "family_name": _text(content.get("family_name")),
            "middle_name": _text(content.get("middle_name")),
            "given_name": _text(content.get("given_name")),
            "sex": _text(content.get("sex")),
            "birth_date": _text(content.get("birth_date")),
            "province": _text(residence.get("province")) or province_of(commune),
            "commune": commune,
            "address": _text(residence.get("line")),
        }

    def to_content(self, fields: Mapping[str, str | None]) -> dict[str, Any] | None:
        """Return a Person's content, or None without a valid PIN, name, sex, birth date and residence."""
        pin = _text(fields.get("pin"))
        full_name = _text(fields.get("full_name")) or _text(
            " ".join(
                part
                for part in (
                    fields.get("family_name"),
                    fields.get("middle_name"),
                    fields.get("given_name"),
                )
                if part
            )
        )
        sex = _text(fields.get("sex"))
        birth_date = _text(fields.get("birth_date"))
        commune = _text(fields.get("commune"))
        line = _text(fields.get("address"))
        if (
            pin is None
            or not is_valid_pin(pin)
            or full_name is None
            or sex not in ("male", "female")
            or birth_date is None
            or commune is None
            or line is None
        ):
            return None
        try:
            parse_date(birth_date)
        except LienthongError:
            return None
        content: dict[str, Any] = {
            "pin": pin,
            "full_name": full_name,
            "sex": sex,
            "birth_date": birth_date,
            "permanent_residence": {"commune": commune, "line": line},
        }
        for part in ("family_name", "middle_name", "given_name"):
            if value := _text(fields.get(part)):
                content[part] = value
        return content


class ParcelSpec(LinkageSpec):
    """A parcel in the land registry, with its first right holder."""

    record_type = "Parcel"
    system = "land"
    fields = (
        "commune",
        "province",
        "map_sheet",
        "parcel_number",
        "area_m2",
        "address",
        "holder_name",
        "holder_pin",
        "holder_cmnd",
        "certificate",
    )

    def from_record(
        self, content: Mapping[str, Any], *, resolve: Resolver
    ) -> dict[str, str | None]:
        """Return a Parcel's linkage fields; the holder's name comes from the first holder's record."""
        holders = content.get("right_holders") or []
        party = (holders[0].get("holder") or {}) if holders else {}
        holder_pin = _text(party.get("person"))
        holder_name: str | None = None
        if holder_pin is not None:
            person = resolve("Person", holder_pin)
            holder_name = _text(person.get("full_name")) if person else None
        elif enterprise := _text(party.get("enterprise")):
            found = resolve("Enterprise", enterprise)
            holder_name = _text(found.get("name")) if found else None
        certificate = content.get("certificate") or {}
        commune = _text(content.get("commune"))
        return {
            "commune": commune,
            "province": _text(content.get("province")) or province_of(commune),
            "map_sheet": _text(content.get("map_sheet")),
            "parcel_number": _text(content.get("parcel_number")),
            "area_m2": _text(content.get("area_m2")),
            "address": _text(content.get("address")),
            "holder_name": holder_name,
            "holder_pin": holder_pin,
            "holder_cmnd": None,
            "certificate": _text(certificate.get("number")),
        }

    def to_content(self, fields: Mapping[str, str | None]) -> dict[str, Any] | None:
        """Return a Parcel's content, or None without its place, area, land use and a holder's PIN.

        The land use is not a linkage field: a mapping may supply it as ``land_use``. The
        certificate is left out: a certificate needs its date of issue, which legacy lists lack.
        """
        commune = _text(fields.get("commune"))
        holder_pin = _text(fields.get("holder_pin"))
        land_use = _text(fields.get("land_use"))
        try:
            map_sheet = int(_text(fields.get("map_sheet")) or "")
            parcel_number = int(_text(fields.get("parcel_number")) or "")
            area = float((_text(fields.get("area_m2")) or "").replace(",", "."))
        except ValueError:
            return None
        if (
            commune is None
            or holder_pin is None
            or not is_valid_pin(holder_pin)
            or land_use is None
            or map_sheet < 1
            or parcel_number < 1
            or not area > 0
        ):
            return None
        content: dict[str, Any] = {
            "commune": commune,
            "map_sheet": map_sheet,
            "parcel_number": parcel_number,
            "area_m2": area,
            "land_uses": [{"code": land_use.upper(), "area_m2": area}],
            "right_holders": [{"holder": {"person": holder_pin}, "share": "1"}],
        }
        if address := _text(fields.get("address")):
            content["address"] = address
        return content


SPECS: Final[dict[str, LinkageSpec]] = {
    spec.record_type: spec for spec in (PersonSpec(), ParcelSpec())
}


def spec_for(record_type: str) -> LinkageSpec:
    """Return the linkage spec of a record type."""
    spec = SPECS.get(record_type)
    if spec is None:
        raise LienthongError(
            "linkage.spec.unknown",
            N_(
                "There is no linkage spec for the record type {record_type!r}. Link one of: {known}."
            ),
            field="record_type",
            record_type=record_type,
            known=", ".join(sorted(SPECS)),
        )
    return spec
