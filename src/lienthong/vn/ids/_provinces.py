"""The pre-2025 province codes identifiers carry, named through :mod:`lienthong.vn.units`."""

from __future__ import annotations

from functools import cache

from lienthong.vn import units
from lienthong.vn.ids._common import Province


@cache
def old_province_codes() -> frozenset[str]:
    """Return the 2-digit codes of the 63 provinces in force until 30 June 2025.

    The personal identification number prefixes them with "0" (Circular 07/2016/TT-BCA,
    annex); plate localities and land records still point at them.
    """
    return frozenset(u.code for u in units.provinces(on=units.LAST_DAY_BEFORE_REFORM))


@cache
def before_reform(code: str) -> Province:
    """Return the province with this 2-digit code as it was before 1 July 2025."""
    # Asked "on" the last day of the 63 provinces, the registry returns the old unit.
    unit = units.province(code, on=units.LAST_DAY_BEFORE_REFORM)
    return Province(code=unit.code, name=unit.name)


@cache
def after_reform(code: str) -> Province:
    """Return the post-2025 province that took over the old province with this code."""
    unit = units.successor(code, level="province").province
    return Province(code=unit.code, name=unit.name)
