"""Roles and what they allow: the whole authorization policy of the node's API."""

from __future__ import annotations

from enum import StrEnum
from typing import Final


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
