"""The fixed tables the generator draws from, built once from ``lienthong.vn`` and the priors."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Final

from lienthong.data.synthetic import names, population
from lienthong.data.synthetic.weights import Weighted
from lienthong.vn import units
from lienthong.vn.ids import plate_localities
from lienthong.vn.names import FAMILY_NAME_SHARES

#: The age at which a person counts as an adult (may own, represent, pay).
ADULT_AGE: Final = 18
#: People born from this year get the younger generation's middle names.
YOUNGER_GENERATION: Final = 1985


@dataclass(frozen=True, slots=True)
class Commune:
    """A commune in force since 1 July 2025, with what the generator needs to know of it."""

    code: str
    name: str
    kind: str
    urban: bool
    old_province: str
    budget_unit: str
    localities: tuple[str, ...]

    @property
    def title(self) -> str:
        """Return the commune's name with its kind in lower case (``phường Ba Đình``)."""
        return f"{self.kind} {self.name}"


@dataclass(frozen=True, slots=True)
class Province:
    """A post-2025 province: its communes, who lives there and where they were born."""

    code: str
    name: str
    kind: str
    index: int
    region: str
    weight: int
    communes: tuple[Commune, ...]
    commune_table: Weighted[Commune]
    migrant_share: float
    origins: Weighted[str]
    ethnic_groups: Weighted[str]
    seat: tuple[float, float]

    @property
    def title(self) -> str:
        """Return the province's name with its kind in lower case (``thành phố Hà Nội``)."""
        return f"{self.kind} {self.name}"

    @property
    def budget_unit(self) -> str:
        """Return the code of the province's budget unit (its department of finance)."""
        return f"1{self.code}0000"


@dataclass(frozen=True, slots=True)
class NameTables:
    """Weighted tables of names, and the old tone-style spelling of some of them."""

    family: Weighted[str]
    middle: dict[tuple[str, bool], Weighted[str]]
    given: dict[str, Weighted[str]]
    old_style: dict[str, str]


@dataclass(frozen=True, slots=True)
class Country:
    """Every post-2025 province and the tables shared by all of them."""

    provinces: tuple[Province, ...]
    names: NameTables
    successor: dict[str, str]

    def province(self, code: str) -> Province:
        """Return a province by its post-2025 code."""
        for province in self.provinces:
            if province.code == code:
                return province
        raise KeyError(code)


def _old_province_of(code: str, fallback: str) -> str:
    """Return the pre-2025 province of a commune code, or ``fallback`` for a new code."""
    try:
        old = units.commune(code, on=units.LAST_DAY_BEFORE_REFORM)
    except ValueError:
        return fallback
    return old.province_code or fallback


def _origins(destination: str, region: str, successor: dict[str, str]) -> Weighted[str]:
    """Return where migrants into a province were born: old provinces elsewhere, weighted."""
    affinity = population.AFFINITY[region]
    return Weighted(
        (
            old,
            people * population.EMIGRATION.get(old, 1.0) * affinity[population.REGIONS[old]],
        )
        for old, people in population.POPULATION_2023.items()
        if successor[old] != destination
    )


def _name_tables() -> NameTables:
    middle = {
        ("male", False): Weighted.of(names.MALE_MIDDLE_OLDER),
        ("male", True): Weighted.of(names.MALE_MIDDLE_YOUNGER),
        ("female", False): Weighted.of(names.FEMALE_MIDDLE_OLDER),
        ("female", True): Weighted.of(names.FEMALE_MIDDLE_YOUNGER),
    }
    given = {"male": Weighted.of(names.MALE_GIVEN), "female": Weighted.of(names.FEMALE_GIVEN)}
    old_style: dict[str, str] = {}
    for table in (*middle.values(), *given.values()):
        for name in table.items:
            old = names.old_tone_style(name)
            if old is not None:
                old_style[name] = old
    return NameTables(
        family=Weighted.of(FAMILY_NAME_SHARES), middle=middle, given=given, old_style=old_style
    )


@cache
def country() -> Country:
    """Return the country's tables (built on first use, about a tenth of a second)."""
    successor = {
        old: units.successor(old, level="province").province.code
        for old in population.POPULATION_2023
    }
    provinces = []
    for index, unit in enumerate(units.provinces()):
        olds = [old for old, new in successor.items() if new == unit.code]
        raw = [
            (commune, _old_province_of(commune.code, unit.code))
            for commune in units.communes(province=unit.code)
        ]
        per_old: dict[str, int] = {}
        for _, old in raw:
            per_old[old] = per_old.get(old, 0) + 1
        communes = tuple(
            Commune(
                code=commune.code,
                name=commune.name,
                kind=commune.kind,
                urban=commune.kind == "phường",
                old_province=old,
                budget_unit=f"1{unit.code}{position:04d}",
                localities=tuple(plate_localities(old)),
            )
            for position, (commune, old) in enumerate(raw, start=1)
        )
        # Each old province's people are spread over the communes that now hold it, so the
        # old provinces inside a merged one keep their relative sizes.
        table = Weighted(
            (
                commune,
                population.POPULATION_2023[commune.old_province] / per_old[commune.old_province],
            )
            for commune in communes
        )
        region = population.REGIONS[unit.code]
        provinces.append(
            Province(
                code=unit.code,
                name=unit.name,
                kind=unit.kind,
                index=index,
                region=region,
                weight=sum(population.POPULATION_2023[old] for old in olds),
                communes=communes,
                commune_table=table,
                migrant_share=population.MIGRANT_SHARE.get(
                    unit.code, population.DEFAULT_MIGRANT_SHARE
                ),
                origins=_origins(unit.code, region, successor),
                ethnic_groups=Weighted.of(
                    population.ETHNIC_GROUPS.get(unit.code, population.DEFAULT_ETHNIC_GROUPS)
                ),
                seat=population.PROVINCE_SEATS[unit.code],
            )
        )
    return Country(provinces=tuple(provinces), names=_name_tables(), successor=successor)


def quotas(people: int, provinces: tuple[Province, ...]) -> dict[str, int]:
    """Return how many of ``people`` live in each province (largest remainders, exact total)."""
    total = sum(province.weight for province in provinces)
    exact = {p.code: people * p.weight / total for p in provinces}
    counts = {code: int(value) for code, value in exact.items()}
    left = people - sum(counts.values())
    # Ties are broken by code so that the split never depends on anything but the inputs.
    for code in sorted(exact, key=lambda code: (counts[code] - exact[code], code))[:left]:
        counts[code] += 1
    return counts
