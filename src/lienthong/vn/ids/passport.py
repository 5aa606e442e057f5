"""Vietnamese passport number: one upper-case letter followed by seven digits."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final

from lienthong.errors import VnError
from lienthong.i18n import N_
from lienthong.vn.ids._common import Description, clean, strip_separators

_PASSPORT: Final = re.compile(r"[A-Z][0-9]{7}")


@dataclass(frozen=True, slots=True)
class PassportNumber:
    """A Vietnamese passport number, split into its letter and its digits."""

    number: str

    @property
    def letter(self) -> str:
        """Return the leading letter."""
        return self.number[0]

    @property
    def digits(self) -> str:
        """Return the seven digits after the letter."""
        return self.number[1:]

    def describe(self) -> Description:
        """Return (label, value) pairs that explain the number."""
        return [
            (N_("Passport number"), self.number),
            (N_("Letter"), self.letter),
            (N_("Digits"), self.digits),
        ]


def parse_passport_number(text: str) -> PassportNumber:
    """Parse a Vietnamese passport number, accepting lower case and spaces."""
    value = clean(
        text,
        prefix="vn.passport",
        field="passport",
        empty=N_("The passport number is empty. Type it as printed on the data page."),
    )
    number = strip_separators(value, "-").upper()
    if not (number.isascii() and _PASSPORT.fullmatch(number)):
        raise VnError(
            "vn.passport.format",
            N_(
                "A Vietnamese passport number is one letter followed by seven digits, such as"
                " C1234567; “{number}” is not. Copy it from the data page, where 0 is a digit"
                " and O a letter."
            ),
            field="passport",
            number=value,
        )
    return PassportNumber(number=number)


def is_valid_passport_number(text: str) -> bool:
    """Return whether the text has the shape of a Vietnamese passport number."""
    try:
        parse_passport_number(text)
    except VnError:
        return False
    return True
