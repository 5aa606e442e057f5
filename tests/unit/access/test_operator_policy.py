"""A central operator may do everything, a province operator its province's work, an auditor read the audit."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from lienthong.access.policy import ConsolePermission as P
from lienthong.access.policy import OperatorRole, operator_allows


@dataclass(frozen=True)
class Someone:
    role: OperatorRole
    province: str | None = None


CENTRAL = Someone(OperatorRole.CENTRAL)
AN_GIANG = Someone(OperatorRole.PROVINCE, "91")
AUDITOR = Someone(OperatorRole.AUDITOR)

#: What each role may do at all (no province asked).
TABLE = {
    CENTRAL: set(P),
    AN_GIANG: set(P) - {P.MANAGE_DIRECTORY, P.MANAGE_OPERATORS},
    AUDITOR: {P.VIEW_AUDIT},
}


@pytest.mark.parametrize("who", list(TABLE))
@pytest.mark.parametrize("permission", list(P))
def test_each_role_is_allowed_exactly_its_permissions(who: Someone, permission: P) -> None:
    assert operator_allows(who, permission) is (permission in TABLE[who])


@pytest.mark.parametrize("permission", sorted(TABLE[AN_GIANG]))
def test_a_province_operator_acts_only_for_its_own_province(permission: P) -> None:
    assert operator_allows(AN_GIANG, permission, province="91")
    assert not operator_allows(AN_GIANG, permission, province="79")


def test_central_and_auditor_are_not_bound_to_a_province() -> None:
    assert operator_allows(CENTRAL, P.DECIDE_CHANGES, province="79")
    assert operator_allows(AUDITOR, P.VIEW_AUDIT, province="79")
    assert not operator_allows(AUDITOR, P.VIEW_RECORDS, province="79")
    assert not operator_allows(AN_GIANG, P.MANAGE_DIRECTORY, province="91")
