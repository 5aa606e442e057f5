"""The public finance registry: budget units, and fee payments collected by them."""

from __future__ import annotations

from typing import Any

from lienthong.i18n import N_
from lienthong.store.unit_of_work import UnitOfWork
from lienthong.systems import RecordType, Reference, SearchKind, SearchParam, Service, System
from lienthong.systems.core.fields import (
    current_content,
    party_references,
    party_search,
    party_tokens,
)
from lienthong.systems.core.finance.models import BudgetUnit, FeePayment

BUDGET_UNIT = RecordType(
    name="BudgetUnit",
    title=N_("Budget unit"),
    model=BudgetUnit,
    identifier="code",
    search=(
        SearchParam("code", SearchKind.TOKEN, "code"),
        SearchParam("name", SearchKind.STRING, "name"),
        SearchParam("level", SearchKind.TOKEN, "level"),
        SearchParam("province", SearchKind.TOKEN, "province"),
        SearchParam("commune", SearchKind.TOKEN, "commune"),
        SearchParam("parent", SearchKind.REFERENCE, "parent", target="BudgetUnit"),
    ),
    references=(Reference("parent", "BudgetUnit"),),
    partition="province",
)

FEE_PAYMENT = RecordType(
    name="FeePayment",
    title=N_("Fee payment"),
    model=FeePayment,
    identifier="payment_id",
    search=(
        SearchParam("receipt", SearchKind.TOKEN, "receipt_number"),
        SearchParam(
            "collecting-unit", SearchKind.REFERENCE, "collecting_unit", target="BudgetUnit"
        ),
        SearchParam("procedure", SearchKind.TOKEN, "procedure_code"),
        SearchParam("paid", SearchKind.DATE, "paid_at"),
        SearchParam("amount", SearchKind.NUMBER, "amount"),
        SearchParam("channel", SearchKind.TOKEN, "channel"),
        SearchParam("province", SearchKind.TOKEN, "province"),
        SearchParam("payer", SearchKind.TOKEN, party_tokens("payer")),
        *party_search("payer", "payer"),
    ),
    references=(
        Reference("collecting_unit", "BudgetUnit"),
        *party_references("payer"),
    ),
    partition="province",
    # A payer may be a person: who paid what, for which procedure, is personal data.
    personal_data=True,
)


def verify_fee_payment(
    *, uow: UnitOfWork, collecting_unit: str, receipt_number: str, procedure_code: str
) -> dict[str, Any]:
    """Say whether a receipt records a payment for a procedure, so no one asks for the paper.

    The answer carries the amount and time but not the payer: the office handling the
    dossier already knows who is applying.
    """
    payment_id = f"{collecting_unit.strip()}-{receipt_number.strip().upper()}"
    content = current_content(uow, "FeePayment", payment_id)
    if content is None or content["procedure_code"] != procedure_code.strip().upper():
        return {"paid": False, "amount": None, "paid_at": None}
    return {"paid": True, "amount": content["amount"], "paid_at": content["paid_at"]}


SYSTEM = System(
    code="finance",
    title=N_("Public finance system"),
    record_types=(BUDGET_UNIT, FEE_PAYMENT),
    operations=(
        Service.custom(
            "verifyFeePayment",
            handler=verify_fee_payment,
            description=N_("Say whether a receipt records the fee paid for a procedure."),
        ),
    ),
)
