"""Writers of legacy extracts: CSV, XLSX and dBase III, every text cell in the file's encoding.

A legacy encoding is written as its raw bytes: in CSV and DBF as they are, in XLSX as the
characters a legacy font (".VnTime", "VNI-Times") shows for them, which is how such
spreadsheets hold it. Every writer writes to the path it is given and nothing else; the
caller renames the file into place once every file of an extract is complete.
"""

from __future__ import annotations

import csv
import io
import os
import struct
import zipfile
from abc import ABC, abstractmethod
from collections.abc import Sequence
from datetime import date, datetime
from pathlib import Path
from typing import IO, Final

from lienthong.data.legacy.damage import FileEncoding, legacy_bytes

#: The extract formats.
EXTRACT_FORMATS: Final = ("csv", "xlsx", "dbf")
#: The time stamp inside XLSX and DBF files: fixed, so that the same seed gives the same bytes.
STAMP: Final = datetime(2025, 6, 30, 17, 0, 0)
_ZIP_STAMP: Final = (2025, 6, 30, 17, 0, 0)


class ExtractWriter(ABC):
    """Write the rows of one extract: a header, then rows of text cells."""

    def __init__(
        self, path: Path, columns: Sequence[tuple[str, int]], encoding: FileEncoding
    ) -> None:
        self.path = path
        self.columns = [name for name, _ in columns]
        self.widths = [width for _, width in columns]
        self.encoding: FileEncoding = encoding
        self.rows = 0

    @abstractmethod
    def write(self, cells: Sequence[str]) -> None:
        """Write one row of cells, in the order of the columns."""

    @abstractmethod
    def close(self) -> None:
        """Finish the file and flush it to disk."""

    @abstractmethod
    def abort(self) -> None:
        """Close the file without finishing it (the caller deletes it)."""


class CsvExtractWriter(ExtractWriter):
    """A comma-separated file whose cells are the raw bytes of their encoding."""

    def __init__(
        self, path: Path, columns: Sequence[tuple[str, int]], encoding: FileEncoding
    ) -> None:
        super().__init__(path, columns, encoding)
        self._stream: IO[bytes] = path.open("wb")
        # Latin-1 maps each byte to one character and back: the csv module quotes the
        # legacy bytes without ever reinterpreting them.
        self._text = io.TextIOWrapper(self._stream, encoding="latin-1", newline="")
        self._csv = csv.writer(self._text)
        self._csv.writerow(self.columns)

    def write(self, cells: Sequence[str]) -> None:
        """Write one row."""
        self._csv.writerow([legacy_bytes(cell, self.encoding).decode("latin-1") for cell in cells])
        self.rows += 1

    def close(self) -> None:
        """Flush the file."""
        self._text.flush()
        os.fsync(self._stream.fileno())
        self._text.close()

    def abort(self) -> None:
        """Close the file."""
        self._text.close()


class XlsxExtractWriter(ExtractWriter):
    """An Excel workbook of one sheet, written row by row (openpyxl's write-only mode)."""

    def __init__(
        self, path: Path, columns: Sequence[tuple[str, int]], encoding: FileEncoding, sheet: str
    ) -> None:
        super().__init__(path, columns, encoding)
        from openpyxl import Workbook  # type: ignore[import-untyped]

        self._book = Workbook(write_only=True)
        self._sheet = self._book.create_sheet(sheet)
        self._sheet.append(self.columns)

    def write(self, cells: Sequence[str]) -> None:
        """Write one row."""
        if self.encoding == "utf-8":
            self._sheet.append(list(cells))
        else:
            self._sheet.append(
                [legacy_bytes(cell, self.encoding).decode("latin-1") for cell in cells]
            )
        self.rows += 1

    def close(self) -> None:
        """Save the workbook, then give every part of it the same fixed time stamp."""
        from openpyxl.packaging.core import DocumentProperties  # type: ignore[import-untyped]
        from openpyxl.xml.functions import tostring  # type: ignore[import-untyped]

        saved = self.path.with_name(self.path.name + ".zip")
        self._book.save(saved)
        properties = DocumentProperties(creator="lienthong", created=STAMP, modified=STAMP)
        core = tostring(properties.to_tree())
        try:
            with (
                zipfile.ZipFile(saved) as source,
                zipfile.ZipFile(self.path, "w", zipfile.ZIP_DEFLATED, allowZip64=True) as target,
            ):
                for item in source.infolist():
                    info = zipfile.ZipInfo(item.filename, date_time=_ZIP_STAMP)
                    info.compress_type = zipfile.ZIP_DEFLATED
                    if item.filename == "docProps/core.xml":
                        target.writestr(info, core)
                        continue
                    with source.open(item) as read, target.open(info, "w", force_zip64=True) as out:
                        while chunk := read.read(1 << 20):
                            out.write(chunk)
        finally:
            saved.unlink(missing_ok=True)

    def abort(self) -> None:
        """Drop the workbook."""
        self._book.close()


class DbfExtractWriter(ExtractWriter):
    """A dBase III table: character fields of fixed width holding the raw legacy bytes."""

    def __init__(
        self, path: Path, columns: Sequence[tuple[str, int]], encoding: FileEncoding
    ) -> None:
        super().__init__(path, columns, encoding)
        for name, width in columns:
            if len(name.encode("ascii")) > 10 or not 1 <= width <= 254:
                raise ValueError(
                    f"a dBase III field has a name of 1-10 characters, 1-254 bytes: {name}"
                )
        self._stream: IO[bytes] = path.open("wb")
        self._stream.write(self._header())
        self._record_size = 1 + sum(self.widths)

    def _header(self) -> bytes:
        day: date = STAMP.date()
        header_size = 32 + 32 * len(self.columns) + 1
        head = struct.pack(
            "<BBBBIHH20x",
            0x03,
            day.year - 1900,
            day.month,
            day.day,
            self.rows,
            header_size,
            1 + sum(self.widths),
        )
        fields = b"".join(
            struct.pack("<11sc4xBB14x", name.encode("ascii"), b"C", width, 0)
            for name, width in zip(self.columns, self.widths, strict=True)
        )
        return head + fields + b"\r"

    def write(self, cells: Sequence[str]) -> None:
        """Write one record; a value longer than its field is cut, as dBase did."""
        record = bytearray(b" ")
        for cell, width in zip(cells, self.widths, strict=True):
            data = legacy_bytes(cell, self.encoding)[:width]
            if self.encoding == "utf-8":
                # A cut may split a character: drop its remaining bytes.
                data = data.decode("utf-8", "ignore").encode("utf-8")
            record += data.ljust(width, b" ")
        self._stream.write(record)
        self.rows += 1

    def close(self) -> None:
        """Write the end-of-file mark and the record count into the header."""
        self._stream.write(b"\x1a")
        self._stream.seek(0)
        self._stream.write(self._header())
        self._stream.flush()
        os.fsync(self._stream.fileno())
        self._stream.close()

    def abort(self) -> None:
        """Close the file."""
        self._stream.close()


def open_extract(
    path: Path,
    *,
    format: str,
    columns: Sequence[tuple[str, int]],
    encoding: FileEncoding,
    sheet: str,
) -> ExtractWriter:
    """Open a writer of an extract in a format: csv, xlsx or dbf."""
    if format == "xlsx":
        return XlsxExtractWriter(path, columns, encoding, sheet)
    if format == "dbf":
        return DbfExtractWriter(path, columns, encoding)
    return CsvExtractWriter(path, columns, encoding)
