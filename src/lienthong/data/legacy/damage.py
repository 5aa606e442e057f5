"""The damage legacy systems did to registry data, one seeded function per kind of damage.

Each function takes what it damages and, when it draws, a ``Random``; none reads a clock or
a global generator, so the same seed gives the same damage. :class:`Damage` holds the rate
at which each is applied (see docs/synthetic-data.md, "Legacy extracts").
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from random import Random
from typing import Final, Literal

from lienthong.vn.text import PartialDate, encode, fold, swapped
from lienthong.vn.units import LAST_DAY_BEFORE_REFORM, Unit, district, predecessors, province

#: The encodings an extract is written in: UTF-8, or the bytes of a legacy font encoding.
FileEncoding = Literal["utf-8", "tcvn3", "vni"]
FILE_ENCODINGS: Final[tuple[FileEncoding, ...]] = ("utf-8", "tcvn3", "vni")

#: Letters a typing error inserts or substitutes: the Vietnamese alphabet without marks.
_LETTERS: Final = "abcdeghiklmnopqrstuvxy"
#: Neighbouring keys on a QWERTY keyboard, for the substitutions typists actually make.
_NEIGHBOURS: Final = {
    "a": "sqz", "b": "vnh", "c": "xv", "d": "sfe", "e": "wrd", "g": "fht", "h": "gjn",
    "i": "uok", "k": "jlm", "l": "ko", "m": "nk", "n": "bmh", "o": "ipl", "p": "ol",
    "q": "wa", "r": "etf", "s": "adw", "t": "ryg", "u": "yij", "v": "cb", "x": "zc",
    "y": "tu",
}  # fmt: skip
#: Middle names that legacy systems drop most often.
COMMON_MIDDLE: Final = frozenset({"Văn", "Thị"})


@dataclass(frozen=True)
class Damage:
    """How often each kind of damage is applied: a share of the values it can apply to."""

    #: Names and addresses typed without diacritics (per value).
    diacritics_lost: float = 0.25
    #: Names written given name first, family name last.
    name_order_swapped: float = 0.03
    #: A middle name "Văn" or "Thị" left out; other middle names much less often.
    common_middle_dropped: float = 0.25
    other_middle_dropped: float = 0.04
    #: One typing error in a name: a letter substituted, left out, doubled or transposed.
    typo: float = 0.05
    #: A full date of birth kept only as its year, or as month and year.
    year_only: float = 0.03
    month_year: float = 0.02
    #: Day and month exchanged, where the day is 12 or less and the swap is another date.
    day_month_swapped: float = 0.04
    #: The 12-digit personal identification number in the identifier column.
    population_pin: float = 0.45
    #: The old 9-digit identity card number (CMND); the rest have no identifier.
    population_cmnd: float = 0.40
    land_pin: float = 0.25
    land_cmnd: float = 0.55
    #: Land areas rounded to whole square metres, or written with a decimal comma.
    area_rounded: float = 0.2
    area_decimal_comma: float = 0.3


def strip_diacritics(text: str) -> str:
    """Return the text without diacritics and with Đ as D, keeping upper and lower case."""
    return " ".join(_plain_word(word) for word in text.split(" "))


@lru_cache(maxsize=65536)
def _plain_word(word: str) -> str:
    folded = fold(word) if word else ""
    # fold maps each precomposed letter to one letter: restore each letter's case.
    if len(folded) != len(word):
        return folded
    return "".join(
        low.upper() if char.isupper() else low for char, low in zip(word, folded, strict=True)
    )


def given_name_first(family: str, middle: str, given: str) -> str:
    """Return a name in given-name-first order, family name last, as foreign records write it."""
    return " ".join(part for part in (middle, given, family) if part)


def drop_middle(family: str, given: str) -> str:
    """Return a name without its middle name."""
    return " ".join(part for part in (family, given) if part)


def middle_dropped(rng: Random, middle: str, damage: Damage) -> bool:
    """Return whether a middle name is dropped: "Văn" and "Thị" far more often than others."""
    if not middle:
        return False
    first = middle.split(" ")[0]
    rate = damage.common_middle_dropped if first in COMMON_MIDDLE else damage.other_middle_dropped
    return rng.random() < rate


def typo(rng: Random, text: str) -> str:
    """Return the text with one typing error in a letter: substitution, deletion, insertion or
    transposition; the result always differs from the text."""
    letters = [index for index, char in enumerate(text) if char.isalpha()]
    if not letters:
        return text
    for _ in range(8):
        position = letters[rng.randrange(len(letters))]
        char = text[position]
        kind = rng.randrange(4)
        base = fold(char) or "a"
        if kind == 0:
            choices = _NEIGHBOURS.get(base, _LETTERS)
            new = choices[rng.randrange(len(choices))]
            new = new.upper() if char.isupper() else new
            candidate = text[:position] + new + text[position + 1 :]
        elif kind == 1 and len(letters) > 1:
            candidate = text[:position] + text[position + 1 :]
        elif kind == 2:
            new = _LETTERS[rng.randrange(len(_LETTERS))]
            candidate = text[:position] + new + text[position:]
        else:
            after = position + 1
            if after >= len(text) or not text[after].isalpha():
                continue
            candidate = text[:position] + text[after] + char + text[after + 1 :]
        if candidate != text and candidate.strip():
            return candidate
    # A name of one repeated letter: doubling its first letter is still one error.
    first = letters[0]
    return text[:first] + text[first] + text[first:]


def parse_iso(value: str) -> PartialDate | None:
    """Return a registry date (``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD``), or None if malformed."""
    parts = value.split("-")
    try:
        numbers = [int(part) for part in parts]
    except ValueError:
        return None
    if not 1 <= len(numbers) <= 3:
        return None
    month = numbers[1] if len(numbers) > 1 else None
    day = numbers[2] if len(numbers) > 2 else None
    try:
        return PartialDate(numbers[0], month, day)
    except ValueError:
        return None


def legacy_date(value: PartialDate, rng: Random) -> str:
    """Return a date as legacy records type it: mostly dd/mm/yyyy, sometimes d/m/yyyy or with
    dashes or dots; a partial date as mm/yyyy or yyyy."""
    if value.month is None:
        return f"{value.year:04d}"
    if value.day is None:
        return f"{value.month:02d}/{value.year:04d}"
    roll = rng.random()
    if roll < 0.1:
        return f"{value.day}/{value.month}/{value.year:04d}"
    separator = "-" if roll < 0.15 else "." if roll < 0.2 else "/"
    return f"{value.day:02d}{separator}{value.month:02d}{separator}{value.year:04d}"


def partial(value: PartialDate, precision: Literal["year", "month"]) -> PartialDate:
    """Return a date cut to its year, or to its month and year."""
    if precision == "year" or value.month is None:
        return PartialDate(value.year, None, None)
    return PartialDate(value.year, value.month, None)


def swap_day_month(value: PartialDate) -> PartialDate | None:
    """Return the date with day and month exchanged, or None when that is no other date."""
    return swapped(value)


def damaged_date(value: PartialDate, rng: Random, damage: Damage) -> PartialDate:
    """Return a date of birth as a legacy record holds it: partial, swapped or as it was."""
    if value.day is None:
        return value
    roll = rng.random()
    if roll < damage.year_only:
        return partial(value, "year")
    if roll < damage.year_only + damage.month_year:
        return partial(value, "month")
    if rng.random() < damage.day_month_swapped:
        return swap_day_month(value) or value
    return value


def legacy_bytes(text: str, encoding: FileEncoding) -> bytes:
    """Return the bytes of a value in the file's encoding; upper case TCVN3 cannot hold is
    written in lower case, as real TCVN3 files are."""
    if encoding == "utf-8":
        return text.encode("utf-8")
    return encode(text, encoding, errors="lossy")


def cmnd_for(pin: str) -> str:
    """Return the old 9-digit identity card number a person held, the same for every record."""
    digest = hashlib.sha256(f"lienthong-cmnd:{pin}".encode()).digest()
    number = int.from_bytes(digest[:8], "big") % 900_000_000
    # Cards were numbered from 0 in some provinces, but never with a number of all zeros.
    return f"{number + 10_000_000:09d}"


def legacy_identifier(
    rng: Random, pin: str, *, pin_rate: float, cmnd_rate: float
) -> tuple[Literal["pin", "cmnd", ""], str]:
    """Return which identifier a legacy record holds (the PIN, the old CMND, or none) and it."""
    roll = rng.random()
    if roll < pin_rate:
        return "pin", pin
    if roll < pin_rate + cmnd_rate:
        return "cmnd", cmnd_for(pin)
    return "", ""


def area_text(rng: Random, area: float, damage: Damage) -> str:
    """Return an area in m² as a legacy file writes it: rounded, with a decimal comma, or as is."""
    roll = rng.random()
    if roll < damage.area_rounded:
        return str(round(area))
    text = f"{area:.1f}"
    if roll < damage.area_rounded + damage.area_decimal_comma:
        return text.replace(".", ",")
    return text


@dataclass(frozen=True)
class OldUnits:
    """The units a pre-2025 record names: commune, district and province."""

    commune: Unit | None
    district: Unit | None
    province: Unit


def old_units(rng: Random, commune_code: str) -> OldUnits | None:
    """Return pre-2025 units whose successor is a post-2025 commune, drawn among its
    predecessors; None when no predecessor is known."""
    choices = _old_units(commune_code)
    return choices[rng.randrange(len(choices))] if choices else None


@lru_cache(maxsize=8192)
def _old_units(commune_code: str) -> tuple[OldUnits, ...]:
    found = []
    for item in predecessors(commune_code, level="commune"):
        old = item.old
        if old.level != "commune" or old.province_code is None:
            continue
        old_district = (
            district(old.district_code, on=LAST_DAY_BEFORE_REFORM) if old.district_code else None
        )
        found.append(
            OldUnits(old, old_district, province(old.province_code, on=LAST_DAY_BEFORE_REFORM))
        )
    return tuple(found)


def adult_on(birth: PartialDate, day: date) -> bool:
    """Return whether a person born on a (partial) date is 18 or older on a day."""
    return day.year - birth.year - ((day.month, day.day) < (birth.month or 1, birth.day or 1)) >= 18
