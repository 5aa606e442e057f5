"""The content of BudgetUnit and FeePayment records in the public finance registry."""

from __future__ import annotations

import re
from enum import StrEnum
from typing import Annotated, Final

from pydantic import AfterValidator, Field, ValidationInfo, field_validator

from lienthong.i18n import N_
from lienthong.systems.core.fields import (
    CommuneCode,
    Content,
    Party,
    PositiveVnd,
    ProvinceCode,
    Text,
    UtcDatetime,
    fail,
    vn,
)
from lienthong.vn import units

_BUDGET_UNIT: Final = re.compile(r"^\d{7}$")
_RECEIPT: Final = re.compile(r"^[0-9A-Z][0-9A-Z/.\-]{0,39}$")
_PROCEDURE: Final = re.compile(r"^[0-9A-Z][0-9A-Z.\-]{0,31}$")


def budget_unit_code(value: str) -> str:
    """Return a budget-using unit code: seven digits."""
    code = value.strip()
    if not _BUDGET_UNIT.match(code):
        fail(
            "finance.budget_unit_code",
            N_("{value} is not a budget unit code. The code has seven digits."),
            value=value,
        )
    return code


def receipt_number(value: str) -> str:
    """Return a receipt number in upper case: letters, digits, and / . - inside."""
    code = value.strip().upper()
    if not _RECEIPT.match(code):
        fail(
            "finance.receipt_number",
            N_("{value} is not a receipt number (letters, digits, / . -; at most 40)."),
            value=value,
        )
    return code


def procedure_code(value: str) -> str:
    """Return the code of an administrative procedure in the national catalogue (1.001612)."""
    code = value.strip().upper()
    if not _PROCEDURE.match(code):
        fail(
            "finance.procedure_code",
            N_("{value} is not a procedure code (digits, letters and dots, such as 1.001612)."),
            value=value,
        )
    return code


BudgetUnitCode = Annotated[str, AfterValidator(vn(budget_unit_code))]
ReceiptNumber = Annotated[str, AfterValidator(vn(receipt_number))]
ProcedureCode = Annotated[str, AfterValidator(vn(procedure_code))]


class BudgetLevel(StrEnum):
    """The level of the state budget a unit belongs to (two-tier local government)."""

    CENTRAL = "central"
    PROVINCE = "province"
    COMMUNE = "commune"


class BudgetUnit(Content):
    """A unit that uses or has a relation with the state budget (đơn vị có quan hệ với ngân sách)."""

    code: BudgetUnitCode
    name: Text
    level: BudgetLevel
    parent: BudgetUnitCode | None = Field(default=None, description="Superior budget unit")
    commune: CommuneCode | None = Field(
        default=None, validate_default=True, description="For a commune-level unit"
    )
    province: ProvinceCode | None = Field(
        default=None, validate_default=True, description="None for a central unit"
    )

    @field_validator("commune")
    @classmethod
    def _commune(cls, value: str | None, info: ValidationInfo) -> str | None:
        if info.data.get("level") is BudgetLevel.COMMUNE and value is None:
            fail("finance.commune_required", N_("A commune-level unit names its commune."))
        return value

    @field_validator("province")
    @classmethod
    def _province(cls, value: str | None, info: ValidationInfo) -> str | None:
        level = info.data.get("level")
        commune = info.data.get("commune")
        if commune is not None:
            derived = units.commune(commune).province_code
            if value not in (None, derived):
                fail(
                    "registries.province_mismatch",
                    N_("The commune {commune} is in province {derived}, not {given}. Fix either."),
                    commune=commune,
                    derived=str(derived),
                    given=str(value),
                )
            return derived
        if level is BudgetLevel.PROVINCE and value is None:
            fail("finance.province_required", N_("A province-level unit names its province."))
        if level is BudgetLevel.CENTRAL and value is not None:
            fail(
                "finance.central_province",
                N_("A central unit belongs to no province. Leave the province out."),
            )
        return value

    @field_validator("parent")
    @classmethod
    def _not_own_parent(cls, value: str | None, info: ValidationInfo) -> str | None:
        if value is not None and value == info.data.get("code"):
            fail("finance.own_parent", N_("A budget unit cannot be its own parent."))
        return value


class Channel(StrEnum):
    """How a fee was paid."""

    COUNTER = "counter"
    BANK_TRANSFER = "bank_transfer"
    CARD = "card"
    E_WALLET = "e_wallet"
    NATIONAL_PORTAL = "national_portal"


class FeePayment(Content):
    """A fee or charge paid for an administrative procedure, with its receipt."""

    collecting_unit: BudgetUnitCode
    receipt_number: ReceiptNumber
    amount: PositiveVnd
    payer: Party
    procedure_code: ProcedureCode
    paid_at: UtcDatetime
    channel: Channel
    province: ProvinceCode | None = Field(
        default=None, description="Province of the collecting unit; none for a central unit"
    )
    payment_id: str | None = Field(
        default=None, validate_default=True, description="<collecting unit>-<receipt>; derived"
    )

    @field_validator("payment_id")
    @classmethod
    def _payment_id(cls, value: str | None, info: ValidationInfo) -> str | None:
        unit, receipt = info.data.get("collecting_unit"), info.data.get("receipt_number")
        if unit is None or receipt is None:
            return value
        # Receipts are numbered by each collecting unit, so the unit makes the number unique.
        derived = f"{unit}-{receipt}"
        if value is not None and value != derived:
            fail(
                "finance.payment_id",
                N_("The payment is {derived} by its unit and receipt, not {given}."),
                derived=derived,
                given=value,
            )
        return derived
