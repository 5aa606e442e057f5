"""The live demo network: every node's gateway, the provinces' sync, central's console and the
scenario traffic run as child processes on 127.0.0.1 until Ctrl-C stops them all.

The supervisor only starts, watches and stops processes. Each child is an ordinary
``lienthong`` command (``gateway serve``, ``sync run``, ``console serve``) reading a
configuration file written under its node's state directory, so an operator can run the
same command by hand; the traffic is ``python -m lienthong.demo.traffic``. Every child runs
in a process group of its own: Ctrl-C at the terminal reaches the supervisor only, which
stops the children in order and kills what does not stop in time.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, Final

from lienthong.access.operators import (
    create_operator,
    list_operators,
    set_password,
)
from lienthong.access.policy import OperatorRole
from lienthong.demo import exchange as ex
from lienthong.demo import network as net
from lienthong.errors import LienthongError
from lienthong.i18n import N_
from lienthong.node import open_node
from lienthong.settings import load_settings
from lienthong.systems import SystemRegistry

#: How a child runs the ``lienthong`` command: from this interpreter, so no PATH is needed.
BOOT: Final = "from lienthong.cli.main import app; app(prog_name='lienthong')"
#: The configuration file each node's children read, under the node's state directory.
CONFIG: Final = "live.toml"
LOGIN_FILE: Final = "console-login.txt"
LOGS: Final = "logs"
DEFAULT_CONSOLE_PORT: Final = 8700
#: How long a child may take to answer its health check, in seconds.
START_TIMEOUT: Final = 60.0
#: How long a child without a health endpoint must keep running to count as started.
GRACE: Final = 1.5
#: How long children get to stop after SIGTERM before they are killed, in seconds.
STOP_TIMEOUT: Final = 10.0
#: Seconds between a province's sync rounds while it is caught up.
SYNC_INTERVAL: Final = 2.0
#: The province whose line to central goes down now and then.
OFFLINE: Final = "VN-91"
#: Every so often An Giang goes offline for a while, in seconds.
OUTAGE_EVERY: Final = 150.0
OUTAGE_FOR: Final = 40.0


@dataclass(frozen=True)
class Login:
    """A demo operator account of central's console."""

    login: str
    name: str
    role: OperatorRole
    province: str | None
    password: str


#: The demo's operators: one for the network, one for An Giang, one who reads the audit.
OPERATORS: Final = (
    ("demo.central", "Nguyễn Văn An", OperatorRole.CENTRAL, None),
    ("demo.angiang", "Trần Thị Bình", OperatorRole.PROVINCE, "91"),
    ("demo.auditor", "Lê Văn Cường", OperatorRole.AUDITOR, None),
)


@dataclass(frozen=True)
class ChildSpec:
    """How to start one child process and how to tell it is up."""

    name: str
    argv: tuple[str, ...]
    env: dict[str, str]
    log: Path
    #: A URL answering 200 once the child is up; without one, it must stay up for GRACE.
    health: str | None = None
    #: Whether its standard output goes to the supervisor's (the traffic's lines do).
    show_output: bool = False


@dataclass
class Child:
    """A started child process."""

    spec: ChildSpec
    process: subprocess.Popen[bytes]
    started: float
    ready: bool = False
    log: IO[bytes] | None = None

    @property
    def pid(self) -> int:
        """Return the child's process id (also its process group's)."""
        return self.process.pid


@dataclass(frozen=True)
class Ports:
    """The ports of one node's gateway: the client side and the TLS side."""

    client: int
    tls: int


@dataclass
class Plan:
    """What the live network runs, where, and on which ports."""

    state_dir: Path
    console_port: int = DEFAULT_CONSOLE_PORT
    traffic: bool = True
    seed: int = 1
    language: str = "vi"
    ports: dict[str, Ports] = field(default_factory=dict)

    @property
    def console_url(self) -> str:
        """Return the address of central's console."""
        return f"http://{ex.HOST}:{self.console_port}/"


def _toml(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str):
        # A JSON string is a valid TOML basic string.
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_toml(item) for item in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{_toml(k)} = {_toml(v)}" for k, v in value.items()) + "}"
    raise TypeError(type(value))


def config_path(state_dir: Path, node_id: str) -> Path:
    """Return the configuration file of a node of the live network."""
    return state_dir / node_id / CONFIG


def write_configs(plan: Plan) -> None:
    """Make the exchange network ready and write every node's configuration file."""
    tls_ports, _provisioned = ex.prepare_network(plan.state_dir)
    clients = ex.free_ports(len(ex.NODES), besides=[*tls_ports.values(), plan.console_port])
    directory_url = f"https://{ex.HOST}:{tls_ports[net.CENTRAL]}/directory"
    for (node_id, tls), client in zip(tls_ports.items(), clients, strict=True):
        plan.ports[node_id] = Ports(client=client, tls=tls)
        values: dict[str, Any] = {
            "language": plan.language,
            "log_level": "WARNING",
            "state_dir": str(plan.state_dir / node_id),
            "node_id": node_id,
            "console_host": ex.HOST,
            "console_port": plan.console_port,
            "sync_interval_seconds": SYNC_INTERVAL,
            # The console's charts move at the pace of the sync, not at the default 10 s.
            "console_sample_seconds": SYNC_INTERVAL,
            **ex.gateway_settings(
                node_id,
                client_port=client,
                tls_port=tls,
                directory_url=None if node_id == net.CENTRAL else directory_url,
            ),
        }
        lines = [
            "# Written by `lienthong demo` for its live network; rewritten at each start.",
            *(f"{key} = {_toml(value)}" for key, value in values.items() if value is not None),
        ]
        config_path(plan.state_dir, node_id).write_text("\n".join(lines) + "\n", encoding="utf-8")


# -- the console's demo operators -----------------------------------------------------------


def _read_logins(path: Path) -> dict[str, str]:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return {}
    found: dict[str, str] = {}
    for line in text.splitlines():
        parts = line.split()
        if len(parts) >= 2 and not line.startswith("#"):
            found[parts[0]] = parts[1]
    return found


def ensure_operators(state_dir: Path) -> list[Login]:
    """Create the demo's operators at central once; return their logins and passwords.

    The passwords are generated once and kept in ``console-login.txt`` (readable by its
    owner only); an operator whose password the file lost gets a new one.
    """
    path = state_dir / LOGIN_FILE
    known = _read_logins(path)
    logins = [
        Login(login, name, role, province, known.get(login) or secrets.token_urlsafe(12))
        for login, name, role, province in OPERATORS
    ]
    settings = load_settings(
        config_file=config_path(state_dir, net.CENTRAL),
        state_dir=state_dir / net.CENTRAL,
        node_id=net.CENTRAL,
        database_url=None,
    )
    node = open_node(settings, systems=SystemRegistry())
    try:
        with node.engine.begin() as connection:
            existing = {a.operator.login for a in list_operators(connection=connection)}
            for login in logins:
                if login.login not in existing:
                    create_operator(
                        connection=connection,
                        login=login.login,
                        name=login.name,
                        role=login.role,
                        province=login.province,
                        password=login.password,
                        actor="demo",
                        node_id=node.node_id,
                    )
                elif login.login not in known:
                    set_password(
                        connection=connection,
                        login=login.login,
                        password=login.password,
                        actor="demo",
                        node_id=node.node_id,
                    )
    finally:
        node.close()
    text = "".join(
        f"{login.login} {login.password} {login.role.value}"
        + (f" {login.province}" if login.province else "")
        + "\n"
        for login in logins
    )
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        handle.write(text)
    path.chmod(0o600)
    return logins


# -- the children ---------------------------------------------------------------------------


def _environment(config: Path | None = None) -> dict[str, str]:
    """Return a child's environment: the caller's, without its lienthong settings."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("LIENTHONG_")}
    env["PYTHONUNBUFFERED"] = "1"
    if config is not None:
        env["LIENTHONG_CONFIG"] = str(config)
    return env


def _command(*args: str) -> tuple[str, ...]:
    return (sys.executable, "-c", BOOT, *args)


def gateway_child(plan: Plan, node_id: str) -> ChildSpec:
    """Return the child serving a node's gateway."""
    return ChildSpec(
        name=f"gateway {node_id}",
        argv=_command("gateway", "serve"),
        env=_environment(config_path(plan.state_dir, node_id)),
        log=plan.state_dir / LOGS / f"gateway-{node_id}.log",
        health=f"http://{ex.HOST}:{plan.ports[node_id].client}/health",
    )


def sync_child(plan: Plan, node_id: str) -> ChildSpec:
    """Return the child running a province's sync loop."""
    return ChildSpec(
        name=f"sync {node_id}",
        argv=_command("sync", "run"),
        env=_environment(config_path(plan.state_dir, node_id)),
        log=plan.state_dir / LOGS / f"sync-{node_id}.log",
    )


def console_child(plan: Plan) -> ChildSpec:
    """Return the child serving central's operator console."""
    return ChildSpec(
        name=f"console {net.CENTRAL}",
        argv=_command("console", "serve", "--host", ex.HOST, "--port", str(plan.console_port)),
        env=_environment(config_path(plan.state_dir, net.CENTRAL)),
        log=plan.state_dir / LOGS / "console.log",
        health=f"http://{ex.HOST}:{plan.console_port}/health",
    )


def traffic_child(plan: Plan) -> ChildSpec:
    """Return the child making the scenario traffic."""
    return ChildSpec(
        name="traffic",
        argv=(
            sys.executable,
            "-m",
            "lienthong.demo.traffic",
            "--state-dir",
            str(plan.state_dir),
            "--seed",
            str(plan.seed),
            "--language",
            plan.language,
        ),
        env=_environment(),
        log=plan.state_dir / LOGS / "traffic.log",
        show_output=True,
    )


def tail(path: Path, lines: int = 6) -> str:
    """Return the last lines of a child's log, joined on one line."""
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ""
    kept = [line.strip() for line in text.splitlines() if line.strip()]
    return " | ".join(kept[-lines:])


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return bool(response.status == 200)
    except (urllib.error.URLError, OSError, ValueError):
        return False


class Supervisor:
    """Start, watch and stop the live network's child processes."""

    def __init__(self, *, stopping: threading.Event) -> None:
        self.children: list[Child] = []
        self.stopping = stopping

    def start(self, spec: ChildSpec) -> Child:
        """Start a child in a process group of its own, its output in its log."""
        spec.log.parent.mkdir(parents=True, exist_ok=True)
        log = spec.log.open("ab")
        process = subprocess.Popen(
            spec.argv,
            env=spec.env,
            stdin=subprocess.DEVNULL,
            stdout=None if spec.show_output else log,
            stderr=log,
            start_new_session=True,
        )
        child = Child(spec, process, time.monotonic(), log=log)
        self.children.append(child)
        return child

    def _ready(self, child: Child) -> bool:
        if child.spec.health is not None:
            return _answers(child.spec.health)
        return time.monotonic() - child.started >= GRACE

    def wait_ready(
        self,
        children: list[Child],
        *,
        on_ready: Callable[[Child], None] | None = None,
        timeout: float = START_TIMEOUT,
    ) -> None:
        """Wait until each child is up; stop every child and fail on the first that is not."""
        until = time.monotonic() + timeout
        waiting = list(children)
        while waiting:
            for child in list(waiting):
                if child.process.poll() is not None:
                    raise self._failed(child, tail(child.spec.log) or _exited(child))
                if self._ready(child):
                    child.ready = True
                    waiting.remove(child)
                    if on_ready is not None:
                        on_ready(child)
            if not waiting:
                return
            if self.stopping.is_set():
                raise Interrupted()
            if time.monotonic() > until:
                child = waiting[0]
                reason = tail(child.spec.log) or f"no answer within {timeout:.0f} s"
                raise self._failed(child, reason)
            time.sleep(0.1)

    def _failed(self, child: Child, reason: str) -> LienthongError:
        self.stop_all()
        return LienthongError(
            "demo.live.start",
            N_(
                "The demo's {child} did not start: {reason}. Every other process of the demo"
                " is stopped; the whole log is {log}."
            ),
            child=child.spec.name,
            reason=reason,
            log=str(child.spec.log),
        )

    def died(self) -> Child | None:
        """Return a child that stopped by itself, if one did."""
        for child in self.children:
            if child.process.poll() is not None:
                return child
        return None

    def stop(self, children: list[Child], *, timeout: float = STOP_TIMEOUT) -> None:
        """Stop children: SIGTERM to each one's group, then SIGKILL to what is left."""
        for child in children:
            _signal(child, signal.SIGTERM)
        until = time.monotonic() + timeout
        for child in children:
            try:
                child.process.wait(timeout=max(0.0, until - time.monotonic()))
            except subprocess.TimeoutExpired:
                _signal(child, signal.SIGKILL)
                child.process.wait()
            # Whatever the child started in its group goes with it.
            _signal(child, signal.SIGKILL)
            if child.log is not None:
                child.log.close()
            if child in self.children:
                self.children.remove(child)

    def stop_all(self) -> None:
        """Stop every child, the last started first."""
        self.stop(list(reversed(self.children)))


def _signal(child: Child, signum: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(child.pid, signum)


def _exited(child: Child) -> str:
    return f"exit status {child.process.returncode}"


class Interrupted(Exception):
    """The person stopped the demo while it was starting."""


# -- the network ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Event:
    """Something the supervisor tells the person while the network runs (a msgid and values)."""

    message: str
    values: dict[str, Any] = field(default_factory=dict)


class LiveNetwork:
    """The live demo network: its plan, its children and An Giang's outages."""

    def __init__(self, plan: Plan, *, stopping: threading.Event) -> None:
        self.plan = plan
        self.supervisor = Supervisor(stopping=stopping)
        self.stopping = stopping
        self._offline_sync: Child | None = None

    @property
    def planned(self) -> int:
        """Return how many children the network starts."""
        return len(ex.NODES) + 1 + len(ex.PROVINCE_SYNC) + (1 if self.plan.traffic else 0)

    def prepare(self) -> list[Login]:
        """Write the nodes' configuration files and the console's demo operators."""
        write_configs(self.plan)
        return ensure_operators(self.plan.state_dir)

    def start(self, *, on_ready: Callable[[Child], None] | None = None) -> None:
        """Start every child in order, each step waiting until its children are up."""
        plan, supervisor = self.plan, self.supervisor
        try:
            # Central first: the provinces' gateways fetch the directory from it as they start.
            steps: list[list[ChildSpec]] = [
                [gateway_child(plan, net.CENTRAL)],
                [
                    *(gateway_child(plan, n) for n in ex.NODES if n != net.CENTRAL),
                    console_child(plan),
                ],
                [sync_child(plan, n) for n in ex.PROVINCE_SYNC],
            ]
            if plan.traffic:
                steps.append([traffic_child(plan)])
            for specs in steps:
                started = [supervisor.start(spec) for spec in specs]
                supervisor.wait_ready(started, on_ready=on_ready)
        except BaseException:
            supervisor.stop_all()
            raise

    def watch(
        self,
        *,
        say: Callable[[Event], None],
        outage_every: float = OUTAGE_EVERY,
        outage_for: float = OUTAGE_FOR,
    ) -> None:
        """Watch the children until asked to stop; take An Giang offline now and then."""
        next_outage = time.monotonic() + outage_every
        back_at: float | None = None
        while not self.stopping.wait(0.2):
            if (gone := self.supervisor.died()) is not None:
                reason = tail(gone.spec.log) or _exited(gone)
                self.supervisor.stop_all()
                raise LienthongError(
                    "demo.live.stopped",
                    N_(
                        "The demo's {child} stopped by itself: {reason}. Every other process"
                        " of the demo is stopped; the whole log is {log}."
                    ),
                    child=gone.spec.name,
                    reason=reason,
                    log=str(gone.spec.log),
                )
            now = time.monotonic()
            if back_at is None and now >= next_outage:
                self._take_offline()
                back_at = now + outage_for
                say(
                    Event(
                        N_(
                            "An Giang's line to central is down for {seconds:.0f} s: its sync"
                            " stops, and An Giang keeps working."
                        ),
                        {"seconds": outage_for},
                    )
                )
            elif back_at is not None and now >= back_at:
                self._bring_back()
                back_at, next_outage = None, now + outage_every
                say(Event(N_("An Giang's line to central is back: its sync catches up.")))

    def _take_offline(self) -> None:
        child = next(
            (c for c in self.supervisor.children if c.spec.name == f"sync {OFFLINE}"), None
        )
        if child is not None:
            self.supervisor.stop([child])

    def _bring_back(self) -> None:
        self.supervisor.start(sync_child(self.plan, OFFLINE))

    def stop(self) -> int:
        """Stop every child; return how many there were."""
        count = len(self.supervisor.children)
        self.supervisor.stop_all()
        return count


def stop_on_signals(stopping: threading.Event) -> Callable[[], None]:
    """Set ``stopping`` on SIGINT and SIGTERM; return what restores the previous handlers."""

    def handler(_signum: int, _frame: Any) -> None:
        stopping.set()

    previous = {
        signum: signal.signal(signum, handler) for signum in (signal.SIGINT, signal.SIGTERM)
    }

    def restore() -> None:
        for signum, old in previous.items():
            signal.signal(signum, old)

    return restore


__all__ = [
    "DEFAULT_CONSOLE_PORT",
    "LOGIN_FILE",
    "Child",
    "ChildSpec",
    "Event",
    "Interrupted",
    "LiveNetwork",
    "Login",
    "Plan",
    "Supervisor",
    "config_path",
    "ensure_operators",
    "stop_on_signals",
    "write_configs",
]
