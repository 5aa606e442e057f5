"""One valid example content per record type of the core registries, for tests and docs.

The examples are deterministic and fit together: the enterprise is represented by the
sample person, the parcel is held by the sample couple and mortgaged to the enterprise,
the vehicle is the person's, and the fee was paid by the person to the commune's unit.
Every function takes keyword overrides, merged over the example.
"""

from __future__ import annotations

from typing import Any, Final

#: Nguyễn Văn An: male, born 1988, birth registered in Hà Nội (001).
PERSON_PIN: Final = "001088012345"
#: Trần Thị Bích Ngọc: female, born 1990, birth registered in Hà Nội.
SPOUSE_PIN: Final = "001190054321"
#: A joint-stock company registered in Hà Nội (check digit 0).
ENTERPRISE_CODE: Final = "0101243150"
#: The commune-level budget unit of Phường Ba Đình and its provincial parent.
BUDGET_UNIT_CODE: Final = "1012345"
PROVINCE_BUDGET_UNIT_CODE: Final = "1000001"
#: Phường Ba Đình, Hà Nội (a commune in force since 1 July 2025).
COMMUNE: Final = "00004"


def sample_person(**overrides: Any) -> dict[str, Any]:
    """Return a person living in Phường Ba Đình, Hà Nội."""
    return {
        "pin": PERSON_PIN,
        "full_name": "Nguyễn Văn An",
        "sex": "male",
        "birth_date": "1988-03-15",
        "permanent_residence": {"commune": COMMUNE, "line": "Số 12 phố Đội Cấn"},
        "nationality": "VN",
        "ethnic_group": "01",
        "spouse_pin": SPOUSE_PIN,
        **overrides,
    }


def sample_spouse(**overrides: Any) -> dict[str, Any]:
    """Return the sample person's wife, living at the same address."""
    return sample_person(
        **{
            "pin": SPOUSE_PIN,
            "full_name": "Trần Thị Bích Ngọc",
            "sex": "female",
            "birth_date": "1990-07-02",
            "spouse_pin": PERSON_PIN,
            **overrides,
        }
    )


def sample_enterprise(*, representative_pin: str = PERSON_PIN, **overrides: Any) -> dict[str, Any]:
    """Return a joint-stock company in Hà Nội represented by a person."""
    return {
        "code": ENTERPRISE_CODE,
        "name": "Công ty cổ phần Thương mại Hòa Bình",
        "foreign_name": "Hoa Binh Trading Joint Stock Company",
        "short_name": "Hòa Bình Trading",
        "legal_form": "joint_stock_company",
        "head_office": {"commune": COMMUNE, "line": "Số 25 phố Liễu Giai"},
        "legal_representatives": [representative_pin],
        "charter_capital": 5_000_000_000,
        "business_lines": [
            {"code": "4690", "main": True, "detail": "Bán buôn tổng hợp"},
            {"code": "4711"},
            {"code": "5210"},
        ],
        "registration_province": "01",
        "registered_on": "2015-06-01",
        **overrides,
    }


def sample_parcel(
    *,
    holder_pins: tuple[str, ...] = (PERSON_PIN, SPOUSE_PIN),
    mortgagee: str | None = ENTERPRISE_CODE,
    **overrides: Any,
) -> dict[str, Any]:
    """Return an urban residential parcel held in equal shares, mortgaged to an enterprise."""
    share = f"1/{len(holder_pins)}"
    encumbrances = (
        [
            {
                "kind": "mortgage",
                "holder": {"enterprise": mortgagee},
                "registered_on": "2024-04-10",
                "reference": "HĐTC 0410/2024",
            }
        ]
        if mortgagee is not None
        else []
    )
    return {
        "commune": COMMUNE,
        "map_sheet": 12,
        "parcel_number": 345,
        "parcel_id": "w7er8mpnydyz",
        "address": "Số 12 phố Đội Cấn",
        "area_m2": 120.5,
        "land_uses": [{"code": "ODT", "area_m2": 120.5}],
        "right_holders": [{"holder": {"person": pin}, "share": share} for pin in holder_pins],
        "certificate": {"number": "DA 123456", "issued_on": "2019-11-20"},
        "encumbrances": encumbrances,
        **overrides,
    }


def sample_vehicle(*, owner_pin: str = PERSON_PIN, **overrides: Any) -> dict[str, Any]:
    """Return a car plated in Hà Nội and owned by a person."""
    return {
        "plate": "30K-123.45",
        "vin": "RLLV8AAN0PH000123",
        "engine_number": "VF8E 0012345",
        "kind": "car",
        "make": "VinFast",
        "model": "VF 8",
        "colour": "Trắng",
        "year_of_manufacture": 2023,
        "owner": {"person": owner_pin},
        "registered_on": "2023-09-05",
        **overrides,
    }


def sample_taxpayer(*, tax_code: str = ENTERPRISE_CODE, **overrides: Any) -> dict[str, Any]:
    """Return a taxpayer managed in Hà Nội, with a small debt overdue since May 2025."""
    return {
        "tax_code": tax_code,
        "authority": {"code": "101", "name": "Thuế thành phố Hà Nội", "province": "01"},
        "status": "active",
        "registered_on": "2015-06-01",
        "debt": {
            "as_of": "2025-09-30",
            "amount_owed": 12_500_000,
            "overdue_amount": 2_000_000,
            "oldest_overdue_on": "2025-05-20",
        },
        **overrides,
    }


def sample_province_budget_unit(**overrides: Any) -> dict[str, Any]:
    """Return the provincial budget unit the commune's unit reports to."""
    return {
        "code": PROVINCE_BUDGET_UNIT_CODE,
        "name": "Sở Tài chính thành phố Hà Nội",
        "level": "province",
        "province": "01",
        **overrides,
    }


def sample_budget_unit(
    *, parent: str | None = PROVINCE_BUDGET_UNIT_CODE, **overrides: Any
) -> dict[str, Any]:
    """Return the commune-level budget unit of Phường Ba Đình."""
    return {
        "code": BUDGET_UNIT_CODE,
        "name": "Ủy ban nhân dân phường Ba Đình",
        "level": "commune",
        "parent": parent,
        "commune": COMMUNE,
        **overrides,
    }


def sample_fee_payment(
    *,
    payer_pin: str = PERSON_PIN,
    collecting_unit: str = BUDGET_UNIT_CODE,
    **overrides: Any,
) -> dict[str, Any]:
    """Return a fee paid online by a person to the commune's unit for a procedure."""
    return {
        "collecting_unit": collecting_unit,
        "receipt_number": "BL-2025-000123",
        "amount": 50_000,
        "payer": {"person": payer_pin},
        "procedure_code": "1.001612",
        "paid_at": "2025-07-15T09:30:00+07:00",
        "channel": "national_portal",
        "province": "01",
        **overrides,
    }
