"""The live demo network: separate processes that start, work, stop on Ctrl-C and resume."""

from __future__ import annotations

import http.cookiejar
import os
import pty
import re
import signal
import socket
import subprocess
import sys
import time
import tomllib
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, select
from tests.support.ports import free_port

from lienthong.demo import live
from lienthong.demo import network as net
from lienthong.store.models import current_records
from lienthong.web.console.auth import SESSION_COOKIE
from lienthong.web.console.csrf import FIELD

PEOPLE = "300"
PROVINCES = ("VN-01", "VN-79", "VN-91")
#: How long a start of the demo may take (the tour and the network's steps come first).
START = 90.0


@pytest.fixture(scope="module")
def root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A state directory whose network is seeded once, by a demo run without input."""
    root = tmp_path_factory.mktemp("demo-live")
    done = subprocess.run(
        [*_lienthong(), "demo", "--no-input", "--people", PEOPLE],
        env=_env(root),
        capture_output=True,
        timeout=180,
        check=False,
    )
    assert done.returncode == 0, done.stderr.decode(errors="replace")[-2000:]
    return root


def _lienthong() -> list[str]:
    return [sys.executable, "-c", live.BOOT]


def _env(root: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LIENTHONG_")}
    return {**env, "LIENTHONG_STATE_DIR": str(root), "LIENTHONG_LANGUAGE": "en", "COLUMNS": "200"}


@dataclass
class Demo:
    """A ``lienthong demo`` started at a terminal, its output in a file."""

    process: subprocess.Popen[bytes]
    output: Path

    def text(self) -> str:
        return self.output.read_text(encoding="utf-8", errors="replace")

    def wait_for(self, needle: str, timeout: float = START) -> str:
        until = time.monotonic() + timeout
        while time.monotonic() < until:
            text = self.text()
            if needle in text:
                return text
            if self.process.poll() is not None:
                break
            time.sleep(0.2)
        raise AssertionError(f"no {needle!r} in the demo's output:\n{self.text()[-3000:]}")

    def pids(self) -> list[int]:
        return [int(pid) for pid in re.findall(r"\(pid (\d+)\)", self.text())]


@pytest.fixture
def start(root: Path, tmp_path: Path) -> Iterator[Callable[..., Demo]]:
    """Start the demo with a terminal on standard input; kill whatever is left afterwards."""
    started: list[Demo] = []
    terminals: list[int] = []

    def run(*args: str) -> Demo:
        terminal, keyboard = pty.openpty()
        output = tmp_path / f"demo-{len(started)}.txt"
        with output.open("wb") as sink:
            process = subprocess.Popen(
                [*_lienthong(), "demo", "--people", PEOPLE, *args],
                env=_env(root),
                stdin=keyboard,
                stdout=sink,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        os.close(keyboard)
        # The terminal stays open while the demo runs: closed, it would hang the demo's up.
        terminals.append(terminal)
        demo = Demo(process, output)
        started.append(demo)
        return demo

    try:
        yield run
    finally:
        for demo in started:
            if demo.process.poll() is None:
                demo.process.send_signal(signal.SIGINT)
                try:
                    demo.process.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    os.killpg(demo.process.pid, signal.SIGKILL)
                    demo.process.wait()
        for pid in _processes_of(root):
            os.kill(pid, signal.SIGKILL)
        for terminal in terminals:
            os.close(terminal)


def _processes_of(root: Path) -> list[int]:
    """Return the running processes started for this state directory (by their arguments or config)."""
    found = []
    needle = str(root).encode()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            seen = (entry / "cmdline").read_bytes() + (entry / "environ").read_bytes()
            state = (entry / "stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if needle in seen and state != "Z":
            found.append(int(entry.name))
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


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


def _eventually(check: Callable[[], bool], timeout: float) -> bool:
    until = time.monotonic() + timeout
    while time.monotonic() < until:
        if check():
            return True
        time.sleep(0.5)
    return check()


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
    assert len(pids) == 9 and all(_alive(pid) for pid in pids)
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
    assert _eventually(
        lambda: sum(_written_since(root, n, since) for n in PROVINCES) > 0, timeout=15
    ), demo.text()[-2000:]
    assert _eventually(lambda: _written_since(root, net.CENTRAL, since) > 0, timeout=20)
    assert "registers a birth" in demo.text() or "records a new address" in demo.text()

    demo.process.send_signal(signal.SIGINT)
    assert demo.process.wait(timeout=30) == 0
    assert "Every process of the demo network is stopped." in demo.text()
    assert [pid for pid in pids if _alive(pid)] == []
    assert _processes_of(root) == []


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
    assert [pid for pid in demo.pids() if _alive(pid)] == []
    assert _processes_of(root) == []
