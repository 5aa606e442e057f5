"""Routes of the node's administrators: API tokens and the access log of a record."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Body, Depends, Path
from pydantic import BaseModel, Field

from lienthong.access import (
    Permission,
    Role,
    access_log_for,
    create_token,
    list_tokens,
    revoke_token,
)
from lienthong.store import dialects
from lienthong.web.api.auth import Authorize, Caller
from lienthong.web.api.context import ApiContext
from lienthong.web.api.errors import documented
from lienthong.web.api.records import typed_signature
from lienthong.web.api.render import json_response

PREFIX = "/api/$access"


class NewToken(BaseModel):
    """A token to issue."""

    client: str = Field(description="The client's name, for example VN/GOV/01/portal.")
    role: Role = Field(description="reader, writer or admin.")


def install_admin(router: APIRouter, context: ApiContext) -> None:
    """Add the token and access-log routes, for the admin role only."""
    engine = context.node.engine
    admin = Depends(Authorize(Permission.ADMIN))
    common: dict[str, Any] = {"tags": ["access"], "response_model": None}

    def tokens(caller: Caller) -> Any:
        with engine.connect() as connection:
            found = list_tokens(connection=dialects.read_only(connection))
        return json_response({"value": [token.as_dict() for token in found]})

    typed_signature(tokens, caller=(Caller, admin))
    router.add_api_route(
        f"{PREFIX}/tokens",
        tokens,
        methods=["GET"],
        operation_id="listTokens",
        summary="List the API tokens (never their secrets)",
        responses=documented(401, 403),
        **common,
    )

    def issue(body: NewToken, caller: Caller) -> Any:
        with engine.begin() as connection:
            issued = create_token(connection=connection, client=body.client, role=body.role)
        return json_response({**issued.info.as_dict(), "token": issued.token}, status=201)

    typed_signature(issue, body=(NewToken, Body()), caller=(Caller, admin))
    router.add_api_route(
        f"{PREFIX}/tokens",
        issue,
        methods=["POST"],
        status_code=201,
        operation_id="createToken",
        summary="Issue a token; its secret is in this answer only",
        responses=documented(400, 401, 403, 422),
        **common,
    )

    def revoke(token_id: str, caller: Caller) -> Any:
        with engine.begin() as connection:
            revoked = revoke_token(connection=connection, token_id=token_id)
        # This worker stops accepting the token at once; others within the cache's time.
        context.tokens.forget()
        return json_response(revoked.as_dict())

    typed_signature(revoke, token_id=(str, Path()), caller=(Caller, admin))
    router.add_api_route(
        f"{PREFIX}/tokens/{{token_id}}",
        revoke,
        methods=["DELETE"],
        operation_id="revokeToken",
        summary="Revoke a token",
        responses=documented(401, 403, 404),
        **common,
    )

    def log(record_type: str, record_id: str, caller: Caller) -> Any:
        with engine.connect() as connection:
            entries = access_log_for(
                connection=dialects.read_only(connection),
                record_type=record_type,
                record_id=record_id,
            )
        return json_response({"value": [entry.as_dict() for entry in entries]})

    typed_signature(
        log,
        record_type=(str, Path()),
        record_id=(str, Path()),
        caller=(Caller, admin),
    )
    router.add_api_route(
        f"{PREFIX}/log/{{record_type}}/{{record_id}}",
        log,
        methods=["GET"],
        operation_id="accessLog",
        summary="Who read or wrote a record, when, why, and the outcome; newest first",
        responses=documented(401, 403),
        **common,
    )
