"""The console signs operators in and out, shows each role its sections, and guards every route."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.routing import APIRoute, RouteContext, iter_route_contexts
from sqlalchemy.engine import Engine
from starlette.routing import Mount
from tests.integration.web.console.consoletest import PASSWORD, Console, make_console

from lienthong.access.operators import disable_operator
from lienthong.exchange.audit.log import tail
from lienthong.web.console.app import SECTIONS
from lienthong.web.console.auth import (
    SESSION_COOKIE,
    ConsoleAuthorization,
    Public,
    Require,
    SignedIn,
    safe_next,
)
from lienthong.web.console.csrf import csrf_protect
from lienthong.web.console.templating import LANGUAGE_COOKIE


def _routes(console: Console) -> list[RouteContext]:
    """Every route of the app, the pages' included routers' ones too."""
    return list(iter_route_contexts(console.client.app.routes))  # type: ignore[attr-defined]


def _checks(route: RouteContext) -> list[ConsoleAuthorization]:
    return [
        dep.call
        for dep in route.dependant.dependencies
        if isinstance(dep.call, ConsoleAuthorization)
    ]


def test_every_route_declares_exactly_one_authorization_check(console: Console) -> None:
    routes = _routes(console)
    assert len(routes) > 5
    for route in routes:
        if isinstance(route.original_route, Mount):
            assert route.path == "/static", f"{route.path} is mounted without authorization"
            continue
        assert isinstance(route.original_route, APIRoute), f"{route} bypasses authorization"
        checks = _checks(route)
        assert len(checks) == 1, f"{route.methods} {route.path} has {len(checks)} checks"


def test_only_sign_in_language_and_health_are_public(console: Console) -> None:
    public = {
        route.path
        for route in _routes(console)
        if isinstance(route.original_route, APIRoute) and isinstance(_checks(route)[0], Public)
    }
    assert public == {"/signin", "/language/{language}", "/health"}


def test_every_post_is_protected_against_forgery(console: Console) -> None:
    posts = [route for route in _routes(console) if "POST" in (route.methods or set())]
    assert {"/signin", "/signout"} <= {route.path for route in posts}
    for route in posts:
        calls = [dep.call for dep in route.dependant.dependencies]
        assert csrf_protect in calls, f"POST {route.path} has no CSRF check"


def test_a_page_sends_a_browser_that_has_not_signed_in_to_the_sign_in_page(
    console: Console,
) -> None:
    response = console.client.get("/?tab=1", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/signin?next=/%3Ftab%3D1"


def test_signing_in_sets_a_strict_http_only_cookie_and_goes_to_the_page_asked_for(
    console: Console,
) -> None:
    response = console.sign_in("trung.uong", next_url="/audit")
    assert (response.status_code, response.headers["location"]) == (303, "/audit")
    cookie = response.headers["set-cookie"]
    assert cookie.startswith(f"{SESSION_COOKIE}=")
    for attribute in ("HttpOnly", "SameSite=strict", "Path=/"):
        assert attribute.lower() in cookie.lower()
    assert "secure" not in cookie.lower()  # plain http here; https adds Secure


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example", "/\\evil", ""])
def test_signing_in_never_leaves_the_console(target: str) -> None:
    assert safe_next(target) == "/"


def test_the_home_page_says_who_is_signed_in_and_links_the_sections_of_its_role(
    console: Console,
) -> None:
    console.sign_in("an.giang")
    page = console.client.get("/").text
    assert "an.giang" in page and "(91)" in page
    links = {section.path for section in SECTIONS if f'href="{section.path}"' in page}
    assert links == {"/network", "/registries", "/audit", "/sync", "/consolidation"}


def test_a_central_operator_sees_every_section_and_an_auditor_only_the_audit(
    console: Console,
) -> None:
    console.sign_in("trung.uong")
    page = console.client.get("/").text
    assert all(f'href="{section.path}"' in page for section in SECTIONS)
    console.sign_out()
    console.sign_in("kiem.toan")
    page = console.client.get("/").text
    assert [s.path for s in SECTIONS if f'href="{s.path}"' in page] == ["/audit"]


def test_a_route_the_role_does_not_allow_answers_403_with_a_page(
    engine: Engine, tmp_path: Path
) -> None:
    console = make_console(engine, tmp_path)
    from fastapi import APIRouter, Depends

    from lienthong.access.policy import ConsolePermission
    from lienthong.web.console.auth import require

    router = APIRouter()

    @router.get(
        "/directory-test", dependencies=[Depends(require(ConsolePermission.MANAGE_DIRECTORY))]
    )
    def page() -> dict[str, str]:
        return {"ok": "yes"}

    console.client.app.include_router(router)  # type: ignore[attr-defined]
    console.sign_in("an.giang")
    console.client.cookies.set(LANGUAGE_COOKIE, "en")
    refused = console.client.get("/directory-test")
    assert refused.status_code == 403
    assert "<h1" in refused.text and "central operator" in refused.text
    console.sign_out()
    console.sign_in("trung.uong")
    assert console.client.get("/directory-test").json() == {"ok": "yes"}


def test_a_wrong_password_is_shown_above_the_form_and_links_to_the_field(
    console: Console,
) -> None:
    response = console.sign_in("an.giang", "not the password")
    assert response.status_code == 401
    assert 'class="govuk-error-summary"' in response.text
    assert '<a href="#password">' in response.text
    assert 'id="password"' in response.text and 'aria-describedby="password-error"' in response.text
    assert 'value="an.giang"' in response.text  # the login name is kept, never the password
    assert "not the password" not in response.text
    assert SESSION_COOKIE not in response.headers.get("set-cookie", "")


def test_empty_fields_are_each_named(console: Console) -> None:
    token = console.form_token("/signin")
    response = console.client.post("/signin", data={"csrf_token": token})
    assert response.status_code == 400
    assert '<a href="#login">' in response.text and '<a href="#password">' in response.text


def test_the_fifth_failure_locks_the_name_and_says_so(console: Console) -> None:
    console.client.cookies.set(LANGUAGE_COOKIE, "en")
    for _ in range(4):
        assert '<a href="#password">' in console.sign_in("an.giang", "wrong password!").text
    locked = console.sign_in("an.giang", "wrong password!")
    assert "ask a central operator to unlock it" in locked.text
    assert '<a href="#login">' in locked.text
    assert console.sign_in("an.giang", PASSWORD).status_code == 401


def test_signing_out_ends_the_session_on_the_node(console: Console) -> None:
    console.sign_in("trung.uong")
    cookie = console.client.cookies[SESSION_COOKIE]
    assert console.sign_out().headers["location"] == "/signin"
    console.client.cookies.set(SESSION_COOKIE, cookie)  # a copy kept elsewhere
    assert console.client.get("/", follow_redirects=False).status_code == 303
    with console.node.engine.connect() as connection:
        kinds = [(e.entry.kind, e.entry.service) for e in tail(connection=connection, limit=2)]
    assert kinds == [("console.signin", "signin"), ("console.signin", "signout")]


def test_a_disabled_operator_is_signed_out_at_once(console: Console) -> None:
    console.sign_in("an.giang")
    assert console.client.get("/").status_code == 200
    with console.node.engine.begin() as connection:
        disable_operator(connection=connection, login="an.giang", actor="test")
    assert console.client.get("/", follow_redirects=False).status_code == 303


def test_the_language_switch_is_remembered_and_vietnamese_is_the_default(
    console: Console,
) -> None:
    assert '<html lang="vi">' in console.client.get("/signin").text
    switched = console.client.get("/language/en?next=/signin", follow_redirects=False)
    assert (switched.status_code, switched.headers["location"]) == (303, "/signin")
    assert '<html lang="en">' in console.client.get("/signin").text
    console.client.get("/language/vi?next=https://evil.example/")
    assert '<html lang="vi">' in console.client.get("/signin").text
    assert console.client.get("/language/fr").status_code == 404


def test_pages_are_never_cached_and_never_framed(console: Console) -> None:
    response = console.client.get("/signin")
    assert response.headers["cache-control"] == "no-store"
    assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
    assert response.headers["x-content-type-options"] == "nosniff"


def test_health_and_the_stylesheet_need_no_sign_in(console: Console) -> None:
    assert console.client.get("/health").json()["status"] == "ok"
    css = console.client.get("/static/console.css")
    assert css.status_code == 200 and "focus" in css.text


def test_an_unknown_address_answers_a_page(console: Console) -> None:
    response = console.client.get("/no/such/page")
    assert response.status_code == 404 and "<h1" in response.text


def test_the_checks_are_what_the_contract_names() -> None:
    # Pages depend on these names: require() yields Require, signed_in() SignedIn.
    assert issubclass(Require, SignedIn) and issubclass(SignedIn, ConsoleAuthorization)
