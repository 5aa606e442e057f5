"""Tests marked ``postgres`` or ``nats`` need that server; tests marked ``browser`` Chromium.

Where the server or the browser is absent they skip with the reason; under ``CI=true``
they fail instead, so a CI run can never pass by silently skipping them.
"""

from __future__ import annotations

import os
import socket
from functools import cache
from pathlib import Path
from urllib.parse import urlsplit

import pytest

SERVICES: dict[str, tuple[str, str]] = {
    "postgres": ("LIENTHONG_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test"),
    "nats": ("LIENTHONG_TEST_NATS_URL", "nats://127.0.0.1:4222"),
}
DEFAULT_PORTS = {"postgres": 5432, "nats": 4222}
#: Debian's Chromium, which the browser tests drive (Playwright downloads no browser).
CHROMIUM_ENV = "LIENTHONG_TEST_CHROMIUM"
DEFAULT_CHROMIUM = "/usr/bin/chromium"


def chromium_path() -> Path:
    """Return the Chromium the browser tests drive: $LIENTHONG_TEST_CHROMIUM or Debian's."""
    return Path(os.environ.get(CHROMIUM_ENV, DEFAULT_CHROMIUM))


def service_url(name: str) -> str:
    """Return the URL tests use for a service: its environment variable or the local default."""
    env, default = SERVICES[name]
    return os.environ.get(env, default)


@cache
def unavailable(name: str) -> str | None:
    """Return why a service cannot be reached, or None when it answers on its port."""
    url = service_url(name)
    parts = urlsplit(url)
    host, port = parts.hostname or "127.0.0.1", parts.port or DEFAULT_PORTS[name]
    try:
        with socket.create_connection((host, port), timeout=2):
            return None
    except OSError as exc:
        env = SERVICES[name][0]
        return f"{name} is not reachable at {host}:{port} ({exc}); set {env} to run these tests"


def browser_unavailable() -> str | None:
    """Return why the browser tests cannot run, or None when Chromium is installed."""
    chromium = chromium_path()
    if chromium.is_file() and os.access(chromium, os.X_OK):
        return None
    return f"Chromium is not installed at {chromium}; install it with: apt-get install chromium"


def pytest_runtest_setup(item: pytest.Item) -> None:
    for name in [*SERVICES, "browser"]:
        if item.get_closest_marker(name) is None:
            continue
        reason = browser_unavailable() if name == "browser" else unavailable(name)
        if reason is None:
            continue
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"CI=true requires every service test to run: {reason}", pytrace=False)
        pytest.skip(reason)


@pytest.fixture
def postgres_url() -> str:
    """The PostgreSQL URL for tests marked ``postgres``."""
    return service_url("postgres")


@pytest.fixture
def nats_url() -> str:
    """The NATS URL for tests marked ``nats``."""
    return service_url("nats")
