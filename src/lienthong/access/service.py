"""API clients and their bearer tokens: issue, list, revoke, authenticate.

A token is shown once, when it is issued; the node keeps only its SHA-256. Tokens are
long random secrets, so a fast hash is enough: there is nothing to brute-force.
"""

from __future__ import annotations

import hashlib
import re
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final

from sqlalchemy import Row, select
from sqlalchemy.engine import Connection, Engine

from lienthong.access.models import api_tokens
from lienthong.access.policy import Role
from lienthong.errors import LienthongError
from lienthong.i18n import N_
from lienthong.store import dialects, utc_now

#: Every token starts with this, so that secret scanners can recognise a leaked one.
TOKEN_PREFIX: Final = "lt_"
_CLIENT = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._/-]{0,127}$")
_TOKEN = re.compile(r"^lt_([0-9a-f]{12})_([A-Za-z0-9_-]{43})$")


@dataclass(frozen=True)
class TokenInfo:
    """What the node knows of a token: never its secret."""

    token_id: str
    client: str
    role: Role
    created_at: datetime
    revoked_at: datetime | None

    def as_dict(self) -> dict[str, Any]:
        """Return the token as JSON-ready data."""
        return {
            "token_id": self.token_id,
            "client": self.client,
            "role": self.role.value,
            "created_at": self.created_at.isoformat(),
            "revoked_at": self.revoked_at.isoformat() if self.revoked_at else None,
        }


@dataclass(frozen=True)
class IssuedToken:
    """A token just issued: the only time its secret exists outside the client."""

    info: TokenInfo
    token: str


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _info(row: Row[Any]) -> TokenInfo:
    return TokenInfo(
        token_id=row.token_id,
        client=row.client,
        role=Role(row.role),
        created_at=row.created_at,
        revoked_at=row.revoked_at,
    )


def parse_role(value: str) -> Role:
    """Return the role a name gives, refusing unknown ones."""
    try:
        return Role(value)
    except ValueError:
        raise LienthongError(
            "access.unknown_role",
            N_("There is no role {role}. Use one of: {known}."),
            field="role",
            role=value,
            known=", ".join(role.value for role in Role),
        ) from None


def create_token(
    *, connection: Connection, client: str, role: Role, now: datetime | None = None
) -> IssuedToken:
    """Issue a new bearer token for a client with a role; the caller commits."""
    if not _CLIENT.match(client):
        raise LienthongError(
            "access.bad_client",
            N_(
                "The client name {client} is not valid. Use letters, digits and . _ / -,"
                " at most 128 characters, for example VN/GOV/01/portal."
            ),
            field="client",
            client=client,
        )
    token_id = secrets.token_hex(6)
    token = f"{TOKEN_PREFIX}{token_id}_{secrets.token_urlsafe(32)}"
    info = TokenInfo(
        token_id=token_id,
        client=client,
        role=role,
        created_at=now or utc_now(),
        revoked_at=None,
    )
    connection.execute(
        api_tokens.insert().values(
            token_id=info.token_id,
            client=info.client,
            role=info.role.value,
            token_hash=_hash(token),
            created_at=info.created_at,
        )
    )
    return IssuedToken(info=info, token=token)


def list_tokens(*, connection: Connection, client: str | None = None) -> list[TokenInfo]:
    """Return every token (of one client, if given), oldest first, revoked ones included."""
    query = select(api_tokens).order_by(api_tokens.c.created_at, api_tokens.c.token_id)
    if client is not None:
        query = query.where(api_tokens.c.client == client)
    return [_info(row) for row in connection.execute(query)]


def revoke_token(
    *, connection: Connection, token_id: str, now: datetime | None = None
) -> TokenInfo:
    """Revoke a token by its identifier (revoking twice keeps the first time); the caller commits."""
    row = connection.execute(select(api_tokens).where(api_tokens.c.token_id == token_id)).first()
    if row is None:
        raise LienthongError(
            "access.unknown_token",
            N_("There is no token {token_id}. List the tokens to see their identifiers."),
            field="token_id",
            token_id=token_id,
        )
    if row.revoked_at is not None:
        return _info(row)
    revoked_at = now or utc_now()
    connection.execute(
        api_tokens.update().where(api_tokens.c.token_id == token_id).values(revoked_at=revoked_at)
    )
    info = _info(row)
    return TokenInfo(info.token_id, info.client, info.role, info.created_at, revoked_at)


def invalid_token() -> LienthongError:
    """Return the error for a token the node did not issue or that was revoked."""
    return LienthongError(
        "access.invalid_token",
        N_(
            "The bearer token is not valid here: unknown, malformed or revoked."
            " Ask the node's administrator for a new one."
        ),
        field="Authorization",
    )


def authenticate(*, connection: Connection, token: str) -> TokenInfo:
    """Return the live token a secret belongs to, refusing unknown and revoked ones."""
    if not _TOKEN.match(token):
        raise invalid_token()
    row = connection.execute(
        select(api_tokens).where(api_tokens.c.token_hash == _hash(token))
    ).first()
    if row is None or row.revoked_at is not None:
        raise invalid_token()
    return _info(row)


class TokenCache:
    """Authenticate tokens against the node's database, remembering answers briefly.

    A revoked token stops working within ``ttl`` seconds; in exchange most requests
    need no database round trip to authenticate.
    """

    def __init__(
        self,
        engine: Engine,
        *,
        ttl: float = 5.0,
        size: int = 10_000,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._engine = engine
        self._ttl = ttl
        self._size = size
        self._monotonic = monotonic
        self._lock = threading.Lock()
        self._answers: dict[str, tuple[float, TokenInfo | None]] = {}

    def cached(self, token: str) -> TokenInfo | None:
        """Return the remembered token, raise if it is remembered as invalid, None if unknown."""
        answer = self._answers.get(token)
        if answer is None or answer[0] < self._monotonic():
            return None
        if answer[1] is None:
            raise invalid_token()
        return answer[1]

    def lookup(self, token: str) -> TokenInfo:
        """Return the live token a secret belongs to, from memory or from the database."""
        known = self.cached(token)
        if known is not None:
            return known
        info: TokenInfo | None = None
        try:
            with self._engine.connect() as connection:
                info = authenticate(connection=dialects.read_only(connection), token=token)
        except LienthongError:
            self._remember(token, None)
            raise
        self._remember(token, info)
        return info

    def forget(self) -> None:
        """Drop every remembered answer (after a revocation on this node, for example)."""
        with self._lock:
            self._answers.clear()

    def _remember(self, token: str, info: TokenInfo | None) -> None:
        with self._lock:
            # Bounded memory: random invalid tokens must not grow the cache without end.
            if len(self._answers) >= self._size:
                self._answers.clear()
            self._answers[token] = (self._monotonic() + self._ttl, info)
