"""Streaming readers of legacy data: CSV, XLSX, DBF files and SQL databases, row by row.

Every source gives its column names and then its rows, one at a time, in constant memory.
A value is ``str`` when it is known text, ``bytes`` when it may be in a legacy encoding
(TCVN3 and VNI files are 8-bit and not valid UTF-8), and ``None`` when the cell is empty:
the repair step detects the legacy encoding per column, so readers never guess it per file.

    with open_source("gplx.csv") as source:
        for row in source.rows():
            ...

A row that cannot be read whole comes with ``problem`` set and the stream goes on; a source
that cannot be read at all, or a file cut short, raises a ``LienthongError``.
"""

from __future__ import annotations

import codecs
import csv
import io
import struct
import unicodedata
import zipfile
from abc import ABC, abstractmethod
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import Decimal
from pathlib import Path
from types import TracebackType
from typing import IO, Any, Final, Self

from lienthong.errors import LienthongError
from lienthong.i18n import N_
from lienthong.settings import mask
from lienthong.vn.text import Encoding, decode, detect

Value = str | bytes | None

#: File name endings each reader takes.
CSV_SUFFIXES: Final = (".csv", ".tsv", ".txt")
XLSX_SUFFIXES: Final = (".xlsx", ".xlsm")
DBF_SUFFIXES: Final = (".dbf",)
#: Delimiters tried, in order of preference, when none is given.
DELIMITERS: Final = (",", ";", "\t", "|")
#: How much of a CSV file's beginning is read to choose its delimiter.
SNIFF_BYTES: Final = 64 * 1024
#: Rows fetched from a database at a time.
SQL_BATCH: Final = 1000

_BOMS: Final = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
_SUPPORTED: Final = ", ".join((*CSV_SUFFIXES, *XLSX_SUFFIXES, *DBF_SUFFIXES))
# What csv says when a quoted field is still open at the end of the file.
_END_OF_DATA: Final = "unexpected end of data"


@dataclass(frozen=True)
class LegacyRow:
    """One row of a legacy source: its number as a person counts it, and its values."""

    number: int
    values: dict[str, Value]
    problem: LienthongError | None = field(default=None, compare=False)


class Source(ABC):
    """A legacy table read as a stream of rows; close it (or use ``with``) when done."""

    name: str
    columns: tuple[str, ...]

    @abstractmethod
    def rows(self) -> Iterator[LegacyRow]:
        """Yield the rows from the first one, reading as it goes."""

    def close(self) -> None:  # noqa: B027 (sources without resources need no close)
        """Release what the source holds open."""

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()


def open_source(
    location: str | Path,
    *,
    table: str | None = None,
    query: str | None = None,
    delimiter: str | None = None,
    encoding: str | None = None,
    sheet: str | None = None,
) -> Source:
    """Open a CSV, XLSX or DBF file, or a table or query behind an SQLAlchemy URL."""
    if isinstance(location, str) and "://" in location:
        return SqlSource(location, table=table, query=query)
    path = Path(location)
    suffix = path.suffix.lower()
    if suffix not in (*CSV_SUFFIXES, *XLSX_SUFFIXES, *DBF_SUFFIXES):
        raise LienthongError(
            "linkage.source.format",
            N_(
                "The format of {path} is not known: name the file with one of {suffixes},"
                " or give an SQLAlchemy URL such as sqlite:///old.db."
            ),
            field="input",
            path=str(path),
            suffixes=_SUPPORTED,
        )
    _check_file(path)
    if suffix in CSV_SUFFIXES:
        return CsvSource(path, delimiter=delimiter, encoding=encoding)
    if suffix in XLSX_SUFFIXES:
        return XlsxSource(path, sheet=sheet)
    return DbfSource(path)


def _check_file(path: Path) -> None:
    if not path.exists():
        raise LienthongError(
            "linkage.source.not_found",
            N_("The file {path} does not exist: check the path."),
            field="input",
            path=str(path),
        )
    try:
        with path.open("rb") as handle:
            handle.read(1)
    except OSError as error:
        raise LienthongError(
            "linkage.source.unreadable",
            N_("The file {path} cannot be read ({reason}): check that it is a file you may read."),
            field="input",
            path=str(path),
            reason=error.strerror or type(error).__name__,
        ) from None


def _header(path: str, names: Sequence[object]) -> tuple[str, ...]:
    """Return a header's column names (NFC, stripped); refuse blank or repeated ones."""
    columns: list[str] = []
    for position, name in enumerate(names, start=1):
        text = "" if name is None else _cell_text(name)
        text = unicodedata.normalize("NFC", text).strip()
        if not text:
            raise LienthongError(
                "linkage.source.header_blank",
                N_(
                    "Column {position} of {path} has no name in the header row:"
                    " give every column a name."
                ),
                field="input",
                path=path,
                position=position,
            )
        if text in columns:
            raise LienthongError(
                "linkage.source.header_duplicate",
                N_(
                    "The header of {path} names the column {column} twice (positions {first}"
                    " and {position}): rename one of them."
                ),
                field="input",
                path=path,
                column=text,
                first=columns.index(text) + 1,
                position=position,
            )
        columns.append(text)
    return tuple(columns)


def _cell_text(value: object) -> str:
    if isinstance(value, bytes):
        try:
            return value.decode("utf-8")
        except UnicodeDecodeError:
            # A header in a legacy encoding: read it the way the values will be read.
            return detect(value).text or value.decode("latin-1")
    return str(value)


def _text(value: object) -> Value:
    """Return a typed value as the text a legacy row holds (numbers and dates as written)."""
    if value is None:
        return None
    if isinstance(value, str):
        return value or None
    if isinstance(value, bytes | bytearray | memoryview):
        return bytes(value) or None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        if value.is_integer():
            return str(int(value))
        return repr(value)
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, datetime):
        if value.time() == time(0) and value.tzinfo is None:
            return value.date().isoformat()
        return value.isoformat()
    if isinstance(value, date | time):
        return value.isoformat()
    return str(value)


def _empty_is_none(value: Value) -> Value:
    return value if value else None


# --- CSV --------------------------------------------------------------------------------


def _python_codec(name: str) -> codecs.CodecInfo | None:
    try:
        return codecs.lookup(name)
    except LookupError:
        return None


def _ascii_compatible(info: codecs.CodecInfo) -> bool:
    """Tell whether a codec writes delimiters, quotes and line ends as their ASCII bytes."""
    probe = ',;\t|"\r\n'
    try:
        return info.name not in ("utf-16", "utf-32") and info.encode(probe)[0] == probe.encode()
    except (UnicodeError, ValueError):
        return False


class CsvSource(Source):
    """A delimited text file: any delimiter, quoted fields, UTF-8 or legacy 8-bit values."""

    def __init__(
        self, path: Path, *, delimiter: str | None = None, encoding: str | None = None
    ) -> None:
        self.path = path
        self.name = path.name
        self._handles: list[IO[str]] = []
        if delimiter is not None and len(delimiter) != 1:
            raise LienthongError(
                "linkage.source.delimiter",
                N_("The delimiter {delimiter!r} is not one character: give one, such as ; or |."),
                field="delimiter",
                delimiter=delimiter,
            )
        with path.open("rb") as handle:
            head = handle.read(4)
        self._skip, self._text_codec = 0, None
        for bom, codec in _BOMS:
            if head.startswith(bom):
                self._skip = len(bom) if codec == "utf-8" else 0
                self._text_codec = None if codec == "utf-8" else codec
                break
        # How each value's bytes become text: None keeps invalid UTF-8 as bytes.
        self._codec: codecs.CodecInfo | None = None
        self._legacy: Encoding | None = None
        if encoding is not None and self._text_codec is None:
            info = _python_codec(encoding)
            if info is not None and _ascii_compatible(info):
                self._codec = info
            elif info is not None:
                self._text_codec = info.name
            else:
                try:
                    self._legacy = Encoding(encoding.lower())
                except ValueError:
                    raise LienthongError(
                        "linkage.source.encoding",
                        N_(
                            "The encoding {encoding} is not known: give a Python codec"
                            " (utf-8, cp1258, utf-16) or a legacy one ({legacy})."
                        ),
                        field="encoding",
                        encoding=encoding,
                        legacy=", ".join(member.value for member in Encoding),
                    ) from None
        self.delimiter = delimiter or self._sniff()
        with self._open() as handle:
            reader = csv.reader(handle, delimiter=self.delimiter, strict=True)
            try:
                first = next(reader, None)
                while first == []:
                    first = next(reader, None)
            except csv.Error:
                raise self._truncated(0) from None
            except UnicodeDecodeError as error:
                raise self._undecodable(error) from None
        if first is None:
            raise LienthongError(
                "linkage.source.empty",
                N_("{path} is empty: it has no header row naming its columns."),
                field="input",
                path=str(path),
            )
        self.columns = _header(self.name, [self._raw_header(cell) for cell in first])

    def _open(self) -> IO[str]:
        raw = self.path.open("rb")
        raw.seek(self._skip)
        # latin-1 maps every byte to one character, so each value's bytes come back intact.
        codec = self._text_codec or "latin-1"
        return io.TextIOWrapper(raw, encoding=codec, newline="")

    def _raw_header(self, cell: str) -> str | bytes:
        if self._text_codec is not None:
            return cell
        value = self._value(cell)
        return value if isinstance(value, str | bytes) else ""

    def _value(self, cell: str) -> Value:
        if not cell:
            return None
        if self._text_codec is not None or cell.isascii():
            return cell
        raw = cell.encode("latin-1")
        if self._codec is not None:
            return self._codec.decode(raw)[0]
        if self._legacy is not None:
            return decode(raw, self._legacy)
        try:
            return raw.decode("utf-8")
        except UnicodeDecodeError:
            return raw

    def _sniff(self) -> str:
        try:
            with self._open() as handle:
                sample = handle.read(SNIFF_BYTES)
        except UnicodeDecodeError as error:
            raise self._undecodable(error) from None
        lines = sample.splitlines()
        if len(sample) >= SNIFF_BYTES and len(lines) > 1:
            lines = lines[:-1]  # the last line may be cut by the sample's end
        best, best_score = DELIMITERS[0], (False, 0, 0)
        for candidate in DELIMITERS:
            try:
                counts = [len(row) for row in csv.reader(lines[:50], delimiter=candidate) if row]
            except csv.Error:
                continue
            if not counts:
                continue
            steady = sum(1 for count in counts if count == counts[0])
            score = (counts[0] > 1, steady, counts[0])
            if score > best_score:
                best, best_score = candidate, score
        return best

    def _truncated(self, row: int) -> LienthongError:
        return LienthongError(
            "linkage.source.truncated",
            N_(
                "{path} ends inside a quoted field of row {row}: the file was cut short or a"
                " quote is not closed; copy the file again in full or close the quote."
            ),
            field="input",
            path=self.name,
            row=row,
        )

    def _undecodable(self, error: UnicodeDecodeError) -> LienthongError:
        return LienthongError(
            "linkage.source.undecodable",
            N_(
                "{path} is not valid {encoding} at byte {position}: give the file's encoding,"
                " or save it again as UTF-8."
            ),
            field="encoding",
            path=self.name,
            encoding=error.encoding,
            position=error.start,
        )

    def rows(self) -> Iterator[LegacyRow]:
        """Yield the data rows; a row of the wrong width comes with its problem."""
        handle = self._open()
        self._handles.append(handle)
        try:
            yield from self._rows(handle)
        finally:
            handle.close()
            if handle in self._handles:
                self._handles.remove(handle)

    def _rows(self, handle: IO[str]) -> Iterator[LegacyRow]:
        reader = csv.reader(handle, delimiter=self.delimiter, strict=True)
        width = len(self.columns)
        number = -1  # the header is row 0
        header_seen = False
        while True:
            try:
                cells = next(reader)
            except StopIteration:
                return
            except csv.Error as error:
                number += 1
                if _END_OF_DATA in str(error):
                    raise self._truncated(max(number, 1)) from None
                yield LegacyRow(
                    number,
                    dict.fromkeys(self.columns),
                    LienthongError(
                        "linkage.source.row_malformed",
                        N_(
                            "Row {row} of {path} cannot be read ({reason}): fix its quotes and"
                            " read the file again."
                        ),
                        field="input",
                        path=self.name,
                        row=number,
                        reason=str(error),
                    ),
                )
                continue
            except UnicodeDecodeError as error:
                raise self._undecodable(error) from None
            if not header_seen:
                if cells:
                    header_seen = True
                    number = 0
                continue
            number += 1
            if not cells or cells == [""]:
                continue  # a blank line is no row, but a person counting rows counts it
            yield self._row(number, cells, width)

    def _row(self, number: int, cells: list[str], width: int) -> LegacyRow:
        problem: LienthongError | None = None
        values: dict[str, Value] = {}
        for column, cell in zip(self.columns, cells, strict=False):
            try:
                values[column] = self._value(cell)
            except (UnicodeDecodeError, LienthongError):
                values[column] = cell.encode("latin-1")
                problem = problem or LienthongError(
                    "linkage.source.value",
                    N_(
                        "Row {row} of {path}, column {column}: the value is not valid {encoding};"
                        " give the file's right encoding or correct the value."
                    ),
                    field=column,
                    path=self.name,
                    row=number,
                    column=column,
                    encoding=self._encoding_name(),
                )
        for column in self.columns[len(cells) :]:
            values[column] = None
        if len(cells) != width:
            problem = _row_shape(self.name, number, width, len(cells))
        return LegacyRow(number, values, problem)

    def _encoding_name(self) -> str:
        if self._codec is not None:
            return self._codec.name
        return self._legacy.value if self._legacy is not None else "utf-8"

    def close(self) -> None:
        """Close every file a running ``rows()`` holds open."""
        for handle in list(self._handles):
            handle.close()
        self._handles.clear()


def _row_shape(path: str, row: int, expected: int, found: int) -> LienthongError:
    return LienthongError(
        "linkage.source.row_shape",
        N_(
            "Row {row} of {path} has {found} fields where the header has {expected}: check the"
            " row for a stray or missing delimiter or quote."
        ),
        field="input",
        path=path,
        row=row,
        expected=expected,
        found=found,
    )


# --- XLSX -------------------------------------------------------------------------------


class XlsxSource(Source):
    """An Excel workbook read in read-only mode: the first sheet, or the one named."""

    def __init__(self, path: Path, *, sheet: str | None = None) -> None:
        from openpyxl import load_workbook  # type: ignore[import-untyped]

        self.path = path
        self.name = path.name
        try:
            self._book = load_workbook(path, read_only=True, data_only=True)
        except (zipfile.BadZipFile, EOFError, KeyError, OSError, ValueError) as error:
            raise _broken_workbook(self.name, error) from None
        names = self._book.sheetnames
        if sheet is not None and sheet not in names:
            self._book.close()
            raise LienthongError(
                "linkage.source.sheet",
                N_("{path} has no sheet named {sheet}: use one of {sheets}."),
                field="sheet",
                path=self.name,
                sheet=sheet,
                sheets=", ".join(names),
            )
        self.sheet = sheet or names[0]
        header: list[object] | None = None
        self._header_row = 0
        try:
            for index, cells in enumerate(self._cells(), start=1):
                if any(_filled(cell) for cell in cells):
                    header, self._header_row = list(cells), index
                    break
        except LienthongError:
            self._book.close()
            raise
        if header is None:
            self._book.close()
            raise LienthongError(
                "linkage.source.empty",
                N_("{path} is empty: it has no header row naming its columns."),
                field="input",
                path=self.name,
            )
        while header and not _filled(header[-1]):
            header.pop()
        try:
            self.columns = _header(self.name, header)
        except LienthongError:
            self._book.close()
            raise

    def _cells(self) -> Iterator[tuple[object, ...]]:
        worksheet: Any = self._book[self.sheet]
        try:
            yield from worksheet.iter_rows(values_only=True)
        except (zipfile.BadZipFile, EOFError, KeyError, OSError, ValueError) as error:
            raise _broken_workbook(self.name, error) from None
        except Exception as error:  # the XML parser's own errors, cut mid-element
            if type(error).__name__ in ("ParseError", "XMLSyntaxError"):
                raise _broken_workbook(self.name, error) from None
            raise

    def rows(self) -> Iterator[LegacyRow]:
        """Yield the rows below the header; numbers count from the first of them."""
        width = len(self.columns)
        for index, cells in enumerate(self._cells(), start=1):
            if index <= self._header_row:
                continue
            if not any(_filled(cell) for cell in cells):
                continue
            number = index - self._header_row
            values = {
                column: _text(cells[position]) if position < len(cells) else None
                for position, column in enumerate(self.columns)
            }
            extra = [cell for cell in cells[width:] if _filled(cell)]
            problem = None
            if extra:
                found = width + max(
                    position + 1 for position, cell in enumerate(cells[width:]) if _filled(cell)
                )
                problem = _row_shape(self.name, number, width, found)
            yield LegacyRow(number, values, problem)

    def close(self) -> None:
        """Close the workbook."""
        self._book.close()


def _filled(value: object) -> bool:
    return value is not None and not (isinstance(value, str) and not value.strip())


def _broken_workbook(path: str, error: BaseException) -> LienthongError:
    return LienthongError(
        "linkage.source.truncated",
        N_(
            "{path} is not a whole Excel workbook ({reason}): the file was cut short or is"
            " damaged; copy it again, or open and save it again in Excel."
        ),
        field="input",
        path=path,
        reason=str(error) or type(error).__name__,
    )


# --- DBF --------------------------------------------------------------------------------


def _bytes_parser() -> type[Any]:
    from dbfread import FieldParser  # type: ignore[import-untyped]

    class BytesParser(FieldParser):  # type: ignore[misc]
        """Character and memo fields as their bytes: legacy DBFs ignore their code page."""

        def decode_text(self, text: bytes) -> bytes:
            return bytes(text)

    return BytesParser


class DbfSource(Source):
    """A dBase or FoxPro table: text as raw bytes, numbers and dates as text."""

    def __init__(self, path: Path) -> None:
        from dbfread import DBF
        from dbfread.exceptions import MissingMemoFile  # type: ignore[import-untyped]

        self.path = path
        self.name = path.name
        try:
            # latin-1 reads any field name; the parser keeps values as bytes.
            self._table = DBF(str(path), encoding="latin-1", parserclass=_bytes_parser())
        except MissingMemoFile:
            raise LienthongError(
                "linkage.source.memo_missing",
                N_(
                    "{path} has memo fields but its memo file (.fpt or .dbt) is missing: copy"
                    " it into the same folder."
                ),
                field="input",
                path=self.name,
            ) from None
        except (ValueError, struct.error, OSError) as error:
            raise LienthongError(
                "linkage.source.truncated",
                N_(
                    "{path} is not a whole DBF table ({reason}): the file was cut short or is"
                    " damaged; copy it again."
                ),
                field="input",
                path=self.name,
                reason=str(error) or type(error).__name__,
            ) from None
        self.columns = _header(self.name, list(self._table.field_names))

    def rows(self) -> Iterator[LegacyRow]:
        """Yield the records that are not deleted, numbered as the table numbers them."""
        table = self._table
        header = table.header
        with self.path.open("rb") as infile, table._open_memofile() as memofile:
            parser = table.parserclass(table, memofile)
            infile.seek(header.headerlen)
            for number in range(1, header.numrecords + 1):
                record = infile.read(header.recordlen)
                if len(record) < header.recordlen or record[:1] == b"\x1a":
                    raise LienthongError(
                        "linkage.source.truncated",
                        N_(
                            "{path} ends at record {row} of the {total} its header announces:"
                            " the file was cut short; copy it again in full."
                        ),
                        field="input",
                        path=self.name,
                        row=number,
                        total=header.numrecords,
                    )
                if record[:1] == b"*":
                    continue
                yield self._row(number, record, parser)

    def _row(self, number: int, record: bytes, parser: Any) -> LegacyRow:
        values: dict[str, Value] = {}
        problem: LienthongError | None = None
        offset = 1
        for column, spec in zip(self.columns, self._table.fields, strict=True):
            data = record[offset : offset + spec.length]
            offset += spec.length
            try:
                values[column] = _text(parser.parse(spec, data))
            except (ValueError, struct.error, LookupError) as error:
                values[column] = _empty_is_none(data.strip(b"\0 "))
                problem = problem or LienthongError(
                    "linkage.source.value",
                    N_(
                        "Row {row} of {path}, column {column}: the value {value!r} cannot be read"
                        " as its field type {type} ({reason}); correct it in the table."
                    ),
                    field=column,
                    path=self.name,
                    row=number,
                    column=column,
                    value=data.decode("latin-1").strip(),
                    type=spec.type,
                    reason=str(error),
                )
        return LegacyRow(number, values, problem)


# --- SQL --------------------------------------------------------------------------------


class SqlSource(Source):
    """A table or a query behind any SQLAlchemy URL, streamed from the server."""

    def __init__(self, url: str, *, table: str | None = None, query: str | None = None) -> None:
        import sqlalchemy as sa
        from sqlalchemy.engine import make_url
        from sqlalchemy.exc import ArgumentError, NoSuchModuleError, SQLAlchemyError

        self.name = mask(url)
        if (table is None) == (query is None):
            raise LienthongError(
                "linkage.source.sql_arguments",
                N_(
                    "Reading {url} needs exactly one of a table or a query: give --table NAME"
                    " or --query 'SELECT …'."
                ),
                field="table",
                url=self.name,
            )
        try:
            parsed = make_url(url)
            if parsed.get_backend_name() == "sqlite" and parsed.database not in (
                None,
                "",
                ":memory:",
            ):
                database = Path(parsed.database or "")
                if not database.is_file():
                    raise LienthongError(
                        "linkage.source.not_found",
                        N_("The file {path} does not exist: check the path."),
                        field="input",
                        path=str(database),
                    )
            self._engine = sa.create_engine(url)
        except (ArgumentError, NoSuchModuleError, ValueError) as error:
            raise LienthongError(
                "linkage.source.url",
                N_("{url} is not a database URL lienthong can use ({reason}): check it."),
                field="input",
                url=self.name,
                reason=str(error),
            ) from None
        try:
            with self._engine.connect() as connection:
                if table is not None:
                    names = sa.inspect(connection).get_table_names()
                    if table not in names:
                        raise LienthongError(
                            "linkage.source.table",
                            N_("{url} has no table named {table}: use one of {tables}."),
                            field="table",
                            url=self.name,
                            table=table,
                            tables=", ".join(sorted(names)) or "-",
                        )
                    self._statement: Any = sa.select(
                        sa.Table(table, sa.MetaData(), autoload_with=connection)
                    )
                else:
                    self._statement = sa.text(query or "")
                result = connection.execute(self._statement)
                self.columns = _header(self.name, list(result.keys()))
                result.close()
        except LienthongError:
            self._engine.dispose()
            raise
        except sa.exc.OperationalError as error:
            self._engine.dispose()
            raise self._failure(error, query) from None
        except SQLAlchemyError as error:
            self._engine.dispose()
            raise self._query_error(error) from None
        self.table, self.query = table, query

    def _failure(self, error: Exception, query: str | None) -> LienthongError:
        text = str(getattr(error, "orig", error))
        if query is not None and "connect" not in text.lower():
            return self._query_error(error)
        return LienthongError(
            "linkage.source.unreachable",
            N_(
                "The database at {url} cannot be reached ({reason}): check the URL, the"
                " server and the password."
            ),
            field="input",
            url=self.name,
            reason=text,
        )

    def _query_error(self, error: Exception) -> LienthongError:
        return LienthongError(
            "linkage.source.query",
            N_("The query on {url} failed ({reason}): correct the query."),
            field="query",
            url=self.name,
            reason=str(getattr(error, "orig", error)),
        )

    def rows(self) -> Iterator[LegacyRow]:
        """Yield the rows as the server sends them, numbered from 1."""
        from sqlalchemy.exc import SQLAlchemyError

        with self._engine.connect() as connection:
            try:
                result = connection.execution_options(
                    stream_results=True, yield_per=SQL_BATCH
                ).execute(self._statement)
                for number, row in enumerate(result, start=1):
                    yield LegacyRow(
                        number,
                        {
                            column: _text(value)
                            for column, value in zip(self.columns, row, strict=True)
                        },
                    )
            except SQLAlchemyError as error:
                raise self._query_error(error) from None

    def close(self) -> None:
        """Close the connections to the database."""
        self._engine.dispose()
