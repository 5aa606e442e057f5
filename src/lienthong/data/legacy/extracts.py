"""The three kinds of legacy extract: what each reads, the columns it writes and its mapping.

- ``population``: an old provincial residents database → Person;
- ``land``: TP. Hồ Chí Minh's legacy land system → Parcel;
- ``driving``: An Giang's legacy driver-licence list → Person (names and birth years only).

Each kind turns registry records into :class:`Entity` values (the truth of one legacy
record, or of a record the registry does not hold) and an entity into the damaged cells of
one row; the same entity may be written twice, each time with its own damage.
"""

from __future__ import annotations

import json
import sys
from abc import ABC, abstractmethod
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from random import Random
from typing import Any, ClassVar, Final

from lienthong.data.legacy.damage import (
    Damage,
    FileEncoding,
    OldUnits,
    adult_on,
    area_text,
    damaged_date,
    drop_middle,
    given_name_first,
    legacy_date,
    legacy_identifier,
    middle_dropped,
    old_units,
    parse_iso,
    strip_diacritics,
    typo,
)
from lienthong.data.legacy.source import Registry, province_of, residence
from lienthong.data.synthetic import assets
from lienthong.data.synthetic.country import YOUNGER_GENERATION, NameTables, country
from lienthong.data.synthetic.engine import _NATIVE_SERIALS, _SCRAMBLE
from lienthong.data.synthetic.weights import Weighted
from lienthong.errors import LienthongError
from lienthong.i18n import N_
from lienthong.vn import units
from lienthong.vn.ids import parse_parcel
from lienthong.vn.text import PartialDate

#: The kinds of extract.
KINDS: Final = ("population", "land", "driving")
#: Short names of provinces in legacy system names ("AGG-GPLX").
_SHORT: Final = {"01": "HNI", "79": "HCM", "91": "AGG"}
#: Driving-licence classes before 2025 and their rough shares of licences.
LICENCE_CLASSES: Final = Weighted.of(
    {"A1": 55, "A2": 3, "A3": 1, "B1": 8, "B2": 24, "C": 6, "D": 2, "E": 1}
)
#: Parcel map sheets a legacy system numbers beyond the registry's, per commune.
_FRESH_SHEET_GAP: Final = 1


@dataclass(frozen=True, slots=True)
class Person:
    """The truth about a person as a legacy record was made from it."""

    pin: str
    family: str
    middle: str
    given: str
    sex: str
    birth: PartialDate | None
    commune: str | None
    line: str | None

    @property
    def full_name(self) -> str:
        """Return the name in Vietnamese order."""
        return " ".join(part for part in (self.family, self.middle, self.given) if part)


@dataclass(frozen=True, slots=True)
class Parcel:
    """The truth about a parcel as a legacy record was made from it."""

    commune: str
    map_sheet: int
    parcel_number: int
    area: float
    address: str
    certificate: str
    holder: Person


@dataclass(frozen=True, slots=True)
class Entity:
    """One legacy record's truth: the registry record it is (empty: none) and its content."""

    registry_id: str
    content: Any


def person_of(record: dict[str, Any]) -> Person | None:
    """Return a registry person as the truth of a legacy record, or None if it has no name."""
    pin = str(record.get("pin") or "")
    given = str(record.get("given_name") or "")
    if not pin or not given:
        return None
    commune, line = residence(record)
    birth = parse_iso(str(record.get("birth_date") or ""))
    return Person(
        pin=pin,
        family=str(record.get("family_name") or ""),
        middle=str(record.get("middle_name") or ""),
        given=given,
        sex=str(record.get("sex") or ""),
        birth=birth,
        commune=commune,
        line=line,
    )


class FreshPeople:
    """Draws people the registry does not hold, the way the generator draws people."""

    def __init__(self, rng: Random) -> None:
        self.rng = rng
        self._names: NameTables = country().names
        self._used: dict[tuple[str, int, int], int] = {}

    def pin(self, birth_province: str, sex: str, year: int) -> str:
        """Return a personal identification number that no generated person holds.

        The generator numbers the people of a birth province, century-and-sex digit and
        birth year from the start of a scrambled sequence; these come from its far end.
        """
        digit = 2 * ((year - 1900) // 100) + (sex == "female")
        yy = year % 100
        key = (birth_province, digit, yy)
        used = self._used.get(key, 0)
        self._used[key] = used + 1
        offset = int(birth_province) * 131 + yy * 17 + digit
        serial = ((_NATIVE_SERIALS - 1 - used) * _SCRAMBLE + offset) % _NATIVE_SERIALS
        return f"0{birth_province}{digit}{yy:02d}{serial:06d}"

    def person(self, template: Person, *, latest_birth: date) -> Person:
        """Return a new person living where the template lives, born around the same time."""
        rng = self.rng
        sex = "male" if rng.random() < 0.5 else "female"
        base = template.birth.year if template.birth is not None else 1980
        year = min(max(base + rng.randint(-15, 15), 1925), latest_birth.year - 1)
        born = date(year, 1, 1) + timedelta(days=rng.randrange(365))
        tables = self._names
        family = tables.family.pick(rng)
        middle = tables.middle[(sex, year >= YOUNGER_GENERATION)].pick(rng)
        given = tables.given[sex].pick(rng)
        birth_province = template.pin[1:3] if template.pin[1:3].isdigit() else "01"
        return Person(
            pin=self.pin(birth_province, sex, year),
            family=family,
            middle=middle,
            given=given,
            sex=sex,
            birth=PartialDate.from_date(born),
            commune=template.commune,
            line=template.line,
        )


def damaged_name(rng: Random, person: Person, damage: Damage) -> str:
    """Return a person's name as a legacy record holds it."""
    middle = "" if middle_dropped(rng, person.middle, damage) else person.middle
    if rng.random() < damage.name_order_swapped:
        text = given_name_first(person.family, middle, person.given)
    elif middle:
        text = " ".join(part for part in (person.family, middle, person.given) if part)
    else:
        text = drop_middle(person.family, person.given)
    if rng.random() < damage.typo:
        text = typo(rng, text)
    if rng.random() < damage.diacritics_lost:
        text = strip_diacritics(text)
    return text


def _maybe_plain(rng: Random, text: str, damage: Damage) -> str:
    return strip_diacritics(text) if text and rng.random() < damage.diacritics_lost else text


def _toml(value: object) -> str:
    # JSON strings, lists and booleans are valid TOML values.
    return json.dumps(value, ensure_ascii=False)


@dataclass
class Field:
    """One ``[fields.NAME]`` table of a mapping."""

    name: str
    column: str | None = None
    value: str | None = None
    repair: list[str] = field(default_factory=list)
    required: bool = False
    extra: dict[str, str] = field(default_factory=dict)

    def toml(self) -> str:
        """Return the table as TOML."""
        lines = [f"[fields.{self.name}]"]
        if self.column is not None:
            lines.append(f"column = {_toml(self.column)}")
        else:
            lines.append(f"value = {_toml(self.value)}")
        if self.repair:
            lines.append(f"repair = {_toml(self.repair)}")
        if self.required:
            lines.append("required = true")
        lines.extend(f"{key} = {_toml(text)}" for key, text in self.extra.items())
        return "\n".join(lines)


class Kind(ABC):
    """One kind of legacy extract."""

    name: ClassVar[str]
    system: ClassVar[str]
    record_type: ClassVar[str]
    legacy_system: ClassVar[str]
    id_column: ClassVar[str]
    #: Column names and their dBase widths in bytes.
    columns: ClassVar[tuple[tuple[str, int], ...]]
    default_encoding: ClassVar[FileEncoding]
    default_province: ClassVar[str | None]
    create_new: ClassVar[bool] = True
    title: ClassVar[str]

    def __init__(
        self,
        *,
        registry: Registry,
        province: str | None,
        encoding: FileEncoding,
        rng: Random,
        damage: Damage,
    ) -> None:
        self.registry = registry
        self.province = province
        self.encoding: FileEncoding = encoding
        self.rng = rng
        self.damage = damage
        self.fresh = FreshPeople(rng)
        #: Registry records read so far, for progress.
        self.read = 0

    @abstractmethod
    def entities(self, overlap: float) -> Iterator[Entity]:
        """Yield the truth of each legacy record: a registry record, or one the registry lacks."""

    @abstractmethod
    def row(self, entity: Entity, legacy_id: str) -> list[str]:
        """Return the damaged cells of one row."""

    @abstractmethod
    def fields(self) -> list[Field]:
        """Return how the columns map onto the linkage fields."""

    def total(self) -> int | None:
        """Return about how many registry records will be read."""
        return self.registry.count("population", "Person")

    def legacy_id(self, number: int) -> str:
        """Return the legacy identifier of the n-th row (from 1)."""
        return f"{number:09d}"

    def in_province(self, commune: str | None) -> bool:
        """Return whether a post-2025 commune is in the extract's province (any, if national)."""
        if self.province is None:
            return True
        return commune is not None and province_of(commune) == self.province

    def text_repair(self, *steps: str) -> list[str]:
        """Return the repairs of a text column: its encoding first when the file has one."""
        return (["encoding"] if self.encoding != "utf-8" else []) + list(steps)

    def mapping(self) -> str:
        """Return the mapping of the extract onto its record type, as TOML."""
        system = self.legacy_system.format(
            province=_SHORT.get(self.province or "", self.province or "VN")
        )
        head = [
            f"# Map the legacy file of {system} onto {self.system} {self.record_type} records.",
            "[source]",
            f"system = {_toml(system)}",
            f"id = {_toml([self.id_column])}",
        ]
        if self.encoding != "utf-8":
            head.append(f"encoding = {_toml(self.encoding)}")
        head += [
            "",
            "[target]",
            f"system = {_toml(self.system)}",
            f"record_type = {_toml(self.record_type)}",
            f"create_new = {_toml(self.create_new)}",
        ]
        tables = [item.toml() for item in self.fields()]
        return "\n".join(head) + "\n\n" + "\n\n".join(tables) + "\n"

    def _persons(self, *, adults_on: date | None = None) -> Iterator[Person]:
        for record in self.registry.rows("population", "Person"):
            self.read += 1
            person = person_of(record)
            if person is None or not self.in_province(person.commune):
                continue
            if adults_on is not None and (
                person.birth is None
                or record.get("status") == "deceased"
                or not adult_on(person.birth, adults_on)
            ):
                continue
            yield person

    def _person_entities(
        self, overlap: float, *, adults_on: date | None = None
    ) -> Iterator[Entity]:
        latest = date(adults_on.year - 18, 1, 1) if adults_on is not None else self.registry.as_of
        for person in self._persons(adults_on=adults_on):
            if self.rng.random() < overlap:
                yield Entity(person.pin, person)
            else:
                yield Entity("", self.fresh.person(person, latest_birth=latest))

    def _units(self, commune: str | None) -> tuple[str, str, str, str, str]:
        """Return old commune code and name, district code and name, and province code."""
        found: OldUnits | None = old_units(self.rng, commune) if commune else None
        if found is None:
            new = province_of(commune) if commune else None
            if commune is None or new is None:
                return "", "", "", "", ""
            # A few new communes have no known predecessor: the legacy system was given the
            # new code, and the province it had before the reform.
            olds = [item.old.code for item in units.predecessors(new, level="province")]
            old_province = new if new in olds else olds[0]
            return commune, units.commune(commune).full_name, "", "", old_province
        return (
            found.commune.code if found.commune else "",
            found.commune.full_name if found.commune else "",
            found.district.code if found.district else "",
            found.district.full_name if found.district else "",
            found.province.code,
        )


class PopulationExtract(Kind):
    """An old provincial residents database."""

    name = "population"
    system = "population"
    record_type = "Person"
    legacy_system = "{province}-DANCU"
    id_column = "MA_DAN_CU"
    title = "DAN_CU"
    columns = (
        ("MA_DAN_CU", 10),
        ("HO_TEN", 100),
        ("NGAY_SINH", 10),
        ("GIOI_TINH", 6),
        ("SO_CMND", 12),
        ("DIA_CHI", 254),
        ("MA_XA", 5),
        ("MA_HUYEN", 3),
        ("MA_TINH", 2),
    )
    default_encoding = "utf-8"
    default_province = None

    def legacy_id(self, number: int) -> str:
        """Return a residents-database number."""
        return f"DC{number:08d}"

    def entities(self, overlap: float) -> Iterator[Entity]:
        """Yield every person of the province, or one the registry lacks in their place."""
        return self._person_entities(overlap)

    def row(self, entity: Entity, legacy_id: str) -> list[str]:
        """Return MA_DAN_CU … MA_TINH."""
        person: Person = entity.content
        rng, damage = self.rng, self.damage
        born = legacy_date(damaged_date(person.birth, rng, damage), rng) if person.birth else ""
        sex = {"male": "Nam", "female": "Nữ"}.get(person.sex, "")
        _, identifier = legacy_identifier(
            rng, person.pin, pin_rate=damage.population_pin, cmnd_rate=damage.population_cmnd
        )
        commune, commune_name, district, district_name, province = self._units(person.commune)
        address = ", ".join(part for part in (person.line, commune_name, district_name) if part)
        return [
            legacy_id,
            damaged_name(rng, person, damage),
            born,
            _maybe_plain(rng, sex, damage),
            identifier,
            _maybe_plain(rng, address, damage),
            commune,
            district,
            province,
        ]

    def fields(self) -> list[Field]:
        """Return the population mapping."""
        return [
            Field("pin", "SO_CMND", repair=["identifier"]),
            Field("full_name", "HO_TEN", repair=self.text_repair("name"), required=True),
            Field("birth_date", "NGAY_SINH", repair=["date"]),
            Field("sex", "GIOI_TINH", repair=self.text_repair()),
            Field("address", "DIA_CHI", repair=self.text_repair()),
            Field("commune", "MA_XA", repair=["unit"], extra={"unit_level": "commune"}),
            Field("province", "MA_TINH", repair=["unit"], extra={"unit_level": "province"}),
        ]


class LandExtract(Kind):
    """TP. Hồ Chí Minh's legacy land system."""

    name = "land"
    system = "land"
    record_type = "Parcel"
    legacy_system = "{province}-DATDAI"
    id_column = "MA_THUA"
    title = "THUA_DAT"
    columns = (
        ("MA_THUA", 10),
        ("MA_XA", 5),
        ("TEN_XA", 80),
        ("MA_HUYEN", 3),
        ("TEN_HUYEN", 80),
        ("TO_BD", 4),
        ("SO_THUA", 5),
        ("DIEN_TICH", 12),
        ("DIA_CHI", 254),
        ("CHU_SUDUNG", 100),
        ("CMND_CHU", 12),
        ("SO_GCN", 12),
    )
    default_encoding = "tcvn3"
    default_province = "79"

    def legacy_id(self, number: int) -> str:
        """Return a land-system parcel number."""
        return f"TD{number:08d}"

    def total(self) -> int | None:
        """Return about how many parcels will be read."""
        return self.registry.count("land", "Parcel")

    def _holders(self) -> dict[str, Person]:
        """Return the province's persons by PIN: the names of parcel holders."""
        # Only the names are needed; they repeat, so each is kept once.
        return {
            person.pin: Person(
                pin=person.pin,
                family=sys.intern(person.family),
                middle=sys.intern(person.middle),
                given=sys.intern(person.given),
                sex=sys.intern(person.sex),
                birth=person.birth,
                commune=None,
                line=None,
            )
            for person in self._persons_quietly()
        }

    def _persons_quietly(self) -> Iterator[Person]:
        for record in self.registry.rows("population", "Person"):
            person = person_of(record)
            if person is not None and self.in_province(person.commune):
                yield person

    def _last_sheets(self) -> dict[str, int]:
        """Return the last map sheet used in each commune of the province."""
        last: dict[str, int] = {}
        for record in self.registry.rows("land", "Parcel"):
            commune = str(record.get("commune") or "")
            if self.in_province(commune):
                last[commune] = max(last.get(commune, 0), int(record.get("map_sheet") or 0))
        return last

    def entities(self, overlap: float) -> Iterator[Entity]:
        """Yield every parcel of the province held by a person, or one the registry lacks."""
        holders = self._holders()
        last_sheets = self._last_sheets()
        fresh_numbers: dict[str, int] = {}
        for record in self.registry.rows("land", "Parcel"):
            self.read += 1
            commune = str(record.get("commune") or "")
            if not self.in_province(commune):
                continue
            holder = _first_person(record)
            person = holders.get(holder) if holder else None
            if person is None:
                continue
            sheet = int(record["map_sheet"])
            number = int(record["parcel_number"])
            certificate = record.get("certificate")
            parcel = Parcel(
                commune=commune,
                map_sheet=sheet,
                parcel_number=number,
                area=float(record["area_m2"]),
                address=str(record.get("address") or ""),
                certificate=str(certificate.get("number") or "")
                if isinstance(certificate, dict)
                else "",
                holder=person,
            )
            if self.rng.random() < overlap:
                yield Entity(parse_parcel((commune, sheet, number)).text, parcel)
                continue
            # A parcel the registry lacks: on map sheets after the last one the registry uses.
            used = fresh_numbers.get(commune, 0)
            fresh_numbers[commune] = used + 1
            yield Entity("", self._fresh(parcel, last_sheets.get(commune, 0), used))

    def _fresh(self, template: Parcel, last_sheet: int, used: int) -> Parcel:
        rng = self.rng
        series = assets.CERTIFICATE_SERIES[rng.randrange(len(assets.CERTIFICATE_SERIES))]
        return Parcel(
            commune=template.commune,
            map_sheet=last_sheet + _FRESH_SHEET_GAP + used // 400,
            parcel_number=1 + used % 400,
            area=round(template.area * rng.uniform(0.5, 1.5), 1),
            address=template.address,
            certificate=f"{series} {rng.randrange(1, 1_000_000):06d}"
            if rng.random() < 0.85
            else "",
            holder=self.fresh.person(template.holder, latest_birth=self.registry.as_of),
        )

    def row(self, entity: Entity, legacy_id: str) -> list[str]:
        """Return MA_THUA … SO_GCN."""
        parcel: Parcel = entity.content
        rng, damage = self.rng, self.damage
        commune, commune_name, district, district_name, _ = self._units(parcel.commune)
        _, identifier = legacy_identifier(
            rng, parcel.holder.pin, pin_rate=damage.land_pin, cmnd_rate=damage.land_cmnd
        )
        return [
            legacy_id,
            commune,
            _maybe_plain(rng, commune_name, damage),
            district,
            _maybe_plain(rng, district_name, damage),
            str(parcel.map_sheet),
            str(parcel.parcel_number),
            area_text(rng, parcel.area, damage),
            _maybe_plain(rng, parcel.address, damage),
            damaged_name(rng, parcel.holder, damage),
            identifier,
            parcel.certificate,
        ]

    def fields(self) -> list[Field]:
        """Return the land mapping."""
        return [
            Field("commune", "MA_XA", repair=["unit"], extra={"unit_level": "commune"}),
            Field("province", value=self.province or ""),
            Field("map_sheet", "TO_BD", repair=["code"], required=True),
            Field("parcel_number", "SO_THUA", repair=["code"], required=True),
            Field("area_m2", "DIEN_TICH", repair=["number"]),
            Field("address", "DIA_CHI", repair=self.text_repair()),
            Field("holder_name", "CHU_SUDUNG", repair=self.text_repair("name")),
            Field("holder_pin", "CMND_CHU", repair=["identifier"]),
            Field("certificate", "SO_GCN", repair=["code"]),
        ]


def _first_person(parcel: dict[str, Any]) -> str | None:
    holders = parcel.get("right_holders")
    if not isinstance(holders, list) or not holders:
        return None
    first = holders[0].get("holder") if isinstance(holders[0], dict) else None
    person = first.get("person") if isinstance(first, dict) else None
    return str(person) if person else None


class DrivingExtract(Kind):
    """An Giang's legacy driver-licence list: names and birth years only."""

    name = "driving"
    system = "population"
    record_type = "Person"
    legacy_system = "{province}-GPLX"
    id_column = "SO_GPLX"
    title = "GPLX"
    columns = (
        ("SO_GPLX", 12),
        ("HO_TEN", 100),
        ("NAM_SINH", 4),
        ("HANG", 3),
        ("NGAY_CAP", 10),
    )
    default_encoding = "vni"
    default_province = "91"
    create_new = False

    def legacy_id(self, number: int) -> str:
        """Return a licence number: the province code and ten scrambled digits."""
        return f"{self.province or '00'}{(number * _SCRAMBLE) % 10**10:010d}"

    def entities(self, overlap: float) -> Iterator[Entity]:
        """Yield every living adult of the province, or one the registry lacks."""
        return self._person_entities(overlap, adults_on=self.registry.as_of)

    def row(self, entity: Entity, legacy_id: str) -> list[str]:
        """Return SO_GPLX, HO_TEN, NAM_SINH, HANG, NGAY_CAP."""
        person: Person = entity.content
        rng = self.rng
        year = person.birth.year if person.birth is not None else 1970
        first = date(max(year + 18, 1995), 1, 1).toordinal()
        last = (self.registry.as_of - timedelta(days=1)).toordinal()
        issued = date.fromordinal(rng.randint(first, max(first, last)))
        return [
            legacy_id,
            damaged_name(rng, person, self.damage),
            str(year),
            LICENCE_CLASSES.pick(rng),
            issued.strftime("%d/%m/%Y"),
        ]

    def fields(self) -> list[Field]:
        """Return the driver-licence mapping."""
        return [
            Field("full_name", "HO_TEN", repair=self.text_repair("name"), required=True),
            Field("birth_date", "NAM_SINH", repair=["date"]),
            Field("province", value=self.province or ""),
        ]


EXTRACTS: Final[dict[str, type[Kind]]] = {
    kind.name: kind for kind in (PopulationExtract, LandExtract, DrivingExtract)
}


def no_records(kind: str, province: str | None, path: str) -> LienthongError:
    """Return the error for a run that found nothing to extract."""
    return LienthongError(
        "legacy.no_records",
        N_(
            "{path} holds no records for a {kind} extract of province {province}. Give a"
            " province the data was generated for, or generate it with --province."
        ),
        field="province",
        path=path,
        kind=kind,
        province=province or "-",
    )
