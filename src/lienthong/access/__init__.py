"""Who may use the node's API, and the log of who read and wrote which record, and why.

API clients hold bearer tokens with a role (``reader``, ``writer``, ``admin``); reads of
record types that hold personal data need a stated purpose and, like every write through
the API, are recorded in the append-only access log.
"""

from lienthong.access.log import (
    OK,
    Access,
    AccessEntry,
    Action,
    access_log_for,
    access_rows,
    log_access,
)
from lienthong.access.policy import Permission, Role, allows
from lienthong.access.service import (
    IssuedToken,
    TokenCache,
    TokenInfo,
    authenticate,
    create_token,
    list_tokens,
    parse_role,
    revoke_token,
)
from lienthong.access.writer import AccessLogWriter

__all__ = [
    "OK",
    "Access",
    "AccessEntry",
    "AccessLogWriter",
    "Action",
    "IssuedToken",
    "Permission",
    "Role",
    "TokenCache",
    "TokenInfo",
    "access_log_for",
    "access_rows",
    "allows",
    "authenticate",
    "create_token",
    "list_tokens",
    "log_access",
    "parse_role",
    "revoke_token",
]
