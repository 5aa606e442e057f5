"""The mapping file: how a legacy file's columns become the linkage fields of a record type.

A mapping is TOML (see docs/consolidation.md)::

    [source]
    system = "AGG-GPLX"
    id = ["SO_GPLX"]

    [target]
    system = "population"
    record_type = "Person"

    [fields.full_name]
    column = "HO_TEN"
    repair = ["encoding", "name"]
    required = true

:class:`Mapper` applies it to the rows of a :class:`~lienthong.linkage.readers.Source`:
it first learns each text column's legacy encoding over the whole column, then turns
every row into a :class:`MappedRow` — its fields, or the reason it is rejected.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, Final, Self

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from lienthong.errors import LienthongError
from lienthong.i18n import N_, _
from lienthong.linkage import repair
from lienthong.linkage.readers import LegacyRow
from lienthong.linkage.repair import DateOrder, Repair
from lienthong.linkage.specs import spec_for
from lienthong.vn.text import Detection, Encoding, convert, detect_column
from lienthong.vn.units import Level

#: Distinct non-ASCII values per column that decide its encoding.
ENCODING_SAMPLE: Final = 2000
#: Distinct values per field whose repair is remembered.
MEMO_LIMIT: Final = 200_000
#: The day legacy files are read as of, unless a field says otherwise: the last day before
#: the 2025 reform of administrative units.
LEGACY_AS_OF: Final = date(2025, 6, 30)


class FieldRule(BaseModel):
    """Where one linkage field comes from and how it is repaired."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    column: str | None = None
    columns: list[str] | None = None
    value: str | None = None
    repair: list[Repair] = Field(default_factory=list)
    required: bool = False
    encoding: Encoding | None = None
    date_order: DateOrder = "dmy"
    unit_level: Level | None = None
    as_of: date = LEGACY_AS_OF

    @model_validator(mode="after")
    def _one_origin(self) -> Self:
        given = [self.column is not None, bool(self.columns), self.value is not None]
        if sum(given) != 1:
            raise ValueError("give exactly one of column, columns or value")
        return self

    def source_columns(self) -> list[str]:
        """Return the legacy columns the field reads."""
        if self.column is not None:
            return [self.column]
        return list(self.columns or ())


class SourceSection(BaseModel):
    """The legacy system the file comes from."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    system: str = Field(min_length=1, max_length=128)
    id: list[str] = Field(default_factory=list)
    encoding: Encoding | None = None


class TargetSection(BaseModel):
    """The registry record type the file is linked to."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    system: str
    record_type: str
    create_new: bool = True


class LegacyMapping(BaseModel):
    """A whole mapping file."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    source: SourceSection
    target: TargetSection
    fields: dict[str, FieldRule]

    def columns(self) -> list[str]:
        """Return every legacy column the mapping reads, identifier columns first."""
        seen = dict.fromkeys(self.source.id)
        for rule in self.fields.values():
            seen.update(dict.fromkeys(rule.source_columns()))
        return list(seen)


@dataclass(frozen=True)
class LoadedMapping:
    """A mapping with the text it was read from (kept with the run, for provenance)."""

    mapping: LegacyMapping
    text: str
    path: Path


def load_mapping(path: Path) -> LoadedMapping:
    """Read and check a mapping file against the linkage fields of its record type."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise LienthongError(
            "linkage.mapping.not_found",
            N_(
                "The mapping file {path} does not exist. Write one, or let "
                "'lienthong consolidate profile FILE --mapping-out {path}' propose it."
            ),
            field="mapping",
            path=str(path),
        ) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise LienthongError(
            "linkage.mapping.unreadable",
            N_("The mapping file {path} cannot be read as UTF-8 text: {reason}."),
            field="mapping",
            path=str(path),
            reason=str(exc),
        ) from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise LienthongError(
            "linkage.mapping.malformed",
            N_("The mapping file {path} is not valid TOML: {reason}. Fix the line it names."),
            field="mapping",
            path=str(path),
            reason=str(exc),
        ) from None
    return LoadedMapping(mapping=parse_mapping(data, path=path), text=text, path=path)


def parse_mapping(data: Mapping[str, Any], *, path: Path) -> LegacyMapping:
    """Return the mapping of parsed TOML, failing on the first key that is wrong."""
    try:
        mapping = LegacyMapping.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        key = ".".join(str(part) for part in first["loc"])
        raise LienthongError(
            "linkage.mapping.invalid",
            N_("In the mapping file {path}, {key} is wrong: {reason}."),
            field=key,
            path=str(path),
            key=key or "-",
            reason=first["msg"],
        ) from None
    spec = spec_for(mapping.target.record_type)
    if spec.system != mapping.target.system:
        raise LienthongError(
            "linkage.mapping.system",
            N_(
                "In the mapping file {path}, record type {record_type} belongs to the system "
                "{expected}, not {system}."
            ),
            field="target.system",
            path=str(path),
            record_type=mapping.target.record_type,
            expected=spec.system,
            system=mapping.target.system,
        )
    unknown = sorted(set(mapping.fields) - set(spec.fields))
    if unknown:
        raise LienthongError(
            "linkage.mapping.unknown_field",
            N_(
                "In the mapping file {path}, {record_type} has no linkage field {name}. "
                "Its fields are: {known}."
            ),
            field=f"fields.{unknown[0]}",
            path=str(path),
            record_type=spec.record_type,
            name=unknown[0],
            known=", ".join(spec.fields),
        )
    for name, rule in mapping.fields.items():
        if "unit" in rule.repair and rule.unit_level is None and name not in _UNIT_LEVELS:
            raise LienthongError(
                "linkage.mapping.unit_level",
                N_(
                    "In the mapping file {path}, fields.{name} repairs a unit: say which with "
                    'unit_level = "commune", "district" or "province".'
                ),
                field=f"fields.{name}",
                path=str(path),
                name=name,
            )
    return mapping


#: A repaired value, the fields it taught (an old commune's province), and a warning.
_Outcome = tuple[str | None, dict[str, str | None], str | None]

#: The unit level of the fields that hold one, when the mapping does not say.
_UNIT_LEVELS: Final[dict[str, Level]] = {"commune": "commune", "province": "province"}


@dataclass
class _Sample:
    """The distinct values of a column that decide its encoding: non-ASCII ones first."""

    non_ascii: dict[bytes | str, None] = field(default_factory=dict)
    ascii: dict[bytes | str, None] = field(default_factory=dict)

    def add(self, value: bytes | str) -> bool:
        """Keep a value; return whether the sample is complete."""
        if not value.isascii():
            self.non_ascii[value] = None
            return len(self.non_ascii) >= ENCODING_SAMPLE
        if len(self.ascii) < ENCODING_SAMPLE:
            self.ascii[value] = None
        return False

    def values(self) -> list[bytes | str]:
        """Return the sampled values, non-ASCII first."""
        return [*self.non_ascii, *self.ascii]


@dataclass(frozen=True)
class MappedRow:
    """One legacy row as linkage fields, or the reason it cannot be linked."""

    legacy_id: str
    row_number: int
    fields: dict[str, str | None]
    problem: LienthongError | None = None
    warnings: tuple[str, ...] = ()

    @property
    def rejected(self) -> bool:
        """Return whether the row cannot be linked."""
        return self.problem is not None


@dataclass
class Mapper:
    """Apply a mapping to the rows of one source."""

    mapping: LegacyMapping
    source: str
    columns: Sequence[str]
    #: The encoding chosen for each legacy column that needs one, once learnt.
    encodings: dict[str, Detection] = field(default_factory=dict)
    _seen: set[str] = field(default_factory=set)
    _memo: dict[str, dict[str | None, _Outcome | LienthongError]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self._plan = [
            (name, rule, ",".join(rule.source_columns()) or name)
            for name, rule in self.mapping.fields.items()
        ]
        missing = [column for column in self.mapping.columns() if column not in self.columns]
        if missing:
            raise LienthongError(
                "linkage.mapping.missing_column",
                N_(
                    "The mapping reads the column {column}, which {source} does not have. "
                    "Its columns are: {columns}."
                ),
                field=missing[0],
                column=missing[0],
                source=self.source,
                columns=", ".join(self.columns),
            )

    def learn(self, rows: Iterable[LegacyRow]) -> dict[str, Detection]:
        """Decide the legacy encoding of every text column the mapping reads, column by column."""
        forced = self._forced_encodings()
        wanted = [column for column in self.mapping.columns() if column not in forced]
        samples: dict[str, _Sample] = {column: _Sample() for column in wanted}
        open_columns = set(wanted)
        for row in rows:
            for column in list(open_columns):
                value = row.values.get(column)
                if value and samples[column].add(value):
                    open_columns.discard(column)
            if not open_columns:
                break
        self.encodings = {
            column: detect_column(samples[column].values(), sample=ENCODING_SAMPLE, field=column)
            for column in wanted
        }
        self.encodings.update(
            {
                column: Detection(encoding=encoding, confidence=1.0)
                for column, encoding in forced.items()
            }
        )
        return self.encodings

    def _forced_encodings(self) -> dict[str, Encoding]:
        forced: dict[str, Encoding] = {}
        for rule in self.mapping.fields.values():
            encoding = rule.encoding or self.mapping.source.encoding
            if encoding is not None:
                forced.update(dict.fromkeys(rule.source_columns(), encoding))
        if self.mapping.source.encoding is not None:
            forced.update(dict.fromkeys(self.mapping.source.id, self.mapping.source.encoding))
        return forced

    def apply(self, rows: Iterable[LegacyRow]) -> Iterator[MappedRow]:
        """Yield every row as linkage fields, or rejected with the reason; none is lost."""
        for row in rows:
            yield self.map_row(row)

    def map_row(self, row: LegacyRow) -> MappedRow:
        """Return one row as linkage fields, or rejected with the reason."""
        legacy_id = self._legacy_id(row)
        if row.problem is not None:
            return MappedRow(legacy_id, row.number, {}, problem=row.problem)
        try:
            fields, warnings = self._fields(row)
        except LienthongError as problem:
            return MappedRow(legacy_id, row.number, {}, problem=problem)
        if legacy_id in self._seen:
            # The row keeps a name of its own, so that it is reported and not lost.
            return MappedRow(
                f"{legacy_id}#{row.number}",
                row.number,
                fields,
                problem=self._duplicate_id(legacy_id, row),
            )
        self._seen.add(legacy_id)
        return MappedRow(legacy_id, row.number, fields, warnings=tuple(warnings))

    def _legacy_id(self, row: LegacyRow) -> str:
        if not self.mapping.source.id:
            return str(row.number)
        parts = [self._text(row, column) or "" for column in self.mapping.source.id]
        return "/".join(part.strip() for part in parts) or f"#{row.number}"

    def _duplicate_id(self, legacy_id: str, row: LegacyRow) -> LienthongError:
        return LienthongError(
            "linkage.row.duplicate_id",
            N_(
                "Row {row} of {source} has the identifier {legacy_id} of an earlier row. "
                "Give each legacy record its own identifier, or map more id columns."
            ),
            field=",".join(self.mapping.source.id),
            row=row.number,
            source=self.source,
            legacy_id=legacy_id,
        )

    def _text(self, row: LegacyRow, column: str) -> str | None:
        value = row.values.get(column)
        if not value:
            return None
        detection = self.encodings.get(column)
        encoding = detection.encoding if detection is not None else Encoding.UNICODE
        if value.isascii() and encoding is not Encoding.VIQR:
            # Every legacy encoding but VIQR leaves ASCII as it is.
            return value if isinstance(value, str) else value.decode("ascii")
        return convert(value, encoding, field=column)

    def _fields(self, row: LegacyRow) -> tuple[dict[str, str | None], list[str]]:
        fields: dict[str, str | None] = {}
        derived: dict[str, str | None] = {}
        warnings: list[str] = []
        for name, rule, column in self._plan:
            raw = self._raw(row, rule)
            outcome = self._outcome(name, rule, raw, column=column)
            if isinstance(outcome, LienthongError):
                if rule.required:
                    raise self._unrepairable(row, name, column, outcome)
                warnings.append(f"{column}: {outcome.message()}")
                value = None
            else:
                value, learnt, warning = outcome
                for other, found in learnt.items():
                    derived.setdefault(other, found)
                if warning:
                    warnings.append(warning)
            if value is None and rule.required:
                raise LienthongError(
                    "linkage.row.required",
                    N_(
                        "Row {row} of {source}: column {column} is empty, and the mapping says "
                        "{name} is required. Fill it in, or drop required from the mapping."
                    ),
                    field=column,
                    row=row.number,
                    source=self.source,
                    column=column,
                    name=name,
                )
            fields[name] = value
        # A repair may learn a field the mapping does not fill (an old commune's province).
        for name, value in derived.items():
            if fields.get(name) is None:
                fields[name] = value
        return fields, warnings

    def _unrepairable(
        self, row: LegacyRow, name: str, column: str, cause: LienthongError
    ) -> LienthongError:
        return LienthongError(
            "linkage.row.unrepairable",
            N_("Row {row} of {source}, column {column} ({name}): {reason}"),
            field=column,
            row=row.number,
            source=self.source,
            column=column,
            name=name,
            reason=cause.message(),
            cause=cause.code,
        )

    def _outcome(
        self, name: str, rule: FieldRule, raw: str | None, *, column: str
    ) -> _Outcome | LienthongError:
        """Return a field's repaired value, what it taught of other fields, and any warning.

        Legacy columns repeat their values (a commune, a family name, a date), and every
        repair is a function of the value alone: each distinct value is repaired once.
        """
        memo = self._memo.setdefault(name, {})
        found = memo.get(raw)
        if found is not None:
            return found
        derived: dict[str, str | None] = {}
        warnings: list[str] = []
        outcome: _Outcome | LienthongError
        try:
            value = self._repaired(name, rule, raw, derived=derived, warnings=warnings)
            if name == "sex" and value is not None:
                value = repair.sex(value, field=column)
            outcome = (value, derived, warnings[0] if warnings else None)
        except LienthongError as exc:
            outcome = exc
        if len(memo) >= MEMO_LIMIT:
            memo.clear()
        memo[raw] = outcome
        return outcome

    def _raw(self, row: LegacyRow, rule: FieldRule) -> str | None:
        if rule.value is not None:
            return rule.value
        if rule.column is not None:
            return self._text(row, rule.column)
        parts = [self._text(row, column) for column in rule.source_columns()]
        joined = " ".join(part.strip() for part in parts if part and part.strip())
        return joined or None

    def _repaired(
        self,
        name: str,
        rule: FieldRule,
        value: str | None,
        *,
        derived: dict[str, str | None],
        warnings: list[str],
    ) -> str | None:
        for step in rule.repair:
            if value is None:
                return None
            value = self._step(name, rule, step, value, derived=derived, warnings=warnings)
        if value is None:
            return None
        return repair.spaces(value) or None

    def _step(
        self,
        name: str,
        rule: FieldRule,
        step: Repair,
        value: str,
        *,
        derived: dict[str, str | None],
        warnings: list[str],
    ) -> str | None:
        if step == "encoding":
            # Text was converted when read from its column (the encoding is per column).
            return value
        if step == "date":
            return repair.iso_date(value, order=rule.date_order, field=name)
        if step == "number":
            return repair.number(value, field=name)
        if step == "unit":
            level = rule.unit_level or _UNIT_LEVELS[name]
            found = repair.unit(value, level=level, as_of=rule.as_of, field=name)
            if found is None:
                return None
            derived.setdefault("province", found.province)
            return found.code if level != "district" else None
        if step == "identifier":
            return self._identifier(name, value, derived=derived, warnings=warnings)
        return repair.SIMPLE[step](value)

    def _identifier(
        self, name: str, value: str, *, derived: dict[str, str | None], warnings: list[str]
    ) -> str | None:
        found = repair.identifier(value)
        if found is None:
            warnings.append(
                _("{name}: {value} is neither a personal identification number nor a CMND.").format(
                    name=name, value=value
                )
            )
            return None
        kind, number = found
        # A pin field keeps pins; the old card number goes to its cmnd sibling.
        pin_field = name if name.endswith("pin") else name.replace("cmnd", "pin")
        cmnd_field = pin_field.removesuffix("pin") + "cmnd"
        target = pin_field if kind == "pin" else cmnd_field
        if target == name:
            return number
        derived[target] = number
        return None
