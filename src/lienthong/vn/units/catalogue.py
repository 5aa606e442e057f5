"""The two sets of units and the crosswalk, read once from the package data and indexed."""

from __future__ import annotations

import csv
from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from functools import cache
from importlib.resources import files
from typing import Final, cast

from lienthong.vn.units.model import (
    LAST_DAY_BEFORE_REFORM,
    LEVELS,
    REFORM_DATE,
    Basis,
    Kind,
    Level,
    Succession,
    Unit,
)
from lienthong.vn.units.names import name_key

NEW_FILE: Final = "units_from_2025-07-01.csv"
OLD_FILE: Final = "units_until_2025-06-30.csv"
SUCCESSIONS_FILE: Final = "successions.csv"

_LEVEL_BY_LENGTH: Final[dict[int, Level]] = {2: "province", 3: "district", 5: "commune"}


@dataclass(frozen=True, slots=True)
class UnitSet:
    """All units in force over one period, indexed for lookup by code, parent and name."""

    valid_from: date | None
    valid_to: date | None
    levels: tuple[Level, ...]
    by_code: dict[Level, dict[str, Unit]]
    ordered: dict[Level, tuple[Unit, ...]]
    children: dict[str, tuple[Unit, ...]]
    """Parent code → the units directly or indirectly under it, in code order."""
    by_name: dict[tuple[Level, str], tuple[Unit, ...]]
    """(level, name key) → units, in code order."""

    def on(self, day: date) -> bool:
        """Return whether the set was in force on a day."""
        return (self.valid_from is None or day >= self.valid_from) and (
            self.valid_to is None or day <= self.valid_to
        )


def _read(name: str) -> list[dict[str, str]]:
    text = (files("lienthong.vn.units") / "data" / name).read_text(encoding="utf-8")
    return list(csv.DictReader(text.splitlines()))


def _build(name: str, valid_from: date | None, valid_to: date | None) -> UnitSet:
    units: list[Unit] = []
    for row in _read(name):
        code = row["code"]
        units.append(
            Unit(
                code=code,
                name=row["name"],
                kind=cast(Kind, row["kind"]),
                level=_LEVEL_BY_LENGTH[len(code)],
                province_code=row["province"] or None,
                district_code=row["district"] or None,
                valid_from=valid_from,
                valid_to=valid_to,
            )
        )
    units.sort(key=lambda unit: unit.code)
    by_code: dict[Level, dict[str, Unit]] = defaultdict(dict)
    children: dict[str, list[Unit]] = defaultdict(list)
    by_name: dict[tuple[Level, str], list[Unit]] = defaultdict(list)
    for unit in units:
        by_code[unit.level][unit.code] = unit
        by_name[(unit.level, name_key(unit.name))].append(unit)
        for parent in (unit.province_code, unit.district_code):
            if parent is not None:
                children[parent].append(unit)
    levels = tuple(level for level in LEVELS if level in by_code)
    return UnitSet(
        valid_from=valid_from,
        valid_to=valid_to,
        levels=levels,
        by_code=dict(by_code),
        ordered={level: tuple(by_code[level].values()) for level in levels},
        children={code: tuple(members) for code, members in children.items()},
        by_name={key: tuple(members) for key, members in by_name.items()},
    )


@cache
def new_set() -> UnitSet:
    """Return the units in force from 1 July 2025."""
    return _build(NEW_FILE, REFORM_DATE, None)


@cache
def old_set() -> UnitSet:
    """Return the units in force until 30 June 2025."""
    return _build(OLD_FILE, None, LAST_DAY_BEFORE_REFORM)


@dataclass(frozen=True, slots=True)
class Crosswalk:
    """The successions of every old unit, and their reverse for new units."""

    forward: dict[Level, dict[str, Succession]]
    backward: dict[Level, dict[str, tuple[Succession, ...]]]


@cache
def crosswalk() -> Crosswalk:
    """Return the crosswalk from the old set to the new one."""
    old, new = old_set(), new_set()
    forward: dict[Level, dict[str, Succession]] = defaultdict(dict)
    backward: dict[Level, dict[str, list[Succession]]] = defaultdict(lambda: defaultdict(list))
    rows = _read(SUCCESSIONS_FILE)
    province_of = {row["old"]: row["new"] for row in rows if row["level"] == "province"}
    for row in rows:
        level = cast(Level, row["level"])
        old_unit = old.by_code[level][row["old"]]
        new_code = row["new"]
        new_unit = new.by_code[_LEVEL_BY_LENGTH[len(new_code)]][new_code]
        old_province = old_unit.province_code or old_unit.code
        succession = Succession(
            old=old_unit,
            new=new_unit,
            province=new.by_code["province"][province_of[old_province]],
            basis=cast(Basis, row["basis"]),
        )
        forward[level][old_unit.code] = succession
        # Rows that only name the province say nothing about the province's predecessors.
        if succession.basis not in ("province_only", "district_abolished"):
            backward[new_unit.level][new_code].append(succession)
    return Crosswalk(
        forward=dict(forward),
        backward={
            level: {code: tuple(rows) for code, rows in by_code.items()}
            for level, by_code in backward.items()
        },
    )
