"""The test network of ``tests.support.sync`` over a real wire: the gateways, or NATS JetStream.

``over_gateways`` provisions central and the three provinces as an operator would (an
authority, keys and certificates, a signed directory, a grant of central's sync
service to each province's sync subsystem) and serves the four gateways: every round
then goes from the province's gateway to central's over mutual TLS, signed, checked
against the grant and audited, as in production. ``over_nats`` serves central's sync
on a NATS server with its own stream, and each round connects to it.

The fault scenarios run on both, as on the in-process link (``on_wire``).
"""

from __future__ import annotations

import asyncio
import functools
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import nats
import pytest
from nats.aio.client import Client as NATS
from nats.js import JetStreamContext
from tests.support.pair import Loop, Serving, _settings
from tests.support.ports import free_port
from tests.support.sync import CENTRAL, PROVINCES, Network, national, national_network

from lienthong.exchange.directory.models import Level
from lienthong.exchange.gateway.server import serve_gateway
from lienthong.exchange.local import LocalGrant, LocalMember, LocalNetwork, LocalNode, provision
from lienthong.node import Node, open_node
from lienthong.sync.service import PullRequest, PushReply
from lienthong.sync.setup import open_sync
from lienthong.sync.transports.http import PURPOSE, GatewayTransport
from lienthong.sync.transports.nats import NatsCentral, NatsNames, NatsTransport, remove

#: The wires a fault scenario runs over, as fixture parameters (NATS tests are marked).
WIRES = [
    pytest.param("in-process"),
    pytest.param("http"),
    pytest.param("nats", marks=pytest.mark.nats),
]


def on_wire(
    request: pytest.FixtureRequest, root: Path, provinces: dict[str, str] = PROVINCES
) -> Iterator[Network]:
    """Yield central and provinces linked over the wire a fixture is parametrized with."""
    if request.param == "http":
        yield from over_gateways(root, provinces)
    elif request.param == "nats":
        yield from over_nats(root, request.getfixturevalue("nats_url"), provinces)
    else:
        yield from national(root, provinces)


#: Central's sync subsystem and the service the provinces call.
CENTRAL_SYNC = "VN/GOV/BCA/sync"
SYNC_SERVICE = f"{CENTRAL_SYNC}/sync"


def member_of(province: str) -> str:
    """The member (agency) running a province's node: its people's committee."""
    return f"VN/GOV/P{province}"


def _open(root: Path, node_id: str, tls: dict[str, int], partitions: dict[str, str]) -> Node:
    if node_id == CENTRAL:
        return open_node(_settings(root / node_id, node_id, tls[node_id]))
    return open_node(
        _settings(
            root / node_id,
            node_id,
            tls[node_id],
            directory_url=f"https://127.0.0.1:{tls[CENTRAL]}/directory",
            sync_upstream=SYNC_SERVICE,
            sync_client=f"{member_of(partitions[node_id])}/sync",
            sync_partitions=[partitions[node_id]],
        )
    )


class Served:
    """What serves a node over its wire (its gateway, central's NATS service), on the test's
    event loop until stopped, or in a child process (``run``)."""

    def __init__(self, loop: Loop, serving: Serving, *, name: str) -> None:
        self.loop, self.serving, self.name = loop, serving, name
        self._stop: Callable[[], None] | None = None

    def start(self) -> None:
        if self._stop is None:
            self._stop = self.loop.start(self.serving, name=self.name)

    def stop(self) -> None:
        if self._stop is not None:
            self._stop()
            self._stop = None

    async def run(self, stop: asyncio.Event, *, ready: asyncio.Event | None = None) -> None:
        """Serve in the running event loop until ``stop`` is set."""
        await self.serving(stop, ready or asyncio.Event())


def gateway(node: Node, loop: Loop) -> Served:
    """A node's gateway."""
    return Served(
        loop,
        lambda stop, ready: serve_gateway(node, ready=ready, stop=stop),
        name=f"the gateway of {node.node_id}",
    )


def over_gateways(root: Path, provinces: dict[str, str] = PROVINCES) -> Iterator[Network]:
    """Yield central and provinces (node -> province code), gateways served, rounds through them."""
    tls = {node_id: free_port() for node_id in (CENTRAL, *provinces)}
    clients = [f"{member_of(code)}/sync" for code in provinces.values()]
    provision(
        LocalNetwork(
            authority_dir=root / CENTRAL,
            instance="VN",
            name="Mạng thử",
            members=[
                LocalMember("VN/GOV/BCA", "Bộ Công an", Level.CENTRAL),
                *(
                    LocalMember(member_of(code), f"UBND tỉnh {code}", Level.PROVINCE, code)
                    for code in provinces.values()
                ),
            ],
            nodes=[
                LocalNode(CENTRAL, "VN/GOV/BCA", root / CENTRAL, tls[CENTRAL], (CENTRAL_SYNC,)),
                *(
                    LocalNode(node_id, member_of(code), root / node_id, tls[node_id], (client,))
                    for (node_id, code), client in zip(provinces.items(), clients, strict=True)
                ),
            ],
            services=[(SYNC_SERVICE, None)],
            grants=[LocalGrant(client, SYNC_SERVICE, (PURPOSE,)) for client in clients],
        )
    )
    network = Network(root)
    loop = Loop()
    network.stops.append(loop.close)
    try:
        for node_id in tls:  # central first: the provinces fetch the directory from it
            node = _open(root, node_id, tls, provinces)
            network.nodes[node_id] = open_sync(node)
            served = gateway(node, loop)
            served.start()
            network.services[node_id] = served

        def wire(node_id: str) -> GatewayTransport:
            settings = network.nodes[node_id].node.settings
            assert settings.sync_client is not None
            return GatewayTransport(
                gateway=f"http://127.0.0.1:{settings.gateway_port}",
                client=settings.sync_client,
                service=SYNC_SERVICE,
                peer=CENTRAL,
                timeout=20.0,
            )

        network.wire = wire
        yield network
    finally:
        network.close()


class NatsWire:
    """A province's NATS transport to central, connected in the round's own event loop."""

    def __init__(self, url: str, names: NatsNames, node_id: str) -> None:
        self.url, self.names, self.node_id = url, names, node_id
        self.peer = CENTRAL
        #: How long to wait for central's answer before taking the link for down.
        self.timeout = 10.0
        self._nc: NATS | None = None
        self._transport: NatsTransport | None = None

    async def _connected(self) -> NatsTransport:
        if self._transport is None:
            self._nc = await nats.connect(self.url, connect_timeout=2, allow_reconnect=False)
            self._transport = NatsTransport(
                self._nc, node=self.node_id, peer=CENTRAL, names=self.names, timeout=self.timeout
            )
        return self._transport

    async def push(self, data: bytes) -> PushReply:
        return await (await self._connected()).push(data)

    async def pull(self, request: PullRequest) -> bytes:
        return await (await self._connected()).pull(request)

    async def close(self) -> None:
        if self._nc is not None:
            await self._nc.close()
        self._nc = self._transport = None


async def serve_central_on_nats(
    network: Network, url: str, names: NatsNames, stop: asyncio.Event, ready: asyncio.Event
) -> None:
    """Serve central's sync on NATS until ``stop`` is set."""
    nc = await nats.connect(url, connect_timeout=2)
    central = NatsCentral(network.nodes[CENTRAL], nc, names=names, ack_wait=5.0, idle=0.1)
    try:
        await central.start()
        ready.set()
        await central.serve(stop)
    finally:
        await central.close()
        await nc.close()


def over_nats(root: Path, url: str, provinces: dict[str, str] = PROVINCES) -> Iterator[Network]:
    """Yield central and provinces, central's sync served on NATS, every round over it."""
    names = NatsNames.namespaced(f"test_{uuid.uuid4().hex[:12]}")
    network = national_network(root, provinces)
    loop = Loop()
    service = Served(
        loop,
        functools.partial(serve_central_on_nats, network, url, names),
        name="central's NATS sync service",
    )

    def clean() -> None:
        service.stop()

        async def removed() -> None:
            nc = await nats.connect(url, connect_timeout=2)
            try:
                await remove(JetStreamContext(nc), names)
            finally:
                await nc.close()

        loop.run(removed())
        loop.close()

    network.stops.append(clean)
    network.services[CENTRAL] = service
    try:
        service.start()
        network.wire = lambda node_id: NatsWire(url, names, node_id)
        yield network
    finally:
        network.close()
