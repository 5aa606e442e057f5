"""The tables of API access: client tokens and the append-only access log.

They are declared on the store's metadata, so that the store's migrations and its
schema comparison know them (``lienthong.store.migrate.TABLE_MODULES`` lists this module).
"""

from __future__ import annotations

from typing import Final

from sqlalchemy import Column, ForeignKey, Index, Integer, String, Table, UniqueConstraint

from lienthong.store.dialects import KeyType, UTCDateTime
from lienthong.store.models import ID_LENGTH, TYPE_LENGTH, metadata

CLIENT_LENGTH: Final = 128
TOKEN_ID_LENGTH: Final = 16
ROLE_LENGTH: Final = 16
USER_LENGTH: Final = 255
PURPOSE_LENGTH: Final = 500
ACTION_LENGTH: Final = 32
OUTCOME_LENGTH: Final = 64
REQUEST_LENGTH: Final = 32

#: One row per bearer token. Only the SHA-256 of the secret is kept: a stolen database
#: gives no usable token.
api_tokens = Table(
    "api_tokens",
    metadata,
    Column("token_id", String(TOKEN_ID_LENGTH), primary_key=True),
    Column("client", String(CLIENT_LENGTH), nullable=False),
    Column("role", String(ROLE_LENGTH), nullable=False),
    Column("token_hash", String(64), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("revoked_at", UTCDateTime, nullable=True),
    UniqueConstraint("token_hash"),
    Index(None, "client"),
)

#: Who read or wrote which record, when and why; rows are only ever inserted. One API
#: request writes one row per record it returned or wrote (one row without a record when
#: it returned none), grouped by ``request_id``.
access_log = Table(
    "access_log",
    metadata,
    Column("id", KeyType, primary_key=True, autoincrement=True),
    Column("request_id", String(REQUEST_LENGTH), nullable=False),
    Column("at", UTCDateTime, nullable=False),
    Column("client", String(CLIENT_LENGTH), nullable=False),
    Column("user_id", String(USER_LENGTH), nullable=True),
    Column("purpose", String(PURPOSE_LENGTH), nullable=True),
    Column("action", String(ACTION_LENGTH), nullable=False),
    Column("record_type", String(TYPE_LENGTH), nullable=True),
    Column("record_id", String(ID_LENGTH), nullable=True),
    Column("version", Integer, nullable=True),
    Column("outcome", String(OUTCOME_LENGTH), nullable=False),
    Index(None, "record_type", "record_id"),
)

LOGIN_LENGTH: Final = 64
NAME_LENGTH: Final = 255
OPERATOR_ROLE_LENGTH: Final = 32
HASH_LENGTH: Final = 255

#: The people who run the node through its console. Only the argon2 hash of a password
#: is kept; a disabled operator stays listed, so that the audit log's names keep meaning.
operators = Table(
    "operators",
    metadata,
    Column("operator_id", String(TOKEN_ID_LENGTH), primary_key=True),
    Column("login", String(LOGIN_LENGTH), nullable=False),
    Column("name", String(NAME_LENGTH), nullable=False),
    Column("role", String(OPERATOR_ROLE_LENGTH), nullable=False),
    Column("province", String(2), nullable=True),
    Column("password_hash", String(HASH_LENGTH), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("password_changed_at", UTCDateTime, nullable=False),
    Column("disabled_at", UTCDateTime, nullable=True),
    UniqueConstraint("login"),
)

#: Failed sign-ins in a row per login name, known or not: counting unknown names too
#: means neither the answer nor the lock-out tells whether a name exists.
signin_failures = Table(
    "signin_failures",
    metadata,
    Column("login", String(LOGIN_LENGTH), primary_key=True),
    Column("failures", Integer, nullable=False),
    Column("last_failed_at", UTCDateTime, nullable=False),
    Column("locked_until", UTCDateTime, nullable=True),
)

#: Console sessions. Only the SHA-256 of the browser's token is kept; the CSRF secret
#: never leaves the node (forms carry an HMAC of it).
operator_sessions = Table(
    "operator_sessions",
    metadata,
    Column("token_hash", String(64), primary_key=True),
    Column(
        "operator_id", String(TOKEN_ID_LENGTH), ForeignKey("operators.operator_id"), nullable=False
    ),
    Column("csrf_secret", String(64), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("last_seen_at", UTCDateTime, nullable=False),
    Column("ended_at", UTCDateTime, nullable=True),
    Index(None, "operator_id"),
)
