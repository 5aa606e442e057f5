"""Generate one province's records, household by household, in constant memory.

Every record a generated record refers to is generated before it, in the same province:
a household's people come first, then what they own, represent, pay or are taxed for.
What later records need is kept in bounded state only — counters per key (PIN serials,
plates, parcels, receipts) and small reservoirs (recent adults, active enterprises,
banks) — so memory does not grow with the number of people.

Identifiers are unique across provinces without shared state: a PIN's serial range
depends on the province of residence, plates use the localities of the commune's old
province, enterprise codes start with the province code, parcels and receipts are
numbered per commune. So a province generated alone is exactly its share of the
national run with the same seed.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from random import Random
from typing import Any, Final

from lienthong.data.synthetic import assets, business, places
from lienthong.data.synthetic.country import (
    ADULT_AGE,
    YOUNGER_GENERATION,
    Commune,
    Country,
    Province,
)
from lienthong.data.synthetic.names import ETHNIC_FAMILY_NAMES, ETHNIC_FAMILY_SHARE, OLD_TONE_SHARE
from lienthong.data.synthetic.weights import Weighted, rounded
from lienthong.errors import LienthongError
from lienthong.i18n import N_
from lienthong.systems.core.vehicles.models import vin_check_digit
from lienthong.vn.ids import geohash_encode, tax_code_check_digit
from lienthong.vn.text import fold

#: The day the generated data describes: ages, registrations and debts are as of then.
AS_OF: Final = date(2025, 10, 1)
#: The day the tax authority last computed the debts.
DEBT_AS_OF: Final = "2025-09-30"
#: Fees are paid to the communes in force since the reform.
FEES_FROM: Final = date(2025, 7, 1)

# The order of the output files, which is the order they must be imported in.
PERSON, ENTERPRISE, PARCEL, VEHICLE, TAXPAYER, BUDGET_UNIT, FEE_PAYMENT = range(7)

_AS_OF_DAY: Final = AS_OF.toordinal()
_YEAR_DAYS: Final = 365.2425
#: PIN serials (six digits) of people born in the province they live in take the first
#: 660,000 numbers; each province of residence has 10,000 more for people born elsewhere.
_NATIVE_SERIALS: Final = 660_000
_MIGRANT_SERIALS: Final = 10_000
#: Multipliers that scramble counters into serials: each is prime to the range it permutes.
_SCRAMBLE: Final = 7919
_PLATE_SERIALS: Final = 99_999
_ENTERPRISE_SEQUENCES: Final = 9_999_999
_VIN_SPAN: Final = 30_000_000
_RECENT_ADULTS: Final = 256
_ENTERPRISE_RESERVOIR: Final = 64
_MAX_BANKS: Final = 3
_MORTGAGES_PER_BANK: Final = 500

_HOUSEHOLDS: Final = Weighted.of(
    {"family": 56, "three_generations": 12, "couple": 8, "single": 13, "single_parent": 8}
)
_MOTHER_AGE: Final = Weighted((age, 1.0 if age < 48 else 0.4) for age in range(21, 66))
_SPOUSE_GAP: Final = Weighted.of(
    {-2: 3, -1: 5, 0: 8, 1: 12, 2: 14, 3: 13, 4: 10, 5: 8, 6: 6, 8: 5, 10: 3}
)
_CHILDREN: Final = Weighted.of({1: 22, 2: 50, 3: 20, 4: 8})
_SINGLE_AGE: Final = Weighted((age, 1.0 if age < 80 else 0.5) for age in range(18, 96))
_HOUSE_NUMBER: Final = Weighted((n, 1.0 / (1 + n / 40)) for n in range(1, 400))
_CAPITAL_STEP: Final = 10_000_000


@dataclass(slots=True)
class _Person:
    """What the household step keeps of a person it generated."""

    pin: str
    sex: str
    age: int
    alive: bool

    @property
    def adult(self) -> bool:
        return self.alive and self.age >= ADULT_AGE


@dataclass(slots=True)
class _Home:
    """A household being generated: where it lives, its group, its members and records."""

    commune: Commune
    residence: dict[str, str]
    group: str
    members: list[_Person]
    out: list[tuple[int, dict[str, Any]]]


@dataclass(slots=True)
class _Enterprise:
    code: str
    commune: Commune


def _exhausted(key: str) -> LienthongError:
    return LienthongError(
        "synthetic.space_exhausted",
        N_(
            "The synthetic numbers of {key} are used up. Generate fewer people, or split the"
            " run by province."
        ),
        field="people",
        key=key,
    )


def _index(rng: Random, size: int) -> int:
    """Return a uniform index below ``size`` (faster than ``randrange``, as deterministic)."""
    return int(rng.random() * size)


def _between(rng: Random, low: int, high: int) -> int:
    """Return a uniform whole number from ``low`` to ``high`` inclusive."""
    return low + int(rng.random() * (high - low + 1))


def _iso(day: int) -> str:
    return date.fromordinal(day).isoformat()


class ProvinceGenerator:
    """The records of one province, generated from a seed; iterate to get them."""

    def __init__(
        self,
        *,
        country: Country,
        province: Province,
        seed: int,
        people: int,
        enterprises: float,
        vehicles: float,
        parcels: float,
        individual_taxpayers: float,
        fee_payments: float,
    ) -> None:
        self.country = country
        self.province = province
        self.people = people
        self.rates = (enterprises, vehicles, parcels, individual_taxpayers, fee_payments)
        # A string seed goes through SHA-512: stable across runs, platforms and versions.
        self.rng = Random(f"lienthong-synthetic:{seed}:{province.code}")
        self._pins: dict[tuple[str, int, int], int] = {}
        self._plates: dict[tuple[str, str], int] = {}
        self._parcels: dict[str, int] = {}
        self._receipts: dict[str, int] = {}
        self._enterprise_count = 0
        self._vin_count = 0
        self._engine_count = 0
        self._mortgages = 0
        self._recent: list[str] = []
        self._recent_at = 0
        self._reservoir: list[_Enterprise] = []
        self._reservoir_seen = 0
        self._banks: list[_Enterprise] = []
        region = province.region
        self._south = region == "south"
        self._north = region == "north"
        self._authority = {
            "code": f"1{province.code}",
            "name": f"Thuế {province.title}",
            "province": province.code,
        }

    # -- the stream ---------------------------------------------------------------------

    def __iter__(self) -> Iterator[tuple[int, dict[str, Any]]]:
        """Yield ``(file index, content)`` in an order where every reference is already met."""
        yield from self._budget_units()
        left = self.people
        while left > 0:
            household: list[tuple[int, dict[str, Any]]] = []
            size = self._household(left, household)
            left -= size
            yield from household

    # -- budget units -------------------------------------------------------------------

    def _budget_units(self) -> Iterator[tuple[int, dict[str, Any]]]:
        province = self.province
        yield (
            BUDGET_UNIT,
            {
                "code": province.budget_unit,
                "name": f"Sở Tài chính {province.title}",
                "level": "province",
                "province": province.code,
            },
        )
        for commune in province.communes:
            yield (
                BUDGET_UNIT,
                {
                    "code": commune.budget_unit,
                    "name": f"Ủy ban nhân dân {commune.title}",
                    "level": "commune",
                    "parent": province.budget_unit,
                    "commune": commune.code,
                },
            )

    # -- households ---------------------------------------------------------------------

    def _household(self, left: int, out: list[tuple[int, dict[str, Any]]]) -> int:
        """Generate one household and what its members hold; return how many people."""
        rng = self.rng
        province = self.province
        commune = province.commune_table.pick(rng)
        line = self._address_line(commune)
        group = province.ethnic_groups.pick(rng)
        kind = _HOUSEHOLDS.pick(rng)
        home = _Home(commune, {"commune": commune.code, "line": line}, group, [], out)
        if kind in ("family", "three_generations") and left >= 3:
            mother_age = _MOTHER_AGE.pick(rng)
            father_age = max(ADULT_AGE + 2, mother_age + _SPOUSE_GAP.pick(rng))
            ages = self._children_ages(mother_age)[: left - 2]
            family_name = self._family_name(group)
            grand: tuple[_Person, _Person] | None = None
            grand_age = father_age + _between(rng, 22, 32)
            if kind == "three_generations" and left >= 4 + len(ages) and grand_age <= 95:
                grand = self._couple(home, grand_age, family=family_name, elderly=True)
            father, mother = self._couple(
                home,
                father_age,
                wife_age=mother_age,
                family=family_name,
                parents=grand,
            )
            for age in ages:
                self._member(
                    home,
                    "male" if rng.random() < 0.512 else "female",
                    age,
                    family=family_name,
                    native=True,
                    father=father.pin,
                    mother=mother.pin,
                )
        elif kind == "couple" and left >= 2:
            self._couple(
                home, _between(rng, 22, 34) if rng.random() < 0.35 else _between(rng, 55, 88)
            )
        elif kind == "single_parent" and left >= 2:
            parent_age = _between(rng, 24, 56)
            ages = self._children_ages(parent_age)[: left - 1] or [parent_age - 24]
            is_mother = rng.random() < 0.75
            child_family = None if is_mother else self._family_name(group)
            parent = self._member(
                home, "female" if is_mother else "male", parent_age, family=child_family
            )
            for age in ages:
                self._member(
                    home,
                    "male" if rng.random() < 0.512 else "female",
                    age,
                    family=child_family,
                    native=True,
                    father=None if is_mother else parent.pin,
                    mother=parent.pin if is_mother else None,
                )
        else:
            age = _SINGLE_AGE.pick(rng)
            sex = "male" if rng.random() < 0.5 else "female"
            if age >= 60 and left >= 2 and rng.random() < 0.5:
                # A widow or widower: the late spouse is in the register too.
                self._couple(home, age, late=("female" if sex == "male" else "male"))
            else:
                self._member(home, sex, age)
        self._holdings(commune, line, home.members, out)
        return len(home.members)

    def _member(
        self,
        home: _Home,
        sex: str,
        age: int,
        *,
        family: str | None = None,
        native: bool = False,
        alive: bool = True,
        father: str | None = None,
        mother: str | None = None,
        spouse: str | None = None,
        pin: tuple[str, int] | None = None,
    ) -> _Person:
        """Generate a person of the household and add the record to its output."""
        if pin is None:
            pin = self._draw_pin(self._birth_province(native, home.commune), sex, age)
        made, record = self._person(home, sex, age, pin, family, alive, father, mother, spouse)
        home.members.append(made)
        home.out.append((PERSON, record))
        return made

    def _couple(
        self,
        home: _Home,
        husband_age: int,
        *,
        wife_age: int | None = None,
        family: str | None = None,
        parents: tuple[_Person, _Person] | None = None,
        elderly: bool = False,
        late: str | None = None,
    ) -> tuple[_Person, _Person]:
        """Generate a married couple whose records name each other; return (husband, wife).

        ``late`` names the sex of a spouse who has died; ``elderly`` lets either have died.
        """
        rng = self.rng
        if wife_age is None:
            wife_age = max(ADULT_AGE, husband_age - _SPOUSE_GAP.pick(rng))
        husband_age, wife_age = min(husband_age, 98), min(wife_age, 98)
        husband_alive = late != "male"
        wife_alive = late != "female"
        if elderly:
            husband_alive = rng.random() > 0.05 * max(0, husband_age - 60) / 10
            wife_alive = rng.random() > 0.035 * max(0, wife_age - 60) / 10
        # Each record names the other, so both numbers are drawn before either is written.
        husband_pin = self._draw_pin(self._birth_province(False, home.commune), "male", husband_age)
        wife_pin = self._draw_pin(self._birth_province(False, home.commune), "female", wife_age)
        husband = self._member(
            home,
            "male",
            husband_age,
            family=family,
            alive=husband_alive,
            father=parents[0].pin if parents else None,
            mother=parents[1].pin if parents else None,
            spouse=wife_pin[0],
            pin=husband_pin,
        )
        wife = self._member(
            home, "female", wife_age, alive=wife_alive, spouse=husband_pin[0], pin=wife_pin
        )
        return husband, wife

    def _children_ages(self, mother_age: int) -> list[int]:
        rng = self.rng
        count = _CHILDREN.pick(rng)
        at = _between(rng, 19, 31)
        ages = []
        for _ in range(count):
            age = mother_age - at
            if age < 0:
                break
            # Most children over 25 have left home: they head households of their own.
            if age < 25 or self.rng.random() < 0.3:
                ages.append(age)
            at += _between(rng, 2, 6)
        return ages

    # -- people -------------------------------------------------------------------------

    def _birth_province(self, native: bool, commune: Commune) -> str:
        """Return the old province a birth was registered in: home, or elsewhere for migrants."""
        province = self.province
        if not native and self.rng.random() < province.migrant_share:
            return province.origins.pick(self.rng)
        return commune.old_province

    def _draw_pin(self, birth_province: str, sex: str, age: int) -> tuple[str, int]:
        """Return a new PIN for a birth province, sex and age, and the day of birth."""
        rng = self.rng
        born = _AS_OF_DAY - int((age + rng.random()) * _YEAR_DAYS)
        year = date.fromordinal(born).year
        digit = 2 * ((year - 1900) // 100) + (sex == "female")
        yy = year % 100
        key = (birth_province, digit, yy)
        used = self._pins.get(key, 0)
        if self.country.successor[birth_province] == self.province.code:
            start, size = 0, _NATIVE_SERIALS
        else:
            start, size = _NATIVE_SERIALS + _MIGRANT_SERIALS * self.province.index, _MIGRANT_SERIALS
        if used >= size:
            raise _exhausted(f"PIN 0{birth_province}{digit}{yy:02d}")
        self._pins[key] = used + 1
        offset = int(birth_province) * 131 + yy * 17 + digit
        serial = start + (used * _SCRAMBLE + offset) % size
        return f"0{birth_province}{digit}{yy:02d}{serial:06d}", born

    def _family_name(self, ethnic: str) -> str:
        rng = self.rng
        own = ETHNIC_FAMILY_NAMES.get(ethnic)
        if own is not None and rng.random() < ETHNIC_FAMILY_SHARE:
            return own[_index(rng, len(own))]
        return self.country.names.family.pick(rng)

    def _name(self, sex: str, year: int, family: str) -> tuple[str, str, str]:
        rng = self.rng
        tables = self.country.names
        middle = tables.middle[(sex, year >= YOUNGER_GENERATION)].pick(rng)
        given = tables.given[sex].pick(rng)
        if given in (middle, family):
            given = tables.given[sex].pick(rng)
        if rng.random() < OLD_TONE_SHARE:
            # Legacy registers wrote "Hoà", "Thuý": keep a share of them as they were typed.
            given = tables.old_style.get(given, given)
            middle = tables.old_style.get(middle, middle)
        return family, middle, given

    def _person(
        self,
        home: _Home,
        sex: str,
        age: int,
        pin: tuple[str, int],
        family: str | None,
        alive: bool,
        father: str | None,
        mother: str | None,
        spouse: str | None,
    ) -> tuple[_Person, dict[str, Any]]:
        rng = self.rng
        number, born = pin
        birthday = date.fromordinal(born)
        year = birthday.year
        family_name, middle, given = self._name(sex, year, family or self._family_name(home.group))
        full_name = f"{family_name} {middle} {given}" if middle else f"{family_name} {given}"
        if year < 1960 and rng.random() < 0.08:
            birth_date = str(year)
        elif year < 1975 and rng.random() < 0.04:
            birth_date = f"{year}-{birthday.month:02d}"
        else:
            birth_date = birthday.isoformat()
        record: dict[str, Any] = {
            "pin": number,
            "full_name": full_name,
            "family_name": family_name,
        }
        if middle:
            record["middle_name"] = middle
        record["given_name"] = given
        record["sex"] = sex
        record["birth_date"] = birth_date
        record["permanent_residence"] = home.residence
        if alive and 18 <= age <= 30 and rng.random() < 0.05:
            # Students and young workers register a temporary residence in another commune.
            other = self.province.commune_table.pick(rng)
            record["temporary_residence"] = {
                "commune": other.code,
                "line": self._address_line(other),
            }
        record["nationality"] = "VN"
        record["ethnic_group"] = home.group
        if father:
            record["father_pin"] = father
        if mother:
            record["mother_pin"] = mother
        if spouse:
            record["spouse_pin"] = spouse
        if alive:
            record["status"] = "alive"
        else:
            record["status"] = "deceased"
            earliest = max(born + 1, _AS_OF_DAY - 15 * 365)
            record["death_date"] = _iso(_between(rng, earliest, _AS_OF_DAY - 1))
        return _Person(number, sex, age, alive), record

    # -- addresses ----------------------------------------------------------------------

    def _address_line(self, commune: Commune) -> str:
        rng = self.rng
        if commune.urban:
            number = _HOUSE_NUMBER.pick(rng)
            street = places.STREETS[_index(rng, len(places.STREETS))]
            roll = rng.random()
            if self._south:
                if roll < 0.45:
                    return f"{number} đường {street}"
                if roll < 0.8:
                    return f"{number}/{_between(rng, 1, 120)} đường {street}"
                return f"{number}/{_between(rng, 1, 60)} hẻm {_between(rng, 1, 400)} đường {street}"
            if roll < 0.5:
                return f"Số {number} phố {street}" if self._north else f"Số {number} đường {street}"
            if roll < 0.85:
                return f"Số {number} ngõ {_between(rng, 1, 300)} phố {street}"
            return f"Tổ dân phố {_between(rng, 1, 30)}"
        roll = rng.random()
        hamlet = places.HAMLET_NAMES[_index(rng, len(places.HAMLET_NAMES))]
        if self._south:
            return f"Ấp {hamlet}" if roll < 0.5 else f"Ấp {_between(rng, 1, 12)}"
        if roll < 0.4:
            return f"Thôn {hamlet}"
        if roll < 0.7:
            return f"Thôn {_between(rng, 1, 15)}"
        return f"Xóm {_between(rng, 1, 20)}" if self._north else f"Tổ {_between(rng, 1, 20)}"

    # -- what a household holds -----------------------------------------------------------

    def _remember_adult(self, pin: str) -> None:
        if len(self._recent) < _RECENT_ADULTS:
            self._recent.append(pin)
        else:
            self._recent[self._recent_at] = pin
            self._recent_at = (self._recent_at + 1) % _RECENT_ADULTS

    def _another_adult(self, besides: str) -> str | None:
        if not self._recent:
            return None
        pin = self._recent[_index(self.rng, len(self._recent))]
        return pin if pin != besides else None

    def _remember_enterprise(self, enterprise: _Enterprise) -> None:
        self._reservoir_seen += 1
        if len(self._reservoir) < _ENTERPRISE_RESERVOIR:
            self._reservoir.append(enterprise)
            return
        # Reservoir sampling: every active enterprise so far is equally likely to be kept.
        slot = _index(self.rng, self._reservoir_seen)
        if slot < _ENTERPRISE_RESERVOIR:
            self._reservoir[slot] = enterprise

    def _some_enterprise(self) -> _Enterprise | None:
        if not self._reservoir:
            return None
        return self._reservoir[_index(self.rng, len(self._reservoir))]

    def _holdings(
        self,
        commune: Commune,
        line: str,
        members: list[_Person],
        out: list[tuple[int, dict[str, Any]]],
    ) -> None:
        rng = self.rng
        enterprises, vehicles, parcels, individual_taxpayers, fee_payments = self.rates
        size = len(members)
        adults = [member for member in members if member.adult]
        if not adults:
            return
        for adult in adults:
            if adult.age <= 75:
                self._remember_adult(adult.pin)
            if rng.random() < individual_taxpayers:
                out.append((TAXPAYER, self._individual_taxpayer(adult)))
        for _ in range(rounded(rng, size * enterprises)):
            self._enterprise(commune, adults, out)
        for _ in range(rounded(rng, size * parcels)):
            self._parcel(commune, line, adults, out)
        for _ in range(rounded(rng, size * vehicles)):
            out.append((VEHICLE, self._vehicle(commune, adults)))
        for _ in range(rounded(rng, size * fee_payments)):
            out.append((FEE_PAYMENT, self._fee_payment(commune, adults)))

    # -- enterprises and taxpayers ---------------------------------------------------------

    def _next_enterprise_code(self) -> str:
        while True:
            used = self._enterprise_count
            if used >= _ENTERPRISE_SEQUENCES:
                raise _exhausted(f"MST {self.province.code}")
            self._enterprise_count = used + 1
            sequence = 1 + (used * _SCRAMBLE) % _ENTERPRISE_SEQUENCES
            first_nine = f"{self.province.code}{sequence:07d}"
            check = tax_code_check_digit(first_nine)
            # A prefix whose check digit would be 10 is never issued: take the next one.
            if check is not None:
                return first_nine + check

    def _registered_on(self, years: int, skew: float = 1.8) -> int:
        return _AS_OF_DAY - int(self.rng.random() ** skew * years * 365)

    def _capital(self, low: int, high: int) -> int:
        value = math.exp(self.rng.uniform(math.log(low), math.log(high)))
        return max(_CAPITAL_STEP, int(value) // _CAPITAL_STEP * _CAPITAL_STEP)

    def _representatives(self, adults: list[_Person]) -> list[str]:
        rng = self.rng
        first = adults[_index(rng, len(adults))].pin
        pins = [first]
        if rng.random() < 0.1:
            other = self._another_adult(first)
            if other is not None:
                pins.append(other)
        return pins

    def _enterprise(
        self, commune: Commune, adults: list[_Person], out: list[tuple[int, dict[str, Any]]]
    ) -> None:
        rng = self.rng
        form = _LEGAL_FORMS.pick(rng)
        sector_vi, sector_en, main, related, _ = _SECTORS.pick(rng)
        core = business.CORE_NAMES[_index(rng, len(business.CORE_NAMES))]
        prefix_vi, suffix_en = business.NAME_PREFIX[form]
        code = self._next_enterprise_code()
        office = commune if rng.random() < 0.6 else self.province.commune_table.pick(rng)
        lines: list[dict[str, Any]] = [{"code": main, "main": True}]
        extra = _between(rng, 0, len(related))
        lines.extend({"code": line} for line in rng.sample(related, extra))
        registered = self._registered_on(30)
        status = _STATUSES.pick(rng)
        name = f"{prefix_vi} {sector_vi} {core}"
        record: dict[str, Any] = {"code": code, "unit_kind": "enterprise", "name": name}
        if rng.random() < 0.5:
            record["foreign_name"] = f"{fold(core).title()} {sector_en} {suffix_en}"
        if rng.random() < 0.3:
            record["short_name"] = f"{core} {sector_vi.split(' ')[0]}"
        low, high = business.CAPITAL_RANGE[form]
        record.update(
            {
                "legal_form": form,
                "head_office": {"commune": office.code, "line": self._street_line(office)},
                "legal_representatives": self._representatives(adults),
                "charter_capital": self._capital(low, high),
                "business_lines": lines,
                "status": status,
                "registration_province": self.province.code,
                "registered_on": _iso(registered),
            }
        )
        out.append((ENTERPRISE, record))
        out.append((TAXPAYER, self._enterprise_taxpayer(code, status, registered)))
        if status == "active":
            self._remember_enterprise(_Enterprise(code, office))
            if rng.random() < 0.04:
                for branch in range(1, _between(rng, 1, 3) + 1):
                    self._branch(record, branch, registered, out)

    def _branch(
        self,
        parent: dict[str, Any],
        number: int,
        parent_registered: int,
        out: list[tuple[int, dict[str, Any]]],
    ) -> None:
        rng = self.rng
        commune = self.province.commune_table.pick(rng)
        code = f"{parent['code']}{number:03d}"
        head = self._another_adult("") or parent["legal_representatives"][0]
        registered = _between(rng, parent_registered, _AS_OF_DAY)
        main = next(line["code"] for line in parent["business_lines"] if line.get("main"))
        out.append(
            (
                ENTERPRISE,
                {
                    "code": code,
                    "unit_kind": "branch",
                    "name": f"Chi nhánh {parent['name']} tại {commune.title}",
                    "head_office": {"commune": commune.code, "line": self._street_line(commune)},
                    "legal_representatives": [head],
                    "business_lines": [{"code": main, "main": True}],
                    "status": "active",
                    "registration_province": self.province.code,
                    "registered_on": _iso(registered),
                },
            )
        )
        out.append((TAXPAYER, self._enterprise_taxpayer(code, "active", registered)))

    def _bank(self, out: list[tuple[int, dict[str, Any]]], adults: list[_Person]) -> _Enterprise:
        """Create a joint-stock bank of the province, to hold its mortgages."""
        rng = self.rng
        code = self._next_enterprise_code()
        name_vi, name_en = business.BANK_NAMES[len(self._banks)]
        office = self.province.communes[_index(rng, len(self.province.communes))]
        registered = self._registered_on(30, skew=0.7)
        out.append(
            (
                ENTERPRISE,
                {
                    "code": code,
                    "unit_kind": "enterprise",
                    "name": f"Ngân hàng thương mại cổ phần {name_vi} {self.province.name}",
                    "foreign_name": f"{fold(self.province.name).title()} {name_en} Commercial Bank",
                    "legal_form": "joint_stock_company",
                    "head_office": {"commune": office.code, "line": self._street_line(office)},
                    "legal_representatives": self._representatives(adults),
                    "charter_capital": self._capital(3_000_000_000_000, 30_000_000_000_000),
                    "business_lines": [
                        {"code": "6419", "main": True},
                        {"code": "6492"},
                        {"code": "6619"},
                    ],
                    "status": "active",
                    "registration_province": self.province.code,
                    "registered_on": _iso(registered),
                },
            )
        )
        out.append((TAXPAYER, self._enterprise_taxpayer(code, "active", registered)))
        bank = _Enterprise(code, office)
        self._banks.append(bank)
        return bank

    def _street_line(self, commune: Commune) -> str:
        rng = self.rng
        street = places.STREETS[_index(rng, len(places.STREETS))]
        number = _HOUSE_NUMBER.pick(rng)
        if commune.urban:
            return f"{number} đường {street}" if self._south else f"Số {number} phố {street}"
        return f"Số {number} đường {street}, {self._address_line(commune)}"

    def _debt(self) -> dict[str, Any] | None:
        rng = self.rng
        if rng.random() >= 0.15:
            return None
        owed = self._capital(200_000, 2_000_000_000)
        debt: dict[str, Any] = {"as_of": DEBT_AS_OF, "amount_owed": owed}
        if rng.random() < 0.5:
            debt["overdue_amount"] = max(1, owed * _between(rng, 10, 100) // 100)
            # Some debts are over 90 days late: customs refuses declarations then.
            debt["oldest_overdue_on"] = _iso(
                date.fromisoformat(DEBT_AS_OF).toordinal() - _between(rng, 1, 720)
            )
        return debt

    def _enterprise_taxpayer(self, code: str, status: str, registered: int) -> dict[str, Any]:
        record: dict[str, Any] = {
            "tax_code": code,
            "authority": self._authority,
            "status": business.TAX_STATUS_OF[status],
            "registered_on": _iso(registered),
        }
        debt = self._debt()
        if debt is not None:
            record["debt"] = debt
        return record

    def _individual_taxpayer(self, adult: _Person) -> dict[str, Any]:
        rng = self.rng
        years = min(25, adult.age - ADULT_AGE)
        record: dict[str, Any] = {
            "tax_code": adult.pin,
            "authority": self._authority,
            "status": "active" if rng.random() < 0.95 else "suspended",
            "registered_on": _iso(_AS_OF_DAY - _between(rng, 0, years * 365)),
        }
        debt = self._debt()
        if debt is not None:
            record["debt"] = debt
        return record

    # -- land --------------------------------------------------------------------------

    def _parcel(
        self,
        home: Commune,
        line: str,
        adults: list[_Person],
        out: list[tuple[int, dict[str, Any]]],
    ) -> None:
        rng = self.rng
        at_home = rng.random() < 0.8
        commune = home if at_home else self.province.commune_table.pick(rng)
        uses = _URBAN_USES if commune.urban else _RURAL_USES
        main, second, low, high, _ = uses.pick(rng)
        used = self._parcels.get(commune.code, 0)
        self._parcels[commune.code] = used + 1
        area = round(math.exp(rng.uniform(math.log(low), math.log(high))), 1)
        land_uses: list[dict[str, Any]]
        if second:
            part = round(area * rng.uniform(0.2, 0.6), 1)
            land_uses = [
                {"code": main, "area_m2": part},
                {"code": second, "area_m2": round(area - part, 1)},
            ]
        else:
            land_uses = [{"code": main, "area_m2": area}]
        for use in land_uses:
            if use["code"] in assets.TERM_USES:
                use["until"] = f"{_between(rng, 2043, 2074)}-10-15"
        enterprise = self._some_enterprise() if rng.random() < 0.05 else None
        holders: list[dict[str, Any]]
        if enterprise is not None:
            holders = [{"holder": {"enterprise": enterprise.code}, "share": "1"}]
        else:
            couple = [adult for adult in adults if adult.age >= 22][:2]
            if len(couple) == 2 and couple[0].sex != couple[1].sex and rng.random() < 0.7:
                holders = [{"holder": {"person": adult.pin}, "share": "1/2"} for adult in couple]
            else:
                owner = adults[_index(rng, len(adults))]
                holders = [{"holder": {"person": owner.pin}, "share": "1"}]
        record: dict[str, Any] = {
            "commune": commune.code,
            "map_sheet": 1 + used // 400,
            "parcel_number": 1 + used % 400,
        }
        if rng.random() < 0.1:
            latitude, longitude = self.province.seat
            record["parcel_id"] = geohash_encode(
                latitude + rng.uniform(-0.08, 0.08), longitude + rng.uniform(-0.08, 0.08)
            )
        if at_home and main in ("ODT", "ONT"):
            record["address"] = line
        record["area_m2"] = area
        record["land_uses"] = land_uses
        record["right_holders"] = holders
        issued = None
        if rng.random() < 0.85:
            issued = self._registered_on(30, skew=1.0)
            series = assets.CERTIFICATE_SERIES[_index(rng, len(assets.CERTIFICATE_SERIES))]
            record["certificate"] = {
                "number": f"{series} {_between(rng, 1, 999_999):06d}",
                "issued_on": _iso(issued),
            }
        if issued is not None and enterprise is None and rng.random() < 0.08:
            bank = self._mortgagee(out, adults)
            registered = _between(rng, issued, _AS_OF_DAY)
            encumbrance: dict[str, Any] = {
                "kind": "mortgage",
                "holder": {"enterprise": bank.code},
                "registered_on": _iso(registered),
                "reference": f"HĐTC {_between(rng, 1, 9999):04d}/{date.fromordinal(registered).year}",
            }
            if rng.random() < 0.3:
                encumbrance["released_on"] = _iso(_between(rng, registered, _AS_OF_DAY))
            record["encumbrances"] = [encumbrance]
        out.append((PARCEL, record))

    def _mortgagee(
        self, out: list[tuple[int, dict[str, Any]]], adults: list[_Person]
    ) -> _Enterprise:
        self._mortgages += 1
        if not self._banks or (
            len(self._banks) < _MAX_BANKS and self._mortgages % _MORTGAGES_PER_BANK == 0
        ):
            return self._bank(out, adults)
        return self._banks[_index(self.rng, len(self._banks))]

    # -- vehicles ----------------------------------------------------------------------

    def _plate(self, commune: Commune, kind: str) -> str:
        rng = self.rng
        locality = commune.localities[_index(rng, len(commune.localities))]
        two_wheeled = kind in ("motorcycle", "moped")
        letters = assets.MOTORCYCLE_LETTERS if two_wheeled else assets.CAR_SERIES[kind]
        key = (locality, letters)
        used = self._plates.get(key, 0)
        self._plates[key] = used + 1
        if two_wheeled:
            letter, rest = letters[used % len(letters)], used // len(letters)
            series, rest = f"{letter}{1 + rest % 9}", rest // 9
        else:
            series, rest = letters[used % len(letters)], used // len(letters)
        if rest >= _PLATE_SERIALS:
            raise _exhausted(f"{locality}{letters}")
        serial = 1 + (rest * _SCRAMBLE + int(locality)) % _PLATE_SERIALS
        number = f"{serial // 100:03d}.{serial % 100:02d}"
        return f"{locality}-{series} {number}" if two_wheeled else f"{locality}{series}-{number}"

    def _vin(self, make: str, engine: str, year: int) -> str:
        value = self.province.index * _VIN_SPAN + self._vin_count
        self._vin_count += 1
        alphabet = assets.VIN_CHARACTERS
        serial = ""
        for _ in range(6):
            value, digit = divmod(value, len(alphabet))
            serial = alphabet[digit] + serial
        descriptor = (engine.replace(" ", "") + "00000")[:5]
        year_code = assets.VIN_YEARS[(year - 2001) % len(assets.VIN_YEARS)]
        body = f"{assets.WMI[make]}{descriptor}0{year_code}V{serial}"
        return body[:8] + vin_check_digit(body) + body[9:]

    def _vehicle(self, commune: Commune, adults: list[_Person]) -> dict[str, Any]:
        rng = self.rng
        kind = _VEHICLE_KINDS.pick(rng)
        make, model, engine, _ = _MODELS[kind].pick(rng)
        year = AS_OF.year - min(int(rng.expovariate(1 / 6)), 24)
        first_day = date(year, 1, 1).toordinal()
        registered = min(_AS_OF_DAY, first_day + _between(rng, 0, 540))
        self._engine_count += 1
        enterprise = self._some_enterprise() if rng.random() < 0.08 else None
        owner = (
            {"enterprise": enterprise.code}
            if enterprise is not None
            else {"person": adults[_index(rng, len(adults))].pin}
        )
        record: dict[str, Any] = {"plate": self._plate(commune, kind)}
        if kind in ("motorcycle", "moped"):
            record["frame_number"] = f"RL{engine}{self.province.index:02d}{self._engine_count:07d}"
        else:
            record["vin"] = self._vin(make, engine, year)
        record.update(
            {
                "engine_number": f"{engine} {self.province.index:02d}{self._engine_count:07d}",
                "kind": kind,
                "make": make,
                "model": model,
                "colour": _COLOURS.pick(rng),
                "year_of_manufacture": year,
                "owner": owner,
                "status": _VEHICLE_STATUSES.pick(rng),
                "registered_on": _iso(registered),
            }
        )
        return record

    # -- fees --------------------------------------------------------------------------

    def _fee_payment(self, commune: Commune, adults: list[_Person]) -> dict[str, Any]:
        rng = self.rng
        enterprise = self._some_enterprise() if rng.random() < 0.15 else None
        if enterprise is not None:
            payer = {"enterprise": enterprise.code}
            commune = enterprise.commune
        else:
            payer = {"person": adults[_index(rng, len(adults))].pin}
        code, amounts, _ = _PROCEDURES.pick(rng)
        used = self._receipts.get(commune.code, 0) + 1
        self._receipts[commune.code] = used
        day = date.fromordinal(_between(rng, _FEES_FROM_DAY, _AS_OF_DAY - 1))
        paid_at = (
            f"{day.isoformat()}T{_between(rng, 7, 16):02d}:{_between(rng, 0, 59):02d}:"
            f"{_between(rng, 0, 59):02d}+07:00"
        )
        return {
            "collecting_unit": commune.budget_unit,
            "receipt_number": f"BL-{day.year}-{used:06d}",
            "amount": amounts[_index(rng, len(amounts))],
            "payer": payer,
            "procedure_code": code,
            "paid_at": paid_at,
            "channel": _CHANNELS.pick(rng),
            "province": self.province.code,
        }


def central_budget_units() -> Iterator[dict[str, Any]]:
    """Yield the central budget units of a national run (ministries and the treasury)."""
    for position, (name, parent) in enumerate(assets.CENTRAL_UNITS, start=1):
        record: dict[str, Any] = {"code": f"100{position:04d}", "name": name, "level": "central"}
        if parent is not None:
            record["parent"] = f"100{parent + 1:04d}"
        yield record


_FEES_FROM_DAY: Final = FEES_FROM.toordinal()
_LEGAL_FORMS: Final = Weighted.of(business.LEGAL_FORMS)
_SECTORS: Final = Weighted((sector, sector[4]) for sector in business.SECTORS)
_STATUSES: Final = Weighted.of(business.STATUSES)
_URBAN_USES: Final = Weighted((use, use[4]) for use in assets.URBAN_USES)
_RURAL_USES: Final = Weighted((use, use[4]) for use in assets.RURAL_USES)
_VEHICLE_KINDS: Final = Weighted.of(assets.VEHICLE_KINDS)
_MODELS: Final = {
    kind: Weighted((m, m[3]) for m in models) for kind, models in assets.MODELS.items()
}
_COLOURS: Final = Weighted.of(assets.COLOURS)
_VEHICLE_STATUSES: Final = Weighted.of(assets.VEHICLE_STATUSES)
_PROCEDURES: Final = Weighted((p, p[2]) for p in assets.PROCEDURES)
_CHANNELS: Final = Weighted.of(assets.CHANNELS)
