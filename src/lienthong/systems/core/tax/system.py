"""The tax registry: taxpayers, their managing authority, status and debt; the tax-status service."""

from __future__ import annotations

from datetime import date
from typing import Any, Final

from lienthong.errors import LienthongError
from lienthong.i18n import N_
from lienthong.store.unit_of_work import UnitOfWork
from lienthong.systems import RecordType, SearchKind, SearchParam, Service, System
from lienthong.systems.core.fields import (
    current_content,
    party_references,
    party_search,
    today_in_vietnam,
)
from lienthong.systems.core.tax.models import Taxpayer
from lienthong.vn.ids import parse_tax_code

#: The threshold customs and procurement ask about: a tax debt overdue for more than 90 days.
OVERDUE_THRESHOLD_DAYS: Final = 90

TAXPAYER = RecordType(
    name="Taxpayer",
    title=N_("Taxpayer"),
    model=Taxpayer,
    identifier="tax_code",
    search=(
        SearchParam("tax-code", SearchKind.TOKEN, "tax_code"),
        SearchParam("kind", SearchKind.TOKEN, "kind"),
        SearchParam("status", SearchKind.TOKEN, "status"),
        SearchParam("authority", SearchKind.TOKEN, "authority.code"),
        SearchParam("province", SearchKind.TOKEN, "authority.province"),
        SearchParam("debt", SearchKind.NUMBER, "debt.amount_owed"),
        SearchParam("overdue", SearchKind.NUMBER, "debt.overdue_amount"),
        SearchParam("overdue-since", SearchKind.DATE, "debt.oldest_overdue_on"),
        *party_search("", "subject"),
    ),
    references=party_references("subject"),
    partition="authority.province",
    # Individuals are taxpayers too, and a person's tax debt is personal data.
    personal_data=True,
)


def tax_status(*, uow: UnitOfWork, tax_code: str) -> dict[str, Any]:
    """Return a taxpayer's status and debt, and whether any of it is overdue over 90 days.

    Overdue days are counted at the time of the call, in Vietnam, from the due date of the
    oldest unpaid overdue amount; ``debt_as_of`` says when the tax authority last computed
    the debt, so a caller can tell a stale figure from a fresh one.
    """
    code = parse_tax_code(tax_code).code
    content = current_content(uow, "Taxpayer", code)
    if content is None:
        raise LienthongError(
            "tax.unknown_taxpayer",
            N_("No taxpayer with tax code {code} is registered. Check the code."),
            field="tax_code",
            code=code,
        )
    debt = content.get("debt") or {}
    today = today_in_vietnam(uow.clock())
    since = debt.get("oldest_overdue_on")
    overdue_days = (today - date.fromisoformat(since)).days if since else 0
    return {
        "tax_code": code,
        "status": content["status"],
        "debt": int(debt.get("amount_owed") or 0),
        "overdue_amount": int(debt.get("overdue_amount") or 0),
        "overdue_days": max(overdue_days, 0),
        "over_90_days": overdue_days > OVERDUE_THRESHOLD_DAYS,
        "debt_as_of": debt.get("as_of"),
        "as_of": today.isoformat(),
    }


SYSTEM = System(
    code="tax",
    title=N_("Tax administration system"),
    record_types=(TAXPAYER,),
    operations=(
        Service.custom(
            "taxStatus",
            handler=tax_status,
            description=N_(
                "Return a taxpayer's status and debt, and whether a debt is overdue more than"
                " 90 days."
            ),
        ),
    ),
)
