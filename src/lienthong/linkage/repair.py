"""Repairs of legacy values: encodings, names, dates, old administrative units, identifiers.

Each repair takes the value as text (already converted from its legacy encoding) and
returns the repaired text, ``None`` when nothing usable is left, or raises a
``LienthongError`` saying why the value cannot be repaired. The mapping decides which
repairs a column gets and in which order; see :mod:`lienthong.linkage.mapping`.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Final, Literal

from lienthong.errors import LienthongError
from lienthong.i18n import N_
from lienthong.vn import units
from lienthong.vn.ids import is_valid_cmnd, is_valid_pin
from lienthong.vn.text import fold, normalize, parse_date, swapped
from lienthong.vn.units import Level

Repair = Literal["encoding", "name", "date", "unit", "identifier", "number", "code"]
REPAIRS: Final[tuple[Repair, ...]] = (
    "encoding",
    "name",
    "date",
    "unit",
    "identifier",
    "number",
    "code",
)
DateOrder = Literal["dmy", "mdy"]

_SPACES: Final = re.compile(r"\s+")
_NUMBER: Final = re.compile(r"^[+-]?\d+(?:[.,]\d+)?$")
_DIGITS: Final = re.compile(r"^\d+$")
#: How legacy files write sex, folded: "Nam"/"Nữ", M/F, 1/0 and the English words.
_SEXES: Final = {
    "nam": "male",
    "m": "male",
    "male": "male",
    "1": "male",
    "nu": "female",
    "f": "female",
    "female": "female",
    "0": "female",
}


@dataclass(frozen=True, slots=True)
class UnitRepair:
    """An old unit's successor: the new code at the asked level, and the province it is in."""

    code: str | None
    province: str


def spaces(value: str) -> str:
    """Return text in NFC with tone marks normalised and white space collapsed."""
    return _SPACES.sub(" ", normalize(value)).strip()


def name(value: str) -> str | None:
    """Return a person's or place's name tidied; a name in one case only gets capitals back.

    TCVN3 has no capitals for most letters and old systems typed names in capitals, so a
    name written all in lower or all in upper case is capitalised word by word.
    """
    text = spaces(value)
    if not text:
        return None
    if text.islower() or text.isupper():
        text = " ".join(word[:1].upper() + word[1:].lower() for word in text.split(" "))
    return text


def iso_date(value: str, *, order: DateOrder = "dmy", field: str | None = None) -> str | None:
    """Return a legacy date as ISO ``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD``."""
    text = spaces(value)
    if not text:
        return None
    parsed = parse_date(text, field=field)
    if order == "mdy" and parsed.day is not None:
        parsed = swapped(parsed) or parsed
    if parsed.day is not None and parsed.month is not None:
        return f"{parsed.year:04d}-{parsed.month:02d}-{parsed.day:02d}"
    if parsed.month is not None:
        return f"{parsed.year:04d}-{parsed.month:02d}"
    return f"{parsed.year:04d}"


def unit(value: str, *, level: Level, as_of: date, field: str | None = None) -> UnitRepair | None:
    """Return the successor after the 2025 reform of a unit named or coded as of ``as_of``.

    A code or name not in force on ``as_of`` is tried as a unit in force today, so files
    that already use the new codes pass unchanged. An old commune whose successor commune
    cannot be derived gives only its province.
    """
    text = spaces(value)
    if not text:
        return None
    if _DIGITS.fullmatch(text):
        text = text.zfill({"province": 2, "district": 3, "commune": 5}[level])
        old = _old_by_code(text, level=level, as_of=as_of)
    else:
        old = _old_by_name(text, level=level, as_of=as_of, field=field)
    if old is None:
        current = _current(text, level=level)
        if current is None:
            raise LienthongError(
                "linkage.repair.unit",
                N_(
                    "{value} is not a {level} in force on {as_of} nor today. Check the code or "
                    "name, or set as_of in the mapping to the date the file was written."
                ),
                field=field,
                value=value,
                level=level,
                as_of=as_of.isoformat(),
            )
        return current
    succession = units.successor(old.code, level=old.level)
    code = succession.new.code if succession.new.level == level else None
    return UnitRepair(code=code, province=succession.province.code)


def _old_by_code(code: str, *, level: Level, as_of: date) -> units.Unit | None:
    try:
        return units.unit(code, level=level, on=as_of)
    except LienthongError:
        return None


def _old_by_name(text: str, *, level: Level, as_of: date, field: str | None) -> units.Unit | None:
    found = units.find(text, level=level, on=as_of)
    if len(found) > 1:
        raise LienthongError(
            "linkage.repair.unit_ambiguous",
            N_(
                "{value} names {count} units of level {level}: map the unit's code instead of "
                "its name."
            ),
            field=field,
            value=text,
            count=len(found),
            level=level,
        )
    return found[0] if found else None


def _current(text: str, *, level: Level) -> UnitRepair | None:
    if level == "district":
        return None
    try:
        found = (
            units.unit(text, level=level)
            if _DIGITS.fullmatch(text)
            else units.find_one(text, level=level)
        )
    except LienthongError:
        return None
    return UnitRepair(code=found.code, province=found.province_code or found.code)


def identifier(value: str) -> tuple[Literal["pin", "cmnd"], str] | None:
    """Return a personal identification number or an old identity card number, and which."""
    text = re.sub(r"[\s.\-]", "", spaces(value))
    if not text:
        return None
    if len(text) == 12 and is_valid_pin(text):
        return ("pin", text)
    if len(text) == 9 and is_valid_cmnd(text):
        return ("cmnd", text)
    return None


def number(value: str, *, field: str | None = None) -> str | None:
    """Return a decimal number written with a comma or a point, as ``123.4``."""
    text = spaces(value).replace(" ", "")
    if not text:
        return None
    if not _NUMBER.fullmatch(text):
        raise LienthongError(
            "linkage.repair.number",
            N_("{value} is not a number. Write it with digits and one decimal comma or point."),
            field=field,
            value=value,
        )
    amount = float(text.replace(",", "."))
    return f"{amount:.6f}".rstrip("0").rstrip(".")


def code(value: str) -> str | None:
    """Return a code in upper case without spaces."""
    text = spaces(value).replace(" ", "").upper()
    return text or None


def sex(value: str, *, field: str | None = None) -> str:
    """Return ``male`` or ``female`` from the ways legacy files write sex."""
    found = _SEXES.get(fold(value).strip().lower())
    if found is None:
        raise LienthongError(
            "linkage.repair.sex",
            N_("{value} is not a sex. Write Nam or Nữ (or male, female)."),
            field=field,
            value=value,
        )
    return found


#: Repairs that take the value alone; "encoding", "date", "unit" and "identifier" need more.
SIMPLE: Final[dict[str, Callable[[str], str | None]]] = {"name": name, "code": code}
