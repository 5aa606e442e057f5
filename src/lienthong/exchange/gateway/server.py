"""One node's gateway, assembled from its configuration and served: both sides, one process.

The client side listens on the node's internal address (plain HTTP, as X-Road's is for
information systems); the provider side listens for other gateways over mutual TLS with
the node's certificate from the network CA. The node keeps its directory fresh in the
background, and signs a checkpoint of its audit log at an interval.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import aiohttp
import uvicorn

from lienthong.access import AccessLogWriter
from lienthong.errors import LienthongError
from lienthong.exchange.directory import authority
from lienthong.exchange.directory.cache import DirectoryCache, cache_path, http_fetch
from lienthong.exchange.directory.views import directory_route
from lienthong.exchange.gateway.client import ClientGateway
from lienthong.exchange.gateway.context import Gateway, logger
from lienthong.exchange.gateway.protocol import CoalescingProtocol
from lienthong.exchange.gateway.provider import ProviderGateway
from lienthong.exchange.gateway.tls import PeerCertificateProtocol
from lienthong.exchange.gateway.upstream import Upstreams
from lienthong.exchange.gateway.witness import PATH as WITNESS_PATH
from lienthong.exchange.gateway.witness import Witness, checkpoint_and_witness, witness_node
from lienthong.exchange.keys import NodePaths, load_signing_key
from lienthong.exchange.pki import (
    NetworkPaths,
    client_ssl_context,
    load_directory_key,
    read_certificate,
    server_ssl_context,
)
from lienthong.i18n import N_
from lienthong.node import Node
from lienthong.store import utc_now
from lienthong.sync.metrics import SyncCollector
from lienthong.web.api import create_app


@dataclass
class NodeGateway:
    """The assembled gateway of a node, ready to serve."""

    gateway: Gateway
    client: ClientGateway
    provider: ProviderGateway
    directory: DirectoryCache
    audit: AccessLogWriter
    #: Whether this node is the network authority (it reads the directory it publishes).
    is_authority: bool

    async def close(self) -> None:
        """Close connections and flush the audit log."""
        await self.client.close()
        await self.provider.close()
        self.audit.close()


def build_gateway(node: Node, *, clock: Callable[[], datetime] = utc_now) -> NodeGateway:
    """Assemble a node's gateway from its settings, keys and installed systems."""
    settings = node.settings
    paths = NodePaths(settings.state_dir)
    network = NetworkPaths.of(settings.state_dir)
    is_authority = network.info.is_file()
    if settings.directory_url:
        fetch = http_fetch(settings.directory_url, ssl_context=client_ssl_context(paths))
    else:

        async def fetch() -> bytes:
            return authority.latest_signed(settings.state_dir)

    directory = DirectoryCache(
        path=cache_path(settings.state_dir),
        key=load_directory_key(paths),
        instance=settings.network_instance,
        fetch=fetch,
        clock=clock,
        max_age=(
            timedelta(hours=settings.directory_max_age_hours)
            if settings.directory_max_age_hours is not None
            else None
        ),
        interval=settings.directory_poll_seconds,
        backoff_max=settings.directory_poll_seconds * 10,
    )
    # One writer for the registry's access log and the gateway's calls: see AccessLogWriter.
    audit = AccessLogWriter(node.engine, node_id=settings.node_id)
    gateway = Gateway(
        node_id=settings.node_id,
        instance=settings.network_instance,
        directory=directory,
        signing_key=load_signing_key(paths.signing_key),
        audit=audit,
        clock=clock,
        window=timedelta(seconds=settings.exchange_window_seconds),
        max_body=settings.exchange_max_body_bytes,
        body_timeout=settings.exchange_body_timeout_seconds,
        upstream_timeout=settings.exchange_upstream_timeout_seconds,
        audit_bodies=settings.exchange_audit_bodies,
    )
    api = create_app(node, log_writer=audit)
    upstreams = Upstreams(
        api=api,
        systems={system.code for system in node.systems},
        urls=settings.exchange_upstreams,
    )
    extra: dict[str, Any] = {}
    if is_authority:
        extra["/directory"] = directory_route(settings.state_dir)
        extra[WITNESS_PATH] = Witness(gateway, settings.state_dir)
    provider = ProviderGateway(gateway, upstreams=upstreams, extra_routes=extra)
    client = ClientGateway(
        gateway,
        ssl_context=client_ssl_context(paths),
        certificate=read_certificate(paths.tls_certificate.read_bytes()),
    )
    # Sync's lag and cursors are read from the store at each scrape of /metrics.
    gateway.metrics.registry.register(SyncCollector(node))
    return NodeGateway(gateway, client, provider, directory, audit, is_authority)


def _bind(host: str, port: int) -> socket.socket:
    """Return a socket bound to an address, or say clearly why it cannot be."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # IPPROTO_TCP spelled out: asyncio turns Nagle's algorithm off only on sockets that
    # say they are TCP, and with it on every answer waits 40 ms for a delayed ACK.
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        raise LienthongError(
            "exchange.gateway.port",
            N_(
                "The gateway cannot listen on {host}:{port} ({reason}). Stop what uses it, or"
                " choose other ports in gateway_port and gateway_tls_port."
            ),
            field="gateway_port",
            host=host,
            port=port,
            reason=exc.strerror or type(exc).__name__,
        ) from None
    sock.set_inheritable(True)
    return sock


def _servers(node_gateway: NodeGateway, node: Node) -> list[uvicorn.Server]:
    settings = node.settings
    paths = NodePaths(settings.state_dir)
    quiet: dict[str, Any] = {"log_level": "warning", "access_log": False, "lifespan": "off"}
    client = uvicorn.Config(
        node_gateway.client,
        host=settings.gateway_host,
        port=settings.gateway_port,
        http=CoalescingProtocol,
        **quiet,
    )
    provider = uvicorn.Config(
        node_gateway.provider,
        host=settings.gateway_tls_host,
        port=settings.gateway_tls_port,
        http=PeerCertificateProtocol,
        ssl_context_factory=lambda _config, _default: server_ssl_context(paths),
        **quiet,
    )
    return [uvicorn.Server(client), uvicorn.Server(provider)]


async def _republish(node: Node) -> None:
    """Keep the directory from expiring while central is up, even when nobody edits it."""
    settings = node.settings
    validity = timedelta(days=settings.directory_validity_days)
    while True:
        try:
            authority.publish_if_due(state_dir=settings.state_dir, validity=validity)
        except LienthongError as error:
            logger.error("the directory could not be published again: %s", error)
        await asyncio.sleep(min(3600.0, validity.total_seconds() / 4))


async def _checkpoints(node: Node, node_gateway: NodeGateway) -> None:
    """Sign a checkpoint of the audit log at an interval and have central witness it."""
    every = node.settings.audit_checkpoint_seconds
    while True:
        await asyncio.sleep(every)
        try:
            await checkpoint_and_witness(
                node=node,
                gateway=node_gateway.gateway,
                session=node_gateway.client.session(),
                central=witness_node(node_gateway.gateway, node.settings.directory_url),
            )
        except (LienthongError, OSError, aiohttp.ClientError) as error:
            logger.warning("audit checkpoint not witnessed: %s", error)


async def serve_gateway(
    node: Node, *, ready: asyncio.Event | None = None, stop: asyncio.Event | None = None
) -> None:
    """Serve a node's gateway until cancelled, interrupted or told to stop."""
    settings = node.settings
    # Bound here, not by uvicorn, whose failure to bind exits the whole process.
    sockets: list[socket.socket] = []
    try:
        for host, port in (
            (settings.gateway_host, settings.gateway_port),
            (settings.gateway_tls_host, settings.gateway_tls_port),
        ):
            sockets.append(_bind(host, port))
    except LienthongError:
        for sock in sockets:
            sock.close()
        raise
    node_gateway = build_gateway(node)
    with contextlib.suppress(LienthongError, OSError, aiohttp.ClientError):
        await node_gateway.directory.refresh()  # a cached copy serves while central is away
    servers = _servers(node_gateway, node)
    background = [
        asyncio.create_task(node_gateway.directory.run()),
        asyncio.create_task(_checkpoints(node, node_gateway)),
        *([asyncio.create_task(_republish(node))] if node_gateway.is_authority else []),
    ]
    tasks = [
        asyncio.create_task(server.serve(sockets=[sock]))
        for server, sock in zip(servers, sockets, strict=True)
    ]

    async def stopper() -> None:
        if stop is not None:
            await stop.wait()
            for server in servers:
                server.should_exit = True

    background.append(asyncio.create_task(stopper()))
    try:
        while not all(server.started for server in servers):
            if any(task.done() for task in tasks):
                for server in servers:
                    server.should_exit = True
                break  # gather below raises what stopped it
            await asyncio.sleep(0.01)
        else:
            if ready is not None:
                ready.set()
        await asyncio.gather(*tasks)
    finally:
        for task in background:
            task.cancel()
        for sock in sockets:
            sock.close()
        await node_gateway.close()


def run_gateway(node: Node) -> None:
    """Serve a node's gateway in a new event loop until interrupted (what the CLI runs).

    The loop is uvloop's when it is installed (``uvicorn[standard]`` brings it), as
    uvicorn itself chooses: its TLS and socket handling are compiled, where asyncio's
    TLS is Python, and a call through two gateways costs about a third less CPU.
    """
    try:
        import uvloop
    except ImportError:  # pragma: no cover - uvicorn[standard] installs it
        asyncio.run(serve_gateway(node))
        return
    uvloop.run(serve_gateway(node))
