"""Old identity card number (chứng minh nhân dân, CMND): nine digits, shape only.

The nine-digit cards were issued province by province and their numbers were never
guaranteed unique across the country; legacy systems hold them, so they are parsed to
be linked to a person, never trusted as a key. Many systems also typed the 12-digit
personal identification number into their CMND field: such values are parsed as what
they are.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Final, Literal

from lienthong.errors import VnError
from lienthong.i18n import N_
from lienthong.vn.ids._common import (
    NO,
    Description,
    clean,
    is_ascii_digits,
    odd_characters,
    strip_separators,
)
from lienthong.vn.ids.pin import PIN_LENGTH, PersonalNumber, parse_pin

CMND_LENGTH: Final = 9


@dataclass(frozen=True, slots=True)
class IdentityCardNumber:
    """A nine-digit old identity card number: a lead for linkage, never a unique key."""

    number: str
    unique: Literal[False] = False

    def describe(self) -> Description:
        """Return (label, value) pairs that explain the number."""
        return [
            (N_("Old identity card number (CMND)"), self.number),
            (N_("Unique"), NO),
            (
                N_("Use"),
                N_("Link it to a person with other data; do not use it as a key."),
            ),
        ]


def parse_cmnd(text: str, *, today: date | None = None) -> IdentityCardNumber | PersonalNumber:
    """Parse an old identity card number; a 12-digit value parses as a personal number."""
    value = clean(
        text,
        prefix="vn.cmnd",
        field="cmnd",
        empty=N_("The identity card number is empty. Type the 9 digits on the card."),
    )
    digits = strip_separators(value, ".")
    if not is_ascii_digits(digits):
        raise VnError(
            "vn.cmnd.characters",
            N_(
                "An identity card number has only digits; this one contains {characters}."
                " Copy it again from the card."
            ),
            field="cmnd",
            characters=odd_characters(digits),
        )
    if len(digits) == PIN_LENGTH:
        return parse_pin(digits, today=today)
    if len(digits) != CMND_LENGTH:
        raise VnError(
            "vn.cmnd.length",
            N_(
                "An old identity card number has 9 digits (a citizen identity card has 12);"
                " this one has {length}. Copy it again from the card."
            ),
            field="cmnd",
            length=len(digits),
        )
    return IdentityCardNumber(number=digits)


def is_valid_cmnd(text: str) -> bool:
    """Return whether the text has the shape of an old nine-digit identity card number."""
    try:
        return isinstance(parse_cmnd(text), IdentityCardNumber)
    except VnError:
        return False
