"""The live demo network: separate processes that start, work, stop on Ctrl-C and resume."""

from __future__ import annotations

import http.cookiejar
import re
import signal
import socket
import tomllib
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, select
from tests.support.live_demo import (
    START,
    Demo,
    alive,
    eventually,
    processes_of,
    seed,
    starter,
)
from tests.support.ports import free_port

from lienthong.demo import live
from lienthong.demo import network as net
from lienthong.store.models import current_records
from lienthong.web.console.auth import SESSION_COOKIE
from lienthong.web.console.csrf import FIELD

PEOPLE = "300"
PROVINCES = ("VN-01", "VN-79", "VN-91")


@pytest.fixture(scope="module")
def root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A state directory whose network is seeded once, by a demo run without input."""
    root = tmp_path_factory.mktemp("demo-live")
    seed(root, people=PEOPLE)
    return root


@pytest.fixture
def start(root: Path, tmp_path: Path) -> Iterator[Callable[..., Demo]]:
    """Start the demo with a terminal on standard input; kill whatever is left afterwards."""
    with starter(root, tmp_path, people=PEOPLE) as run:
        yield run


def _ports(root: Path, node_id: str) -> dict[str, object]:
    with live.config_path(root / "demo", node_id).open("rb") as handle:
        return tomllib.load(handle)


def _status(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return int(response.status)
    except urllib.error.HTTPError as error:
        return error.code


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


def _sign_in(base: str, login: str, password: str) -> tuple[int, str, list[str]]:
    """Sign in as a browser does: the form, its token and cookie, then the POST."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar), _NoRedirect)
    with opener.open(f"{base}signin", timeout=5) as page:
        html = page.read().decode()
    token = re.search(rf'name="{FIELD}" value="([^"]+)"', html)
    assert token is not None, html
    form = urllib.parse.urlencode(
        {"login": login, "password": password, "next": "/", FIELD: token.group(1)}
    ).encode()
    try:
        with opener.open(f"{base}signin", data=form, timeout=5) as answer:
            return answer.status, "", []
    except urllib.error.HTTPError as error:
        return error.code, error.headers.get("Location", ""), error.headers.get_all("Set-Cookie")


def _written_since(root: Path, node_id: str, since: datetime) -> int:
    engine = create_engine(f"sqlite:///{root / 'demo' / node_id / 'node.sqlite'}")
    try:
        with engine.connect() as connection:
            return int(
                connection.execute(
                    select(func.count())
                    .select_from(current_records)
                    .where(current_records.c.recorded_at > since)
                ).scalar_one()
            )
    finally:
        engine.dispose()


def test_the_live_network_works_until_ctrl_c_stops_every_process_and_resumes_unseeded(
    root: Path, start: Callable[..., Demo]
) -> None:
    seeded = {
        n.node_id: (root / "demo" / n.node_id / net.SEEDED).stat().st_mtime_ns
        for n in net.demo_nodes()
    }
    port = free_port()

    demo = start("--port", str(port))
    text = demo.wait_for("Ctrl-C stops every process")
    since = datetime.now(UTC)

    # Nothing is seeded again: the network resumes from its state directory.
    assert {
        n.node_id: (root / "demo" / n.node_id / net.SEEDED).stat().st_mtime_ns
        for n in net.demo_nodes()
    } == seeded
    # Four gateways, the console, three sync loops and the traffic, each a process.
    pids = demo.pids()
    assert len(pids) == 9 and all(alive(pid) for pid in pids)
    for node_id in (net.CENTRAL, *PROVINCES):
        assert _status(f"http://127.0.0.1:{_ports(root, node_id)['gateway_port']}/health") == 200
    base = f"http://127.0.0.1:{port}/"
    assert base in text
    assert _status(f"{base}health") == 200
    assert _status(f"{base}signin") == 200

    # The printed login signs in.
    login_file = root / "demo" / live.LOGIN_FILE
    assert login_file.stat().st_mode & 0o777 == 0o600
    login, password = login_file.read_text().split()[:2]
    assert login == "demo.central" and password in text
    status, location, cookies = _sign_in(base, login, password)
    assert status == 303 and location == "/"
    assert any(cookie.startswith(f"{SESSION_COOKIE}=") for cookie in cookies)

    # The traffic writes at the provinces, and the sync carries it to central.
    assert eventually(
        lambda: sum(_written_since(root, n, since) for n in PROVINCES) > 0, timeout=15
    ), demo.text()[-2000:]
    assert eventually(lambda: _written_since(root, net.CENTRAL, since) > 0, timeout=20)
    assert "registers a birth" in demo.text() or "records a new address" in demo.text()

    demo.process.send_signal(signal.SIGINT)
    assert demo.process.wait(timeout=30) == 0
    assert "Every process of the demo network is stopped." in demo.text()
    assert [pid for pid in pids if alive(pid)] == []
    assert processes_of(root) == []


def test_a_child_that_cannot_start_is_named_with_its_reason_and_the_others_are_stopped(
    root: Path, start: Callable[..., Demo]
) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]

        demo = start("--port", str(port), "--no-traffic")
        assert demo.process.wait(timeout=START) == 1

    text = demo.text()
    assert "demo.live.start" in text
    assert "console VN-central" in text
    assert "address already in use" in text.lower()
    assert [pid for pid in demo.pids() if alive(pid)] == []
    assert processes_of(root) == []
