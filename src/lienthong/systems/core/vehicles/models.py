"""The content of a Vehicle record in the vehicle registry."""

from __future__ import annotations

import re
from enum import StrEnum
from typing import Annotated, Final

from pydantic import AfterValidator, Field, ValidationInfo, field_validator

from lienthong.i18n import N_
from lienthong.systems.core.fields import Code, Content, DateText, Party, Text, fail, vn
from lienthong.vn.ids import VehicleClass, parse_plate
from lienthong.vn.units import province as province_unit

#: ISO 3779: 17 characters of A–Z and 0–9 without I, O and Q (read as 1 and 0).
_VIN: Final = re.compile(r"^[A-HJ-NPR-Z0-9]{17}$")
_VIN_VALUES: Final = {
    **{str(digit): digit for digit in range(10)},
    **dict(zip("ABCDEFGH", range(1, 9), strict=True)),
    **dict(zip("JKLMN", range(1, 6), strict=True)),
    "P": 7,
    "R": 9,
    **dict(zip("STUVWXYZ", range(2, 10), strict=True)),
}
_VIN_WEIGHTS: Final = (8, 7, 6, 5, 4, 3, 2, 10, 0, 9, 8, 7, 6, 5, 4, 3, 2)


def plate(value: str) -> str:
    """Return a plate in its normal written form (``30A-123.45``)."""
    return parse_plate(value).text


def vin(value: str) -> str:
    """Return a vehicle identification number in upper case, checked against ISO 3779."""
    text = re.sub(r"[\s-]", "", value).upper()
    if len(text) != 17:
        fail(
            "vehicles.vin_length",
            N_("A VIN has 17 characters; this one has {length}. Copy it again."),
            length=len(text),
        )
    if not _VIN.match(text):
        fail(
            "vehicles.vin_characters",
            N_("A VIN uses only A–Z and 0–9, never I, O or Q. Check {value}."),
            value=text,
        )
    return text


def vin_check_digit(number: str) -> str:
    """Return the check digit (position 9) North American VINs carry, for a 17-character VIN.

    ISO 3779 does not require it, and vehicles built for other markets often do not carry
    it, so the registry does not enforce it; consolidation uses it to spot typing errors.
    """
    total = sum(
        _VIN_VALUES[char] * weight for char, weight in zip(number, _VIN_WEIGHTS, strict=True)
    )
    remainder = total % 11
    return "X" if remainder == 10 else str(remainder)


Plate = Annotated[str, AfterValidator(vn(plate))]
Vin = Annotated[str, AfterValidator(vn(vin))]


class VehicleKind(StrEnum):
    """The kind of vehicle, which must agree with the kind of plate."""

    CAR = "car"
    PICKUP = "pickup"
    TRUCK = "truck"
    BUS = "bus"
    TRACTOR_UNIT = "tractor_unit"
    TRAILER = "trailer"
    SEMI_TRAILER = "semi_trailer"
    SPECIAL = "special"
    MOTORCYCLE = "motorcycle"
    MOPED = "moped"


_TWO_WHEELED: Final = {VehicleKind.MOTORCYCLE, VehicleKind.MOPED}


class VehicleStatus(StrEnum):
    """Where the vehicle stands in the registry."""

    REGISTERED = "registered"
    DEREGISTERED = "deregistered"
    STOLEN = "stolen"
    SCRAPPED = "scrapped"


class Vehicle(Content):
    """A registered road vehicle: plate, identity numbers, description and owner."""

    plate: Plate
    vin: Vin | None = Field(default=None, description="Vehicle identification number (số khung)")
    frame_number: Code | None = Field(
        default=None,
        validate_default=True,
        description="Frame number of a vehicle without a 17-character VIN",
    )
    engine_number: Code
    kind: VehicleKind
    make: Text
    model: Text
    colour: Text
    year_of_manufacture: int | None = Field(default=None, strict=True, ge=1886, le=2100)
    owner: Party
    province: str | None = Field(
        default=None, validate_default=True, description="Registering province; from the plate"
    )
    status: VehicleStatus = VehicleStatus.REGISTERED
    registered_on: DateText

    @field_validator("frame_number")
    @classmethod
    def _identified(cls, value: str | None, info: ValidationInfo) -> str | None:
        if value is None and "vin" in info.data and info.data["vin"] is None:
            fail(
                "vehicles.no_frame_number",
                N_("Give the VIN, or the frame number of a vehicle that has no VIN."),
            )
        return value

    @field_validator("kind")
    @classmethod
    def _kind_fits_plate(cls, value: VehicleKind, info: ValidationInfo) -> VehicleKind:
        if "plate" not in info.data:
            return value
        parsed = parse_plate(info.data["plate"])
        if (value in _TWO_WHEELED) != (parsed.vehicle is VehicleClass.MOTORCYCLE):
            fail(
                "vehicles.kind_plate",
                N_("The plate {plate} is a {plate_kind} plate; it cannot be on a {kind}."),
                plate=parsed.text,
                plate_kind=parsed.vehicle.value,
                kind=value.value,
            )
        return value

    @field_validator("province")
    @classmethod
    def _registering_province(cls, value: str | None, info: ValidationInfo) -> str | None:
        if "plate" not in info.data:
            return value
        parsed = parse_plate(info.data["plate"])
        if parsed.province_now is None:
            # Locality 80 plates belong to central agencies: the record names the province.
            if value is None:
                fail(
                    "vehicles.province_required",
                    N_("The plate {plate} is a central agency's: give the registering province."),
                    plate=parsed.text,
                )
            return vn(province_unit)(value).code
        if value not in (None, parsed.province_now.code):
            fail(
                "vehicles.province_mismatch",
                N_("The plate {plate} was issued in province {derived}, not {given}."),
                plate=parsed.text,
                derived=parsed.province_now.code,
                given=str(value),
            )
        return parsed.province_now.code
