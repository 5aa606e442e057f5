"""The output files: one per record type, numbered in the order they must be imported."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from lienthong.data.formats import ColumnType


@dataclass(frozen=True, slots=True)
class RecordFile:
    """One output file: its position in the import order, system, record type and columns."""

    position: int
    system: str
    record_type: str
    columns: tuple[tuple[str, ColumnType], ...]

    def name(self, format: str) -> str:
        """Return the file name for a format (``01-population-Person.jsonl``)."""
        return f"{self.position:02d}-{self.system}-{self.record_type}.{format}"

    @property
    def column_names(self) -> list[str]:
        """Return the column names, for CSV headers."""
        return [name for name, _ in self.columns]

    @property
    def column_types(self) -> dict[str, ColumnType]:
        """Return the column types, for Parquet schemas."""
        return dict(self.columns)


#: The files, in import order: each record refers only to records of earlier files
#: (or, for branches and budget units, to earlier records of the same file).
FILES: Final[tuple[RecordFile, ...]] = (
    RecordFile(
        1,
        "population",
        "Person",
        (
            ("pin", "string"),
            ("full_name", "string"),
            ("family_name", "string"),
            ("middle_name", "string"),
            ("given_name", "string"),
            ("sex", "string"),
            ("birth_date", "string"),
            ("permanent_residence", "json"),
            ("temporary_residence", "json"),
            ("nationality", "string"),
            ("ethnic_group", "string"),
            ("father_pin", "string"),
            ("mother_pin", "string"),
            ("spouse_pin", "string"),
            ("status", "string"),
            ("death_date", "string"),
        ),
    ),
    RecordFile(
        2,
        "enterprises",
        "Enterprise",
        (
            ("code", "string"),
            ("unit_kind", "string"),
            ("name", "string"),
            ("foreign_name", "string"),
            ("short_name", "string"),
            ("legal_form", "string"),
            ("head_office", "json"),
            ("legal_representatives", "json"),
            ("charter_capital", "integer"),
            ("business_lines", "json"),
            ("status", "string"),
            ("registration_province", "string"),
            ("registered_on", "string"),
        ),
    ),
    RecordFile(
        3,
        "land",
        "Parcel",
        (
            ("commune", "string"),
            ("map_sheet", "integer"),
            ("parcel_number", "integer"),
            ("parcel_id", "string"),
            ("address", "string"),
            ("area_m2", "number"),
            ("land_uses", "json"),
            ("right_holders", "json"),
            ("certificate", "json"),
            ("encumbrances", "json"),
        ),
    ),
    RecordFile(
        4,
        "vehicles",
        "Vehicle",
        (
            ("plate", "string"),
            ("frame_number", "string"),
            ("vin", "string"),
            ("engine_number", "string"),
            ("kind", "string"),
            ("make", "string"),
            ("model", "string"),
            ("colour", "string"),
            ("year_of_manufacture", "integer"),
            ("owner", "json"),
            ("status", "string"),
            ("registered_on", "string"),
        ),
    ),
    RecordFile(
        5,
        "tax",
        "Taxpayer",
        (
            ("tax_code", "string"),
            ("authority", "json"),
            ("status", "string"),
            ("registered_on", "string"),
            ("debt", "json"),
        ),
    ),
    RecordFile(
        6,
        "finance",
        "BudgetUnit",
        (
            ("code", "string"),
            ("name", "string"),
            ("level", "string"),
            ("parent", "string"),
            ("commune", "string"),
            ("province", "string"),
        ),
    ),
    RecordFile(
        7,
        "finance",
        "FeePayment",
        (
            ("collecting_unit", "string"),
            ("receipt_number", "string"),
            ("amount", "integer"),
            ("payer", "json"),
            ("procedure_code", "string"),
            ("paid_at", "string"),
            ("channel", "string"),
            ("province", "string"),
        ),
    ),
)

#: The record types in import order.
RECORD_TYPES: Final[tuple[str, ...]] = tuple(file.record_type for file in FILES)
