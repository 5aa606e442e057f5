"""The Taxpayer record: tax code, kind, authority, and the debt summary."""

from __future__ import annotations

from typing import Any

import pytest
from tests.unit.systems.core.checks import accepted, refused

from lienthong.systems.core.samples import PERSON_PIN, sample_taxpayer


def test_an_enterprise_taxpayer_refers_to_its_enterprise() -> None:
    stored = accepted("Taxpayer", sample_taxpayer())
    assert stored["kind"] == "enterprise"
    assert stored["subject"] == {"person": None, "enterprise": "0101243150"}


def test_an_individual_taxpayer_is_known_by_personal_number_since_2025() -> None:
    stored = accepted("Taxpayer", sample_taxpayer(tax_code=PERSON_PIN))
    assert stored["kind"] == "individual"
    assert stored["subject"] == {"person": PERSON_PIN, "enterprise": None}


def test_a_branch_is_a_dependent_unit() -> None:
    stored = accepted("Taxpayer", sample_taxpayer(tax_code="0101243150-001"))
    assert (stored["tax_code"], stored["kind"]) == ("0101243150001", "dependent_unit")


def test_a_taxpayer_without_debt_is_accepted() -> None:
    debt = {"as_of": "2025-09-30", "amount_owed": 0}
    assert accepted("Taxpayer", sample_taxpayer(debt=debt))["debt"]["overdue_amount"] == 0


@pytest.mark.parametrize(
    ("change", "field", "code"),
    [
        ({"tax_code": "0101243151"}, "tax_code", "vn.mst.check_digit"),
        ({"tax_code": "0000000000"}, "tax_code", "vn.mst.sequence"),
        ({"kind": "individual"}, "kind", "tax.kind_mismatch"),
        ({"subject": {"person": PERSON_PIN}}, "subject", "tax.subject_mismatch"),
        (
            {"authority": {"code": "1", "name": "x", "province": "01"}},
            "authority.code",
            "tax.authority_code",
        ),
        (
            {"authority": {"code": "101", "name": "x", "province": "63"}},
            "authority.province",
            "vn.unit.unknown_code",
        ),
        ({"status": "happy"}, "status", "enum"),
        (
            {"debt": {"as_of": "2025-09-30", "amount_owed": -1}},
            "debt.amount_owed",
            "greater_than_equal",
        ),
        ({"debt": {"as_of": "2025-09-30", "amount_owed": "1000"}}, "debt.amount_owed", "int_type"),
        (
            {
                "debt": {
                    "as_of": "2025-09-30",
                    "amount_owed": 1,
                    "overdue_amount": 2,
                    "oldest_overdue_on": "2025-01-01",
                }
            },
            "debt",
            "tax.overdue_exceeds_debt",
        ),
        (
            {"debt": {"as_of": "2025-09-30", "amount_owed": 5, "overdue_amount": 5}},
            "debt",
            "tax.overdue_date",
        ),
        (
            {
                "debt": {
                    "as_of": "2025-09-30",
                    "amount_owed": 5,
                    "overdue_amount": 5,
                    "oldest_overdue_on": "2025-10-01",
                }
            },
            "debt",
            "tax.overdue_after_as_of",
        ),
        ({"debt": {"as_of": "2025-09", "amount_owed": 0}}, "debt.as_of", "registries.partial_date"),
    ],
)
def test_invalid_taxpayers_are_refused_at_the_field(
    change: dict[str, Any], field: str, code: str
) -> None:
    refused("Taxpayer", sample_taxpayer(**change), code=code, field=field)
