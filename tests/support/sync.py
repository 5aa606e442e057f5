"""Sync nodes for tests: real stores and keys, and links between them with faults on demand.

A link (``Faulty``) runs over the network's transport — in process by default, or
through real gateways or NATS (``tests.support.sync_wire``) — and can lose a reply or
damage a batch on the way, to test what the receiver does then.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, Protocol

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from sqlalchemy import func, select

from lienthong.node import Node, open_node
from lienthong.settings import load_settings
from lienthong.store.models import change_log, current_records
from lienthong.store.records import Record
from lienthong.sync.keys import unknown_node
from lienthong.sync.service import (
    BATCH_SIZE,
    PullRequest,
    PushReply,
    Round,
    SyncNode,
    Transport,
    accept_push,
    serve_pull,
    sync_once,
)
from lienthong.sync.subscriptions import Subscription
from lienthong.systems.core import core_registry
from lienthong.systems.core.samples import sample_person

CENTRAL = "VN-central"
PROVINCES = {"VN-01": "01", "VN-79": "79", "VN-91": "91"}


@dataclass
class KeyDirectory:
    """Every test node's public key, as the network's directory would list them."""

    keys: dict[str, Ed25519PublicKey] = field(default_factory=dict)

    def __call__(self, node_id: str) -> Ed25519PublicKey:
        if node_id not in self.keys:
            raise unknown_node(node_id)
        return self.keys[node_id]


class Service(Protocol):
    """What serves a node over a wire, stopped and started again by tests."""

    def start(self) -> None:
        """Serve in the background (the test's event loop in a thread)."""

    def stop(self) -> None:
        """Stop serving (and wait until it stopped)."""

    async def run(self, stop: asyncio.Event, *, ready: asyncio.Event | None = None) -> None:
        """Serve in the running event loop until ``stop`` is set (in a child process)."""


@dataclass
class Network:
    """Central and provinces, each a node with its own SQLite store."""

    root: Path
    keys: KeyDirectory = field(default_factory=KeyDirectory)
    nodes: dict[str, SyncNode] = field(default_factory=dict)
    #: A province's transport to central, opened for each round; in process unless a
    #: test runs the network over HTTP or NATS (``tests.support.sync_wire``).
    wire: Callable[[str], Wire] | None = None
    #: What serves a node over the wire (its gateway, central's NATS service), by node.
    services: dict[str, Service] = field(default_factory=dict)
    #: What ``close`` also stops: gateways, a NATS service.
    stops: list[Callable[[], None]] = field(default_factory=list)

    def add(self, node_id: str, *, partitions: tuple[str, ...] | None = None) -> SyncNode:
        settings = load_settings(state_dir=self.root / node_id, node_id=node_id, database_url=None)
        node: Node = open_node(settings, systems=core_registry())
        key = Ed25519PrivateKey.generate()
        self.keys.keys[node_id] = key.public_key()
        subscription = (
            Subscription.everything()
            if partitions is None
            else Subscription.of_partitions(
                node=node_id,
                partitions=partitions,
                record_types=node.record_types(),
                addressed=("ChangeRequest", "ChangeDecision"),
            )
        )
        self.nodes[node_id] = SyncNode(node, key, self.keys, subscription)
        return self.nodes[node_id]

    def transport(self, node_id: str) -> Wire:
        """Return a province's transport to central (over the network's wire)."""
        if self.wire is not None:
            return self.wire(node_id)
        return InProcess(self.nodes[CENTRAL], caller=node_id)

    @contextlib.contextmanager
    def stopped(self, node_id: str) -> Iterator[None]:
        """Stop what serves a node for the block (to copy or replace its store), then restart."""
        service = self.services.get(node_id)
        if service is not None:
            service.stop()
        try:
            yield
        finally:
            if service is not None:
                service.start()

    def close(self) -> None:
        for stop in reversed(self.stops):
            stop()
        for sync in self.nodes.values():
            sync.node.close()


def national_network(root: Path, provinces: dict[str, str] = PROVINCES) -> Network:
    """Return central and provinces (node -> province code; by default the demo's three).

    The caller closes it.
    """
    network = Network(root)
    network.add(CENTRAL)
    for node_id, province in provinces.items():
        network.add(node_id, partitions=(province,))
    return network


def national(root: Path, provinces: dict[str, str] = PROVINCES) -> Iterator[Network]:
    """Yield central and provinces (by default the three provinces of the demo)."""
    network = national_network(root, provinces)
    try:
        yield network
    finally:
        network.close()


class LinkObserver(Protocol):
    """Told of every batch a link delivers, before its receiver applies it.

    A push is observed before the upstream applies it (whether its reply is then lost
    or not); a pull once its reply arrived, before the caller applies it. Counting
    what was applied is the observer's business (``tests.support.sync_invariants``).
    """

    def delivering(
        self,
        link: Faulty,
        *,
        direction: Literal["push", "pull"],
        data: bytes,
        request: PullRequest | None,
    ) -> None: ...


@dataclass
class InProcess:
    """A transport to an upstream in the same process.

    It hands the upstream the very bytes a network would carry (the pull request
    too, through its JSON form), so every check runs as between machines.
    """

    upstream: SyncNode
    caller: str

    @property
    def peer(self) -> str:
        return self.upstream.node_id

    async def push(self, data: bytes) -> PushReply:
        return accept_push(self.upstream, data=data, caller=self.caller)

    async def pull(self, request: PullRequest) -> bytes:
        wire = PullRequest.from_json(request.to_json())
        return serve_pull(self.upstream, request=wire, caller=self.caller)

    async def close(self) -> None:
        return None


class Wire(Transport, Protocol):
    """A province's transport to central that a round opens and closes."""

    async def close(self) -> None: ...


@dataclass
class Faulty:
    """A province's link to central over any transport, with faults on demand."""

    transport: Wire
    caller: str
    #: Applied to each batch on its way (push) or back (pull): damage it, cut it short.
    tamper: Callable[[bytes], bytes] = lambda data: data
    #: The upstream does the work, but its answer is lost before it arrives.
    lose_replies: int = 0
    calls: int = 0
    #: Optional: told of each batch delivered (to count what crossed the link).
    observer: LinkObserver | None = None

    @property
    def peer(self) -> str:
        return self.transport.peer

    def _answered(self) -> None:
        self.calls += 1
        if self.lose_replies > 0:
            self.lose_replies -= 1
            raise ConnectionError("the reply was lost")

    async def push(self, data: bytes) -> PushReply:
        delivered = self.tamper(data)
        if self.observer is not None:
            self.observer.delivering(self, direction="push", data=delivered, request=None)
        reply = await self.transport.push(delivered)
        self._answered()
        return reply

    async def pull(self, request: PullRequest) -> bytes:
        data = await self.transport.pull(request)
        self._answered()
        delivered = self.tamper(data)
        if self.observer is not None:
            self.observer.delivering(self, direction="pull", data=delivered, request=request)
        return delivered

    async def close(self) -> None:
        await self.transport.close()


def run_round(
    network: Network,
    node_id: str,
    transport: Transport | None = None,
    *,
    limit: int = BATCH_SIZE,
) -> Round:
    """Run one round of a province with central, over ``transport`` or the network's wire."""
    link = transport or network.transport(node_id)

    async def once() -> Round:
        try:
            return await sync_once(network.nodes[node_id], link, limit=limit)
        finally:
            close = getattr(link, "close", None)
            if close is not None:
                await close()

    return asyncio.run(once())


# -- what tests write and look at -------------------------------------------------------


def write(sync: SyncNode, record_type: str, content: dict[str, Any]) -> None:
    with sync.node.unit_of_work() as uow:
        uow.records.create(record_type=record_type, content=content)
        uow.commit()


def rewrite(
    sync: SyncNode, record_type: str, record_id: str, content: dict[str, Any], *, expected: int
) -> Record:
    """Write a new version of a record the node owns, over version ``expected``."""
    with sync.node.unit_of_work() as uow:
        written = uow.records.update(
            record_type=record_type,
            record_id=record_id,
            content=content,
            expected_version=expected,
        )
        uow.commit()
    return written


def person_in(commune: str, pin: str, **overrides: Any) -> dict[str, Any]:
    return sample_person(
        pin=pin,
        spouse_pin=None,
        birth_date="1990-03-15",
        permanent_residence={"commune": commune, "line": "Số 1"},
        **overrides,
    )


def held(sync: SyncNode, record_type: str, record_id: str) -> tuple[int, str] | None:
    """The version and owner of a record as a node holds it, or None."""
    found = current(sync, record_type, record_id)
    return None if found is None else (found[0], found[1])


def current(sync: SyncNode, record_type: str, record_id: str) -> tuple[int, str, str] | None:
    """The version, owner and content hash of a record's current version at a node, or None."""
    with sync.node.engine.connect() as connection:
        row = connection.execute(
            select(
                current_records.c.version,
                current_records.c.owner_node,
                current_records.c.content_hash,
            ).where(
                current_records.c.record_type == record_type,
                current_records.c.record_id == record_id,
            )
        ).first()
    return None if row is None else (row.version, row.owner_node, row.content_hash)


def log_size(sync: SyncNode) -> int:
    with sync.node.engine.connect() as connection:
        return int(connection.execute(select(func.count()).select_from(change_log)).scalar_one())
