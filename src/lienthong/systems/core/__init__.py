"""The six core registries, each a declarative system: population, land, vehicles,
enterprises, tax and public finance.

>>> sorted(system.code for system in CORE_SYSTEMS)
['enterprises', 'finance', 'land', 'population', 'tax', 'vehicles']
"""

from __future__ import annotations

from typing import Final

from lienthong.systems import System, SystemRegistry
from lienthong.systems.core.enterprises.system import SYSTEM as ENTERPRISES
from lienthong.systems.core.finance.system import SYSTEM as FINANCE
from lienthong.systems.core.land.system import SYSTEM as LAND
from lienthong.systems.core.population.system import SYSTEM as POPULATION
from lienthong.systems.core.tax.system import SYSTEM as TAX
from lienthong.systems.core.vehicles.system import SYSTEM as VEHICLES

#: The six core registries, in the order their references depend on each other.
CORE_SYSTEMS: Final[tuple[System, ...]] = (POPULATION, ENTERPRISES, LAND, VEHICLES, TAX, FINANCE)


def core_registry() -> SystemRegistry:
    """Return a new registry holding the six core registries, its references checked."""
    registry = SystemRegistry(CORE_SYSTEMS)
    registry.check()
    return registry


__all__ = [
    "CORE_SYSTEMS",
    "ENTERPRISES",
    "FINANCE",
    "LAND",
    "POPULATION",
    "TAX",
    "VEHICLES",
    "core_registry",
]
