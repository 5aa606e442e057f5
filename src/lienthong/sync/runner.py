"""The sync loop a province runs: rounds with its upstream, a wait when idle, back-off when down."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Final

import nats
import nats.errors

from lienthong.errors import LienthongError
from lienthong.exchange.identifiers import ServiceId
from lienthong.i18n import N_
from lienthong.node import Node
from lienthong.sync.keys import CachedDirectoryKeys
from lienthong.sync.service import Round, SyncNode, Transport, sync_once
from lienthong.sync.setup import open_sync
from lienthong.sync.transports.http import GatewayTransport, unreachable
from lienthong.sync.transports.nats import NatsTransport
from lienthong.sync.transports.nats import sync_round as nats_round

logger = logging.getLogger(__name__)

#: Longest wait between rounds while the upstream does not answer, in intervals.
MAX_BACKOFF: Final = 12


def _setting_missing(name: str, example: str) -> LienthongError:
    return LienthongError(
        "sync.not_configured",
        N_("Set {name} to sync this node with its upstream, for example {example}."),
        field=name,
        name=name,
        example=example,
    )


@dataclass
class Link:
    """A node's sync with its upstream over the configured transport."""

    sync: SyncNode
    transport: Transport
    #: ``sync_once``, or the transport's own wrapper of it (NATS halves large batches).
    rounds: Callable[..., Awaitable[Round]]
    close: Callable[[], Awaitable[None]]

    async def round(self) -> Round:
        """Run one round (until caught up) with the node's batch size."""
        return await self.rounds(
            self.sync, self.transport, limit=self.sync.node.settings.sync_batch_size
        )


async def open_link(node: Node) -> Link:
    """Open the node's link to its upstream over ``sync_transport`` (http or nats)."""
    if node.settings.sync_transport == "http":
        sync, gateway = upstream_link(node)
        return Link(sync, gateway, sync_once, gateway.close)
    sync, _service, peer = _upstream(node)
    try:
        nc = await nats.connect(
            node.settings.sync_nats_url, connect_timeout=5, max_reconnect_attempts=-1
        )
    except (OSError, nats.errors.Error) as exc:
        raise unreachable(node.settings.sync_nats_url, type(exc).__name__) from None
    transport = NatsTransport(nc, node=node.node_id, peer=peer)
    return Link(sync, transport, nats_round, nc.close)


def _upstream(node: Node) -> tuple[SyncNode, ServiceId, str]:
    """Return the node's sync, the upstream's sync service and the node providing it."""
    settings = node.settings
    if not settings.sync_upstream:
        raise _setting_missing("sync_upstream", "VN/GOV/BCA/sync/sync")
    if not settings.sync_client:
        raise _setting_missing("sync_client", "VN/GOV/AGG/sync")
    service = ServiceId.parse(settings.sync_upstream, field="sync_upstream")
    keys = CachedDirectoryKeys(settings.state_dir, instance=settings.network_instance)
    provider = keys.directory().system(service.provider)
    if provider is None:
        raise LienthongError(
            "sync.unknown_upstream",
            N_(
                "The directory places the upstream's sync subsystem {system} on no node."
                " Add it at central: lienthong directory system add."
            ),
            field="sync_upstream",
            system=str(service.provider),
        )
    return open_sync(node, keys=keys), service, provider.node_id


def upstream_link(node: Node) -> tuple[SyncNode, GatewayTransport]:
    """Return the node's sync and its HTTP transport to the upstream, from its settings."""
    sync, service, peer = _upstream(node)
    settings = node.settings
    assert settings.sync_client is not None  # checked by _upstream
    transport = GatewayTransport(
        gateway=f"http://{settings.gateway_host}:{settings.gateway_port}",
        client=settings.sync_client,
        service=str(service),
        peer=peer,
    )
    return sync, transport


async def run(
    link: Link,
    *,
    interval: float,
    stop: asyncio.Event,
    report: Callable[[Round | LienthongError], None] = lambda _: None,
) -> None:
    """Sync round after round until ``stop`` is set; a failed round is retried with back-off.

    A round that moved entries is followed by the next at once: writes went on while it
    ran, and waiting would add the interval to their lag. Only a round that found nothing
    to move waits the interval.
    """
    failures = 0
    while not stop.is_set():
        moved = False
        try:
            done = await link.round()
        except LienthongError as error:
            failures += 1
            logger.warning("sync round failed: %s", error)
            report(error)
        else:
            failures = 0
            moved = done.moved
            report(done)
        if moved:
            await asyncio.sleep(0)  # let a stop (a signal) in between rounds
            continue
        delay = interval * min(2 ** max(failures - 1, 0), MAX_BACKOFF) if failures else interval
        # Jitter keeps 34 provinces that lost the link together from returning together.
        delay *= 1 + random.random() * 0.2 if failures else 1
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=delay)
