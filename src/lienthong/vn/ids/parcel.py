"""Land parcels: the traditional commune–sheet–parcel triple and the 12-character GeoHash ID.

Traditionally a parcel is named by the 5-digit code of its commune, the number of the
cadastral map sheet (tờ bản đồ số) and the parcel number on that sheet (thửa đất số).
Since 2025 each parcel also gets an identifier of 12 characters: the GeoHash of a point
inside it, converted from VN2000 to WGS84.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final

from lienthong.errors import VnError
from lienthong.i18n import N_
from lienthong.vn.ids._common import Description, clean, is_ascii_digits

GEOHASH_ALPHABET: Final = "0123456789bcdefghjkmnpqrstuvwxyz"
PARCEL_ID_LENGTH: Final = 12
COMMUNE_CODE_LENGTH: Final = 5
MAX_PRECISION: Final = 22  # 110 bits: finer than a float's 53-bit mantissa can tell apart

# A box around Vietnam's land territory and its islands (Hoàng Sa, Trường Sa): it catches
# swapped coordinates and points in other countries' oceans, not a point across a border.
VIETNAM_SOUTH: Final = 7.0
VIETNAM_NORTH: Final = 23.5
VIETNAM_WEST: Final = 102.0
VIETNAM_EAST: Final = 117.0

_DECODE: Final = {ch: i for i, ch in enumerate(GEOHASH_ALPHABET)}
_TRIPLE_SEPARATORS: Final = re.compile(r"\s*[-/.,;:|\s]\s*")


@dataclass(frozen=True, slots=True)
class Parcel:
    """A parcel named the traditional way: commune code, map sheet number, parcel number."""

    commune_code: str
    sheet: int
    number: int

    @property
    def text(self) -> str:
        """Return the parcel as ``commune-sheet-parcel`` (``26734-12-345``)."""
        return f"{self.commune_code}-{self.sheet}-{self.number}"

    def describe(self) -> Description:
        """Return (label, value) pairs that explain the parcel."""
        return [
            (N_("Land parcel"), self.text),
            (N_("Commune code"), self.commune_code),
            (N_("Map sheet number"), str(self.sheet)),
            (N_("Parcel number"), str(self.number)),
        ]


@dataclass(frozen=True, slots=True)
class GeoCell:
    """The rectangle of latitudes and longitudes (WGS84, degrees) a GeoHash names."""

    south: float
    north: float
    west: float
    east: float

    @property
    def latitude(self) -> float:
        """Return the latitude of the cell's centre."""
        return (self.south + self.north) / 2

    @property
    def longitude(self) -> float:
        """Return the longitude of the cell's centre."""
        return (self.west + self.east) / 2

    def contains(self, latitude: float, longitude: float) -> bool:
        """Return whether a point lies in the cell (south and west edges included)."""
        return self.south <= latitude < self.north and self.west <= longitude < self.east


@dataclass(frozen=True, slots=True)
class ParcelId:
    """A 12-character parcel identifier and the cell of the point it encodes."""

    code: str
    cell: GeoCell

    def describe(self) -> Description:
        """Return (label, value) pairs that explain the identifier."""
        return [
            (N_("Land parcel identifier"), self.code),
            (N_("Latitude (WGS84)"), f"{self.cell.latitude:.7f}"),
            (N_("Longitude (WGS84)"), f"{self.cell.longitude:.7f}"),
            (
                N_("Cell"),
                f"{self.cell.south:.7f}–{self.cell.north:.7f} N,"
                f" {self.cell.west:.7f}–{self.cell.east:.7f} E",
            ),
        ]


def geohash_encode(latitude: float, longitude: float, precision: int = PARCEL_ID_LENGTH) -> str:
    """Return the GeoHash of a point: bits alternate longitude, latitude, from the west."""
    if not (isinstance(precision, int) and 1 <= precision <= MAX_PRECISION):
        raise VnError(
            "vn.parcel.precision",
            N_("A GeoHash has from 1 to {maximum} characters, not {precision}."),
            field="precision",
            maximum=MAX_PRECISION,
            precision=precision,
        )
    if not (_is_number(latitude) and -90.0 <= latitude <= 90.0):
        raise VnError(
            "vn.parcel.latitude",
            N_("Latitude {value} is outside −90…90 degrees. Check that it is not the longitude."),
            field="latitude",
            value=latitude,
        )
    if not (_is_number(longitude) and -180.0 <= longitude <= 180.0):
        raise VnError(
            "vn.parcel.longitude",
            N_("Longitude {value} is outside −180…180 degrees."),
            field="longitude",
            value=longitude,
        )
    lat_range, lon_range = [-90.0, 90.0], [-180.0, 180.0]
    chars: list[str] = []
    bits = 0
    index = 0
    even = True
    while len(chars) < precision:
        interval, point = (lon_range, longitude) if even else (lat_range, latitude)
        middle = (interval[0] + interval[1]) / 2
        index <<= 1
        if point >= middle:
            index |= 1
            interval[0] = middle
        else:
            interval[1] = middle
        even = not even
        bits += 1
        if bits == 5:
            chars.append(GEOHASH_ALPHABET[index])
            bits = index = 0
    return "".join(chars)


def geohash_decode(code: str) -> GeoCell:
    """Return the cell a GeoHash names."""
    value = _geohash_text(code)
    lat_range, lon_range = [-90.0, 90.0], [-180.0, 180.0]
    even = True
    for ch in value:
        index = _DECODE[ch]
        for shift in range(4, -1, -1):
            interval = lon_range if even else lat_range
            middle = (interval[0] + interval[1]) / 2
            if (index >> shift) & 1:
                interval[0] = middle
            else:
                interval[1] = middle
            even = not even
    return GeoCell(south=lat_range[0], north=lat_range[1], west=lon_range[0], east=lon_range[1])


def parse_parcel_id(text: str) -> ParcelId:
    """Parse a 12-character parcel identifier and check that it points into Vietnam."""
    value = _geohash_text(text)
    if len(value) != PARCEL_ID_LENGTH:
        raise VnError(
            "vn.parcel.id_length",
            N_(
                "A land parcel identifier has 12 characters; this one has {length}. Copy it"
                " again from the certificate."
            ),
            field="parcel_id",
            length=len(value),
        )
    cell = geohash_decode(value)
    if not (
        VIETNAM_SOUTH <= cell.latitude <= VIETNAM_NORTH
        and VIETNAM_WEST <= cell.longitude <= VIETNAM_EAST
    ):
        raise VnError(
            "vn.parcel.outside_vietnam",
            N_(
                "The identifier {code} points to {latitude:.4f}, {longitude:.4f}, which is not"
                " in Vietnam. Copy it again from the certificate."
            ),
            field="parcel_id",
            code=value,
            latitude=cell.latitude,
            longitude=cell.longitude,
        )
    return ParcelId(code=value, cell=cell)


def parse_parcel(value: str | tuple[str | int, str | int, str | int]) -> Parcel:
    """Parse a traditional parcel reference: ``"26734-12-345"`` or ``("26734", 12, 345)``."""
    if isinstance(value, tuple):
        if len(value) != 3:
            raise _format_error(str(value))
        commune, sheet, number = (str(part).strip() for part in value)
    else:
        text = clean(
            value,
            prefix="vn.parcel",
            field="parcel",
            empty=N_(
                "The parcel is empty. Type the commune code, map sheet and parcel number,"
                " such as 26734-12-345."
            ),
        )
        parts = _TRIPLE_SEPARATORS.split(text)
        if len(parts) != 3:
            raise _format_error(text)
        commune, sheet, number = parts
    if not (len(commune) == COMMUNE_CODE_LENGTH and is_ascii_digits(commune)):
        raise VnError(
            "vn.parcel.commune",
            N_(
                "A commune code has five digits, not “{code}”. Take it from the list of"
                " administrative units."
            ),
            field="commune_code",
            code=commune,
        )
    return Parcel(
        commune_code=commune,
        sheet=_positive(sheet, "vn.parcel.sheet", "sheet"),
        number=_positive(number, "vn.parcel.number", "number"),
    )


def is_valid_parcel(value: str | tuple[str | int, str | int, str | int]) -> bool:
    """Return whether the value is a well-formed traditional parcel reference."""
    try:
        parse_parcel(value)
    except VnError:
        return False
    return True


def is_valid_parcel_id(text: str) -> bool:
    """Return whether the text is a 12-character parcel identifier inside Vietnam."""
    try:
        parse_parcel_id(text)
    except VnError:
        return False
    return True


def _is_number(value: object) -> bool:
    """Return whether a value is a real number (booleans are not coordinates)."""
    return isinstance(value, int | float) and not isinstance(value, bool)


def _geohash_text(text: str) -> str:
    """Return a GeoHash in lower case, or raise if it has characters outside the alphabet."""
    value = clean(
        text,
        prefix="vn.parcel",
        field="parcel_id",
        empty=N_("The land parcel identifier is empty. Type the 12 characters."),
    ).lower()
    odd = sorted({ch for ch in value if ch not in _DECODE})
    if odd:
        raise VnError(
            "vn.parcel.id_characters",
            N_(
                "A land parcel identifier uses digits and the letters b–z except i, l and o;"
                " this one contains {characters}. Copy it again."
            ),
            field="parcel_id",
            characters=", ".join(f"“{ch}”" for ch in odd),
        )
    return value


def _positive(text: str, code: str, field: str) -> int:
    """Return a map sheet or parcel number as a positive integer."""
    if not is_ascii_digits(text) or int(text) == 0:
        raise VnError(code, _NUMBER_MESSAGES[code], field=field, value=text)
    return int(text)


_NUMBER_MESSAGES: Final = {
    "vn.parcel.sheet": N_(
        "A map sheet number is a whole number from 1, not “{value}”. Copy it from the certificate."
    ),
    "vn.parcel.number": N_(
        "A parcel number is a whole number from 1, not “{value}”. Copy it from the certificate."
    ),
}


def _format_error(text: str) -> VnError:
    """Return the error for a parcel reference that is not three parts."""
    return VnError(
        "vn.parcel.format",
        N_(
            "“{parcel}” is not a parcel reference: expected commune code, map sheet and parcel"
            " number, such as 26734-12-345."
        ),
        field="parcel",
        parcel=text,
    )
