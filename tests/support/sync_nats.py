"""Sync over NATS for tests: a connection, central serving in the background, faults on demand.

Every test names its own stream, consumer, bucket and subjects (``NatsNames.namespaced``)
so tests share one NATS server without seeing each other's messages.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import subprocess
import time
from collections.abc import AsyncIterator, Callable, Coroutine, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import nats
from nats.aio.client import Client as NATS
from nats.js import JetStreamContext
from tests.support.ports import free_port

from lienthong.sync.service import PullRequest, PushReply, SyncNode
from lienthong.sync.transports.nats import NatsCentral, NatsNames, NatsTransport

T = TypeVar("T")

#: No test waits longer than this for anything.
BOUND = 30.0


def run(work: Coroutine[Any, Any, T], *, seconds: float = BOUND) -> T:
    """Run a coroutine to its end, failing it when it takes longer than ``seconds``."""

    async def bounded() -> T:
        return await asyncio.wait_for(work, seconds)

    return asyncio.run(bounded())


@contextlib.asynccontextmanager
async def connected(url: str) -> AsyncIterator[NATS]:
    """Yield a connection that gives up at once rather than reconnecting."""
    nc = await nats.connect(url, connect_timeout=2, allow_reconnect=False)
    try:
        yield nc
    finally:
        await nc.close()


@contextlib.asynccontextmanager
async def serving(
    central: SyncNode, nc: NATS, names: NatsNames, *, ack_wait: float = 30.0
) -> AsyncIterator[NatsCentral]:
    """Yield central's NATS sync service, consuming pushes in a task until the block ends."""
    service = NatsCentral(central, nc, names=names, ack_wait=ack_wait, idle=0.2)
    await service.start()
    task = asyncio.create_task(service.serve())
    try:
        yield service
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        await service.close()


async def until(condition: Callable[[], bool], *, seconds: float = 10.0) -> None:
    """Wait until a condition holds, failing after ``seconds``."""
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError("the condition did not come true in time")
        await asyncio.sleep(0.05)


class Tampering(NatsTransport):
    """A NATS transport that damages the batches it carries, either way."""

    def __init__(self, nc: NATS, *, tamper: Callable[[bytes], bytes], **options: Any) -> None:
        super().__init__(nc, **options)
        self.tamper = tamper

    async def push(self, data: bytes) -> PushReply:
        return await super().push(self.tamper(data))

    async def pull(self, request: PullRequest) -> bytes:
        return self.tamper(await super().pull(request))


async def stream_state(js: JetStreamContext, names: NatsNames) -> tuple[int, int, int]:
    """Return messages stored, not yet delivered, and delivered but not acknowledged."""
    stream = await js.stream_info(names.stream)
    consumer = await js.consumer_info(names.stream, names.consumer)
    return (stream.state.messages, consumer.num_pending or 0, consumer.num_ack_pending or 0)


async def backlog(nc: NATS, names: NatsNames) -> int:
    """Return how many pushed messages are stored, undelivered or unacknowledged (0: none)."""
    return sum(await stream_state(JetStreamContext(nc), names))


NATS_SERVER = "/usr/sbin/nats-server"


@dataclass
class Server:
    """A nats-server this test started, on a free port."""

    url: str
    process: subprocess.Popen[bytes]


@contextlib.contextmanager
def nats_server(
    root: Path, name: str, *, domain: str, leaf_port: int | None = None, hub: int | None = None
) -> Iterator[Server]:
    """Start a JetStream server with its own domain, taking leaf nodes or a leaf of a hub.

    ``leaf_port``: where a hub takes leaf nodes; ``hub``: the hub leaf port a leaf node
    connects to (and reconnects to, every second, while the hub is away).
    """
    port = free_port()
    store = root / name
    store.mkdir(parents=True, exist_ok=True)
    lines = [
        f"server_name: {name}",
        f"listen: 127.0.0.1:{port}",
        f'jetstream {{ store_dir: "{store}", domain: {domain} }}',
    ]
    if leaf_port is not None:
        lines.append(f"leafnodes {{ listen: 127.0.0.1:{leaf_port} }}")
    if hub is not None:
        remote = f'{{ url: "nats-leaf://127.0.0.1:{hub}" }}'
        lines.append(f"leafnodes {{ reconnect: 1, remotes [ {remote} ] }}")
    config = root / f"{name}.conf"
    config.write_text("\n".join(lines) + "\n")
    process = subprocess.Popen(
        [NATS_SERVER, "-c", str(config)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        deadline = time.monotonic() + 10
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                if time.monotonic() > deadline or process.poll() is not None:
                    raise RuntimeError(f"nats-server {name} did not start") from None
                time.sleep(0.05)
        yield Server(f"nats://127.0.0.1:{port}", process)
    finally:
        process.terminate()
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
