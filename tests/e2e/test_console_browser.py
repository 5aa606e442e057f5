"""In a real browser: sign in and out, see the sections of one's role, switch language, get locked out."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from tests.e2e.conftest import PASSWORD, Served, screenshot, serious_violations

pytestmark = pytest.mark.browser

SECTIONS = ("/network", "/registries", "/directory", "/audit", "/sync", "/consolidation")


def sign_in(page: Any, login: str, password: str) -> None:
    page.fill("#login", login)
    page.fill("#password", password)
    page.click("main button[type=submit]")
    page.wait_for_load_state()


def section_links(page: Any) -> set[str]:
    hrefs = page.eval_on_selector_all("main a", "links => links.map(a => a.getAttribute('href'))")
    return {href for href in hrefs if href in SECTIONS}


def accessible(page: Any, axe: Path) -> None:
    violations = serious_violations(page, axe)
    assert violations == [], f"{page.url}: {violations}"


def test_an_operator_signs_in_sees_its_sections_switches_language_and_signs_out(
    served: Served, page: Any, axe_script: Path, request: pytest.FixtureRequest
) -> None:
    page.goto(served.url + "/")
    assert page.url == served.url + "/signin?next=/"
    assert page.get_attribute("html", "lang") == "vi"
    assert page.locator("h1").count() == 1
    assert page.locator("main").count() == 1
    screenshot(page, request, "1-signin")
    accessible(page, axe_script)

    sign_in(page, "trung.uong", "not the password")
    summary = page.locator(".govuk-error-summary")
    assert summary.is_visible()
    # The summary takes the focus, and its link moves it to the field.
    assert page.evaluate("document.activeElement.classList.contains('govuk-error-summary')")
    summary.locator("a[href='#password']").click()
    assert page.evaluate("document.activeElement.id") == "password"
    assert page.locator("#password-error").is_visible()
    screenshot(page, request, "2-signin-error")
    accessible(page, axe_script)

    sign_in(page, "trung.uong", PASSWORD)
    assert page.url == served.url + "/"
    assert "trung.uong" in page.locator("header").inner_text()
    assert section_links(page) == set(SECTIONS)
    screenshot(page, request, "3-home")
    accessible(page, axe_script)

    page.click("nav a[hreflang=en]")
    assert page.get_attribute("html", "lang") == "en"
    assert page.url == served.url + "/"
    assert "Sign out" in page.locator("header").inner_text()
    screenshot(page, request, "4-home-english")
    page.click("nav a[hreflang=vi]")
    assert page.get_attribute("html", "lang") == "vi"

    page.click("header button[type=submit]")
    page.wait_for_load_state()
    assert page.url.startswith(served.url + "/signin")
    page.goto(served.url + "/")
    assert page.url.startswith(served.url + "/signin")
    screenshot(page, request, "5-signed-out")


def test_a_province_operator_is_not_offered_the_directory(
    served: Served, page: Any, axe_script: Path, request: pytest.FixtureRequest
) -> None:
    page.goto(served.url + "/signin")
    sign_in(page, "an.giang", PASSWORD)
    links = section_links(page)
    assert "/directory" not in links
    assert {"/registries", "/audit"} <= links
    assert "(91)" in page.locator("main").inner_text()
    screenshot(page, request, "home-province")
    accessible(page, axe_script)


def test_an_auditor_is_offered_only_the_audit(
    served: Served, page: Any, request: pytest.FixtureRequest
) -> None:
    page.goto(served.url + "/signin")
    sign_in(page, "kiem.toan", PASSWORD)
    assert section_links(page) == {"/audit"}
    screenshot(page, request, "home-auditor")


def test_five_wrong_passwords_lock_the_account(
    served: Served, page: Any, request: pytest.FixtureRequest
) -> None:
    page.goto(served.url + "/signin")
    for _ in range(5):
        sign_in(page, "an.giang", "wrong password!")
    assert page.locator(".govuk-error-summary a[href='#login']").is_visible()
    sign_in(page, "an.giang", PASSWORD)
    assert page.url.startswith(served.url + "/signin")
    # Vietnamese first: "đề nghị cán bộ vận hành trung ương mở khóa" (ask a central operator
    # to unlock it).
    assert "mở khóa" in page.locator(".govuk-error-summary").inner_text()
    screenshot(page, request, "locked")
