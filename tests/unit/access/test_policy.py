"""Each role includes the ones before it; only admins manage clients."""

from __future__ import annotations

from lienthong.access import Permission, Role, allows


def test_roles_grant_growing_permissions() -> None:
    granted = {role: {p for p in Permission if allows(role, p)} for role in Role}
    assert granted[Role.READER] == {Permission.PUBLIC, Permission.READ}
    assert granted[Role.WRITER] == granted[Role.READER] | {Permission.WRITE}
    assert granted[Role.ADMIN] == set(Permission)
