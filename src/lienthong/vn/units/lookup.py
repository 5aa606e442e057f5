"""Units by code, by parent and by name, as of a date."""

from __future__ import annotations

from datetime import date, datetime
from typing import Final

from lienthong.vn.units import errors
from lienthong.vn.units.catalogue import UnitSet, new_set, old_set
from lienthong.vn.units.model import (
    CODE_LENGTHS,
    LAST_DAY_BEFORE_REFORM,
    LEVELS,
    REFORM_DATE,
    Level,
    Unit,
)
from lienthong.vn.units.names import parse_query

_LEVEL_BY_LENGTH: Final[dict[int, Level]] = {
    length: level for level, length in CODE_LENGTHS.items()
}


def check_date(on: object) -> date | None:
    """Return ``on`` when it is a date or ``None``; raise ``vn.unit.bad_date`` otherwise."""
    # A datetime is a date subclass, but which day it is depends on the time zone.
    if on is None or (isinstance(on, date) and not isinstance(on, datetime)):
        return on
    raise errors.bad_date(on)


def check_level(level: object) -> Level:
    """Return ``level`` when it is a unit level; raise ``vn.unit.unknown_level`` otherwise."""
    for known in LEVELS:
        if level == known:
            return known
    raise errors.unknown_level(level)


def check_code(code: object, level: Level | None) -> tuple[str, Level]:
    """Return a code with white space trimmed and its level; raise ``vn.unit.malformed_code``."""
    text = code.strip() if isinstance(code, str) else None
    if level is None:
        found = _LEVEL_BY_LENGTH.get(len(text)) if text is not None else None
        if text is None or found is None or not (text.isascii() and text.isdigit()):
            raise errors.malformed_any_code(code)
        return text, found
    length = CODE_LENGTHS[level]
    if text is None or len(text) != length or not (text.isascii() and text.isdigit()):
        raise errors.malformed_code(code, level, length)
    return text, level


def unit_set(level: Level | None, on: date | None) -> tuple[UnitSet, date]:
    """Return the set in force on a date, and the day it stands for.

    Without a date, that is the newest set holding the level: the 2025 set, except for
    districts, which only the old set has; the day is then the set's first day (or, for the
    old set, its last), so that parents resolve in the same set and messages name a date.
    """
    if on is None:
        if level == "district":
            old = old_set()
            return old, LAST_DAY_BEFORE_REFORM
        return new_set(), REFORM_DATE
    if on >= REFORM_DATE:
        if level == "district":
            raise errors.districts_abolished(on)
        return new_set(), on
    return old_set(), on


def unit(code: str, *, level: Level | None = None, on: date | None = None) -> Unit:
    """Return the unit with a code in force on a date (default: now).

    The level is read from the code's length when not given. An old code asked for after
    1 July 2025 raises ``vn.unit.not_in_force``; use :func:`successor` to follow it.
    """
    day = check_date(on)
    text, found_level = check_code(code, None if level is None else check_level(level))
    units, shown_day = unit_set(found_level, day)
    found = units.by_code.get(found_level, {}).get(text)
    if found is not None:
        return found
    other = old_set() if units is new_set() else new_set()
    elsewhere = other.by_code.get(found_level, {}).get(text)
    if elsewhere is not None:
        if elsewhere.valid_to is not None and shown_day > elsewhere.valid_to:
            raise errors.not_in_force(elsewhere, shown_day)
        raise errors.not_yet_in_force(elsewhere, shown_day)
    raise errors.unknown_code(text, found_level, shown_day)


def province(code: str, *, on: date | None = None) -> Unit:
    """Return the province with a 2-digit code in force on a date (default: now)."""
    return unit(code, level="province", on=on)


def district(code: str, *, on: date | None = None) -> Unit:
    """Return the district with a 3-digit code (districts exist only before 1 July 2025)."""
    return unit(code, level="district", on=on)


def commune(code: str, *, on: date | None = None) -> Unit:
    """Return the commune with a 5-digit code in force on a date (default: now)."""
    return unit(code, level="commune", on=on)


def _container(within: str | Unit, units: UnitSet, day: date) -> Unit:
    """Return the province or district ``within`` names, in force in the searched set."""
    if isinstance(within, Unit):
        container = within
        if units.by_code.get(container.level, {}).get(container.code) != container:
            if container.valid_to is not None and day > container.valid_to:
                if container.level == "district":
                    raise errors.districts_abolished(day)
                raise errors.not_in_force(container, day)
            raise errors.not_yet_in_force(container, day)
    else:
        container = unit(within, on=day)
    if container.level == "commune":
        raise errors.bad_within(container)
    return container


def _members(level: Level, within: str | Unit | None, on: date | None) -> tuple[Unit, ...]:
    units, day = unit_set(level, check_date(on))
    if within is None:
        return units.ordered.get(level, ())
    container = _container(within, units, day)
    return tuple(
        member for member in units.children.get(container.code, ()) if member.level == level
    )


def provinces(*, on: date | None = None) -> tuple[Unit, ...]:
    """Return the provinces in force on a date (default: now), in code order."""
    return _members("province", None, on)


def districts(*, province: str | Unit | None = None, on: date | None = None) -> tuple[Unit, ...]:
    """Return the districts (before 1 July 2025), optionally of one province, in code order."""
    return _members("district", province, on)


def communes(
    *,
    province: str | Unit | None = None,
    district: str | Unit | None = None,
    on: date | None = None,
) -> tuple[Unit, ...]:
    """Return the communes in force on a date (default: now), optionally of one parent."""
    if district is not None:
        if province is not None:
            units, day = unit_set("commune", check_date(on))
            container = _container(district, units, day)
            if container.province_code != _container(province, units, day).code:
                return ()
        return _members("commune", district, on)
    return _members("commune", province, on)


def find(
    name: str,
    *,
    level: Level | None = None,
    within: str | Unit | None = None,
    on: date | None = None,
) -> list[Unit]:
    """Return the units in force on a date whose name matches, in level and code order.

    Case, diacritics, spacing, a type prefix ("TP.", "Phường", "Q.", "Thị trấn"…) and
    leading zeros ("P.01" = "Phường 1") do not matter. A name that only matches once its
    prefix is taken off prefers units of the kind the prefix names. An empty list means
    no match; see :func:`find_one` for a single unit or an error.
    """
    if not isinstance(name, str):
        raise errors.bad_name(name)
    query = parse_query(name)
    if not query.whole:
        raise errors.bad_name(name)
    day = check_date(on)
    levels = (check_level(level),) if level is not None else None
    units, shown_day = unit_set(levels[0] if levels else None, day)
    container = _container(within, units, shown_day) if within is not None else None

    def matching(key: str, candidates: tuple[Level, ...]) -> list[Unit]:
        found: list[Unit] = []
        for candidate in candidates:
            found.extend(units.by_name.get((candidate, key), ()))
        if container is not None:
            found = [
                member
                for member in found
                if container.code in (member.province_code, member.district_code)
            ]
        return found

    searched = levels or units.levels
    matches = matching(query.whole, searched)
    if query.province_alias is not None and "province" in searched:
        matches.extend(matching(query.province_alias, ("province",)))
    if not matches and query.bare is not None:
        matches = matching(query.bare, searched)
        matches = [member for member in matches if member.kind == query.kind] or matches
    if len(matches) > 1:
        matches = [member for member in matches if query.spelled_as(member.name)] or matches
        matches.sort(key=lambda member: (LEVELS.index(member.level), member.code))
    return matches


def find_one(
    name: str,
    *,
    level: Level | None = None,
    within: str | Unit | None = None,
    on: date | None = None,
) -> Unit:
    """Return the one unit in force on a date whose name matches, as :func:`find` matches.

    Raises ``vn.unit.no_match`` when none does and ``vn.unit.ambiguous_name`` when several do.
    """
    matches = find(name, level=level, within=within, on=on)
    if len(matches) == 1:
        return matches[0]
    _, shown_day = unit_set(level, on)
    if not matches:
        raise errors.no_match(name, level, shown_day)
    raise errors.ambiguous_name(name, matches, shown_day)
