"""Shared pieces of the identifier parsers: input cleaning and the self-description type."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from enum import StrEnum
from typing import Final

from lienthong.errors import VnError
from lienthong.i18n import N_

Description = list[tuple[str, str]]
"""(label, value) pairs; labels, and values that are words rather than data, are msgids."""

NO: Final = N_("no")


class Sex(StrEnum):
    """Sex as identifiers and travel documents encode it."""

    MALE = "male"
    FEMALE = "female"

    @property
    def label(self) -> str:
        """Return the msgid that names this value."""
        return N_("male") if self is Sex.MALE else N_("female")


@dataclass(frozen=True, slots=True)
class Province:
    """A province as a code and a name, on one side of the 1 July 2025 reform."""

    code: str
    name: str


def clean(text: object, *, prefix: str, field: str, empty: str) -> str:
    """Return the input as NFC text with surrounding white space removed, or raise if empty.

    ``empty`` is the msgid raised as ``<prefix>.empty`` when nothing is left.
    """
    if not isinstance(text, str):
        raise VnError(
            f"{prefix}.type",
            N_("Expected text, got a value of type {type}. Pass the identifier as a string."),
            field=field,
            type=type(text).__name__,
        )
    value = unicodedata.normalize("NFC", text).strip()
    if not value:
        raise VnError(f"{prefix}.empty", empty, field=field)
    return value


def strip_separators(text: str, separators: str) -> str:
    """Return the text without any of the separator characters or white space."""
    if text.isascii() and text.isalnum():
        return text  # nothing to strip: the common case of a clean identifier
    return "".join(ch for ch in text if ch not in separators and not ch.isspace())


def is_ascii_digits(text: str) -> bool:
    """Return whether the text is non-empty and made only of the digits 0–9."""
    return text.isascii() and text.isdigit()


def odd_characters(text: str) -> str:
    """Return the distinct characters of a text that are not digits, quoted, in order."""
    seen = dict.fromkeys(ch for ch in text if not ("0" <= ch <= "9"))
    return ", ".join(f"“{ch}”" for ch in seen)
