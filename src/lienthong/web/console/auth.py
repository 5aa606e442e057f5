"""The one authorization dependency every console route declares, and the operator it yields.

A route declares ``Depends(require(permission))``, ``Depends(signed_in())`` or, for the
sign-in page, the language switch, the health check and nothing else,
``Depends(public())``; a test fails when a route has none or more than one.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any, Final
from urllib.parse import quote

from fastapi import Request

from lienthong.access.operators import Operator
from lienthong.access.policy import ConsolePermission, operator_allows
from lienthong.access.sessions import Session, resolve_session
from lienthong.node import Node

__all__ = [
    "SESSION_COOKIE",
    "ConsoleAuthorization",
    "Forbidden",
    "Operator",
    "Public",
    "Require",
    "SignInRequired",
    "SignedIn",
    "current_session",
    "public",
    "require",
    "safe_next",
    "signed_in",
]

#: The cookie that carries the session token.
SESSION_COOKIE: Final = "lienthong_console_session"


class SignInRequired(Exception):
    """The page needs a signed-in operator: the browser is sent to sign in first."""

    def __init__(self, next_url: str) -> None:
        super().__init__(next_url)
        self.next_url = next_url


class Forbidden(Exception):
    """The signed-in operator's role does not allow the page."""

    def __init__(self, permission: ConsolePermission) -> None:
        super().__init__(permission.value)
        self.permission = permission


def safe_next(value: str | None) -> str:
    """Return a path on this console to go to after signing in; anything else goes home."""
    if not value or not value.startswith("/") or value.startswith("//") or "\\" in value:
        return "/"
    if any(ord(character) < 32 for character in value):
        return "/"
    return value


def current_session(request: Request) -> Session | None:
    """Return the request's live session, looked up once per request."""
    state = request.state
    if hasattr(state, "console_session"):
        session: Session | None = state.console_session
        return session
    session = None
    token = request.cookies.get(SESSION_COOKIE)
    if token:
        node: Node = request.app.state.node
        settings = node.settings
        with node.engine.begin() as connection:
            session = resolve_session(
                connection=connection,
                token=token,
                idle=timedelta(minutes=settings.console_session_idle_minutes),
                lifetime=timedelta(hours=settings.console_session_hours),
                now=request.app.state.clock(),
            )
    state.console_session = session
    return session


class ConsoleAuthorization:
    """What every console route's authorization dependency is."""

    permission: ConsolePermission | None = None


class Public(ConsoleAuthorization):
    """Let anyone use the route: sign-in, language, health and static files only."""

    def __call__(self) -> None:
        """Allow the request."""


class SignedIn(ConsoleAuthorization):
    """Require a signed-in operator, whatever its role."""

    def __call__(self, request: Request) -> Operator:
        """Return the signed-in operator, or send the browser to sign in."""
        session = current_session(request)
        if session is None:
            target = request.url.path
            if request.url.query:
                target += "?" + request.url.query
            raise SignInRequired("/signin?next=" + quote(target, safe="/"))
        return session.operator


class Require(SignedIn):
    """Require a signed-in operator whose role grants a permission."""

    def __init__(self, permission: ConsolePermission) -> None:
        self.permission = permission

    def __call__(self, request: Request) -> Operator:
        """Return the signed-in operator, or refuse the page."""
        operator = super().__call__(request)
        assert self.permission is not None
        if not operator_allows(operator, self.permission):
            raise Forbidden(self.permission)
        return operator


def require(permission: ConsolePermission) -> Any:
    """Return the dependency of a route that needs a permission (it yields the operator)."""
    return Require(permission)


def signed_in() -> Any:
    """Return the dependency of a route any signed-in operator may use."""
    return SignedIn()


def public() -> Any:
    """Return the dependency of a route anyone may use."""
    return Public()
