"""The content of an Enterprise record in the enterprise registry."""

from __future__ import annotations

import re
from enum import StrEnum
from typing import Annotated, Final

from pydantic import AfterValidator, Field, ValidationInfo, field_validator

from lienthong.i18n import N_
from lienthong.systems.core.enterprises.codes import LegalForm, vsic_section
from lienthong.systems.core.fields import (
    Address,
    Content,
    DateText,
    EnterpriseCode,
    Pin,
    ProvinceCode,
    Text,
    Vnd,
    fail,
    vn,
)

_VSIC_CLASS: Final = re.compile(r"^\d{4}$")


def vsic_code(value: str) -> str:
    """Return a four-digit VSIC 2018 code whose division exists."""
    code = value.strip()
    if not _VSIC_CLASS.match(code):
        fail(
            "enterprises.vsic_format",
            N_("{value} is not a VSIC code. A business line has a four-digit code (4711)."),
            value=value,
        )
    if vsic_section(code[:2]) is None:
        fail(
            "enterprises.vsic_division",
            N_("{value} is in no VSIC 2018 division ({division} does not exist). Check the code."),
            value=value,
            division=code[:2],
        )
    return code


VsicCode = Annotated[str, AfterValidator(vn(vsic_code))]


class UnitKind(StrEnum):
    """An enterprise, or one of its dependent units (which carry a 13-digit code)."""

    ENTERPRISE = "enterprise"
    BRANCH = "branch"
    REPRESENTATIVE_OFFICE = "representative_office"


class EnterpriseStatus(StrEnum):
    """The legal status of an enterprise in the national business registration system."""

    ACTIVE = "active"
    SUSPENDED = "suspended"  # tạm ngừng kinh doanh
    IN_DISSOLUTION = "in_dissolution"  # đang làm thủ tục giải thể
    DISSOLVED = "dissolved"
    BANKRUPT = "bankrupt"
    CERTIFICATE_REVOKED = "certificate_revoked"  # bị thu hồi giấy chứng nhận


class BusinessLine(Content):
    """A registered business line: a four-digit VSIC 2018 code and optional detail."""

    code: VsicCode
    main: bool = False
    detail: Text | None = None

    @property
    def section(self) -> str | None:
        """Return the VSIC section letter of the line."""
        return vsic_section(self.code[:2])


class Enterprise(Content):
    """An enterprise or dependent unit in the national business registration system."""

    code: EnterpriseCode = Field(description="Enterprise code = tax code; 13 digits for a branch")
    unit_kind: UnitKind = Field(default=UnitKind.ENTERPRISE, validate_default=True)
    parent: str | None = Field(
        default=None, validate_default=True, description="Code of the enterprise; derived"
    )
    name: Text
    foreign_name: Text | None = None
    short_name: Text | None = None
    legal_form: LegalForm | None = Field(default=None, validate_default=True)
    head_office: Address
    legal_representatives: list[Pin] = Field(
        min_length=1, description="Legal representatives (heads, for a dependent unit)"
    )
    charter_capital: Vnd | None = Field(default=None, validate_default=True)
    business_lines: list[BusinessLine] = Field(min_length=1)
    status: EnterpriseStatus = EnterpriseStatus.ACTIVE
    registration_province: ProvinceCode
    registered_on: DateText

    @field_validator("unit_kind")
    @classmethod
    def _kind_fits_code(cls, value: UnitKind, info: ValidationInfo) -> UnitKind:
        code = info.data.get("code")
        if code is not None and (len(code) == 13) != (value is not UnitKind.ENTERPRISE):
            fail(
                "enterprises.unit_kind",
                N_(
                    "A 10-digit code is an enterprise's and a 13-digit code a dependent unit's;"
                    " {code} cannot be a {kind}."
                ),
                code=code,
                kind=value.value,
            )
        return value

    @field_validator("parent")
    @classmethod
    def _derive_parent(cls, value: str | None, info: ValidationInfo) -> str | None:
        code = info.data.get("code")
        if code is None:
            return value
        derived = code[:10] if len(code) == 13 else None
        if value is not None and value != derived:
            fail(
                "enterprises.parent_mismatch",
                N_("The parent of {code} is {derived}, by its code; not {given}."),
                code=code,
                derived=str(derived),
                given=value,
            )
        return derived

    @field_validator("legal_form")
    @classmethod
    def _legal_form(cls, value: LegalForm | None, info: ValidationInfo) -> LegalForm | None:
        kind = info.data.get("unit_kind")
        if kind is UnitKind.ENTERPRISE and value is None:
            fail("enterprises.legal_form", N_("Give the enterprise's legal form."))
        if kind not in (None, UnitKind.ENTERPRISE) and value is not None:
            fail(
                "enterprises.dependent_legal_form",
                N_("A branch or representative office has no legal form of its own. Leave it out."),
            )
        return value

    @field_validator("legal_representatives")
    @classmethod
    def _distinct(cls, pins: list[str]) -> list[str]:
        if len(set(pins)) != len(pins):
            fail(
                "enterprises.representative_repeated",
                N_("A legal representative is listed twice. List each once."),
            )
        return pins

    @field_validator("charter_capital")
    @classmethod
    def _capital(cls, value: int | None, info: ValidationInfo) -> int | None:
        if info.data.get("unit_kind") is UnitKind.ENTERPRISE and value is None:
            fail(
                "enterprises.charter_capital",
                N_("Give the charter capital (investment capital of a private enterprise) in VND."),
            )
        return value

    @field_validator("business_lines")
    @classmethod
    def _one_main_line(cls, lines: list[BusinessLine]) -> list[BusinessLine]:
        if sum(line.main for line in lines) != 1:
            fail(
                "enterprises.main_line",
                N_("Mark exactly one business line as the main line."),
            )
        codes = [line.code for line in lines]
        if len(set(codes)) != len(codes):
            fail(
                "enterprises.line_repeated",
                N_("A business line is listed twice. List each code once."),
            )
        return lines
