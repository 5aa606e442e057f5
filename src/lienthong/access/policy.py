"""Roles and what they allow: the whole authorization policy of the node's API and console."""

from __future__ import annotations

from enum import StrEnum
from typing import Final, Protocol


class Role(StrEnum):
    """What an API client may do; each role includes the ones before it."""

    READER = "reader"  # read and search records
    WRITER = "writer"  # reader, plus create, update and delete records
    ADMIN = "admin"  # writer, plus manage clients and read the access log


class Permission(StrEnum):
    """What one route needs."""

    PUBLIC = "public"  # no token: health and the API description
    READ = "read"
    WRITE = "write"
    ADMIN = "admin"


_GRANTS: Final[dict[Role, frozenset[Permission]]] = {
    Role.READER: frozenset({Permission.PUBLIC, Permission.READ}),
    Role.WRITER: frozenset({Permission.PUBLIC, Permission.READ, Permission.WRITE}),
    Role.ADMIN: frozenset(Permission),
}


def allows(role: Role, permission: Permission) -> bool:
    """Return whether a role grants a permission."""
    return permission in _GRANTS[role]


class OperatorRole(StrEnum):
    """What a person using the console is for."""

    CENTRAL = "central_operator"  # runs the whole network
    PROVINCE = "province_operator"  # sees and acts for one province
    AUDITOR = "auditor"  # reads the audit log, nothing else


class ConsolePermission(StrEnum):
    """What one page or action of the console needs."""

    VIEW_NETWORK = "view_network"
    VIEW_RECORDS = "view_records"
    VIEW_AUDIT = "view_audit"
    VIEW_SYNC = "view_sync"
    MANAGE_DIRECTORY = "manage_directory"
    DECIDE_CHANGES = "decide_changes"
    REVIEW_CONSOLIDATION = "review_consolidation"
    MANAGE_OPERATORS = "manage_operators"


class ConsoleOperator(Protocol):
    """What the console policy reads of an operator."""

    @property
    def role(self) -> OperatorRole: ...
    @property
    def province(self) -> str | None: ...


_CONSOLE_GRANTS: Final[dict[OperatorRole, frozenset[ConsolePermission]]] = {
    OperatorRole.CENTRAL: frozenset(ConsolePermission),
    # The directory and the operators are the network's: a province asks central.
    OperatorRole.PROVINCE: frozenset(ConsolePermission)
    - {ConsolePermission.MANAGE_DIRECTORY, ConsolePermission.MANAGE_OPERATORS},
    OperatorRole.AUDITOR: frozenset({ConsolePermission.VIEW_AUDIT}),
}


def operator_allows(
    operator: ConsoleOperator, permission: ConsolePermission, *, province: str | None = None
) -> bool:
    """Return whether an operator may do something, for one province's data if given.

    Without a province it answers whether the role grants the permission at all (a
    province operator's pages then show only its own province); with one, a province
    operator is allowed only for its own.
    """
    if permission not in _CONSOLE_GRANTS[operator.role]:
        return False
    if operator.role is OperatorRole.PROVINCE:
        return province is None or province == operator.province
    return True
