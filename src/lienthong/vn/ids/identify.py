"""Guess which identifiers a typed string could be, most likely first."""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Final

from lienthong.errors import VnError
from lienthong.i18n import N_
from lienthong.vn.ids._common import Description
from lienthong.vn.ids.cmnd import IdentityCardNumber, parse_cmnd
from lienthong.vn.ids.mst import TaxCode, parse_tax_code
from lienthong.vn.ids.parcel import Parcel, ParcelId, parse_parcel, parse_parcel_id
from lienthong.vn.ids.passport import PassportNumber, parse_passport_number
from lienthong.vn.ids.pin import PersonalNumber, parse_pin
from lienthong.vn.ids.plate import Plate, parse_plate
from lienthong.vn.ids.td3 import Td3, parse_td3

Parsed = (
    PersonalNumber | IdentityCardNumber | TaxCode | Plate | PassportNumber | Td3 | Parcel | ParcelId
)


class IdKind(StrEnum):
    """The kinds of identifier :func:`identify` recognises."""

    MRZ = "mrz"
    PIN = "pin"
    TAX_CODE = "mst"
    PASSPORT = "passport"
    PLATE = "plate"
    PARCEL_ID = "parcel_id"
    PARCEL = "parcel"
    CMND = "cmnd"

    @property
    def label(self) -> str:
        """Return the msgid that names this kind."""
        return _KIND_LABELS[self]


_KIND_LABELS: Final = {
    IdKind.MRZ: N_("passport machine-readable zone"),
    IdKind.PIN: N_("personal identification number"),
    IdKind.TAX_CODE: N_("tax code"),
    IdKind.PASSPORT: N_("passport number"),
    IdKind.PLATE: N_("vehicle plate"),
    IdKind.PARCEL_ID: N_("land parcel identifier"),
    IdKind.PARCEL: N_("land parcel"),
    IdKind.CMND: N_("old identity card number (CMND)"),
}


@dataclass(frozen=True, slots=True)
class Identified:
    """One reading of a typed string: the kind of identifier and its parsed value."""

    kind: IdKind
    value: Parsed

    def describe(self) -> Description:
        """Return (label, value) pairs: the kind first, then the value's own description."""
        return [(N_("Kind"), self.kind.label), *self.value.describe()]


def identify(text: str, *, today: date | None = None) -> list[Identified]:
    """Return every kind of identifier the text parses as, most likely first.

    Kinds with check digits come before kinds checked by shape alone; the old CMND, which
    is not unique, comes last. A 12-digit personal number is listed again as the personal
    tax code it also is. A string that is nothing returns an empty list.
    """
    if not isinstance(text, str):
        return []
    value = unicodedata.normalize("NFC", text).strip()
    if not value:
        return []
    readers: list[tuple[IdKind, Callable[[], Parsed]]] = [
        (IdKind.MRZ, lambda: parse_td3(value, today=today)),
        (IdKind.PIN, lambda: parse_pin(value, today=today)),
        (IdKind.TAX_CODE, lambda: parse_tax_code(value, today=today)),
        (IdKind.PASSPORT, lambda: parse_passport_number(value)),
        (IdKind.PLATE, lambda: parse_plate(value)),
        (IdKind.PARCEL_ID, lambda: parse_parcel_id(value)),
        (IdKind.PARCEL, lambda: parse_parcel(value)),
        (IdKind.CMND, lambda: parse_cmnd(value, today=today)),
    ]
    found: list[Identified] = []
    for kind, read in readers:
        try:
            parsed = read()
        except VnError:
            continue
        # A CMND field holding a 12-digit number yields the personal number already listed.
        if kind is IdKind.CMND and not isinstance(parsed, IdentityCardNumber):
            continue
        found.append(Identified(kind=kind, value=parsed))
    return found
