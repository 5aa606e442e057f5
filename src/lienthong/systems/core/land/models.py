"""The content of a Parcel record in the land registry."""

from __future__ import annotations

import math
from enum import StrEnum
from typing import Annotated, Any, Final, Literal, NoReturn

from pydantic import AfterValidator, Field, ValidationInfo, field_validator, model_validator

from lienthong.i18n import N_
from lienthong.systems.core.fields import (
    Code,
    CommuneCode,
    Content,
    DateText,
    Party,
    Share,
    Text,
    fail,
    share_total,
    vn,
)
from lienthong.systems.core.land.land_use import LAND_USE_TYPES
from lienthong.vn import units
from lienthong.vn.ids import parse_parcel, parse_parcel_id

#: The box around Viet Nam's land and islands that parcel identifiers are checked against.
_SOUTH, _NORTH, _WEST, _EAST = 7.0, 23.5, 102.0, 117.0


def land_use_code(value: str) -> str:
    """Return a detailed land-use code in upper case."""
    code = value.strip().upper()
    if code not in LAND_USE_TYPES:
        fail(
            "land.land_use",
            N_(
                "{value} is not a land-use code. Use a detailed code such as LUC, CLN, ONT or ODT"
                " (see docs/registries.md)."
            ),
            value=value,
        )
    return code


def parcel_id(value: str) -> str:
    """Return a 12-character parcel identifier (GeoHash) in lower case."""
    return parse_parcel_id(value).code


LandUseCode = Annotated[str, AfterValidator(vn(land_use_code))]
ParcelIdText = Annotated[str, AfterValidator(vn(parcel_id))]
SquareMetres = Annotated[float, Field(gt=0, allow_inf_nan=False)]


class LandUse(Content):
    """One use of the parcel: a land-use code, its area and, for a limited term, its end."""

    code: LandUseCode
    area_m2: SquareMetres | None = None
    until: DateText | None = Field(default=None, description="End of the term; none: long-term")


class RightHolder(Content):
    """A holder of the land-use right and the share each holds."""

    holder: Party
    share: Share = "1"


class EncumbranceKind(StrEnum):
    """What restricts the right: a mortgage, a lease, an easement, a seizure …"""

    MORTGAGE = "mortgage"
    LEASE = "lease"
    EASEMENT = "easement"
    SEIZURE = "seizure"
    OTHER = "other"


class Encumbrance(Content):
    """A registered restriction on the parcel, with who holds it and when it applies."""

    kind: EncumbranceKind
    holder: Party | None = None
    registered_on: DateText
    released_on: DateText | None = None
    reference: Text | None = Field(default=None, description="Registration or contract number")

    @model_validator(mode="after")
    def _dates(self) -> Encumbrance:
        if self.released_on is not None and self.released_on < self.registered_on:
            fail(
                "land.encumbrance_dates",
                N_(
                    "The encumbrance is released on {released}, before it was registered on {registered}."
                ),
                released=self.released_on,
                registered=self.registered_on,
            )
        return self


class Certificate(Content):
    """The certificate of land-use rights issued for the parcel."""

    number: Code = Field(description="Serial number printed on the certificate")
    issued_on: DateText
    issuer: Text | None = None


class Geometry(Content):
    """A GeoJSON Polygon or MultiPolygon in WGS84 longitude/latitude (RFC 7946)."""

    type: Literal["Polygon", "MultiPolygon"]
    coordinates: list[Any]

    @model_validator(mode="after")
    def _shape(self) -> Geometry:
        polygons = [self.coordinates] if self.type == "Polygon" else self.coordinates
        if not polygons:
            _bad_geometry("a MultiPolygon needs at least one polygon")
        for polygon in polygons:
            if not isinstance(polygon, list) or not polygon:
                _bad_geometry("a polygon is a non-empty list of rings")
            for ring in polygon:
                _check_ring(ring)
        return self


def _bad_geometry(reason: str) -> NoReturn:
    fail(
        "land.geometry",
        N_("The geometry is not a valid GeoJSON polygon: {reason}."),
        reason=reason,
    )


def _check_ring(ring: Any) -> None:
    if not isinstance(ring, list) or len(ring) < 4:
        _bad_geometry("a ring has at least four positions")
    for position in ring:
        if (
            not isinstance(position, list)
            or len(position) not in (2, 3)
            or not all(
                isinstance(n, int | float) and not isinstance(n, bool) and math.isfinite(n)
                for n in position
            )
        ):
            _bad_geometry("a position is [longitude, latitude] in numbers")
        longitude, latitude = position[0], position[1]
        if not (_WEST <= longitude <= _EAST and _SOUTH <= latitude <= _NORTH):
            fail(
                "land.geometry_outside_vietnam",
                N_(
                    "The position [{longitude}, {latitude}] is not in Viet Nam. Give WGS84"
                    " longitude then latitude (convert VN2000 coordinates first)."
                ),
                longitude=longitude,
                latitude=latitude,
            )
    if ring[0] != ring[-1]:
        _bad_geometry("a ring ends where it starts")


_PARCEL_PARTS: Final = ("commune", "map_sheet", "parcel_number")


class Parcel(Content):
    """A land parcel: where it is, its area and uses, who holds it and what encumbers it."""

    commune: CommuneCode
    map_sheet: int = Field(strict=True, ge=1, description="Map sheet number (tờ bản đồ số)")
    parcel_number: int = Field(strict=True, ge=1, description="Parcel number (thửa đất số)")
    parcel: str | None = Field(
        default=None, validate_default=True, description="commune-sheet-number; derived"
    )
    parcel_id: ParcelIdText | None = Field(default=None, description="12-character GeoHash")
    province: str | None = Field(default=None, description="Derived from the commune")
    address: Text | None = None
    area_m2: SquareMetres
    land_uses: list[LandUse] = Field(min_length=1)
    geometry: Geometry | None = None
    right_holders: list[RightHolder] = Field(min_length=1)
    certificate: Certificate | None = None
    encumbrances: list[Encumbrance] = Field(default_factory=list)

    @field_validator("right_holders")
    @classmethod
    def _shares(cls, holders: list[RightHolder]) -> list[RightHolder]:
        total = share_total([str(holder.share) for holder in holders])
        if total != 1:
            fail(
                "land.shares_total",
                N_("The right holders' shares add up to {total}, not to the whole (1 or 100%)."),
                total=str(total),
            )
        tokens = [holder.holder.token for holder in holders]
        if len(set(tokens)) != len(tokens):
            fail("land.holder_repeated", N_("A right holder is listed twice. List each once."))
        return holders

    @field_validator("parcel")
    @classmethod
    def _parcel_key(cls, value: str | None, info: ValidationInfo) -> str | None:
        commune, sheet, number = (info.data.get(name) for name in _PARCEL_PARTS)
        if commune is None or sheet is None or number is None:
            return value
        derived = parse_parcel((commune, sheet, number)).text
        if value is not None and value != derived:
            fail(
                "land.parcel_mismatch",
                N_("The parcel is {derived} by its commune, sheet and number, not {given}."),
                derived=derived,
                given=value,
            )
        return derived

    @field_validator("land_uses")
    @classmethod
    def _use_area(cls, uses: list[LandUse], info: ValidationInfo) -> list[LandUse]:
        area = info.data.get("area_m2")
        used = sum(use.area_m2 or 0.0 for use in uses)
        # Areas are written to a tenth of a square metre; allow for that rounding.
        if area is not None and used > area + 0.05:
            fail(
                "land.use_area",
                N_("The land uses cover {used} m², more than the parcel's {area} m²."),
                used=round(used, 2),
                area=area,
            )
        codes = [use.code for use in uses]
        if len(set(codes)) != len(codes):
            fail("land.use_repeated", N_("A land-use code is listed twice. List each once."))
        return uses

    @model_validator(mode="after")
    def _province(self) -> Parcel:
        self.province = units.commune(self.commune).province_code
        return self
