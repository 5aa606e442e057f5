"""Budget units and fee payments: codes, levels, amounts and the moment of payment."""

from __future__ import annotations

from typing import Any

import pytest
from tests.unit.systems.core.checks import accepted, refused

from lienthong.systems.core.samples import (
    sample_budget_unit,
    sample_fee_payment,
    sample_province_budget_unit,
)


def test_a_commune_budget_unit_takes_its_province_from_the_commune() -> None:
    stored = accepted("BudgetUnit", sample_budget_unit())
    assert (stored["level"], stored["commune"], stored["province"]) == ("commune", "00004", "01")


def test_a_central_budget_unit_has_no_province() -> None:
    central = {"code": "1000010", "name": "Bộ Tài chính", "level": "central"}
    assert accepted("BudgetUnit", central)["province"] is None


def test_a_fee_payment_is_identified_by_unit_and_receipt_and_stored_in_utc() -> None:
    stored = accepted("FeePayment", sample_fee_payment(receipt_number="bl-2025-000123"))
    assert stored["payment_id"] == "1012345-BL-2025-000123"
    assert stored["paid_at"] == "2025-07-15T02:30:00Z"
    assert stored["amount"] == 50_000


@pytest.mark.parametrize(
    ("change", "field", "code"),
    [
        ({"code": "123456"}, "code", "finance.budget_unit_code"),
        ({"level": "district"}, "level", "enum"),
        ({"commune": None}, "commune", "finance.commune_required"),
        ({"province": "79"}, "province", "registries.province_mismatch"),
        ({"parent": "1012345"}, "parent", "finance.own_parent"),
    ],
)
def test_invalid_budget_units_are_refused_at_the_field(
    change: dict[str, Any], field: str, code: str
) -> None:
    refused("BudgetUnit", sample_budget_unit(**change), code=code, field=field)


def test_province_and_central_units_follow_their_level() -> None:
    refused(
        "BudgetUnit",
        sample_province_budget_unit(province=None),
        code="finance.province_required",
        field="province",
    )
    refused(
        "BudgetUnit",
        {"code": "1000010", "name": "Bộ Tài chính", "level": "central", "province": "01"},
        code="finance.central_province",
        field="province",
    )


@pytest.mark.parametrize(
    ("change", "field", "code"),
    [
        ({"amount": 0}, "amount", "greater_than"),
        ({"amount": -50_000}, "amount", "greater_than"),
        ({"amount": 50_000.5}, "amount", "int_type"),
        ({"paid_at": "2025-07-15T09:30:00"}, "paid_at", "registries.naive_datetime"),
        ({"paid_at": "yesterday"}, "paid_at", "datetime_from_date_parsing"),
        ({"receipt_number": "BL 2025"}, "receipt_number", "finance.receipt_number"),
        ({"procedure_code": "thủ tục"}, "procedure_code", "finance.procedure_code"),
        ({"collecting_unit": "12345678"}, "collecting_unit", "finance.budget_unit_code"),
        ({"payer": {"person": "1"}}, "payer.person", "vn.pin.length"),
        ({"channel": "cash_in_envelope"}, "channel", "enum"),
        ({"payment_id": "1012345-OTHER"}, "payment_id", "finance.payment_id"),
    ],
)
def test_invalid_fee_payments_are_refused_at_the_field(
    change: dict[str, Any], field: str, code: str
) -> None:
    refused("FeePayment", sample_fee_payment(**change), code=code, field=field)
