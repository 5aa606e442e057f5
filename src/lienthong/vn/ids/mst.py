"""Enterprise code = tax code (mã số doanh nghiệp / mã số thuế, MST).

Ten digits — a 2-digit prefix, a 7-digit sequence and a check digit — identify an
enterprise, an organisation or (before 1 July 2025) an individual; thirteen digits, the
ten of the parent followed by ``001``…``999``, identify a dependent unit such as a
branch. Since 1 July 2025 the 12-digit personal identification number is also the
personal tax code (Law on Tax Administration 38/2019/QH14 art. 35; Circular
86/2024/TT-BTC). The check digit is computed by ``python-stdnum``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Final

from stdnum.vn import mst as stdnum_mst

from lienthong.errors import VnError
from lienthong.i18n import N_
from lienthong.vn.ids._common import (
    Description,
    clean,
    is_ascii_digits,
    odd_characters,
    strip_separators,
)
from lienthong.vn.ids.pin import PIN_LENGTH, PersonalNumber, parse_pin

MAIN_LENGTH: Final = 10
BRANCH_LENGTH: Final = 13


class TaxCodeKind(StrEnum):
    """Which of the three forms a tax code takes."""

    MAIN = "main"
    BRANCH = "branch"
    PERSONAL = "personal"

    @property
    def label(self) -> str:
        """Return the msgid that names this form."""
        return _KIND_LABELS[self]


_KIND_LABELS: Final = {
    TaxCodeKind.MAIN: N_("10-digit tax code of an enterprise, organisation or individual"),
    TaxCodeKind.BRANCH: N_("13-digit tax code of a branch or other dependent unit"),
    TaxCodeKind.PERSONAL: N_("personal identification number used as the personal tax code"),
}


@dataclass(frozen=True, slots=True)
class TaxCode:
    """A parsed tax code: its digits, its form and, for a branch, its parent."""

    code: str
    kind: TaxCodeKind
    pin: PersonalNumber | None = None

    @property
    def parent(self) -> str | None:
        """Return the 10-digit code of the parent of a branch (None for other forms)."""
        return self.code[:MAIN_LENGTH] if self.kind is TaxCodeKind.BRANCH else None

    @property
    def branch(self) -> str | None:
        """Return the 3-digit branch number of a branch (None for other forms)."""
        return self.code[MAIN_LENGTH:] if self.kind is TaxCodeKind.BRANCH else None

    @property
    def formatted(self) -> str:
        """Return the code as written on documents (``0312687878-001`` for a branch)."""
        if self.kind is TaxCodeKind.BRANCH:
            return f"{self.code[:MAIN_LENGTH]}-{self.code[MAIN_LENGTH:]}"
        return self.code

    def describe(self) -> Description:
        """Return (label, value) pairs that explain the code."""
        pairs: Description = [
            (N_("Tax code"), self.formatted),
            (N_("Form"), self.kind.label),
        ]
        if self.kind is TaxCodeKind.PERSONAL and self.pin is not None:
            return pairs + self.pin.describe()[1:]
        pairs.append((N_("Check digit"), self.code[MAIN_LENGTH - 1]))
        if self.parent is not None and self.branch is not None:
            pairs += [(N_("Parent tax code"), self.parent), (N_("Branch number"), self.branch)]
        return pairs


def tax_code_check_digit(first_nine: str) -> str | None:
    """Return the check digit for the first nine digits, or None when none can be issued."""
    if not (len(first_nine) == MAIN_LENGTH - 1 and is_ascii_digits(first_nine)):
        raise VnError(
            "vn.mst.length",
            N_(
                "A tax code has 10 digits, 13 for a branch, or 12 for a personal"
                " identification number; this one has {length}. Copy it again."
            ),
            field="mst",
            length=len(first_nine),
        )
    digit = stdnum_mst.calc_check_digit(first_nine)
    # 10 − (Σ mod 11) is 10 when the sum is divisible by 11: no single digit fits, and the
    # tax authority skips such sequences instead of issuing them.
    return digit if len(digit) == 1 else None


def parse_tax_code(text: str, *, today: date | None = None) -> TaxCode:
    """Parse a tax code of 10 or 13 digits, or a 12-digit personal identification number."""
    value = clean(
        text,
        prefix="vn.mst",
        field="mst",
        empty=N_("The tax code is empty. Type the 10 or 13 digits of the tax code."),
    )
    digits = strip_separators(value, ".-")
    if not is_ascii_digits(digits):
        raise VnError(
            "vn.mst.characters",
            N_(
                "A tax code has only digits and an optional hyphen before the branch number;"
                " this one contains {characters}. Copy it again."
            ),
            field="mst",
            characters=odd_characters(digits),
        )
    if len(digits) == PIN_LENGTH:
        return TaxCode(code=digits, kind=TaxCodeKind.PERSONAL, pin=parse_pin(digits, today=today))
    if len(digits) not in (MAIN_LENGTH, BRANCH_LENGTH):
        raise VnError(
            "vn.mst.length",
            N_(
                "A tax code has 10 digits, 13 for a branch, or 12 for a personal"
                " identification number; this one has {length}. Copy it again."
            ),
            field="mst",
            length=len(digits),
        )
    if digits[2:9] == "0000000":
        raise VnError(
            "vn.mst.sequence",
            N_(
                "Digits 3 to 9 of a tax code are a sequence number starting at 0000001;"
                " 0000000 is never issued. Copy the code again."
            ),
            field="mst",
        )
    if len(digits) == BRANCH_LENGTH and digits[MAIN_LENGTH:] == "000":
        raise VnError(
            "vn.mst.branch",
            N_(
                "Branch numbers run from 001 to 999; 000 is never issued. Use the 10-digit"
                " code for the enterprise itself."
            ),
            field="mst",
        )
    expected = tax_code_check_digit(digits[: MAIN_LENGTH - 1])
    if expected is None:
        raise VnError(
            "vn.mst.never_issued",
            N_(
                "No tax code starts with the nine digits {prefix}: their check digit would be"
                " 10. One of them is mistyped; copy the code again."
            ),
            field="mst",
            prefix=digits[: MAIN_LENGTH - 1],
        )
    if digits[MAIN_LENGTH - 1] != expected:
        raise VnError(
            "vn.mst.check_digit",
            N_(
                "The check digit of tax code {code} does not match its other digits, so one"
                " of them is mistyped. Copy the code again."
            ),
            field="mst",
            code=digits[:MAIN_LENGTH],
        )
    kind = TaxCodeKind.MAIN if len(digits) == MAIN_LENGTH else TaxCodeKind.BRANCH
    return TaxCode(code=digits, kind=kind)


def is_valid_tax_code(text: str, *, today: date | None = None) -> bool:
    """Return whether the text is a well-formed tax code with a correct check digit."""
    try:
        parse_tax_code(text, today=today)
    except VnError:
        return False
    return True
