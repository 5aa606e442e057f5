"""The shape of an administrative unit and of its succession across the 2025 reform."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Final, Literal

Level = Literal["province", "district", "commune"]
"""The tier of a unit: province (tỉnh), district (huyện, abolished in 2025), commune (xã)."""

Kind = Literal[
    "tỉnh",
    "thành phố",
    "quận",
    "huyện",
    "thị xã",
    "phường",
    "xã",
    "thị trấn",
    "đặc khu",
]
"""The type of a unit as Vietnamese writes it before the name ("thành phố" is at two levels)."""

Basis = Literal["resolution", "same_code", "same_name", "province_only", "district_abolished"]
"""Why a succession row says what it says, from most to least certain.

- ``resolution``: the province merger listed in Resolution 202/2025/QH15;
- ``same_code``: the new commune carries the old commune's code, which a merged unit keeps
  from the unit whose seat it took, so the old commune is one of its constituents;
- ``same_name``: the new unit has the old unit's name, the only unit with that name on
  either side within the same successor province;
- ``province_only``: nothing finer can be derived; the successor province is certain;
- ``district_abolished``: the old unit was a district; the tier no longer exists and its
  territory lies in the successor province.
"""

LEVELS: Final[tuple[Level, ...]] = ("province", "district", "commune")
CODE_LENGTHS: Final[dict[Level, int]] = {"province": 2, "district": 3, "commune": 5}

REFORM_DATE: Final = date(2025, 7, 1)
"""The first day of the two-tier system: 34 provinces, 3,321 communes, no districts."""

LAST_DAY_BEFORE_REFORM: Final = REFORM_DATE - timedelta(days=1)


@dataclass(frozen=True, slots=True)
class Unit:
    """An administrative unit as it stood in one period (a code may name another unit later)."""

    code: str
    """Zero-padded digits: 2 for a province, 3 for a district, 5 for a commune."""
    name: str
    """The name without its type, e.g. ``Hà Nội``, ``Ba Đình``, ``1`` (of ``Phường 1``)."""
    kind: Kind
    level: Level
    province_code: str | None
    """The province the unit belongs to; ``None`` for a province."""
    district_code: str | None
    """The district a commune belonged to before the reform; ``None`` otherwise."""
    valid_from: date | None
    """The first day the unit was in force; ``None`` when the source does not record it."""
    valid_to: date | None
    """The last day the unit was in force; ``None`` while it still is."""

    @property
    def full_name(self) -> str:
        """Return the name with its type in front, e.g. ``Thành phố Hà Nội``, ``Phường 1``."""
        return f"{self.kind.capitalize()} {self.name}"

    def in_force(self, on: date) -> bool:
        """Return whether the unit was in force on a date."""
        after_start = self.valid_from is None or on >= self.valid_from
        before_end = self.valid_to is None or on <= self.valid_to
        return after_start and before_end

    def __str__(self) -> str:
        return self.full_name


@dataclass(frozen=True, slots=True)
class Succession:
    """Where an old unit went in the 2025 reform, and how certain that is."""

    old: Unit
    """The unit in force until 30 June 2025."""
    new: Unit
    """Its successor: a commune when one can be derived, else the successor province."""
    province: Unit
    """The successor province, which is always known."""
    basis: Basis

    @property
    def exact(self) -> bool:
        """Return whether the successor is at the old unit's own level."""
        return self.new.level == self.old.level
