"""What each column of a legacy source holds, and the mapping that follows from it.

A profile reads the first rows of a source (all of them are counted) and says, per column,
how full it is, which legacy encoding its text is in, what kind of values it holds (names,
dates, identifiers, unit codes…) and which linkage field of a record type it most likely
feeds, with the repairs it needs. The kind comes from the values; the column's name, folded
without diacritics (``HO_TEN``, ``NGAY_SINH``, ``MA_XA``), says which field when it can.
:meth:`Profile.proposed_mapping` writes all that as a mapping file to check and complete.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date
from typing import Final

from lienthong.errors import LienthongError, VnError
from lienthong.i18n import N_, _
from lienthong.linkage.readers import Source, Value
from lienthong.linkage.specs import spec_for
from lienthong.vn.ids import (
    is_valid_cmnd,
    is_valid_pin,
    is_valid_plate,
    is_valid_tax_code,
)
from lienthong.vn.names import family_name_share, split_name
from lienthong.vn.text import Encoding, convert, detect, detect_column, fold, parse_date
from lienthong.vn.units import LAST_DAY_BEFORE_REFORM, Level, Unit, find, unit

#: What a column can hold.
KINDS: Final = (
    "text",
    "name",
    "date",
    "year",
    "integer",
    "decimal",
    "pin",
    "cmnd",
    "pin_or_cmnd",
    "tax_code",
    "plate",
    "commune_code",
    "district_code",
    "province_code",
    "unit_name",
    "sex",
    "empty",
)
#: Kinds whose values are words, so that their encoding matters even when it is Unicode.
TEXT_KINDS: Final = frozenset({"text", "name", "unit_name", "sex"})
#: Rows between two progress reports.
PROGRESS_EVERY: Final = 10_000
#: Share of a column's distinct values that must fit a kind for the column to have it.
KIND_SHARE: Final = 0.9
#: Distinct values per column judged for its kind (unit names: fewer, each is a search).
KIND_VALUES: Final = 1000
UNIT_NAME_VALUES: Final = 200
ENCODING_SAMPLE: Final = 2000

# What a column's name says it holds: the meaning, from the name folded to capitals and
# digits without separators ("Họ và tên" → HOVATEN).
_HINTS: Final[dict[str, tuple[str, ...]]] = {
    "full_name": ("HOTEN", "HOVATEN", "TENDAYDU", "HOTENDAYDU"),
    "family_name": ("HO",),
    "middle_name": ("TENDEM", "DEM", "TENLOT", "LOT"),
    "given_name": ("TEN", "TENGOI"),
    "birth_date": ("NGAYSINH", "NGSINH", "NSINH", "NS", "NAMSINH", "NGAYTHANGNAMSINH"),
    "pin": (
        "CMND",
        "CCCD",
        "SOCMND",
        "SOCCCD",
        "SODD",
        "SODINHDANH",
        "CMNDCCCD",
        "SOCMT",
        "CMT",
        "DINHDANH",
    ),
    "sex": ("GIOITINH", "GT", "PHAI"),
    "commune": (
        "MAXA",
        "MAPHUONG",
        "MAPX",
        "MAXAPHUONG",
        "XA",
        "PHUONG",
        "XAPHUONG",
        "PHUONGXA",
        "TENXA",
        "TENPHUONG",
    ),
    "district": ("MAHUYEN", "MAQUAN", "MAQH", "HUYEN", "QUAN", "QUANHUYEN", "TENHUYEN"),
    "province": ("MATINH", "TINH", "TINHTP", "TENTINH"),
    "address": (
        "DIACHI",
        "DC",
        "DIACHITHUONGTRU",
        "DCTHUONGTRU",
        "THUONGTRU",
        "NOIO",
        "NOITHUONGTRU",
    ),
    "map_sheet": ("TOBD", "SOTO", "TOBANDO", "SOTOBD", "SOTOBANDO", "TO"),
    "parcel_number": ("SOTHUA", "THUA", "THUADAT", "SOTHUADAT"),
    "area_m2": ("DIENTICH", "DT", "DIENTICHM2"),
    "holder_name": ("CHUSD", "CHUSUDUNG", "TENCHU", "TENCHUSD", "CHUSUDUNGDAT"),
    "holder_pin": ("CMNDCHU", "CCCDCHU", "SOCMNDCHU"),
    "certificate": ("SOGCN", "GCN", "SOGIAYCHUNGNHAN"),
}
_HINT_OF: Final = {key: meaning for meaning, keys in _HINTS.items() for key in keys}
# Where each meaning goes in each record type (a district is followed to its province).
_MEANING_FIELDS: Final[dict[str, dict[str, str]]] = {
    "Person": {
        "full_name": "full_name",
        "family_name": "family_name",
        "middle_name": "middle_name",
        "given_name": "given_name",
        "birth_date": "birth_date",
        "pin": "pin",
        "sex": "sex",
        "commune": "commune",
        "district": "province",
        "province": "province",
        "address": "address",
    },
    "Parcel": {
        "full_name": "holder_name",
        "holder_name": "holder_name",
        "pin": "holder_pin",
        "holder_pin": "holder_pin",
        "commune": "commune",
        "district": "province",
        "province": "province",
        "address": "address",
        "map_sheet": "map_sheet",
        "parcel_number": "parcel_number",
        "area_m2": "area_m2",
        "certificate": "certificate",
    },
}
# Where a kind goes when the column's name says nothing.
_KIND_FIELDS: Final[dict[str, dict[str, str]]] = {
    "Person": {
        "name": "full_name",
        "date": "birth_date",
        "pin": "pin",
        "cmnd": "pin",
        "pin_or_cmnd": "pin",
        "sex": "sex",
        "commune_code": "commune",
        "district_code": "province",
        "province_code": "province",
    },
    "Parcel": {
        "name": "holder_name",
        "pin": "holder_pin",
        "cmnd": "holder_pin",
        "pin_or_cmnd": "holder_pin",
        "commune_code": "commune",
        "district_code": "province",
        "province_code": "province",
    },
}
_NAME_FIELDS: Final = frozenset(
    {"full_name", "family_name", "middle_name", "given_name", "holder_name"}
)
_REPAIRS: Final[dict[str, tuple[str, ...]]] = {
    **dict.fromkeys(_NAME_FIELDS, ("name",)),
    "birth_date": ("date",),
    "pin": ("identifier",),
    "cmnd": ("identifier",),
    "holder_pin": ("identifier",),
    "holder_cmnd": ("identifier",),
    "area_m2": ("number",),
    "map_sheet": ("code",),
    "parcel_number": ("code",),
    "certificate": ("code",),
}
_UNIT_KIND_LEVELS: Final[dict[str, Level]] = {
    "commune_code": "commune",
    "district_code": "district",
    "province_code": "province",
}
_MEANING_LEVELS: Final[dict[str, Level]] = {
    "commune": "commune",
    "district": "district",
    "province": "province",
}
_PLAIN: Final = frozenset({Encoding.UNICODE.value, "ascii"})
_INTEGER: Final = re.compile(r"[+-]?\d+")
_DECIMAL: Final = re.compile(r"[+-]?\d+[.,]\d+")
_DAY_MONTH: Final = re.compile(r"(\d{1,2})\s*([/.\-])\s*(\d{1,2})\s*\2\s*(\d{2}|\d{4})")
_SEXES: Final = frozenset({"nam", "nu", "m", "f", "male", "female"})
# Names of columns that identify a row: ID, STT (số thứ tự), MA_…, SO_….
_KEY_NAME: Final = re.compile(r"^(ID|STT|MA|SO)|ID$")
_SPACE: Final = re.compile(r"\s")
_UNPRINTABLE: Final = re.compile(r"[\x00-\x1f\x7f]")


@dataclass(frozen=True)
class ColumnProfile:
    """What one column holds, over the rows sampled, and where it would go.

    ``total`` is the number of rows sampled and ``fill_rate`` the share of them with a value.
    ``unit_level`` and ``date_order`` say how the ``unit`` and ``date`` repairs should read it;
    ``meaning`` is what the column's name says it holds, if anything; ``key`` is true when
    every sampled value is a distinct single token, so the column could identify a row.
    """

    name: str
    total: int
    filled: int
    fill_rate: float
    encoding: str | None
    confidence: float | None
    kind: str
    examples: tuple[str, ...]
    proposed_field: str | None
    proposed_repair: tuple[str, ...]
    meaning: str | None = None
    unit_level: Level | None = None
    old_units: bool = False
    date_order: str | None = None
    key: bool = False


@dataclass(frozen=True)
class Profile:
    """A source's columns as profiled; ``rows`` counts every row, ``sampled`` those judged."""

    source: str
    rows: int
    columns: tuple[ColumnProfile, ...]
    sampled: int = 0
    problems: int = 0
    record_type: str = "Person"

    def proposed_mapping(self, *, system: str, record_type: str, source_system: str) -> str:
        """Return a mapping file (TOML) proposing a field for every column that has one."""
        _check_target(system, record_type)
        columns = _propose(self.columns, record_type)
        lines = [
            "# "
            + _("Mapping proposed for {source}: {rows} rows, the first {sampled} profiled.").format(
                source=_comment(self.source), rows=self.rows, sampled=self.sampled
            ),
            "# " + _("Check every field before linking; unmapped columns are listed below."),
            "",
            "[source]",
            f"system = {_toml(source_system)}",
        ]
        identifier = _identifier(columns)
        if identifier is not None:
            lines.append(f"id = [{_toml(identifier)}]")
            lines.append(
                "# "
                + _(
                    "{column} is filled and unique in the sample: check that it identifies a record."
                ).format(column=_comment(identifier))
            )
        else:
            lines.append(
                "# "
                + _(
                    "No column is filled and unique in the sample: rows are identified by their number."
                )
            )
        lines += [
            "",
            "[target]",
            f"system = {_toml(system)}",
            f"record_type = {_toml(record_type)}",
            "create_new = true",
            "",
        ]
        unmapped = [column for column in columns if column.proposed_field is None]
        if unmapped:
            lines.append("# " + _("Not mapped:"))
            lines += ["# " + _describe(column) for column in unmapped]
            lines.append("")
        mapped = [column for column in columns if column.proposed_field is not None]
        if not mapped:
            lines += ["[fields]", ""]
        for column in mapped:
            lines.append("# " + _describe(column))
            lines.append(f"[fields.{column.proposed_field}]")
            lines.append(f"column = {_toml(column.name)}")
            lines.append(f"repair = [{', '.join(_toml(step) for step in column.proposed_repair)}]")
            if "unit" in column.proposed_repair and column.unit_level is not None:
                lines.append(f"unit_level = {_toml(column.unit_level)}")
            if "date" in column.proposed_repair and column.date_order == "mdy":
                lines.append('date_order = "mdy"')
            if column.proposed_field in ("full_name", "holder_name"):
                lines.append("required = true")
            lines.append("")
        return "\n".join(lines)


def _check_target(system: str, record_type: str) -> None:
    spec = spec_for(record_type)
    if spec.system != system:
        raise LienthongError(
            "linkage.profile.system",
            N_("The record type {record_type} belongs to the system {expected}, not {system}."),
            field="system",
            record_type=record_type,
            expected=spec.system,
            system=system,
        )


def _toml(text: str) -> str:
    # JSON string escapes are valid TOML basic-string escapes.
    return json.dumps(text, ensure_ascii=False)


def _comment(text: str) -> str:
    return _UNPRINTABLE.sub(" ", text)


def _describe(column: ColumnProfile) -> str:
    parts = [f"{_comment(column.name)}: {column.kind}"]
    if column.encoding is not None:
        encoding = column.encoding
        if column.confidence is not None:
            encoding += f" ({column.confidence:.2f})"
        parts.append(encoding)
    parts.append(_("filled {percent:.1f} %").format(percent=100 * column.fill_rate))
    if column.examples:
        parts.append(
            _("e.g. {examples}").format(
                examples=", ".join(_toml(_comment(example)) for example in column.examples)
            )
        )
    return ", ".join(parts)


def _identifier(columns: Sequence[ColumnProfile]) -> str | None:
    """Return the column that best identifies a row: filled, distinct, and named like a key."""
    candidates = [
        column
        for column in columns
        if column.key
        and column.total > 1
        and column.filled == column.total
        and column.proposed_field in (None, "certificate")
    ]
    named = [column for column in candidates if _KEY_NAME.match(_header_key(column.name))]
    chosen = named or candidates
    return chosen[0].name if chosen else None


def profile_source(
    source: Source,
    *,
    sample: int = 10_000,
    record_type: str = "Person",
    progress: Callable[[int], None] | None = None,
) -> Profile:
    """Count every row of a source and profile each column over its first ``sample`` rows."""
    spec_for(record_type)
    if not isinstance(sample, int) or sample < 1:
        raise LienthongError(
            "linkage.profile.sample",
            N_("The sample must be a whole number of rows, at least 1, not {sample}."),
            field="sample",
            sample=sample,
        )
    values: dict[str, list[Value]] = {name: [] for name in source.columns}
    rows = problems = 0
    for row in source.rows():
        rows += 1
        if row.problem is not None:
            problems += 1
        if rows <= sample:
            for name in source.columns:
                values[name].append(row.values.get(name))
        if progress is not None and rows % PROGRESS_EVERY == 0:
            progress(rows)
    if progress is not None:
        progress(rows)
    sampled = min(rows, sample)
    columns = tuple(_profile_column(name, values[name], sampled) for name in source.columns)
    return Profile(
        source=source.name,
        rows=rows,
        columns=_propose(columns, record_type),
        sampled=sampled,
        problems=problems,
        record_type=record_type,
    )


def _filled_value(value: Value) -> Value:
    if value is None:
        return None
    if isinstance(value, bytes):
        return value if value.strip() else None
    return value if value.strip() else None


def _profile_column(name: str, raw: list[Value], total: int) -> ColumnProfile:
    filled = [value for value in map(_filled_value, raw) if value is not None]
    distinct = list(dict.fromkeys(filled))
    meaning = _HINT_OF.get(_header_key(name))
    if not filled:
        return ColumnProfile(
            name=name,
            total=total,
            filled=0,
            fill_rate=0.0,
            encoding=None,
            confidence=None,
            kind="empty",
            examples=(),
            proposed_field=None,
            proposed_repair=(),
            meaning=meaning,
        )
    detection = detect_column(distinct, sample=ENCODING_SAMPLE, field=name)
    encoding = detection.encoding
    label = encoding.value
    if encoding is Encoding.UNICODE and all(value.isascii() for value in distinct):
        label = "ascii"
    texts = list(dict.fromkeys(_unicode(value, encoding, name).strip() for value in distinct))
    kind, level, old = _kind(texts[:KIND_VALUES], meaning)
    if level is None and meaning in _MEANING_LEVELS:
        level = _MEANING_LEVELS[meaning]
    shown = label if kind in TEXT_KINDS or label not in _PLAIN else None
    return ColumnProfile(
        name=name,
        total=total,
        filled=len(filled),
        fill_rate=len(filled) / total if total else 0.0,
        encoding=shown,
        confidence=detection.confidence if shown is not None else None,
        kind=kind,
        examples=tuple(texts[:3]),
        proposed_field=None,
        proposed_repair=(),
        meaning=meaning,
        unit_level=level,
        old_units=old,
        date_order=_date_order(texts[:KIND_VALUES]) if kind == "date" else None,
        key=len(distinct) == len(filled) and not any(_SPACE.search(text) for text in texts),
    )


def _header_key(name: str) -> str:
    return re.sub(r"[^A-Z0-9]", "", fold(name).upper())


def _unicode(value: bytes | str, encoding: Encoding, column: str) -> str:
    try:
        return convert(value, encoding, field=column)
    except VnError:
        try:
            return detect(value, field=column).text or ""
        except VnError:
            return value.decode("latin-1") if isinstance(value, bytes) else value


def _share(values: Sequence[str], test: Callable[[str], bool]) -> float:
    return sum(1 for value in values if test(value)) / len(values)


def _fits(values: Sequence[str], test: Callable[[str], bool]) -> bool:
    return _share(values, test) >= KIND_SHARE


def _kind(values: Sequence[str], meaning: str | None) -> tuple[str, Level | None, bool]:
    """Return the kind of a column's values, and for unit kinds their level and age."""
    if all(value.isascii() and value.isdigit() for value in values):
        return _digit_kind(values, meaning)
    if _fits(
        values,
        lambda value: (
            _DECIMAL.fullmatch(value) is not None or _INTEGER.fullmatch(value) is not None
        ),
    ):
        return (
            ("decimal" if any(_DECIMAL.fullmatch(value) for value in values) else "integer"),
            None,
            False,
        )
    if _fits(values, _is_date):
        return "date", None, False
    if _fits(values, lambda value: fold(value).lower() in _SEXES):
        return "sex", None, False
    if _fits(values, _is_tax_code):
        return "tax_code", None, False
    if _fits(values, is_valid_plate):
        return "plate", None, False
    if _fits(values, _is_identifier):
        return _identifier_kind(values), None, False
    if _fits_name(values, meaning):
        return "name", None, False
    level = _unit_names(values[:UNIT_NAME_VALUES])
    if level is not None:
        # A unit's name, old or not, is followed to its code after the reform.
        return "unit_name", level, True
    return "text", None, False


def _digit_kind(values: Sequence[str], meaning: str | None) -> tuple[str, Level | None, bool]:
    if meaning == "sex" and set(values) <= {"0", "1"}:
        return "sex", None, False
    if _fits(values, _is_identifier):
        return _identifier_kind(values), None, False
    lengths = {len(value) for value in values}
    for kind, level in _UNIT_KIND_LEVELS.items():
        found = _unit_codes(values, level) if lengths == {_LENGTHS[level]} else None
        if found is not None:
            return kind, level, found
    if lengths == {10} and _fits(values, _is_tax_code):
        return "tax_code", None, False
    if lengths == {4} and _fits(values, _is_year):
        return "year", None, False
    if lengths == {8} and _fits(values, _is_date):
        return "date", None, False
    return "integer", None, False


_LENGTHS: Final[dict[Level, int]] = {"province": 2, "district": 3, "commune": 5}


def _is_identifier(value: str) -> bool:
    digits = value.replace(" ", "").replace(".", "")
    return is_valid_pin(digits) or is_valid_cmnd(digits)


def _identifier_kind(values: Sequence[str]) -> str:
    pins = sum(1 for value in values if is_valid_pin(value.replace(" ", "").replace(".", "")))
    if pins == 0:
        return "cmnd"
    cmnds = sum(1 for value in values if is_valid_cmnd(value.replace(" ", "").replace(".", "")))
    return "pin_or_cmnd" if cmnds else "pin"


def _is_tax_code(value: str) -> bool:
    return is_valid_tax_code(value)


def _is_year(value: str) -> bool:
    return 1850 <= int(value) <= date.today().year


def _is_date(value: str) -> bool:
    try:
        parse_date(value)
        return True
    except VnError:
        pass
    match = _DAY_MONTH.fullmatch(value)
    if match is None:
        return False
    first, separator, second, year = match.groups()
    try:
        parse_date(f"{second}{separator}{first}{separator}{year}")
        return True
    except VnError:
        return False


def _date_order(values: Sequence[str]) -> str:
    """Return "mdy" when some dates only read month first and none only day first."""
    day_first = month_first = False
    for value in values:
        match = _DAY_MONTH.fullmatch(value)
        if match is None:
            continue
        first, _separator, second, _year = match.groups()
        day_first |= int(first) > 12
        month_first |= int(second) > 12
    return "mdy" if month_first and not day_first else "dmy"


def _unit_codes(values: Sequence[str], level: Level) -> bool | None:
    """Return whether unit codes are old ones (before the reform), or None if they are not codes."""
    old = new = 0
    for value in values:
        old += _in_force(value, level, LAST_DAY_BEFORE_REFORM)
        new += level != "district" and _in_force(value, level, None)
    if max(old, new) < KIND_SHARE * len(values):
        return None
    return old >= new


def _in_force(code: str, level: Level, on: date | None) -> bool:
    try:
        unit(code, level=level, on=on)
        return True
    except VnError:
        return False


def _fits_name(values: Sequence[str], meaning: str | None) -> bool:
    def words(value: str) -> list[str] | None:
        try:
            parts = split_name(value)
        except VnError:
            return None
        return [part for part in (parts.family, parts.middle, parts.given) if part]

    if meaning in ("family_name", "middle_name", "given_name"):
        return _fits(values, lambda value: words(value) is not None)

    def full_name(value: str) -> bool:
        parts = words(value)
        if parts is None or not 2 <= len(value.split()) <= 7:
            return False
        split = value.split()
        return family_name_share(split[0]) is not None or family_name_share(split[-1]) is not None

    return _share(values, full_name) >= 0.8


def _unit_names(values: Sequence[str]) -> Level | None:
    """Return the level most values name a unit at, before or after the reform, or None."""
    levels: dict[Level, int] = {}
    matched = 0
    for value in values:
        found = _find_unit(value, LAST_DAY_BEFORE_REFORM) or _find_unit(value, None)
        if not found:
            continue
        matched += 1
        for level in {member.level for member in found}:
            levels[level] = levels.get(level, 0) + 1
    if matched < 0.8 * len(values) or not levels:
        return None
    return max(levels, key=lambda name: (levels[name], name == "commune"))


def _find_unit(value: str, on: date | None) -> list[Unit]:
    try:
        return find(value, on=on)
    except VnError:
        return []


def _propose(columns: Iterable[ColumnProfile], record_type: str) -> tuple[ColumnProfile, ...]:
    """Return the columns with the field and repairs each feeds in a record type.

    A column named for a field wins over one whose values merely look like it; otherwise the
    first column wins, and a second column of old identity numbers feeds the ``cmnd`` field.
    """
    fields = spec_for(record_type).fields
    wanted: list[tuple[ColumnProfile, str | None, bool]] = []
    for column in columns:
        target, named = _field_for(column, record_type)
        wanted.append((column, target if target in fields else None, named))
    taken: dict[str, int] = {}
    for named_first in (True, False):
        for index, (column, target, named) in enumerate(wanted):
            if target is None or named is not named_first:
                continue
            if target in taken:
                second = {"pin": "cmnd", "holder_pin": "holder_cmnd"}.get(target)
                if second is None or second in taken or column.kind != "cmnd":
                    continue
                target = second
            taken[target] = index
    result = []
    for index, (column, _target, _named) in enumerate(wanted):
        target = next((name for name, owner in taken.items() if owner == index), None)
        result.append(
            replace(column, proposed_field=target, proposed_repair=_repairs(column, target))
        )
    return tuple(result)


def _field_for(column: ColumnProfile, record_type: str) -> tuple[str | None, bool]:
    if column.kind == "empty":
        return None, False
    if column.meaning is not None:
        # A column named for what this record type lacks (a map sheet for a person) feeds nothing.
        return _MEANING_FIELDS[record_type].get(column.meaning), True
    return _KIND_FIELDS[record_type].get(column.kind), False


def _repairs(column: ColumnProfile, target: str | None) -> tuple[str, ...]:
    if target is None:
        return ()
    steps: list[str] = []
    if column.encoding is not None and column.encoding not in _PLAIN:
        steps.append("encoding")
    if target in ("commune", "province"):
        if column.old_units or column.meaning == "district":
            steps.append("unit")
    else:
        steps.extend(_REPAIRS.get(target, ()))
    return tuple(steps)
