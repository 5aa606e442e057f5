"""The console served on a free port from a node on SQLite, and Debian's Chromium to drive it.

Playwright downloads no browser here: it launches /usr/bin/chromium (Debian's package,
which ``.ci/run`` installs). Screenshots of each page go to ``tests/e2e/artifacts/``.
"""

from __future__ import annotations

import os
import re
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from tests.plugins.services import chromium_path
from tests.support.ports import free_port

from lienthong.access.operators import create_operator
from lienthong.access.policy import OperatorRole
from lienthong.node import Node, open_node
from lienthong.settings import load_settings
from lienthong.systems import SystemRegistry
from lienthong.web.console import create_console

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
#: axe-core, installed from npm by ``.ci/run`` (``npm ci``), never copied into the repository.
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
PASSWORD = "mật khẩu của người vận hành"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@dataclass(frozen=True)
class Served:
    """A console running on 127.0.0.1 and the operators that may sign in to it."""

    url: str
    operators: dict[str, OperatorRole]


def add_operator(node: Node, login: str, role: OperatorRole, province: str | None = None) -> None:
    """Create an operator of a node's console, with the tests' password."""
    with node.engine.begin() as connection:
        create_operator(
            connection=connection,
            login=login,
            name=f"Cán bộ {login}",
            role=role,
            province=province,
            password=PASSWORD,
            actor="test",
        )


@contextmanager
def serve_console(node: Node) -> Iterator[str]:
    """Serve a node's console on a free port in a thread; yield its address."""
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(create_console(node), host="127.0.0.1", port=port, log_level="warning")
    )
    thread = threading.Thread(target=server.run, name=f"console-{node.node_id}", daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "the console did not start"
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=20)


@pytest.fixture
def served(tmp_path: Path) -> Iterator[Served]:
    """A console on a free port, over a fresh node with an operator of each role."""
    node = open_node(
        load_settings(state_dir=tmp_path / "state", node_id="VN-central"), systems=SystemRegistry()
    )
    operators = {
        "trung.uong": (OperatorRole.CENTRAL, None),
        "an.giang": (OperatorRole.PROVINCE, "91"),
        "kiem.toan": (OperatorRole.AUDITOR, None),
    }
    for login, (role, province) in operators.items():
        add_operator(node, login, role, province)
    try:
        with serve_console(node) as url:
            yield Served(url, {k: v[0] for k, v in operators.items()})
    finally:
        node.close()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Debian's Chromium, headless, driven by Playwright, for one module of tests.

    Playwright's sync API keeps an event loop running in the main thread while it is
    started: a session-wide browser would make every later ``asyncio.run`` in the suite
    fail, so it stops with the module that uses it.
    """
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=str(chromium_path()), args=CHROMIUM_ARGS, headless=True
        )
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser: Any, request: pytest.FixtureRequest) -> Iterator[Any]:
    """A fresh browser context's page (no cookies); axe-core is injected past the CSP."""
    context = browser.new_context(bypass_csp=True, locale="vi-VN")
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


@pytest.fixture
def axe_script() -> Path:
    """The path of axe-core, or the reason it is missing (a failure under CI=true)."""
    if not AXE.is_file():
        reason = (
            f"axe-core is not installed at {AXE}; run: npm ci (or npm install --no-audit --no-fund)"
        )
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(reason, pytrace=False)
        pytest.skip(reason)
    return AXE


def screenshot(page: Any, request: pytest.FixtureRequest, step: str) -> Path:
    """Save a full-page screenshot of the current page as a test artifact."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    name = re.sub(r"[^A-Za-z0-9_.-]+", "-", f"{request.node.name}-{step}")
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def serious_violations(page: Any, axe: Path) -> list[dict[str, Any]]:
    """Return the axe-core violations of impact serious or critical on the current page."""
    page.add_script_tag(path=str(axe))
    violations: list[dict[str, Any]] = page.evaluate(
        """async () => (await axe.run(document, {resultTypes: ["violations"]})).violations.map(
            v => ({id: v.id, impact: v.impact, help: v.help,
                   targets: v.nodes.map(n => n.target.join(" "))}))"""
    )
    return [v for v in violations if v["impact"] in ("serious", "critical")]
