"""The console app: sign-in and sign-out, the home page, the language switch, and the pages.

Server-rendered and usable without JavaScript. Every route has exactly one authorization
dependency (``lienthong.web.console.auth``); every POST is protected against forgery
(``lienthong.web.console.csrf``).
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Annotated, Any, Final

import anyio
import anyio.to_thread
from fastapi import Depends, FastAPI, Form, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from lienthong.access.operators import authenticate
from lienthong.access.policy import ConsolePermission, operator_allows
from lienthong.access.sessions import end_session, start_session
from lienthong.errors import LienthongError
from lienthong.i18n import LANGUAGES, N_, current_language, translate
from lienthong.monitoring.samples import record_samples
from lienthong.node import Node
from lienthong.store import Clock, utc_now
from lienthong.vn.units import province as find_province
from lienthong.web.console import pages
from lienthong.web.console.audit import audit_action
from lienthong.web.console.auth import (
    SESSION_COOKIE,
    Forbidden,
    Operator,
    SignInRequired,
    current_session,
    public,
    safe_next,
    signed_in,
)
from lienthong.web.console.csrf import SIGNIN_COOKIE, CsrfRefused, csrf_protect
from lienthong.web.console.messages import ROLE_NAMES, SECTION_HINTS, SECTION_NAMES
from lienthong.web.console.templating import LANGUAGE_COOKIE, render, request_language

logger = logging.getLogger(__name__)

STATIC: Final = Path(__file__).parent / "static"
#: Kept by the browser for a year: it is a preference, not a secret.
LANGUAGE_MAX_AGE: Final = 365 * 24 * 3600

#: What a browser may load and where a form may go: this console only.
SECURITY_HEADERS: Final = {
    "Content-Security-Policy": (
        "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline';"
        " script-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
}


@dataclass(frozen=True)
class Section:
    """One section of the console, shown on the home page to those its permission allows."""

    key: str
    path: str
    permission: ConsolePermission

    @property
    def name(self) -> str:
        """Return the section's msgid."""
        return SECTION_NAMES[self.key]

    @property
    def hint(self) -> str:
        """Return the msgid of what the section shows."""
        return SECTION_HINTS[self.key]


SECTIONS: Final = (
    Section("network", "/network", ConsolePermission.VIEW_NETWORK),
    Section("registries", "/registries", ConsolePermission.VIEW_RECORDS),
    Section("directory", "/directory", ConsolePermission.MANAGE_DIRECTORY),
    Section("audit", "/audit", ConsolePermission.VIEW_AUDIT),
    Section("sync", "/sync", ConsolePermission.VIEW_SYNC),
    Section("consolidation", "/consolidation", ConsolePermission.REVIEW_CONSOLIDATION),
)


def sections_for(operator: Operator) -> list[Section]:
    """Return the sections an operator may use, in the console's order."""
    return [section for section in SECTIONS if operator_allows(operator, section.permission)]


def _province_name(code: str | None) -> str:
    if code is None:
        return ""
    try:
        return f"{find_province(code).full_name} ({code})"
    except LienthongError:
        return code


def _error_page(
    request: Request, *, status_code: int, title: str, message: str, **params: Any
) -> Response:
    language = request_language(request)
    return render(
        request,
        "error.html",
        {
            "title": translate(title, language=language),
            "message": translate(message, language=language).format(**params),
        },
        status_code=status_code,
    )


def _signin_page(
    request: Request,
    *,
    next_url: str,
    login: str = "",
    errors: list[tuple[str, str]] | None = None,
    status_code: int = 200,
) -> Response:
    return render(
        request,
        "login.html",
        {"next_url": safe_next(next_url), "login": login, "errors": errors or []},
        status_code=status_code,
    )


def _cookie_secure(request: Request) -> bool:
    return request.url.scheme == "https"


def _install_handlers(app: FastAPI) -> None:
    @app.exception_handler(SignInRequired)
    async def sign_in_first(request: Request, exc: SignInRequired) -> Response:
        response = RedirectResponse(exc.next_url, status_code=303)
        if request.cookies.get(SESSION_COOKIE):
            response.delete_cookie(SESSION_COOKIE, path="/")
        return response

    @app.exception_handler(Forbidden)
    def forbidden(request: Request, exc: Forbidden) -> Response:
        return _error_page(
            request,
            status_code=403,
            title=N_("You cannot use this page"),
            message=N_(
                "Your role does not allow this page. Go back to the console home, or ask a"
                " central operator if your work needs it."
            ),
        )

    @app.exception_handler(CsrfRefused)
    def csrf_refused(request: Request, exc: CsrfRefused) -> Response:
        return _error_page(
            request,
            status_code=403,
            title=N_("The form could not be accepted"),
            message=N_(
                "The form was old, sent from another page or sent after signing out, so"
                " nothing was changed. Go back, reload the page and send the form again."
            ),
        )

    @app.exception_handler(StarletteHTTPException)
    def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        if exc.status_code == 404:
            return _error_page(
                request,
                status_code=404,
                title=N_("Page not found"),
                message=N_(
                    "There is no page at this address. Check it, or start from the home page."
                ),
            )
        if exc.status_code == 405:
            return _error_page(
                request,
                status_code=405,
                title=N_("Page not found"),
                message=N_(
                    "This address does not take that kind of request. Start from the home page."
                ),
            )
        return _error_page(
            request,
            status_code=exc.status_code,
            title=N_("Something went wrong"),
            message=N_("The console could not answer. Try again, or start from the home page."),
        )


def _install_middleware(app: FastAPI) -> None:
    @app.middleware("http")
    async def language_and_headers(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        token = current_language.set(request_language(request))
        try:
            response = await call_next(request)
        finally:
            current_language.reset(token)
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        if not request.url.path.startswith("/static/"):
            # Pages show personal data: no shared or disk cache may keep them.
            response.headers.setdefault("Cache-Control", "no-store")
        return response


def _recording(
    node: Node, *, clock: Clock
) -> Callable[[FastAPI], AbstractAsyncContextManager[None]]:
    """Return a lifespan that records the network's figures while the console runs."""
    every = node.settings.console_sample_seconds
    keep = timedelta(hours=node.settings.console_history_hours)

    async def record() -> None:
        while True:
            try:
                await anyio.to_thread.run_sync(lambda: record_samples(node, now=clock(), keep=keep))
            except Exception:
                # A busy or unreachable store must not stop the console; the next round retries.
                logger.exception("recording the network's lag and traffic failed")
            await anyio.sleep(every)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        async with anyio.create_task_group() as tasks:
            tasks.start_soon(record)
            yield
            tasks.cancel_scope.cancel()

    return lifespan


def create_console(node: Node, *, clock: Clock = utc_now, record_history: bool = False) -> FastAPI:
    """Return the operator console of a node.

    With ``record_history`` (as ``console serve`` runs it) the console also records the
    network's lag and traffic every ``console_sample_seconds`` for the Network page's
    charts; without it, it shows what others recorded.
    """
    app = FastAPI(
        title="lienthong console",
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
        lifespan=_recording(node, clock=clock) if record_history else None,
    )
    app.state.node = node
    app.state.clock = clock
    _install_handlers(app)
    _install_middleware(app)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")

    @app.get("/health", dependencies=[Depends(public())])
    def health() -> JSONResponse:
        """Answer that the console is up."""
        return JSONResponse({"status": "ok", "node_id": node.node_id})

    @app.get("/signin", dependencies=[Depends(public())])
    def signin_form(request: Request, next: str = "/") -> Response:
        """Show the sign-in form, or go on if already signed in."""
        if current_session(request) is not None:
            return RedirectResponse(safe_next(next), status_code=303)
        return _signin_page(request, next_url=next)

    @app.post("/signin", dependencies=[Depends(public()), Depends(csrf_protect)])
    def signin(
        request: Request,
        login: Annotated[str, Form()] = "",
        password: Annotated[str, Form()] = "",
        next: Annotated[str, Form()] = "/",
    ) -> Response:
        """Sign an operator in and start a session."""
        language = request_language(request)
        errors: list[tuple[str, str]] = []
        if not login.strip():
            errors.append(("login", translate(N_("Enter your login name"), language=language)))
        if not password:
            errors.append(("password", translate(N_("Enter your password"), language=language)))
        if errors:
            return _signin_page(request, next_url=next, login=login, errors=errors, status_code=400)
        settings = node.settings
        try:
            operator = authenticate(
                engine=node.engine,
                login=login,
                password=password,
                node_id=node.node_id,
                max_failures=settings.console_lockout_failures,
                lockout=timedelta(minutes=settings.console_lockout_minutes),
                now=clock(),
            )
        except LienthongError as error:
            field = error.field if error.field in ("login", "password") else "password"
            return _signin_page(
                request,
                next_url=next,
                login=login,
                errors=[(field, error.message(language))],
                status_code=401,
            )
        with node.engine.begin() as connection:
            started = start_session(connection=connection, operator=operator, now=clock())
        response = RedirectResponse(safe_next(next), status_code=303)
        response.set_cookie(
            SESSION_COOKIE,
            started.token,
            httponly=True,
            samesite="strict",
            secure=_cookie_secure(request),
            path="/",
        )
        response.delete_cookie(SIGNIN_COOKIE, path="/")
        return response

    @app.post("/signout", dependencies=[Depends(csrf_protect)])
    def signout(request: Request, operator: Annotated[Operator, Depends(signed_in())]) -> Response:
        """End the session and go back to the sign-in page."""
        token = request.cookies.get(SESSION_COOKIE, "")
        with node.engine.begin() as connection:
            end_session(connection=connection, token=token, now=clock())
        audit_action(
            node=node,
            operator=operator,
            action="signout",
            target=operator.login,
            outcome="ok",
            kind="console.signin",
        )
        response = RedirectResponse("/signin", status_code=303)
        response.delete_cookie(SESSION_COOKIE, path="/")
        return response

    @app.get("/")
    def home(request: Request, operator: Annotated[Operator, Depends(signed_in())]) -> Response:
        """Show who is signed in and the sections their role allows."""
        context = {
            "sections": sections_for(operator),
            "role_name": ROLE_NAMES[operator.role.value],
            "province_name": _province_name(operator.province),
        }
        return render(request, "home.html", context)

    @app.get("/language/{language}", dependencies=[Depends(public())])
    def switch_language(language: str, next: str = "/") -> Response:
        """Remember the language chosen and go back to the page."""
        if language not in LANGUAGES:
            raise StarletteHTTPException(status_code=404)
        response = RedirectResponse(safe_next(next), status_code=303)
        response.set_cookie(
            LANGUAGE_COOKIE, language, max_age=LANGUAGE_MAX_AGE, samesite="lax", path="/"
        )
        return response

    for router in pages.ROUTERS:
        app.include_router(router)
    return app
