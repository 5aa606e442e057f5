"""The one authorization dependency every route declares, and the caller it yields.

Each route names the permission it needs with ``Depends(Authorize(permission))`` (or
``Depends(Public())`` for the health check and the API description); a test fails when
a route has neither.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from typing import Annotated, Final
from urllib.parse import unquote

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from fastapi.security.utils import get_authorization_scheme_param
from starlette.concurrency import run_in_threadpool

from lienthong.access import Permission, Role, TokenCache, allows
from lienthong.access.models import PURPOSE_LENGTH, USER_LENGTH
from lienthong.errors import LienthongError
from lienthong.exchange.caller import EXCHANGE_CALLER, ExchangeCaller
from lienthong.i18n import N_

#: The header stating why personal data is read (free text, percent-encoded UTF-8 allowed).
PURPOSE_HEADER: Final = "X-Lienthong-Purpose"
#: The end user on whose behalf a client system calls, as in X-Road's REST protocol.
USER_HEADER: Final = "X-Road-UserId"

_bearer = HTTPBearer(
    auto_error=False, description="A token issued by `lienthong api token create`."
)


@dataclass(frozen=True)
class Caller:
    """An authenticated API client and what its request says about itself."""

    client: str
    role: Role
    token_id: str
    purpose: str | None
    user_id: str | None


def _header_text(raw: str | None, *, name: str, limit: int) -> str | None:
    if raw is None:
        return None
    try:
        # Starlette decodes headers as Latin-1; raw UTF-8 bytes are recovered first,
        # then %XX escapes, so both spellings of Vietnamese text arrive intact.
        text = raw.encode("latin-1").decode("utf-8")
    except UnicodeError:
        text = raw
    text = unicodedata.normalize("NFC", unquote(text, errors="replace")).strip()
    if len(text) > limit:
        raise LienthongError(
            "access.bad_header",
            N_("The header {header} is longer than {limit} characters. Shorten it."),
            field=name,
            header=name,
            limit=limit,
        )
    return text or None


def bearer_token(request: Request) -> str | None:
    """Return the request's bearer token, as the ``HTTPBearer`` dependency reads it."""
    authorization = request.headers.get("Authorization")
    scheme, credentials = get_authorization_scheme_param(authorization)
    if not (authorization and scheme and credentials) or scheme.lower() != "bearer":
        return None
    return credentials


#: The least role that grants each permission a token can be checked for.
_NEEDED: Final = {
    Permission.PUBLIC: Role.READER,
    Permission.READ: Role.READER,
    Permission.WRITE: Role.WRITER,
    Permission.ADMIN: Role.ADMIN,
}


class Authorization:
    """What every route's authorization dependency is: a check of one permission."""

    permission: Permission


class Public(Authorization):
    """Let anyone call the route: the health check and the API description only."""

    permission = Permission.PUBLIC

    async def __call__(self) -> None:
        """Allow the request."""


class Authorize(Authorization):
    """Require a valid bearer token whose role grants a permission."""

    def __init__(self, permission: Permission) -> None:
        self.permission = permission

    async def __call__(
        self,
        request: Request,
        credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
    ) -> Caller:
        """Return the caller, or refuse the request."""
        return await self.caller(request, None if credentials is None else credentials.credentials)

    def exchange_caller(self, exchange: ExchangeCaller) -> Caller:
        """Return the caller of an in-process call the node's gateway already authorized.

        The grant it was checked against names the endpoint, so a read grant yields a
        reader and a grant on a writing method a writer; administration stays out of reach.
        """
        role = Role.WRITER if exchange.writes else Role.READER
        if not allows(role, self.permission):
            raise LienthongError(
                "access.forbidden",
                N_(
                    "The client {client} has the role {role}; this request needs the role"
                    " {needed}. Ask the node's administrator for a token with that role."
                ),
                field="role",
                client=exchange.client,
                role=role.value,
                needed=_NEEDED[self.permission].value,
            )
        return Caller(
            client=exchange.client,
            role=role,
            token_id=f"grant:{exchange.grant_id}",
            purpose=exchange.purpose or None,
            user_id=exchange.user_id or None,
        )

    async def caller(self, request: Request, token: str | None) -> Caller:
        """Return the caller a bearer token (None when the request has none) makes, or refuse."""
        exchange = request.scope.get(EXCHANGE_CALLER)
        if isinstance(exchange, ExchangeCaller):
            return self.exchange_caller(exchange)
        if token is None:
            raise LienthongError(
                "access.unauthenticated",
                N_(
                    "This request needs a bearer token: send the header"
                    " Authorization: Bearer <token>."
                ),
                field="Authorization",
            )
        tokens: TokenCache = request.app.state.tokens
        info = tokens.cached(token)
        if info is None:
            info = await run_in_threadpool(tokens.lookup, token)
        if not allows(info.role, self.permission):
            raise LienthongError(
                "access.forbidden",
                N_(
                    "The client {client} has the role {role}; this request needs the role"
                    " {needed}. Ask the node's administrator for a token with that role."
                ),
                field="role",
                client=info.client,
                role=info.role.value,
                needed=_NEEDED[self.permission].value,
            )
        headers = request.headers
        return Caller(
            client=info.client,
            role=info.role,
            token_id=info.token_id,
            purpose=_header_text(
                headers.get(PURPOSE_HEADER), name=PURPOSE_HEADER, limit=PURPOSE_LENGTH
            ),
            user_id=_header_text(headers.get(USER_HEADER), name=USER_HEADER, limit=USER_LENGTH),
        )
