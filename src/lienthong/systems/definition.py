"""The declarative definition of an information system: record types, search, services.

A system is data, not code paths in the platform: a package builds one ``System`` and
registers it (explicitly with ``SystemRegistry.register``, or through the
``lienthong.systems`` entry-point group that ``SystemRegistry.load_entry_points`` reads).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from functools import lru_cache
from importlib.metadata import entry_points
from typing import Any, Final, Protocol

from pydantic import BaseModel, ValidationError

from lienthong.errors import LienthongError
from lienthong.i18n import N_

#: Where a value lives in a record's content: a dotted path or a function of the content.
Extractor = str | Callable[[Mapping[str, Any]], Any]

ENTRY_POINT_GROUP: Final = "lienthong.systems"

_TYPE_NAME = re.compile(r"^[A-Z][A-Za-z0-9]{0,63}$")
_PARAM_NAME = re.compile(r"^[a-z][a-z0-9_-]{0,63}$")
_CODE = re.compile(r"^[A-Za-z][A-Za-z0-9_.-]{0,127}$")


class SearchKind(StrEnum):
    """The kind of a search parameter, which chooses its index table and its matching."""

    STRING = "string"  # folded text: prefix or exact, diacritic- and case-insensitive
    TOKEN = "token"  # an exact code, optionally qualified by a system (system|code)
    DATE = "date"  # a date, partial date or instant, indexed as a low/high range
    NUMBER = "number"  # a number compared with eq, ne, lt, le, gt, ge
    REFERENCE = "reference"  # the identifier of a record of another record type


class Operation(StrEnum):
    """What a service does: one of the standard record operations, or a custom one."""

    GET = "get"
    SEARCH = "search"
    HISTORY = "history"
    CREATE = "create"
    UPDATE = "update"
    DELETE = "delete"
    CUSTOM = "custom"


#: The operations every record type exposes unless its system says otherwise.
STANDARD_OPERATIONS: Final = (
    Operation.GET,
    Operation.SEARCH,
    Operation.HISTORY,
    Operation.CREATE,
    Operation.UPDATE,
)


def _invalid_definition(what: str, reason: str) -> LienthongError:
    return LienthongError(
        "systems.invalid_definition",
        N_("The system definition is invalid at {what}: {reason}. Correct the definition."),
        field=what,
        what=what,
        reason=reason,
    )


def _walk(value: Any, parts: tuple[str, ...]) -> Iterator[Any]:
    if value is None:
        return
    if isinstance(value, list | tuple):
        for item in value:
            yield from _walk(item, parts)
        return
    if not parts:
        yield value
        return
    if isinstance(value, Mapping):
        yield from _walk(value.get(parts[0]), parts[1:])


@lru_cache(maxsize=4096)
def _parts(path: str) -> tuple[str, ...]:
    return tuple(path.split("."))


def extract(extractor: Extractor, content: Mapping[str, Any]) -> list[Any]:
    """Return every non-null value an extractor finds in a record's content.

    A dotted path descends through objects and fans out over lists, so
    ``"identifiers.value"`` yields the value of each identifier.
    """
    if callable(extractor):
        found = extractor(content)
        if found is None:
            return []
        if isinstance(found, list | tuple | set | frozenset):
            return [item for item in found if item is not None]
        return [found]
    parts = _parts(extractor)
    if len(parts) == 1 and type(content) is dict:
        # A top-level field holding one value: the common case, without the walk.
        value = content.get(parts[0])
        if value is None:
            return []
        if not isinstance(value, list | tuple):
            return [value]
    return list(_walk(content, parts))


def _check_extractor(extractor: Extractor, where: str) -> None:
    if isinstance(extractor, str) and not all(extractor.split(".")):
        raise _invalid_definition(where, f"{extractor!r} is not a dotted path")


@dataclass(frozen=True)
class SearchParam:
    """A search parameter: a name, a kind, and where its values are in the content."""

    name: str
    kind: SearchKind
    path: Extractor
    target: str | None = None  # the referenced record type, for REFERENCE parameters
    description: str = ""

    def __post_init__(self) -> None:
        if not _PARAM_NAME.match(self.name):
            raise _invalid_definition(self.name, "a search parameter name is lower-case a-z0-9_-")
        _check_extractor(self.path, self.name)
        if (self.kind is SearchKind.REFERENCE) != (self.target is not None):
            raise _invalid_definition(self.name, "a reference parameter, and only it, has a target")

    def values(self, content: Mapping[str, Any]) -> list[Any]:
        """Return the raw values of this parameter in a record's content."""
        return extract(self.path, content)


@dataclass(frozen=True)
class Reference:
    """A field holding identifiers of records of another type, checked at write time."""

    path: str
    target: str

    def __post_init__(self) -> None:
        _check_extractor(self.path, self.path)

    def values(self, content: Mapping[str, Any]) -> list[str]:
        """Return the referenced identifiers found in a record's content."""
        return [str(value) for value in extract(self.path, content)]


class OwnerRule(Protocol):
    """Decide which node owns a new record: the only node that may ever write it."""

    def __call__(self, *, content: Mapping[str, Any], partition: str | None, node: str) -> str:
        """Return the identifier of the owner node."""
        ...


def creating_node(*, content: Mapping[str, Any], partition: str | None, node: str) -> str:
    """Own a new record on the node that creates it."""
    return node


@dataclass(frozen=True)
class FixedOwner:
    """Own every record of a type on one node (a national registry kept at central)."""

    node: str

    def __call__(self, *, content: Mapping[str, Any], partition: str | None, node: str) -> str:
        """Return the fixed owner."""
        return self.node


@dataclass(frozen=True)
class PartitionOwner:
    """Own each record on the node that serves its partition (a province code → its node)."""

    nodes: Mapping[str, str] = field(hash=False)
    default: str | None = None

    def __call__(self, *, content: Mapping[str, Any], partition: str | None, node: str) -> str:
        """Return the node serving the record's partition."""
        if partition is not None and partition in self.nodes:
            return self.nodes[partition]
        if self.default is not None:
            return self.default
        raise LienthongError(
            "systems.no_owner",
            N_(
                "No node owns partition {partition}. Add it to the record type's owner rule"
                " or give the rule a default node."
            ),
            field="partition",
            partition=str(partition),
        )


def _nfc(value: Any) -> Any:
    if isinstance(value, str):
        if value.isascii() or unicodedata.is_normalized("NFC", value):
            return value
        return unicodedata.normalize("NFC", value)
    if isinstance(value, dict):
        return {_nfc(key): _nfc(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_nfc(item) for item in value]
    return value


def _location(loc: tuple[int | str, ...]) -> str:
    return ".".join(str(part) for part in loc) or "content"


@dataclass(frozen=True)
class RecordType:
    """A record type: its schema, identifier, search parameters, references and ownership."""

    name: str
    model: type[BaseModel]
    identifier: str
    search: tuple[SearchParam, ...] = ()
    references: tuple[Reference, ...] = ()
    partition: Extractor | None = None
    owner: OwnerRule = creating_node
    schema_version: int = 1
    title: str = ""
    #: The records describe people: every read needs a stated purpose and is audited.
    personal_data: bool = False

    def __post_init__(self) -> None:
        if not _TYPE_NAME.match(self.name):
            raise _invalid_definition(self.name, "a record type name is CamelCase A-Za-z0-9")
        _check_extractor(self.identifier, f"{self.name}.identifier")
        names = [param.name for param in self.search]
        if len(set(names)) != len(names):
            raise _invalid_definition(self.name, "search parameter names repeat")
        if self.partition is not None:
            _check_extractor(self.partition, f"{self.name}.partition")
        if self.schema_version < 1:
            raise _invalid_definition(self.name, "schema_version starts at 1")

    def validate(self, content: Mapping[str, Any]) -> dict[str, Any]:
        """Return the content validated by the model, as NFC-normalized JSON-ready data."""
        try:
            instance = self.model.model_validate(content)
        except ValidationError as exc:
            first = exc.errors(include_url=False)[0]
            where = _location(first["loc"])
            raise LienthongError(
                "store.invalid_record",
                N_(
                    "The {record_type} record is invalid at {path}: {reason}. Correct it and retry."
                ),
                field=where,
                path=where,
                record_type=self.name,
                reason=first["msg"],
                # The underlying code, for machines: a lienthong code (vn.pin.length) when a
                # validator raised one, otherwise pydantic's error type (missing, greater_than).
                cause=str(first["type"]),
            ) from exc
        data: dict[str, Any] = instance.model_dump(mode="json")
        # Checking the whole JSON text at once is far cheaper than walking every value;
        # escapes only ever make normalized text look unnormalized, never the reverse.
        if unicodedata.is_normalized("NFC", instance.model_dump_json()):
            return data
        normalized: dict[str, Any] = _nfc(data)
        return normalized

    def record_id(self, content: Mapping[str, Any]) -> str:
        """Return the identifier of a record from its validated content."""
        found = extract(self.identifier, content)
        if len(found) != 1 or not isinstance(found[0], str | int) or str(found[0]) == "":
            raise LienthongError(
                "store.invalid_record",
                N_("A {record_type} record needs exactly one identifier in {path}. Fill it in."),
                field=self.identifier,
                path=self.identifier,
                record_type=self.name,
            )
        return str(found[0])

    def partition_of(self, content: Mapping[str, Any]) -> str | None:
        """Return the partition key of a record (a province code, for example), if any."""
        if self.partition is None:
            return None
        found = extract(self.partition, content)
        return str(found[0]) if found else None

    def search_param(self, name: str) -> SearchParam:
        """Return a search parameter by name."""
        for param in self.search:
            if param.name == name:
                return param
        known = ", ".join(param.name for param in self.search) or "-"
        raise LienthongError(
            "store.unknown_search_param",
            N_("{record_type} has no search parameter {param}. Use one of: {known}."),
            field=name,
            record_type=self.name,
            param=name,
            known=known,
        )

    def json_schema(self) -> dict[str, Any]:
        """Return the JSON Schema of the record content."""
        return self.model.model_json_schema()


@dataclass(frozen=True)
class Service:
    """A service a system exposes on the exchange: a standard record operation or a custom one."""

    name: str
    operation: Operation
    record_type: str | None = None
    handler: Callable[..., Any] | None = None
    description: str = ""

    def __post_init__(self) -> None:
        if not _CODE.match(self.name):
            raise _invalid_definition(self.name, "a service name is A-Za-z0-9_.-")
        if self.operation is Operation.CUSTOM and self.handler is None:
            raise _invalid_definition(self.name, "a custom operation needs a handler")
        if self.operation is not Operation.CUSTOM and self.record_type is None:
            raise _invalid_definition(self.name, "a standard operation needs a record type")

    @classmethod
    def custom(cls, name: str, *, handler: Callable[..., Any], description: str = "") -> Service:
        """Declare a custom operation by name, served by a handler taking keyword arguments."""
        return cls(name, Operation.CUSTOM, handler=handler, description=description)


@dataclass(frozen=True)
class System:
    """An information system: its record types and the services it exposes."""

    code: str
    title: str
    record_types: tuple[RecordType, ...]
    operations: tuple[Service, ...] = ()
    standard: tuple[Operation, ...] = STANDARD_OPERATIONS

    def __post_init__(self) -> None:
        if not _CODE.match(self.code):
            raise _invalid_definition(self.code, "a system code is A-Za-z0-9_.-")
        names = [record_type.name for record_type in self.record_types]
        if len(set(names)) != len(names):
            raise _invalid_definition(self.code, "record type names repeat")
        services = [service.name for service in self.services]
        if len(set(services)) != len(services):
            raise _invalid_definition(self.code, "service names repeat")
        for service in self.operations:
            if service.record_type is not None and service.record_type not in names:
                raise _invalid_definition(service.name, "its record type is not in the system")

    @property
    def services(self) -> tuple[Service, ...]:
        """Return every service: the standard ones of each record type, then the declared ones."""
        standard = tuple(
            Service(f"{operation.value}{record_type.name}", operation, record_type.name)
            for record_type in self.record_types
            for operation in self.standard
        )
        return standard + self.operations

    def record_type(self, name: str) -> RecordType:
        """Return one of the system's record types by name."""
        for record_type in self.record_types:
            if record_type.name == name:
                return record_type
        raise LienthongError(
            "systems.unknown_record_type",
            N_("The system {system} has no record type {name}. Check the name."),
            field="record_type",
            system=self.code,
            name=name,
        )

    def service(self, name: str) -> Service:
        """Return one of the system's services by name."""
        for service in self.services:
            if service.name == name:
                return service
        raise LienthongError(
            "systems.unknown_service",
            N_("The system {system} has no service {name}. List its services to see them."),
            field="service",
            system=self.code,
            name=name,
        )


class SystemRegistry:
    """The systems a node knows, by code, and their record types, by name (unique across all)."""

    def __init__(self, systems: Iterable[System] = ()) -> None:
        self._systems: dict[str, System] = {}
        self._record_types: dict[str, RecordType] = {}
        for system in systems:
            self.register(system)

    def register(self, system: System) -> System:
        """Add a system; its code and its record type names must be new."""
        if system.code in self._systems:
            raise LienthongError(
                "systems.duplicate",
                N_("A system with code {code} is already registered. Give the new one a new code."),
                field="code",
                code=system.code,
            )
        clashes = [rt.name for rt in system.record_types if rt.name in self._record_types]
        if clashes:
            raise LienthongError(
                "systems.duplicate_record_type",
                N_(
                    "The record type {name} is already defined by another system."
                    " Record type names are unique across the network; rename it."
                ),
                field="record_type",
                name=clashes[0],
            )
        self._systems[system.code] = system
        self._record_types.update((rt.name, rt) for rt in system.record_types)
        return system

    def load_entry_points(self, group: str = ENTRY_POINT_GROUP) -> None:
        """Register every system installed packages publish in an entry-point group."""
        for entry_point in entry_points(group=group):
            system = entry_point.load()
            if not isinstance(system, System):
                raise LienthongError(
                    "systems.bad_entry_point",
                    N_("The entry point {name} does not name a System object. Fix the package."),
                    field="entry_point",
                    name=f"{entry_point.name} = {entry_point.value}",
                )
            if system.code not in self._systems:
                self.register(system)

    def get(self, code: str) -> System:
        """Return a registered system by code."""
        try:
            return self._systems[code]
        except KeyError:
            raise LienthongError(
                "systems.unknown",
                N_("No system with code {code} is registered. Install or register it first."),
                field="code",
                code=code,
            ) from None

    def record_types(self) -> Mapping[str, RecordType]:
        """Return every record type of every registered system, by name."""
        return dict(self._record_types)

    def check(self) -> None:
        """Verify that every reference names a registered record type."""
        for record_type in self._record_types.values():
            targets = [ref.target for ref in record_type.references]
            targets += [param.target for param in record_type.search if param.target]
            for target in targets:
                if target not in self._record_types:
                    raise _invalid_definition(
                        f"{record_type.name} → {target}", "the referenced record type is unknown"
                    )

    def __iter__(self) -> Iterator[System]:
        return iter(self._systems.values())

    def __len__(self) -> int:
        return len(self._systems)

    def __contains__(self, code: object) -> bool:
        return code in self._systems


_installed: SystemRegistry | None = None


def installed_systems() -> SystemRegistry:
    """Return the registry of systems published by installed packages (loaded once)."""
    global _installed
    if _installed is None:
        registry = SystemRegistry()
        registry.load_entry_points()
        _installed = registry
    return _installed
