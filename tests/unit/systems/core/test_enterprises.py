"""The Enterprise record: code, legal form, representatives and VSIC business lines."""

from __future__ import annotations

from typing import Any

import pytest
from tests.unit.systems.core.checks import accepted, refused

from lienthong.systems.core.enterprises.codes import (
    LEGAL_FORM_NAMES,
    VSIC_DIVISIONS,
    VSIC_SECTIONS,
    LegalForm,
    vsic_section,
)
from lienthong.systems.core.samples import sample_enterprise


def test_a_valid_enterprise_is_stored_normalised() -> None:
    stored = accepted("Enterprise", sample_enterprise(name="Công ty cổ phần  Thương mại Hoà Bình"))
    assert stored["name"] == "Công ty cổ phần Thương mại Hòa Bình"
    assert (stored["unit_kind"], stored["parent"]) == ("enterprise", None)
    assert stored["head_office"]["province"] == "01"
    assert stored["charter_capital"] == 5_000_000_000


def test_a_branch_has_a_13_digit_code_and_its_enterprise_as_parent() -> None:
    branch = sample_enterprise(
        code="0101243150-001",
        unit_kind="branch",
        name="Chi nhánh Công ty cổ phần Thương mại Hòa Bình tại Đà Nẵng",
        legal_form=None,
        charter_capital=None,
        registration_province="48",
    )
    stored = accepted("Enterprise", branch)
    assert (stored["code"], stored["parent"]) == ("0101243150001", "0101243150")


def test_vsic_2018_has_21_sections_and_88_divisions() -> None:
    assert list(VSIC_SECTIONS) == [chr(letter) for letter in range(ord("A"), ord("U") + 1)]
    assert len(VSIC_DIVISIONS) == 88
    assert (vsic_section("01"), vsic_section("47"), vsic_section("99")) == ("A", "G", "U")
    assert vsic_section("04") is None


def test_the_five_legal_forms_of_the_2020_law_have_official_names() -> None:
    assert set(LEGAL_FORM_NAMES) == set(LegalForm)
    assert LEGAL_FORM_NAMES[LegalForm.JOINT_STOCK_COMPANY] == "Công ty cổ phần"


@pytest.mark.parametrize(
    ("change", "field", "code"),
    [
        ({"code": "0101243151"}, "code", "vn.mst.check_digit"),
        ({"code": "01012431"}, "code", "vn.mst.length"),
        ({"code": "001088012345"}, "code", "registries.not_enterprise_code"),
        ({"unit_kind": "branch", "legal_form": None}, "unit_kind", "enterprises.unit_kind"),
        ({"parent": "0100100110"}, "parent", "enterprises.parent_mismatch"),
        ({"legal_form": None}, "legal_form", "enterprises.legal_form"),
        ({"legal_form": "cooperative"}, "legal_form", "enum"),
        ({"legal_representatives": []}, "legal_representatives", "too_short"),
        ({"legal_representatives": ["0010880123"]}, "legal_representatives.0", "vn.pin.length"),
        (
            {"legal_representatives": ["001088012345", "001 088 012 345"]},
            "legal_representatives",
            "enterprises.representative_repeated",
        ),
        ({"charter_capital": -1}, "charter_capital", "greater_than_equal"),
        ({"charter_capital": 1.5e9}, "charter_capital", "int_type"),
        ({"charter_capital": None}, "charter_capital", "enterprises.charter_capital"),
        (
            {"business_lines": [{"code": "47", "main": True}]},
            "business_lines.0.code",
            "enterprises.vsic_format",
        ),
        (
            {"business_lines": [{"code": "4A11", "main": True}]},
            "business_lines.0.code",
            "enterprises.vsic_format",
        ),
        (
            {"business_lines": [{"code": "0411", "main": True}]},
            "business_lines.0.code",
            "enterprises.vsic_division",
        ),
        ({"business_lines": [{"code": "4711"}]}, "business_lines", "enterprises.main_line"),
        (
            {"business_lines": [{"code": "4711", "main": True}, {"code": "6201", "main": True}]},
            "business_lines",
            "enterprises.main_line",
        ),
        (
            {"business_lines": [{"code": "4711", "main": True}, {"code": "4711"}]},
            "business_lines",
            "enterprises.line_repeated",
        ),
        ({"registration_province": "89"}, "registration_province", "vn.unit.not_in_force"),
        ({"head_office": {"commune": "00004"}}, "head_office.line", "missing"),
        ({"status": "zombie"}, "status", "enum"),
    ],
)
def test_invalid_enterprises_are_refused_at_the_field(
    change: dict[str, Any], field: str, code: str
) -> None:
    refused("Enterprise", sample_enterprise(**change), code=code, field=field)
