"""Streaming readers and writers of rows in JSONL, CSV and Parquet, in constant memory.

A row is a mapping of column names to JSON-ready values. JSONL keeps every value as
JSON. CSV and Parquet are tables, so a list or an object goes into one cell as JSON
text (Parquet marks such columns, CSV decodes any cell that starts with ``[`` or ``{``
and parses as JSON); an empty CSV cell and a null Parquet cell mean "no value" and are
left out of the row that is read back.

    with open_writer("people.parquet", columns=["pin", "full_name"]) as writer:
        writer.write({"pin": "001090000001", "full_name": "Nguyễn Văn An"})
    for row_number, row in read_rows("people.parquet"):
        ...

Row numbers start at 1 with the first data row: for JSONL they are line numbers, for CSV
they do not count the header line.
"""

from __future__ import annotations

import codecs
import csv
import io
import json
import os
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from types import TracebackType
from typing import IO, Any, Final, Literal, Self

import pyarrow as pa
import pyarrow.parquet as pq

from lienthong.errors import LienthongError
from lienthong.i18n import N_

Format = Literal["jsonl", "csv", "parquet"]
ColumnType = Literal["string", "integer", "number", "boolean", "json"]
RowErrorHandler = Callable[[LienthongError, int, str], None]

#: File name endings and the format each one means.
SUFFIXES: Final[Mapping[str, Format]] = {
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".csv": "csv",
    ".parquet": "parquet",
    ".pq": "parquet",
}
#: Rows per Parquet row group: what a writer holds in memory at most.
ROW_GROUP_SIZE: Final = 10_000
#: Field metadata marking a Parquet string column whose cells are JSON text.
JSON_FIELD: Final = {b"lienthong.type": b"json"}

_ARROW_TYPES: Final[Mapping[ColumnType, pa.DataType]] = {
    "string": pa.string(),
    "integer": pa.int64(),
    "number": pa.float64(),
    "boolean": pa.bool_(),
    "json": pa.string(),
}


def format_of(path: str | Path, format: str | None = None) -> Format:
    """Return the format named, or the one the file name's suffix means."""
    name = format or Path(path).suffix.lower()
    found = SUFFIXES.get(name if name.startswith(".") else f".{name}")
    if found is None:
        raise LienthongError(
            "data.unknown_format",
            N_(
                "The format of {path} is not known. Name the file .jsonl, .csv or .parquet,"
                " or give the format."
            ),
            field="format",
            path=str(path),
        )
    return found


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False)


def _cell(value: Any) -> str:
    """Return how a value is written into a CSV cell."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    return _json(value)


def _read_cell(text: str) -> Any:
    """Return the value of a CSV cell: JSON for lists and objects, text otherwise."""
    if text[:1] in ("[", "{"):
        try:
            value = json.loads(text)
        except ValueError:
            return text
        if isinstance(value, list | dict):
            return value
    return text


def _unexpected(path: str, row: int, column: str) -> LienthongError:
    return LienthongError(
        "data.unexpected_column",
        N_(
            "Row {row} of {path} has a column {column} the file was not opened with."
            " Name every column when opening the writer."
        ),
        field=column,
        path=path,
        row=row,
        column=column,
    )


# -- writers ------------------------------------------------------------------------------


class RowWriter(ABC):
    """Write rows to a binary stream, one at a time or many at once."""

    def __init__(self, stream: IO[bytes], *, name: str) -> None:
        self._stream = stream
        self.name = name
        #: How many rows were written so far.
        self.rows_written = 0

    def write(self, row: Mapping[str, Any]) -> None:
        """Write one row."""
        self.write_many((row,))

    @abstractmethod
    def write_many(self, rows: Iterable[Mapping[str, Any]]) -> None:
        """Write rows in order."""

    def flush(self) -> None:
        """Push what is buffered into the stream."""
        self._stream.flush()

    def finish(self) -> None:
        """Write what a complete file needs at its end (a Parquet footer)."""
        self.flush()


class JsonlWriter(RowWriter):
    """One JSON object per line, UTF-8, ``\\n`` line ends."""

    def write_many(self, rows: Iterable[Mapping[str, Any]]) -> None:
        """Write rows in order, each as one line."""
        for row in rows:
            self._stream.write(_json(row).encode("utf-8") + b"\n")
            self.rows_written += 1


class CsvWriter(RowWriter):
    """A header line, then one line per row, UTF-8, lists and objects as JSON text."""

    def __init__(
        self, stream: IO[bytes], *, name: str, columns: Sequence[str], header: bool = True
    ) -> None:
        super().__init__(stream, name=name)
        self.columns = list(columns)
        self._known = set(self.columns)
        self._text = io.TextIOWrapper(stream, encoding="utf-8", newline="", write_through=True)
        self._csv = csv.writer(self._text, lineterminator="\r\n")
        if header:
            self._csv.writerow(self.columns)

    def write_many(self, rows: Iterable[Mapping[str, Any]]) -> None:
        """Write rows in order; a missing column is an empty cell."""
        for row in rows:
            extra = next((key for key in row if key not in self._known), None)
            if extra is not None:
                raise _unexpected(self.name, self.rows_written + 1, extra)
            self._csv.writerow([_cell(row.get(column)) for column in self.columns])
            self.rows_written += 1

    def flush(self) -> None:
        """Push what is buffered into the stream."""
        self._text.flush()
        super().flush()

    def detach(self) -> None:
        """Leave the byte stream open when this writer goes away."""
        self._text.detach()


def _infer(values: Iterable[Any]) -> ColumnType:
    kinds = {type(value) for value in values if value is not None}
    if not kinds:
        return "string"
    if kinds <= {bool}:
        return "boolean"
    if kinds <= {int}:
        return "integer"
    if kinds <= {int, float}:
        return "number"
    if kinds <= {str}:
        return "string"
    return "json"


class ParquetWriter(RowWriter):
    """Rows buffered into row groups of ``row_group_size``, each written as it fills."""

    def __init__(
        self,
        stream: IO[bytes],
        *,
        name: str,
        columns: Sequence[str] | None,
        column_types: Mapping[str, ColumnType] | None = None,
        row_group_size: int = ROW_GROUP_SIZE,
    ) -> None:
        super().__init__(stream, name=name)
        self.columns = list(columns) if columns is not None else None
        self._types = dict(column_types or {})
        self._size = row_group_size
        self._buffer: list[Mapping[str, Any]] = []
        self._schema: pa.Schema | None = None
        self._writer: pq.ParquetWriter | None = None

    def write_many(self, rows: Iterable[Mapping[str, Any]]) -> None:
        """Buffer rows and write every full row group."""
        for row in rows:
            self._buffer.append(row)
            if len(self._buffer) >= self._size:
                self._write_group()

    def _schema_for(self, rows: Sequence[Mapping[str, Any]]) -> pa.Schema:
        if self.columns is None:
            self.columns = list(dict.fromkeys(key for row in rows for key in row))
        fields = []
        for column in self.columns:
            kind = self._types.get(column) or _infer(row.get(column) for row in rows)
            self._types[column] = kind
            metadata = JSON_FIELD if kind == "json" else None
            fields.append(pa.field(column, _ARROW_TYPES[kind], metadata=metadata))
        return pa.schema(fields)

    def _write_group(self) -> None:
        rows, self._buffer = self._buffer, []
        if self._schema is None:
            self._schema = self._schema_for(rows)
            self._writer = pq.ParquetWriter(self._stream, self._schema, compression="zstd")
        assert self.columns is not None and self._writer is not None
        known = set(self.columns)
        for offset, row in enumerate(rows):
            extra = next((key for key in row if key not in known), None)
            if extra is not None:
                raise _unexpected(self.name, self.rows_written + offset + 1, extra)
        arrays = []
        for field in self._schema:
            values = [row.get(field.name) for row in rows]
            if self._types[field.name] == "json":
                values = [None if value is None else _json(value) for value in values]
            try:
                arrays.append(pa.array(values, type=field.type))
            except (pa.ArrowInvalid, pa.ArrowTypeError, OverflowError) as exc:
                raise LienthongError(
                    "data.bad_value",
                    N_(
                        "The column {column} of {path} holds {kind} values, and a row brings"
                        " one that is not ({reason}). Give the column's type when opening"
                        " the writer."
                    ),
                    field=field.name,
                    column=field.name,
                    path=self.name,
                    kind=self._types[field.name],
                    reason=str(exc),
                ) from None
        self._writer.write_table(pa.Table.from_arrays(arrays, schema=self._schema))
        self.rows_written += len(rows)

    def flush(self) -> None:
        """Write the rows buffered so far as a row group."""
        if self._buffer:
            self._write_group()

    def finish(self) -> None:
        """Write the last row group and the footer."""
        self.flush()
        if self._writer is None:
            self._schema = self._schema_for([])
            self._writer = pq.ParquetWriter(self._stream, self._schema, compression="zstd")
        self._writer.close()


class FileWriter:
    """A writer to a file that appears, complete, only when the block ends without error."""

    def __init__(self, path: Path, factory: Callable[[IO[bytes]], RowWriter]) -> None:
        self.path = path
        self._partial = path.with_name(f".{path.name}.partial")
        self._factory = factory
        self._stream: IO[bytes] | None = None
        self._writer: RowWriter | None = None

    @property
    def rows_written(self) -> int:
        """How many rows were written so far."""
        return self._writer.rows_written if self._writer is not None else 0

    def __enter__(self) -> Self:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._stream = self._partial.open("wb")
        self._writer = self._factory(self._stream)
        return self

    def write(self, row: Mapping[str, Any]) -> None:
        """Write one row."""
        assert self._writer is not None
        self._writer.write(row)

    def write_many(self, rows: Iterable[Mapping[str, Any]]) -> None:
        """Write rows in order."""
        assert self._writer is not None
        self._writer.write_many(rows)

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        assert self._stream is not None and self._writer is not None
        try:
            if exc_type is None:
                self._writer.finish()
                self._stream.flush()
                os.fsync(self._stream.fileno())
        finally:
            if isinstance(self._writer, CsvWriter):
                self._writer.detach()
            self._stream.close()
        if exc_type is None:
            # The rename is atomic: readers see no file or the whole file, never a part.
            self._partial.replace(self.path)
        else:
            self._partial.unlink(missing_ok=True)


def open_writer(
    path: str | Path,
    *,
    format: str | None = None,
    columns: Sequence[str] | None = None,
    column_types: Mapping[str, ColumnType] | None = None,
    row_group_size: int = ROW_GROUP_SIZE,
) -> FileWriter:
    """Open a file for writing rows, as a context manager with ``write`` and ``write_many``.

    The format comes from the suffix unless given. CSV needs ``columns``; Parquet takes
    them, with their types, from the first row group unless given. The file appears
    under its name only when the block ends without an error.
    """
    target = Path(path)
    kind = format_of(target, format)
    name = str(target)
    if kind == "jsonl":
        return FileWriter(target, lambda stream: JsonlWriter(stream, name=name))
    if kind == "csv":
        if columns is None:
            raise LienthongError(
                "data.no_columns",
                N_("A CSV file needs its columns named before the first row. Give columns."),
                field="columns",
            )
        header = list(columns)
        return FileWriter(target, lambda stream: CsvWriter(stream, name=name, columns=header))
    return FileWriter(
        target,
        lambda stream: ParquetWriter(
            stream,
            name=name,
            columns=columns,
            column_types=column_types,
            row_group_size=row_group_size,
        ),
    )


# -- readers ------------------------------------------------------------------------------


def _unreadable(path: str, row: int, column: str, reason: str) -> LienthongError:
    return LienthongError(
        "data.unreadable_row",
        N_("Row {row} of {path} cannot be read at {column}: {reason}. Correct that row."),
        field=column,
        path=path,
        row=row,
        column=column,
        reason=reason,
    )


def _bad_encoding(path: str, row: int, column: int) -> LienthongError:
    return LienthongError(
        "data.bad_encoding",
        N_(
            "Row {row} of {path} is not UTF-8 at character {column}. Convert the file to"
            " UTF-8 (lienthong lookup can tell a legacy encoding)."
        ),
        field=str(column),
        path=path,
        row=row,
        column=column,
    )


def _truncated(path: str, row: int, reason: str) -> LienthongError:
    return LienthongError(
        "data.truncated",
        N_("{path} ends in the middle of row {row} ({reason}). Copy the whole file again."),
        field="row",
        path=path,
        row=row,
        reason=reason,
    )


def _decode(raw: bytes, path: str, row: int) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        # The character position in the line, counted in characters people see.
        column = len(raw[: exc.start].decode("utf-8", errors="replace")) + 1
        raise _bad_encoding(path, row, column) from None


def _raise(error: LienthongError, _row: int, _raw: str) -> None:
    raise error


def _shown(raw: bytes) -> str:
    return raw.decode("utf-8", errors="replace").rstrip("\r\n")


def _jsonl_rows(path: Path, on_error: RowErrorHandler) -> Iterator[tuple[int, dict[str, Any]]]:
    name = str(path)
    with path.open("rb") as stream:
        for number, raw in enumerate(stream, start=1):
            if number == 1 and raw.startswith(codecs.BOM_UTF8):
                raw = raw[len(codecs.BOM_UTF8) :]
            if not raw.strip():
                continue
            try:
                # Without the line end, a value cut short is reported on its own line.
                value = json.loads(_decode(raw, name, number).rstrip("\r\n"))
            except LienthongError as error:
                on_error(error, number, _shown(raw))
                continue
            except ValueError as exc:
                if not raw.endswith(b"\n"):
                    on_error(_truncated(name, number, str(exc)), number, _shown(raw))
                    continue
                column = str(getattr(exc, "colno", 1))
                on_error(_unreadable(name, number, column, str(exc)), number, _shown(raw))
                continue
            if not isinstance(value, dict):
                reason = "a row is a JSON object"
                on_error(_unreadable(name, number, "1", reason), number, _shown(raw))
                continue
            yield number, value


class _Lines:
    """Decoded lines of a binary stream, knowing which physical line comes next."""

    def __init__(self, stream: IO[bytes], name: str) -> None:
        self._stream = stream
        self._name = name
        self.line = 0
        self.row = 0  # the data row being read, for messages

    def __iter__(self) -> Iterator[str]:
        for raw in self._stream:
            self.line += 1
            if self.line == 1 and raw.startswith(codecs.BOM_UTF8):
                raw = raw[len(codecs.BOM_UTF8) :]
            yield _decode(raw, self._name, self.row + 1)


def _csv_rows(path: Path, on_error: RowErrorHandler) -> Iterator[tuple[int, dict[str, Any]]]:
    name = str(path)
    with path.open("rb") as stream:
        lines = _Lines(stream, name)
        reader = csv.reader(lines, strict=True)
        header: list[str] | None = None
        while True:
            try:
                cells = next(reader)
            except StopIteration:
                return
            except LienthongError as error:
                # A line that is not UTF-8: the reader cannot go on past it safely only if
                # it broke a quoted cell, so skip the line and keep reading.
                lines.row += 1
                on_error(error, lines.row, "")
                reader = csv.reader(lines, strict=True)
                continue
            except csv.Error as exc:
                lines.row += 1
                if "unexpected end of data" in str(exc):
                    on_error(_truncated(name, lines.row, str(exc)), lines.row, "")
                    return
                on_error(_unreadable(name, lines.row, "-", str(exc)), lines.row, "")
                reader = csv.reader(lines, strict=True)
                continue
            if header is None:
                header = cells
                continue
            lines.row += 1
            if not any(cells):
                continue
            if len(cells) != len(header):
                where = header[len(cells)] if len(cells) < len(header) else str(len(cells))
                reason = f"{len(cells)} cells where the header has {len(header)}"
                on_error(_unreadable(name, lines.row, where, reason), lines.row, ",".join(cells))
                continue
            yield (
                lines.row,
                {key: _read_cell(cell) for key, cell in zip(header, cells, strict=True) if cell},
            )


def _parquet_rows(path: Path, batch_size: int) -> Iterator[tuple[int, dict[str, Any]]]:
    name = str(path)
    try:
        parquet = pq.ParquetFile(path)
    except (pa.ArrowInvalid, OSError) as exc:
        raise _truncated(name, 1, str(exc)) from None
    with parquet:
        json_columns = {
            field.name for field in parquet.schema_arrow if field.metadata == JSON_FIELD
        }
        number = 0
        try:
            for batch in parquet.iter_batches(batch_size=batch_size):
                for row in batch.to_pylist():
                    number += 1
                    yield (
                        number,
                        {
                            key: json.loads(value) if key in json_columns else value
                            for key, value in row.items()
                            if value is not None
                        },
                    )
        except (pa.ArrowInvalid, OSError) as exc:
            raise _truncated(name, number + 1, str(exc)) from None


def count_rows(path: str | Path, *, format: str | None = None) -> int | None:
    """Return about how many rows a file holds, cheaply (for progress), or None if unknown.

    Parquet says exactly; for JSONL and CSV the lines are counted, which overcounts
    blank lines and cells spanning lines.
    """
    source = Path(path)
    kind = format_of(source, format)
    try:
        if kind == "parquet":
            with pq.ParquetFile(source) as parquet:
                return int(parquet.metadata.num_rows)
        lines = 0
        last = b"\n"
        with source.open("rb") as stream:
            while chunk := stream.read(1 << 20):
                lines += chunk.count(b"\n")
                last = chunk[-1:]
        lines += last != b"\n"
    except (OSError, pa.ArrowInvalid):
        return None
    return max(lines - (kind == "csv"), 0)


def read_rows(
    path: str | Path,
    *,
    format: str | None = None,
    on_error: RowErrorHandler | None = None,
    batch_size: int = ROW_GROUP_SIZE,
) -> Iterator[tuple[int, dict[str, Any]]]:
    """Yield ``(row_number, row)`` for every row of a file, reading it as a stream.

    A row that cannot be read raises a ``LienthongError`` naming the file, row and
    column; with ``on_error`` it is passed there instead, with its row number and raw
    text, and reading goes on. A file cut short raises ``data.truncated``.
    """
    source = Path(path)
    kind = format_of(source, format)
    if not source.is_file():
        raise LienthongError(
            "data.not_found",
            N_("The file {path} does not exist. Check the path."),
            field="path",
            path=str(source),
        )
    handler = on_error or _raise
    if kind == "jsonl":
        return _jsonl_rows(source, handler)
    if kind == "csv":
        return _csv_rows(source, handler)
    return _parquet_rows(source, batch_size)
