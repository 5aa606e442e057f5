"""Data in and out of the registries: file formats, bulk import and export."""

from lienthong.data.exporting import ExportProgress, ExportSummary, export_records
from lienthong.data.formats import (
    ColumnType,
    FileWriter,
    Format,
    count_rows,
    format_of,
    open_writer,
    read_rows,
)
from lienthong.data.importing import ImportProgress, ImportSummary, import_file

__all__ = [
    "ColumnType",
    "ExportProgress",
    "ExportSummary",
    "FileWriter",
    "Format",
    "ImportProgress",
    "ImportSummary",
    "count_rows",
    "export_records",
    "format_of",
    "import_file",
    "open_writer",
    "read_rows",
]
