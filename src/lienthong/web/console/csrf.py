"""Cross-site request forgery: every POST form carries a token only this console could give.

Signed in, the token is an HMAC of the session's CSRF secret, so a form from another
session or another site is refused. Before signing in there is no session: the sign-in
form carries a random value that must equal the one in a cookie (a double-submit cookie,
which another site can neither read nor set).
"""

from __future__ import annotations

import hmac
import re
import secrets
from typing import Final

from fastapi import Request
from markupsafe import Markup, escape
from starlette.concurrency import run_in_threadpool

from lienthong.web.console.auth import current_session

#: The form field every POST carries.
FIELD: Final = "csrf_token"
#: The cookie of the pre-session token the sign-in form carries.
SIGNIN_COOKIE: Final = "lienthong_console_signin"
_SIGNIN_TOKEN = re.compile(r"^[A-Za-z0-9_-]{43}$")


class CsrfRefused(Exception):
    """A POST without the form token of this session (or of this browser, to sign in)."""


def _signin_token(request: Request) -> str:
    cookie = request.cookies.get(SIGNIN_COOKIE, "")
    if _SIGNIN_TOKEN.match(cookie):
        return cookie
    state = request.state
    if not hasattr(state, "new_signin_token"):
        state.new_signin_token = secrets.token_urlsafe(32)
    token: str = state.new_signin_token
    return token


def csrf_token(request: Request) -> str:
    """Return the token this request's forms must carry."""
    session = current_session(request)
    return session.form_token() if session is not None else _signin_token(request)


def csrf_field(request: Request) -> Markup:
    """Return the hidden input that carries the form token."""
    return Markup('<input type="hidden" name="{}" value="{}">').format(
        FIELD, escape(csrf_token(request))
    )


async def csrf_protect(request: Request) -> None:
    """Refuse a POST whose form does not carry this session's (or this browser's) token."""
    form = await request.form()
    sent = form.get(FIELD)
    session = await run_in_threadpool(current_session, request)
    if session is not None:
        expected = session.form_token()
    else:
        expected = request.cookies.get(SIGNIN_COOKIE, "")
        if not _SIGNIN_TOKEN.match(expected):
            raise CsrfRefused()
    if not isinstance(sent, str) or not hmac.compare_digest(sent.encode(), expected.encode()):
        raise CsrfRefused()
