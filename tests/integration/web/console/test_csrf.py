"""A POST without this session's form token changes nothing; nor does a sign-in without the cookie."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.engine import Engine
from tests.integration.web.console.consoletest import PASSWORD, Console, make_console

from lienthong.web.console.auth import SESSION_COOKIE
from lienthong.web.console.csrf import SIGNIN_COOKIE
from lienthong.web.console.templating import LANGUAGE_COOKIE


def _still_signed_in(console: Console) -> bool:
    return console.client.get("/", follow_redirects=False).status_code == 200


def test_a_post_without_a_token_is_refused_with_a_page_that_says_what_to_do(
    console: Console,
) -> None:
    console.sign_in("trung.uong")
    console.client.cookies.set(LANGUAGE_COOKIE, "en")
    response = console.client.post("/signout", data={})
    assert response.status_code == 403
    assert "reload the page" in response.text
    assert _still_signed_in(console)


def test_a_post_with_a_wrong_token_is_refused(console: Console) -> None:
    console.sign_in("trung.uong")
    response = console.client.post("/signout", data={"csrf_token": "0" * 64})
    assert response.status_code == 403
    assert _still_signed_in(console)


def test_a_token_from_another_session_is_refused(engine: Engine, tmp_path: Path) -> None:
    console = make_console(engine, tmp_path)
    console.sign_in("trung.uong")
    other_token = console.form_token("/")
    other_cookie = console.client.cookies[SESSION_COOKIE]
    console.client.cookies.clear()
    console.sign_in("trung.uong")
    assert console.client.cookies[SESSION_COOKIE] != other_cookie
    response = console.client.post("/signout", data={"csrf_token": other_token})
    assert response.status_code == 403
    assert _still_signed_in(console)
    # The session's own token works.
    assert console.sign_out().status_code == 303


def test_signing_in_needs_the_cookie_and_the_form_to_agree(console: Console) -> None:
    token = console.form_token("/signin")
    assert console.client.cookies[SIGNIN_COOKIE] == token
    form = {"login": "trung.uong", "password": PASSWORD, "csrf_token": "x" * 43}
    assert console.client.post("/signin", data=form).status_code == 403
    console.client.cookies.clear()
    form["csrf_token"] = token
    assert console.client.post("/signin", data=form).status_code == 403
    assert SESSION_COOKIE not in console.client.cookies


def test_the_sign_in_token_is_kept_across_pages_until_signing_in(console: Console) -> None:
    first = console.form_token("/signin")
    assert console.form_token("/signin") == first
    assert console.sign_in("trung.uong").status_code == 303
    assert console.form_token("/") != first
