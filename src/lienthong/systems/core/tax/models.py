"""The content of a Taxpayer record in the tax registry."""

from __future__ import annotations

import re
from enum import StrEnum
from typing import Annotated, Final

from pydantic import AfterValidator, Field, ValidationInfo, field_validator, model_validator

from lienthong.i18n import N_
from lienthong.systems.core.fields import (
    Content,
    DateText,
    Party,
    ProvinceCode,
    TaxCodeText,
    Text,
    Vnd,
    fail,
    vn,
)
from lienthong.vn.ids import TaxCodeKind, parse_tax_code

_AUTHORITY_CODE: Final = re.compile(r"^[0-9A-Z]{3,10}$")


def authority_code(value: str) -> str:
    """Return the code of a tax authority: 3 to 10 digits or capital letters."""
    code = value.strip().upper()
    if not _AUTHORITY_CODE.match(code):
        fail(
            "tax.authority_code",
            N_("{value} is not a tax authority code (3 to 10 digits or capital letters)."),
            value=value,
        )
    return code


AuthorityCode = Annotated[str, AfterValidator(vn(authority_code))]


class TaxpayerKind(StrEnum):
    """The kind of taxpayer, which the form of its tax code decides."""

    ENTERPRISE = "enterprise"
    DEPENDENT_UNIT = "dependent_unit"
    INDIVIDUAL = "individual"


_KIND_OF_CODE: Final = {
    TaxCodeKind.MAIN: TaxpayerKind.ENTERPRISE,
    TaxCodeKind.BRANCH: TaxpayerKind.DEPENDENT_UNIT,
    TaxCodeKind.PERSONAL: TaxpayerKind.INDIVIDUAL,
}


class ComplianceStatus(StrEnum):
    """The taxpayer's status with the tax authority."""

    ACTIVE = "active"
    SUSPENDED = "suspended"  # tạm ngừng hoạt động, kinh doanh
    NOT_AT_ADDRESS = "not_at_address"  # không hoạt động tại địa chỉ đã đăng ký
    PENDING_CLOSURE = "pending_closure"  # ngừng hoạt động, chưa hoàn thành chấm dứt hiệu lực MST
    CLOSED = "closed"  # đã chấm dứt hiệu lực mã số thuế


class TaxAuthority(Content):
    """The tax authority that manages the taxpayer, and the province it serves."""

    code: AuthorityCode
    name: Text
    province: ProvinceCode


class Debt(Content):
    """The taxpayer's debt as the tax authority last computed it, on ``as_of``."""

    as_of: DateText
    amount_owed: Vnd = Field(description="Everything owed, due or not, in VND")
    overdue_amount: Vnd = Field(default=0, description="The part past its due date, in VND")
    oldest_overdue_on: DateText | None = Field(
        default=None, description="Due date of the oldest unpaid overdue amount"
    )

    @model_validator(mode="after")
    def _consistent(self) -> Debt:
        if self.overdue_amount > self.amount_owed:
            fail(
                "tax.overdue_exceeds_debt",
                N_("The overdue amount {overdue} is more than the amount owed {owed}."),
                overdue=self.overdue_amount,
                owed=self.amount_owed,
            )
        if (self.overdue_amount > 0) != (self.oldest_overdue_on is not None):
            fail(
                "tax.overdue_date",
                N_(
                    "Give the date of the oldest overdue amount when, and only when, one is overdue."
                ),
            )
        if self.oldest_overdue_on is not None and self.oldest_overdue_on > self.as_of:
            fail(
                "tax.overdue_after_as_of",
                N_("An amount cannot be overdue since {since}, after the debt's date {as_of}."),
                since=self.oldest_overdue_on,
                as_of=self.as_of,
            )
        return self


class Taxpayer(Content):
    """A taxpayer: an enterprise, a dependent unit, or an individual by personal number."""

    tax_code: TaxCodeText = Field(description="Enterprise code, or personal number since 2025")
    kind: TaxpayerKind | None = Field(default=None, validate_default=True)
    subject: Party | None = Field(
        default=None, validate_default=True, description="The registered party; derived"
    )
    authority: TaxAuthority
    status: ComplianceStatus = ComplianceStatus.ACTIVE
    registered_on: DateText | None = None
    debt: Debt | None = None

    @field_validator("kind")
    @classmethod
    def _kind(cls, value: TaxpayerKind | None, info: ValidationInfo) -> TaxpayerKind | None:
        code = info.data.get("tax_code")
        if code is None:
            return value
        derived = _KIND_OF_CODE[parse_tax_code(code).kind]
        if value is not None and value is not derived:
            fail(
                "tax.kind_mismatch",
                N_("The tax code {code} belongs to a taxpayer of kind {derived}, not {given}."),
                code=code,
                derived=derived.value,
                given=value.value,
            )
        return derived

    @field_validator("subject")
    @classmethod
    def _subject(cls, value: Party | None, info: ValidationInfo) -> Party | None:
        code = info.data.get("tax_code")
        if code is None:
            return value
        personal = parse_tax_code(code).kind is TaxCodeKind.PERSONAL
        derived = Party(person=code) if personal else Party(enterprise=code)
        if value is not None and value != derived:
            fail(
                "tax.subject_mismatch",
                N_("The subject of tax code {code} is the party with that code. Leave it out."),
                code=code,
            )
        return derived
