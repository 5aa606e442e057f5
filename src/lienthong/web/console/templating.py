"""Render the console's Jinja templates in the request's language, autoescaped.

Every template gets ``_`` (translate into the request's language), ``format_datetime``
(dd/mm/yyyy HH:MM in Asia/Ho_Chi_Minh), ``operator`` (the signed-in one or None),
``lang``, ``csrf_field()``, ``request`` and ``service_name``.
"""

from __future__ import annotations

from datetime import datetime
from functools import partial
from typing import Any, Final

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, PackageLoader, select_autoescape

from lienthong.i18n import DEFAULT_LANGUAGE, LANGUAGES, Language, translate
from lienthong.node import Node
from lienthong.vn.text import format_datetime
from lienthong.web.console.auth import current_session
from lienthong.web.console.csrf import SIGNIN_COOKIE, csrf_field
from lienthong.web.console.messages import SERVICE_NAME

#: The cookie that keeps the language chosen with the switch.
LANGUAGE_COOKIE: Final = "lienthong_console_lang"

environment = Environment(
    loader=PackageLoader("lienthong.web.console", "templates"),
    autoescape=select_autoescape(default=True, default_for_string=True),
    trim_blocks=True,
    lstrip_blocks=True,
)


def request_language(request: Request) -> Language:
    """Return the language of a request: the switch's cookie, else the node's (Vietnamese)."""
    chosen = request.cookies.get(LANGUAGE_COOKIE)
    for language in LANGUAGES:
        if chosen == language:
            return language
    node: Node | None = getattr(request.app.state, "node", None)
    return node.settings.language if node is not None else DEFAULT_LANGUAGE


def _format_datetime(value: datetime | None) -> str:
    return "" if value is None else format_datetime(value)


def render(
    request: Request,
    template: str,
    context: dict[str, Any] | None = None,
    *,
    status_code: int = 200,
) -> HTMLResponse:
    """Render a template into a page, in the request's language."""
    language = request_language(request)
    session = current_session(request)
    values: dict[str, Any] = {
        "request": request,
        "lang": language,
        "_": partial(_translate, language=language),
        "format_datetime": _format_datetime,
        "operator": session.operator if session is not None else None,
        "csrf_field": partial(csrf_field, request),
        "service_name": translate(SERVICE_NAME, language=language),
        **(context or {}),
    }
    body = environment.get_template(template).render(values)
    response = HTMLResponse(body, status_code=status_code)
    new_token = getattr(request.state, "new_signin_token", None)
    if new_token is not None:
        response.set_cookie(
            SIGNIN_COOKIE,
            new_token,
            httponly=True,
            samesite="strict",
            secure=request.url.scheme == "https",
            path="/",
        )
    return response


def _translate(message: str, *, language: str) -> str:
    return translate(message, language=language)
