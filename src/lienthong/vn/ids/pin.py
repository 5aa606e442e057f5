"""Personal identification number (số định danh cá nhân), the 12 digits on the CCCD card.

Layout (Decree 137/2015/NĐ-CP art. 13; Circular 07/2016/TT-BCA art. 7; Law on
Identification 2023 art. 12)::

    PPP  C  YY  RRRRRR
    │    │  │   └─ six random digits
    │    │  └───── last two digits of the birth year
    │    └──────── century and sex: even male, odd female; century 20 + ⌊C/2⌋
    └───────────── "0" + the pre-2025 code of the province of birth registration

There is no check digit, so a typing error that keeps the shape cannot be caught here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import lru_cache

from lienthong.errors import VnError
from lienthong.i18n import N_
from lienthong.vn.ids._common import (
    Description,
    Province,
    Sex,
    clean,
    is_ascii_digits,
    odd_characters,
    strip_separators,
)
from lienthong.vn.ids._provinces import after_reform, before_reform, old_province_codes

PIN_LENGTH = 12
FIRST_BIRTH_YEAR = 1900
LAST_BIRTH_YEAR = 2399


@dataclass(frozen=True, slots=True)
class PersonalNumber:
    """A parsed personal identification number and what its digits encode."""

    number: str
    province: Province
    province_now: Province
    sex: Sex
    birth_year: int
    serial: str

    @property
    def province_code(self) -> str:
        """Return the 3-digit place-of-registration code as printed (``"001"``)."""
        return self.number[:3]

    @property
    def century(self) -> int:
        """Return the century of birth as the law counts it (20 for 1900–1999)."""
        return 20 + (self.birth_year - FIRST_BIRTH_YEAR) // 100

    def describe(self) -> Description:
        """Return (label, value) pairs that explain the number."""
        return [
            (N_("Personal identification number"), self.number),
            (
                N_("Province of birth registration (before 1 July 2025)"),
                f"{self.province.name} ({self.province_code})",
            ),
            (N_("Province today"), f"{self.province_now.name} ({self.province_now.code})"),
            (N_("Sex"), self.sex.label),
            (N_("Birth year"), str(self.birth_year)),
            (N_("Century"), str(self.century)),
            (N_("Random part"), self.serial),
        ]


def parse_pin(text: str, *, today: date | None = None) -> PersonalNumber:
    """Parse a personal identification number, rejecting values no person can hold."""
    current_year = (today or date.today()).year
    if isinstance(text, str):
        return _parse_cached(text, current_year)
    return _parse(text, current_year)


# A record names the same number in several fields and checks (a person's own number, the
# sex and the birth year it encodes): recent numbers are parsed once. Errors are not kept.
@lru_cache(maxsize=4096)
def _parse_cached(text: str, current_year: int) -> PersonalNumber:
    return _parse(text, current_year)


def _parse(text: object, current_year: int) -> PersonalNumber:
    value = clean(
        text,
        prefix="vn.pin",
        field="pin",
        empty=N_("The personal identification number is empty. Type the 12 digits on the card."),
    )
    digits = strip_separators(value, ".")
    if not is_ascii_digits(digits):
        raise VnError(
            "vn.pin.characters",
            N_(
                "A personal identification number has only digits; this one contains"
                " {characters}. Copy it again from the card."
            ),
            field="pin",
            characters=odd_characters(digits),
        )
    if len(digits) != PIN_LENGTH:
        raise VnError(
            "vn.pin.length",
            N_(
                "A personal identification number has 12 digits; this one has {length}."
                " Copy it again from the card."
            ),
            field="pin",
            length=len(digits),
        )
    old_code = digits[1:3]
    if digits[0] != "0" or old_code not in old_province_codes():
        raise VnError(
            "vn.pin.province",
            N_(
                "The first three digits, {code}, are not the code of a province of birth"
                " registration. Check them against the card."
            ),
            field="pin",
            code=digits[:3],
        )
    marker = int(digits[3])
    birth_year = FIRST_BIRTH_YEAR + 100 * (marker // 2) + int(digits[4:6])
    if birth_year > current_year:
        raise VnError(
            "vn.pin.future",
            N_(
                "Digits 4 to 6 give the birth year {year}, which has not come yet."
                " Check the fourth digit against the card."
            ),
            field="pin",
            year=birth_year,
        )
    return PersonalNumber(
        number=digits,
        province=before_reform(old_code),
        province_now=after_reform(old_code),
        sex=Sex.MALE if marker % 2 == 0 else Sex.FEMALE,
        birth_year=birth_year,
        serial=digits[6:],
    )


def is_valid_pin(text: str, *, today: date | None = None) -> bool:
    """Return whether the text is a personal identification number someone could hold."""
    try:
        parse_pin(text, today=today)
    except VnError:
        return False
    return True


def compose_pin(*, province_code: str, sex: Sex, birth_year: int, serial: str) -> str:
    """Return the personal identification number with these parts.

    ``province_code`` is the pre-2025 2-digit province code or its 3-digit form.
    """
    code = province_code.strip()
    if len(code) == 3 and code.startswith("0"):
        code = code[1:]
    if code not in old_province_codes():
        raise VnError(
            "vn.pin.province",
            N_(
                "The first three digits, {code}, are not the code of a province of birth"
                " registration. Check them against the card."
            ),
            field="province_code",
            code=province_code,
        )
    if not FIRST_BIRTH_YEAR <= birth_year <= LAST_BIRTH_YEAR:
        raise VnError(
            "vn.pin.birth_year",
            N_(
                "A personal identification number encodes birth years from 1900 to 2399;"
                " {year} is outside. Check the year of birth."
            ),
            field="birth_year",
            year=birth_year,
        )
    if not (len(serial) == 6 and is_ascii_digits(serial)):
        raise VnError(
            "vn.pin.serial",
            N_(
                "The random part of a personal identification number is six digits, not"
                " “{serial}”. Give the last six digits of the number."
            ),
            field="serial",
            serial=serial,
        )
    offset = birth_year - FIRST_BIRTH_YEAR
    marker = 2 * (offset // 100) + (0 if sex is Sex.MALE else 1)
    return f"0{code}{marker}{offset % 100:02d}{serial}"
