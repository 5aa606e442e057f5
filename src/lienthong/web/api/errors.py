"""Every failure answers ``{"code", "field", "message_vi", "message_en"}`` with a fitting status."""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping, Sequence
from http import HTTPStatus
from typing import Any, Final

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel
from starlette.exceptions import HTTPException
from starlette.responses import Response

from lienthong.errors import LienthongError
from lienthong.i18n import N_, Language

logger = logging.getLogger(__name__)

#: Statuses of exact error codes; other codes fall back on their family (``_SUFFIXES``).
_STATUSES: Final[dict[str, int]] = {
    "access.unauthenticated": 401,
    "access.invalid_token": 401,
    "access.forbidden": 403,
    "access.purpose_required": 403,
    "api.precondition_required": 428,
    "access.unknown_token": 404,
    "store.not_owner": 403,
    "store.read_only": 403,
    "store.deleted": 410,
    "store.version_conflict": 412,
    "store.invalid_record": 422,
    "store.dangling_reference": 422,
    "store.bad_parameters": 422,
    "api.invalid_input": 422,
    "access.log_unavailable": 503,
    "api.unavailable": 503,
    "api.method_not_allowed": 405,
    "api.internal": 500,
    "sync.exchange_only": 403,
    "sync.unknown_client": 403,
    "sync.not_sender": 403,
    "sync.unknown_node": 403,
    "sync.batch.gap": 409,
    "sync.batch.too_large": 413,
    "sync.verify.out_of_scope": 403,
    "sync.not_joined": 503,
}
_SUFFIXES: Final[tuple[tuple[str, int], ...]] = (
    (".not_found", 404),
    (".unknown", 404),
    (".unknown_record_type", 404),
    (".unknown_service", 404),
    (".already_exists", 409),
    (".duplicate_in_batch", 409),
)
#: A failure the caller can correct in the request: a bad query, header or value.
BAD_REQUEST: Final = 400


def status_of(code: str) -> int:
    """Return the HTTP status of an error code."""
    if code in _STATUSES:
        return _STATUSES[code]
    for suffix, status in _SUFFIXES:
        if code.endswith(suffix):
            return status
    return BAD_REQUEST


def preferred_language(accept_language: str | None) -> Language:
    """Return the language a client prefers among Vietnamese and English (Vietnamese by default)."""
    best: tuple[float, Language] = (0.0, "vi")
    for part in (accept_language or "").split(","):
        tag, _, parameters = part.strip().partition(";")
        primary = tag.strip().lower().partition("-")[0]
        if primary not in ("vi", "en"):
            continue
        quality = 1.0
        name, _, value = parameters.strip().partition("=")
        if name.strip() == "q":
            try:
                quality = float(value)
            except ValueError:
                quality = 0.0
        if quality > best[0]:
            best = (quality, "en" if primary == "en" else "vi")
    return best[1]


def error_response(
    error: LienthongError,
    *,
    language: Language = "vi",
    headers: Mapping[str, str] | None = None,
) -> Response:
    """Return the JSON answer of an error, the preferred language's message first."""
    data = error.to_dict()
    ordered = {"code": data["code"], "field": data["field"]}
    first, second = (
        ("message_en", "message_vi") if language == "en" else ("message_vi", "message_en")
    )
    ordered[first], ordered[second] = data[first], data[second]
    all_headers = {"Content-Language": language, **(headers or {})}
    status = status_of(error.code)
    if status == 401:
        all_headers["WWW-Authenticate"] = 'Bearer realm="lienthong"'
    body = json.dumps(ordered, ensure_ascii=False).encode("utf-8")
    return Response(body, status_code=status, media_type="application/json", headers=all_headers)


def _language(request: Request) -> Language:
    return preferred_language(request.headers.get("accept-language"))


def _location(loc: Sequence[Any]) -> str:
    # FastAPI prefixes where the value came from (body, query, path, header).
    parts = [str(part) for part in loc]
    if parts and parts[0] in ("body", "query", "path", "header", "cookie"):
        parts = parts[1:]
    return ".".join(parts) or "body"


def invalid_input(field: str, reason: str) -> LienthongError:
    """Return the error for a request value that fails its declared type."""
    return LienthongError(
        "api.invalid_input",
        N_("The request is invalid at {where}: {reason}. Correct it and retry."),
        field=field,
        where=field,
        reason=reason,
    )


async def _lienthong_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, LienthongError)
    return error_response(exc, language=_language(request))


async def _validation_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    errors = list(exc.errors())
    first = errors[0] if errors else {"loc": (), "msg": "invalid"}
    error = invalid_input(_location(first.get("loc", ())), str(first.get("msg", "invalid")))
    return error_response(error, language=_language(request))


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    if exc.status_code == 405:
        error = LienthongError(
            "api.method_not_allowed",
            N_("The method {method} is not allowed on {path}. See /openapi.json for the routes."),
            field="method",
            method=request.method,
            path=request.url.path,
        )
    elif exc.status_code == 404:
        error = LienthongError(
            "api.no_route",
            N_("There is no API route {path}. See /openapi.json for the routes."),
            field="path",
            path=request.url.path,
        )
    else:
        error = LienthongError(
            "api.http_error",
            N_("The request failed with HTTP status {status}. Check it and retry."),
            status=exc.status_code,
        )
    response = error_response(error, language=_language(request), headers=exc.headers)
    response.status_code = exc.status_code
    return response


async def _unexpected(request: Request, exc: Exception) -> Response:
    logger.exception("unexpected failure on %s %s", request.method, request.url.path)
    error = LienthongError(
        "api.internal",
        N_(
            "The node failed to answer this request. Try again; if it keeps failing,"
            " tell the node's operator the time of the request."
        ),
    )
    return error_response(error, language=_language(request))


def install(app: FastAPI) -> None:
    """Make every failure of an app answer in the error shape."""
    app.add_exception_handler(LienthongError, _lienthong_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(HTTPException, _http_error)
    app.add_exception_handler(Exception, _unexpected)


class ErrorBody(BaseModel):
    """What every failure answers."""

    code: str
    field: str | None
    message_vi: str
    message_en: str


def documented(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """Return OpenAPI response entries for error statuses (with 422 and 500), in the error shape."""
    return {
        status: {"model": ErrorBody, "description": HTTPStatus(status).phrase}
        for status in sorted({*statuses, 422, 500})
    }
