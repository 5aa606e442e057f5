"""The demo tour: what lienthong knows about Vietnam, shown on values a newcomer recognises.

The tour's legacy-encoded samples are produced by the encoders themselves, so the demo
shows the converters undoing real TCVN3 and VNI bytes, not strings typed by hand.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from lienthong.i18n import N_
from lienthong.vn.ids import Sex, compose_td3
from lienthong.vn.lookup import Finding, lookup
from lienthong.vn.text import Encoding, encode


@dataclass(frozen=True)
class Stop:
    """One stop of the tour: what to look at, the value typed, and what lienthong reads in it."""

    caption: str
    value: str
    findings: list[Finding]


def _as_legacy_tool_shows(text: str, encoding: Encoding) -> str:
    # Old files are usually opened as Windows-1252, which is how their bytes reach us.
    return encode(text, encoding).decode("cp1252", errors="replace")


def tour_values() -> list[tuple[str, str]]:
    """Return the tour's (caption msgid, value) pairs."""
    line1, line2 = compose_td3(
        surname="Trần",
        given_names="Thị Thúy An",
        number="C1234567",
        birth_date=date(1990, 3, 5),
        sex=Sex.FEMALE,
        expiry_date=date(2034, 3, 4),
    )
    return [
        (N_("A personal identification number from a citizen identity card"), "079190001234"),
        (N_("An enterprise code, which is also its tax code"), "0100233488"),
        (N_("A vehicle plate registered in An Giang"), "67A-123.45"),
        (N_("A province that no longer exists, typed without diacritics"), "kien giang"),
        (N_("A district abolished on 1 July 2025"), "Quận 1"),
        (
            N_("A name from a TCVN3 (ABC) file"),
            _as_legacy_tool_shows("Nguyễn Thị Hòa", Encoding.TCVN3),
        ),
        (N_("A name from a VNI file"), _as_legacy_tool_shows("Trần Văn Đức", Encoding.VNI)),
        (N_("A name typed in VIQR"), "Le^ Tho. Ho^`ng"),
        (N_("A date in the style of an old register"), "ngày 5 tháng 3 năm 1985"),
        (N_("A name written given-name first, as on a passport"), "Thuy An TRAN"),
        (N_("The machine-readable zone of a passport"), line1 + "\n" + line2),
    ]


def tour() -> list[Stop]:
    """Return the demo tour with what lienthong reads in each value."""
    return [Stop(caption, value, lookup(value)) for caption, value in tour_values()]
