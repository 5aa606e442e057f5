"""Vehicle registration plates (biển số xe) of civilian vehicles, Circular 79/2024/TT-BCA.

A plate reads ``<locality><series>-<serial>``: a 2-digit locality code, a series of one
or two letters (cars, trailers) or letters and a digit (motorcycles), and a serial of
five digits written ``123.45`` (four on older plates). Cars are written ``30A-123.45``
and motorcycles ``30-A1 123.45``. Plates of foreign missions and organisations (series
NG, NN, QT, CV) follow another layout and are refused with ``vn.plate.special_series``;
military and police plates do not start with a locality code and are refused with
``vn.plate.format``.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from enum import StrEnum
from typing import Final

from lienthong.errors import VnError
from lienthong.i18n import N_
from lienthong.vn.ids._common import Description, Province, clean
from lienthong.vn.ids._provinces import after_reform, before_reform

CENTRAL_LOCALITY: Final = "80"


def _codes(spec: str) -> list[str]:
    """Expand ``"29-33 40"`` into the 2-digit codes it names."""
    codes: list[str] = []
    for part in spec.split():
        first, _, last = part.partition("-")
        codes += [f"{n:02d}" for n in range(int(first), int(last or first) + 1)]
    return codes


# Locality code → pre-2025 province code (Decision 124/2004/QĐ-TTg). The assignment of
# codes to the 63 provinces is the one in force before 1 July 2025; after the merger a
# province keeps every code of the provinces it absorbed, which the units crosswalk gives.
_LOCALITY_SPEC: Final = {
    "01": "29-33 40",  # Hà Nội
    "02": "23",  # Hà Giang
    "04": "11",  # Cao Bằng
    "06": "97",  # Bắc Kạn
    "08": "22",  # Tuyên Quang
    "10": "24",  # Lào Cai
    "11": "27",  # Điện Biên
    "12": "25",  # Lai Châu
    "14": "26",  # Sơn La
    "15": "21",  # Yên Bái
    "17": "28",  # Hòa Bình
    "19": "20",  # Thái Nguyên
    "20": "12",  # Lạng Sơn
    "22": "14",  # Quảng Ninh
    "24": "98",  # Bắc Giang
    "25": "19",  # Phú Thọ
    "26": "88",  # Vĩnh Phúc
    "27": "99",  # Bắc Ninh
    "30": "34",  # Hải Dương
    "31": "15-16",  # Hải Phòng
    "33": "89",  # Hưng Yên
    "34": "17",  # Thái Bình
    "35": "90",  # Hà Nam
    "36": "18",  # Nam Định
    "37": "35",  # Ninh Bình
    "38": "36",  # Thanh Hóa
    "40": "37",  # Nghệ An
    "42": "38",  # Hà Tĩnh
    "44": "73",  # Quảng Bình
    "45": "74",  # Quảng Trị
    "46": "75",  # Thừa Thiên Huế
    "48": "43",  # Đà Nẵng
    "49": "92",  # Quảng Nam
    "51": "76",  # Quảng Ngãi
    "52": "77",  # Bình Định
    "54": "78",  # Phú Yên
    "56": "79",  # Khánh Hòa
    "58": "85",  # Ninh Thuận
    "60": "86",  # Bình Thuận
    "62": "82",  # Kon Tum
    "64": "81",  # Gia Lai
    "66": "47",  # Đắk Lắk
    "67": "48",  # Đắk Nông
    "68": "49",  # Lâm Đồng
    "70": "93",  # Bình Phước
    "72": "70",  # Tây Ninh
    "74": "61",  # Bình Dương
    "75": "39 60",  # Đồng Nai
    "77": "72",  # Bà Rịa - Vũng Tàu
    "79": "41 50-59",  # TP. Hồ Chí Minh
    "80": "62",  # Long An
    "82": "63",  # Tiền Giang
    "83": "71",  # Bến Tre
    "84": "84",  # Trà Vinh
    "86": "64",  # Vĩnh Long
    "87": "66",  # Đồng Tháp
    "89": "67",  # An Giang
    "91": "68",  # Kiên Giang
    "92": "65",  # Cần Thơ
    "93": "95",  # Hậu Giang
    "94": "83",  # Sóc Trăng
    "95": "94",  # Bạc Liêu
    "96": "69",  # Cà Mau
}

LOCALITY_PROVINCES: Final[dict[str, str]] = {
    locality: province for province, spec in _LOCALITY_SPEC.items() for locality in _codes(spec)
}
"""Plate locality code → pre-2025 province code; 80 (central agencies) is not in it."""

# Series of foreign missions, international and foreign organisations and their staff.
SPECIAL_SERIES: Final = frozenset({"NG", "NN", "QT", "CV"})
# Two-letter car series (foreign-invested enterprises, projects, defence-economic units);
# other two-letter series are motorcycles (under 50 cm³, electric "MĐ").
TWO_LETTER_CAR_SERIES: Final = frozenset({"LD", "DA", "KT"})
# Letters never used in a series: they read as digits (I, O, Q) or are not in the
# Vietnamese alphabet and were never allotted (J, W).
UNUSED_LETTERS: Final = frozenset("IJOQW")

_SEPARATORS: Final = re.compile(r"[\s.\-_/·]+")
_COMPACT: Final = re.compile(r"(\d{2})([A-ZĐ]{1,2})(\d{4,6})")


class VehicleClass(StrEnum):
    """The class of vehicle a plate's series is allotted to."""

    CAR = "car"
    MOTORCYCLE = "motorcycle"

    @property
    def label(self) -> str:
        """Return the msgid that names this class."""
        return N_("car or trailer") if self is VehicleClass.CAR else N_("motorcycle")


@dataclass(frozen=True, slots=True)
class Plate:
    """A parsed civilian plate: locality, series and serial, and where it was issued."""

    locality_code: str
    series: str
    serial: str
    vehicle: VehicleClass
    province: Province | None
    province_now: Province | None

    @property
    def central(self) -> bool:
        """Return whether the plate belongs to a central agency (locality 80)."""
        return self.locality_code == CENTRAL_LOCALITY

    @property
    def text(self) -> str:
        """Return the plate in its normal written form (``30A-123.45``, ``30-A1 123.45``)."""
        serial = f"{self.serial[:3]}.{self.serial[3:]}" if len(self.serial) == 5 else self.serial
        if self.vehicle is VehicleClass.CAR:
            return f"{self.locality_code}{self.series}-{serial}"
        return f"{self.locality_code}-{self.series} {serial}"

    def describe(self) -> Description:
        """Return (label, value) pairs that explain the plate."""
        pairs: Description = [
            (N_("Vehicle plate"), self.text),
            (N_("Locality code"), self.locality_code),
        ]
        if self.province is None or self.province_now is None:
            pairs.append((N_("Registered by"), N_("a central agency")))
        else:
            pairs += [
                (N_("Province (before 1 July 2025)"), self.province.name),
                (N_("Province today"), self.province_now.name),
            ]
        pairs += [
            (N_("Series"), self.series),
            (N_("Serial"), self.serial),
            (N_("Vehicle"), self.vehicle.label),
        ]
        return pairs


def parse_plate(text: str) -> Plate:
    """Parse a civilian plate written with any spacing, hyphens or dots."""
    value = clean(
        text,
        prefix="vn.plate",
        field="plate",
        empty=N_("The plate number is empty. Type it as on the plate, for example 30A-123.45."),
    )
    # Lower-case "đ" upper-cases to "Đ"; NFC keeps it one character for the pattern.
    chunks = [c for c in _SEPARATORS.split(unicodedata.normalize("NFC", value.upper())) if c]
    compact = "".join(chunks)
    special = re.match(r"\d{2}([A-Z]{2})", compact)
    if special and special.group(1) in SPECIAL_SERIES:
        raise VnError(
            "vn.plate.special_series",
            N_(
                "Plates of series {series} belong to foreign missions and organisations and"
                " are not handled here. Look the vehicle up in the foreign-vehicle register."
            ),
            field="plate",
            series=special.group(1),
        )
    match = _COMPACT.fullmatch(compact)
    if match is None:
        raise VnError(
            "vn.plate.format",
            N_(
                "“{plate}” is not a civilian plate: expected two digits, a series and four or"
                " five digits, such as 30A-123.45 or 30-A1 123.45. Copy it again from the plate."
            ),
            field="plate",
            plate=value,
        )
    locality, letters, digits = match.groups()
    series_digit, serial = _split_series_digit(chunks, letters, digits)
    series = letters + series_digit
    if UNUSED_LETTERS & set(letters):
        raise VnError(
            "vn.plate.series",
            N_(
                "The series {series} is never issued: plates do not use the letters I, J, O, Q"
                " or W. Check for a digit read as a letter."
            ),
            field="plate",
            series=series,
        )
    if locality != CENTRAL_LOCALITY and locality not in LOCALITY_PROVINCES:
        raise VnError(
            "vn.plate.locality",
            N_(
                "{code} is not the locality code of any province. Check the first two digits"
                " of the plate."
            ),
            field="plate",
            code=locality,
        )
    if series_digit or (len(letters) == 2 and letters not in TWO_LETTER_CAR_SERIES):
        vehicle = VehicleClass.MOTORCYCLE
    else:
        vehicle = VehicleClass.CAR
    old = LOCALITY_PROVINCES.get(locality)
    return Plate(
        locality_code=locality,
        series=series,
        serial=serial,
        vehicle=vehicle,
        province=before_reform(old) if old else None,
        province_now=after_reform(old) if old else None,
    )


def is_valid_plate(text: str) -> bool:
    """Return whether the text is a civilian plate with a known locality."""
    try:
        parse_plate(text)
    except VnError:
        return False
    return True


def plate_localities(province_code: str) -> list[str]:
    """Return the plate locality codes of a pre-2025 province, in order."""
    return sorted(code for code, old in LOCALITY_PROVINCES.items() if old == province_code)


def _split_series_digit(chunks: list[str], letters: str, digits: str) -> tuple[str, str]:
    """Split the digits after the series letters into (series digit, serial).

    The compact form is ambiguous ("30A11234" is car 30A-112.34 or motorcycle 30-A1 1234),
    so the way the user grouped the characters decides: a single digit written against
    the letters ("30-A1 1234", "30A1-1234") is the motorcycle series digit. Six digits
    can only be a series digit and a five-digit serial. Otherwise it is a car serial.
    """
    if len(digits) == 6:
        return digits[0], digits[1:]
    for chunk in chunks:
        at = chunk.find(letters)
        if at >= 0:
            attached = chunk[at + len(letters) :]
            if len(attached) == 1 and len(digits) == 5:
                return digits[0], digits[1:]
            break
    return "", digits
