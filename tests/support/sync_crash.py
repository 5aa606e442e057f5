"""Kill -9 a node in the middle of sync: one side of a link runs in a forked child process.

In process, the two sides of a link talk over a pipe (``PipeTransport`` to ``serve``),
as they would over the network, each on its own SQLite store; over a real wire the child
runs a province's rounds, or serves central (``serve_until_closed``), and the pipe only
tells each side when the other is ready or gone. The child is killed with SIGKILL, either
by the parent after a seeded delay or by itself at a seeded SQL statement (the point is
then exactly reproducible): whatever it had not committed is lost, and the store files
are left as a crash leaves them. The parent then reopens the stores and heals.

``fork`` is used (a spawned child would spend more time importing than syncing); every
engine is disposed before forking, so parent and child never share a SQLite connection.
"""

from __future__ import annotations

import asyncio
import contextlib
import multiprocessing
import os
import signal
import threading
from collections.abc import Callable
from dataclasses import dataclass
from multiprocessing.connection import Connection
from typing import Any, Literal

from sqlalchemy import event
from sqlalchemy.engine import Engine
from tests.support.sync import CENTRAL, Network, Service, run_round

from lienthong.errors import LienthongError
from lienthong.sync.service import (
    PullRequest,
    PushReply,
    SyncNode,
    Transport,
    accept_push,
    serve_pull,
)

#: How long either side waits for the other before giving up (a hung child).
TIMEOUT = 10.0


class PipeTransport:
    """A province's transport to central at the other end of a pipe."""

    def __init__(self, connection: Connection, *, caller: str, peer: str = CENTRAL) -> None:
        self.connection = connection
        self.caller = caller
        self.peer = peer

    def _call(self, message: tuple[Any, ...]) -> Any:
        try:
            self.connection.send(message)
            if not self.connection.poll(TIMEOUT):
                raise ConnectionError("the upstream did not answer in time")
            status, value = self.connection.recv()
        except (EOFError, OSError) as error:
            raise ConnectionError(f"the upstream is gone: {error!r}") from None
        if status != "ok":
            raise RuntimeError(f"the upstream failed: {value}")
        return value

    async def push(self, data: bytes) -> PushReply:
        cursor, applied = self._call(("push", self.caller, data))
        return PushReply(cursor=cursor, applied=applied)

    async def pull(self, request: PullRequest) -> bytes:
        data: bytes = self._call(("pull", self.caller, request.to_json()))
        return data


def serve(sync: SyncNode, connection: Connection) -> None:
    """Answer pushes and pulls arriving on a pipe until the other end is gone."""
    while True:
        try:
            if not connection.poll(TIMEOUT):
                return
            kind, caller, payload = connection.recv()
        except (EOFError, OSError):
            return
        try:
            if kind == "push":
                reply = accept_push(sync, data=payload, caller=caller)
                answer: tuple[str, Any] = ("ok", (reply.cursor, reply.applied))
            else:
                request = PullRequest.from_json(payload)
                answer = ("ok", serve_pull(sync, request=request, caller=caller))
        except LienthongError as error:
            answer = ("error", error.code)
        try:
            connection.send(answer)
        except OSError:
            return


def kill_at_statement(engine: Engine, count: int) -> None:
    """Make this process SIGKILL itself just before its ``count``-th SQL statement."""
    seen = 0

    def before(*_: object) -> None:
        nonlocal seen
        seen += 1
        if seen >= count:
            os.kill(os.getpid(), signal.SIGKILL)

    event.listen(engine, "before_cursor_execute", before)


def dispose(network: Network) -> None:
    """Close every pooled connection (before forking, and in the child after it)."""
    for sync in network.nodes.values():
        sync.node.engine.dispose()


@dataclass(frozen=True)
class Crash:
    """How one child dies: after a delay (seconds) or at a SQL statement (its number)."""

    trigger: Literal["delay", "statement"]
    at: float


@dataclass(frozen=True)
class Outcome:
    """What became of the child: killed (-9), or finished before its death came."""

    exitcode: int | None

    @property
    def killed(self) -> bool:
        """Whether SIGKILL ended it."""
        return self.exitcode == -signal.SIGKILL


Work = Callable[[Network, Connection], None]


def run_child(
    network: Network,
    work: Work,
    *,
    parent_side: Callable[[Connection], None],
    crash: Crash,
    victim: str,
) -> Outcome:
    """Fork a child running ``work``, kill it as ``crash`` says, and wait for it.

    The parent runs ``parent_side`` with its end of the pipe meanwhile. With a
    statement trigger the child kills itself at that statement of ``victim``'s store.
    """
    dispose(network)
    context = multiprocessing.get_context("fork")
    ours, theirs = context.Pipe()

    def child() -> None:
        ours.close()
        for sync in network.nodes.values():
            sync.node.engine.dispose(close=False)
        if crash.trigger == "statement":
            kill_at_statement(network.nodes[victim].node.engine, int(crash.at))
        work(network, theirs)
        theirs.close()

    process = context.Process(target=child, daemon=True)
    process.start()
    theirs.close()
    timer: threading.Timer | None = None
    if crash.trigger == "delay":
        timer = threading.Timer(crash.at, process.kill)
        timer.start()
    try:
        with contextlib.suppress(ConnectionError):
            parent_side(ours)
    finally:
        ours.close()
        process.join(TIMEOUT)
        if timer is not None:
            timer.cancel()
        if process.exitcode is None:
            process.kill()
            process.join(TIMEOUT)
    return Outcome(process.exitcode)


# -- what the two sides do ------------------------------------------------------------------


def rounds(
    network: Network,
    link: Callable[[str], Transport],
    *,
    order: list[str],
    write: Callable[[SyncNode, int], None],
    writes: int,
    limit: int,
) -> None:
    """Provinces write and sync by turns (through ``link(node_id)``), until the link breaks."""
    for step in range(writes):
        node_id = order[step % len(order)]
        sync = network.nodes[node_id]
        write(sync, step)
        run_round(network, node_id, link(node_id), limit=limit)


def serve_until_closed(service: Service, connection: Connection) -> None:
    """Serve a node over its wire (in a child process) until the parent closes the pipe."""

    async def main() -> None:
        stop, ready = asyncio.Event(), asyncio.Event()
        served = asyncio.create_task(service.run(stop, ready=ready))
        await asyncio.wait(
            {served, asyncio.create_task(ready.wait())}, return_when=asyncio.FIRST_COMPLETED
        )
        if ready.is_set():
            connection.send("ready")
        # The parent closes its end when its rounds are done: then stop serving.
        closed = asyncio.create_task(asyncio.to_thread(_wait_closed, connection))
        await asyncio.wait({served, closed}, return_when=asyncio.FIRST_COMPLETED)
        stop.set()
        await served

    asyncio.run(main())


def _wait_closed(connection: Connection, *, seconds: float = 6 * TIMEOUT) -> None:
    """Wait until the other end of a pipe is closed (or gone), at most ``seconds``."""
    with contextlib.suppress(EOFError, OSError):
        while connection.poll(seconds):
            connection.recv()


def when_served(connection: Connection) -> bool:
    """Wait until the child serves (``serve_until_closed``); False if it died first."""
    try:
        return connection.poll(TIMEOUT) and connection.recv() == "ready"
    except (EOFError, OSError):
        return False


def until_child_ends(connection: Connection) -> None:
    """The parent's side while the child works alone: wait until it finished or died."""
    _wait_closed(connection)


def piped(connection: Connection) -> Callable[[str], Transport]:
    """Return the links of provinces to central at the other end of a pipe."""
    return lambda node_id: PipeTransport(connection, caller=node_id)


class StatementCount:
    """Count the SQL statements a node's store executes (to calibrate statement kills)."""

    def __init__(self, engine: Engine) -> None:
        self.count = 0
        event.listen(engine, "before_cursor_execute", self._seen)

    def _seen(self, *_: object) -> None:
        self.count += 1
