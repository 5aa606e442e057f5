"""Export the current records of a system's record types to a JSONL, CSV or Parquet file.

Each row is a record's content with its record type in a ``record_type`` column, so
that the file can be imported again as it is (into this node or an empty one) and gives
the same content hashes. Records are read page by page: memory stays flat.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from sqlalchemy import false, func, select

from lienthong.data.formats import ColumnType, format_of, open_writer
from lienthong.data.importing import TYPE_COLUMN
from lienthong.node import Node
from lienthong.store import models
from lienthong.store.records import MAX_PAGE
from lienthong.systems.definition import RecordType

_JSON_TYPES: Final[Mapping[str, ColumnType]] = {
    "string": "string",
    "integer": "integer",
    "number": "number",
    "boolean": "boolean",
}


@dataclass(frozen=True)
class ExportProgress:
    """How far an export is, after each page of records."""

    rows_written: int
    rows_total: int
    seconds: float


@dataclass(frozen=True)
class ExportSummary:
    """What an export wrote."""

    path: Path
    system: str
    record_types: tuple[str, ...]
    rows_written: int
    seconds: float


def _column_type(schema: Mapping[str, Any]) -> ColumnType:
    """Return the column type of a JSON Schema property: a scalar type, else JSON text."""
    options = [option for option in schema.get("anyOf", [schema]) if option.get("type") != "null"]
    kinds = {_JSON_TYPES.get(str(option.get("type"))) for option in options}
    if len(kinds) == 1 and None not in kinds:
        found = kinds.pop()
        assert found is not None
        return found
    return "json"


def columns_of(record_types: Sequence[RecordType]) -> dict[str, ColumnType]:
    """Return the columns of an export of record types, in order, with their types."""
    columns: dict[str, ColumnType] = {TYPE_COLUMN: "string"}
    for record_type in record_types:
        schema = record_type.model.model_json_schema(by_alias=False)
        properties: Mapping[str, Any] = schema.get("properties", {})
        for name in record_type.model.model_fields:
            kind = _column_type(properties.get(name, {}))
            # A name two record types type differently keeps both kinds of values as JSON.
            columns[name] = kind if columns.get(name, kind) == kind else "json"
    return columns


def _count(node: Node, names: Sequence[str]) -> int:
    current = models.current_records
    with node.unit_of_work(read_only=True) as uow:
        return int(
            uow.connection.execute(
                select(func.count()).where(
                    current.c.record_type.in_(names), current.c.deleted == false()
                )
            ).scalar_one()
        )


def export_records(
    *,
    node: Node,
    system: str,
    path: str | Path,
    record_type: str | None = None,
    format: str | None = None,
    progress: Callable[[ExportProgress], None] | None = None,
) -> ExportSummary:
    """Write the live records of one record type of a system, or of all its types, to a file.

    The format comes from the file's suffix unless given; the file appears only once
    it is complete.
    """
    started = time.perf_counter()
    definition = node.systems.get(system)
    chosen = (
        [definition.record_type(record_type)]
        if record_type is not None
        else list(definition.record_types)
    )
    names = [chosen_type.name for chosen_type in chosen]
    target = Path(path)
    kind = format_of(target, format)
    columns = columns_of(chosen)
    total = _count(node, names)
    written = 0
    with open_writer(target, format=kind, columns=list(columns), column_types=columns) as writer:
        for name in names:
            cursor: str | None = None
            while True:
                # A short read per page: the writer's file grows, memory does not.
                with node.unit_of_work(read_only=True) as uow:
                    page = uow.records.search(record_type=name, limit=MAX_PAGE, cursor=cursor)
                writer.write_many({TYPE_COLUMN: name, **record.content} for record in page.records)
                written += len(page.records)
                if progress is not None:
                    progress(ExportProgress(written, total, time.perf_counter() - started))
                if page.next_cursor is None:
                    break
                cursor = page.next_cursor
    return ExportSummary(
        path=target,
        system=definition.code,
        record_types=tuple(names),
        rows_written=written,
        seconds=time.perf_counter() - started,
    )
