"""Following units across the reform of 1 July 2025, only when the caller asks to."""

from __future__ import annotations

from lienthong.vn.units import errors
from lienthong.vn.units.catalogue import crosswalk, new_set, old_set
from lienthong.vn.units.lookup import check_code, check_level
from lienthong.vn.units.model import LAST_DAY_BEFORE_REFORM, REFORM_DATE, Level, Succession


def successor(code: str, *, level: Level | None = None) -> Succession:
    """Return where the unit with an old code (in force until 30 June 2025) went.

    Every old province has a successor province (Resolution 202/2025/QH15). An old commune
    has a successor commune when one can be derived (see :class:`Succession` and its
    ``basis``), and otherwise only its successor province. A district's successor is its
    province, or the special zone an island district became.
    """
    text, found_level = check_code(code, None if level is None else check_level(level))
    found = crosswalk().forward.get(found_level, {}).get(text)
    if found is None:
        raise errors.unknown_code(text, found_level, LAST_DAY_BEFORE_REFORM)
    return found


def predecessors(code: str, *, level: Level | None = None) -> list[Succession]:
    """Return the known successions into the unit with a new code (in force from 1 July 2025).

    For a province the list is complete. For a commune it holds only the old communes
    whose succession could be derived, so it may be partial or empty.
    """
    text, found_level = check_code(code, None if level is None else check_level(level))
    if found_level == "district":
        raise errors.districts_abolished(REFORM_DATE)
    if text not in new_set().by_code[found_level]:
        old = old_set().by_code[found_level].get(text)
        if old is not None:
            raise errors.not_in_force(old, REFORM_DATE)
        raise errors.unknown_code(text, found_level, REFORM_DATE)
    return list(crosswalk().backward.get(found_level, {}).get(text, ()))
