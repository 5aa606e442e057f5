"""The failures of unit lookups: stable ``vn.unit.*`` codes with messages that say what to do."""

from __future__ import annotations

from datetime import date
from typing import Final

from lienthong.errors import VnError
from lienthong.i18n import N_
from lienthong.vn.units.model import REFORM_DATE, Level, Unit

_MAX_CANDIDATES: Final = 5


def shown(day: date) -> str:
    """Return a date as Vietnam writes it (dd/mm/yyyy)."""
    return day.strftime("%d/%m/%Y")


# One message per level rather than a {level} placeholder: the level word has to be
# translated with the sentence around it.
_MALFORMED: Final[dict[Level, str]] = {
    "province": N_(
        "{code!r} is not a province code: it must be 2 digits. "
        "Check the code and keep its leading zeros."
    ),
    "district": N_(
        "{code!r} is not a district code: it must be 3 digits. "
        "Check the code and keep its leading zeros."
    ),
    "commune": N_(
        "{code!r} is not a commune code: it must be 5 digits. "
        "Check the code and keep its leading zeros."
    ),
}

_UNKNOWN: Final[dict[Level, str]] = {
    "province": N_(
        "No province has the code {code!r} on {on}. "
        "Check the code, or pass the date the record was made."
    ),
    "district": N_(
        "No district has the code {code!r} on {on}. "
        "Check the code, or pass the date the record was made."
    ),
    "commune": N_(
        "No commune has the code {code!r} on {on}. "
        "Check the code, or pass the date the record was made."
    ),
}

_NO_MATCH: Final[dict[Level | None, str]] = {
    None: N_(
        "No unit is named {name!r} on {on}. "
        "Check the spelling, or pass the date the record was made."
    ),
    "province": N_(
        "No province is named {name!r} on {on}. "
        "Check the spelling, or pass the date the record was made."
    ),
    "district": N_(
        "No district is named {name!r} on {on}. "
        "Check the spelling, or pass the date the record was made."
    ),
    "commune": N_(
        "No commune is named {name!r} on {on}. "
        "Check the spelling, or pass the date the record was made."
    ),
}


def malformed_code(code: object, level: Level, length: int) -> VnError:
    """Return the error for a code that is not the right number of digits."""
    return VnError(
        "vn.unit.malformed_code",
        _MALFORMED[level],
        field="code",
        code=code,
        level=level,
        length=length,
    )


def malformed_any_code(code: object) -> VnError:
    """Return the error for a code whose length fits no level."""
    return VnError(
        "vn.unit.malformed_code",
        N_(
            "{code!r} is not a unit code: a province code has 2 digits, a district code 3 "
            "and a commune code 5. Check the code and keep its leading zeros."
        ),
        field="code",
        code=code,
    )


def unknown_code(code: str, level: Level, on: date) -> VnError:
    """Return the error for a well-formed code that names no unit."""
    return VnError(
        "vn.unit.unknown_code",
        _UNKNOWN[level],
        field="code",
        code=code,
        level=level,
        on=shown(on),
    )


def not_in_force(unit: Unit, on: date) -> VnError:
    """Return the error for an old unit asked for after the reform."""
    return VnError(
        "vn.unit.not_in_force",
        N_(
            "The code {code!r} ({name}) was in force until {until}, not on {on}. "
            "Pass the date the record was made, or look up its successor."
        ),
        field="code",
        code=unit.code,
        level=unit.level,
        name=unit.full_name,
        until=shown(unit.valid_to or on),
        on=shown(on),
    )


def not_yet_in_force(unit: Unit, on: date) -> VnError:
    """Return the error for a unit created by the reform asked for before it."""
    return VnError(
        "vn.unit.not_yet_in_force",
        N_(
            "The code {code!r} ({name}) is in force only from {since}, not on {on}. "
            "Check the date, or use the code the unit had on {on}."
        ),
        field="code",
        code=unit.code,
        level=unit.level,
        name=unit.full_name,
        since=shown(unit.valid_from or on),
        on=shown(on),
    )


def districts_abolished(on: date) -> VnError:
    """Return the error for a district asked for on or after the reform."""
    return VnError(
        "vn.unit.districts_abolished",
        N_(
            "There are no districts on {on}: they were abolished on {since}. "
            "Pass a date before {since}, or use the province or the commune."
        ),
        field="on",
        on=shown(on),
        since=shown(REFORM_DATE),
    )


def bad_date(on: object) -> VnError:
    """Return the error for an ``on`` that is not a calendar date."""
    return VnError(
        "vn.unit.bad_date",
        N_("{on!r} is not a calendar date. Pass the day in Vietnam as a date, without a time."),
        field="on",
        on=on,
    )


def unknown_level(level: object) -> VnError:
    """Return the error for a level outside province, district and commune."""
    return VnError(
        "vn.unit.unknown_level",
        N_("{level!r} is not a unit level. Use 'province', 'district' or 'commune'."),
        field="level",
        level=level,
    )


def bad_name(name: object) -> VnError:
    """Return the error for a name that is not text or holds no letters or digits."""
    return VnError(
        "vn.unit.blank_name",
        N_(
            "The unit name {name!r} is empty. "
            "Fill in the name of the province, district or commune."
        ),
        field="name",
        name=name,
    )


def bad_within(unit: Unit) -> VnError:
    """Return the error for a ``within`` that cannot contain other units."""
    return VnError(
        "vn.unit.bad_within",
        N_(
            "{name} ({code}) contains no other units. "
            "Narrow the search by a province or a district."
        ),
        field="within",
        code=unit.code,
        level=unit.level,
        name=unit.full_name,
    )


def no_match(name: str, level: Level | None, on: date) -> VnError:
    """Return the error for a name no unit in force has."""
    return VnError(
        "vn.unit.no_match",
        _NO_MATCH[level],
        field="name",
        name=name,
        level=level,
        on=shown(on),
    )


def ambiguous_name(name: str, matches: list[Unit], on: date) -> VnError:
    """Return the error for a name several units in force share."""
    shown_matches = [f"{unit.full_name} ({unit.code})" for unit in matches[:_MAX_CANDIDATES]]
    if len(matches) > _MAX_CANDIDATES:
        shown_matches.append("…")
    return VnError(
        "vn.unit.ambiguous_name",
        N_(
            "{count} units are named {name!r} on {on}: {candidates}. "
            "Narrow the search by level or by the province or district the unit is in."
        ),
        field="name",
        name=name,
        count=len(matches),
        candidates="; ".join(shown_matches),
        on=shown(on),
    )
