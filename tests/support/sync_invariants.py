"""What must hold of a sync network once it healed, checked on the stores themselves.

``violations`` reads every node's change log, record versions and current records and
returns what is wrong, in words; ``assert_invariants`` fails with all of it at once:

* every write committed at its origin (an entry of the origin's own change log) is
  held, exactly once and identical, by every node whose subscription wants it (central
  wants everything; a province the version's partition, or the previous version's
  when the record leaves it), with its record version, unless that node holds a later
  version of the record (it bootstrapped from a snapshot of current versions);
* every entry any node holds is the one its origin holds under the same (origin,
  sequence): no node numbers a write twice, nor holds an entry of its own origin it
  did not write (its own entries are gap-free but for the gaps a restore of its store
  left, and match every copy elsewhere);
* central and each province hold the same current state of every record type and
  partition the province subscribes to: their Merkle digests (``sync.digests``) are
  equal;
* every change request has a decision at its requester, and none waits at its owner;
* with a ``LinkLedger`` watching the links: no entry was applied twice over one link
  (resending after a lost reply is allowed, applying again is not), and no entry was
  sent to its own origin except in a recovery pull or given back when it asked.

``converge`` runs the provinces' rounds until a whole pass moves nothing.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass, field
from typing import Literal

from sqlalchemy import and_, func, select, tuple_
from tests.support.sync import CENTRAL, Faulty, Network

from lienthong.errors import LienthongError
from lienthong.store import changelog
from lienthong.store.models import change_log, change_log_heads, current_records, records
from lienthong.sync import digests, requests
from lienthong.sync.batches import decode
from lienthong.sync.service import BATCH_SIZE, PullRequest, PushReply, Round, SyncNode, sync_once

#: An entry's key: (origin node, sequence).
Key = tuple[str, int]
#: What an entry says: (record type, record id, version, content hash).
Entry = tuple[str, str, int, str]
#: A link and an entry crossing it: (sender, receiver, origin, sequence).
Crossing = tuple[str, str, str, int]


def _held(sync: SyncNode, keys: Iterable[Key]) -> set[Key]:
    wanted = list(keys)
    found: set[Key] = set()
    with sync.node.engine.connect() as connection:
        for start in range(0, len(wanted), 400):
            rows = connection.execute(
                select(change_log.c.origin_node, change_log.c.sequence).where(
                    tuple_(change_log.c.origin_node, change_log.c.sequence).in_(
                        wanted[start : start + 400]
                    )
                )
            )
            found.update((row.origin_node, row.sequence) for row in rows)
    return found


@dataclass
class _Delivery:
    sender: str
    receiver: str
    missing: set[Key]


@dataclass
class LinkLedger:
    """Counts, per link and entry, how often it was sent and how often it was applied.

    Give it to ``Faulty(observer=...)``. A delivery is noted before the receiver
    applies it, with which of its entries the receiver lacked; at the next delivery (or
    ``settle``) those the receiver now holds are counted as applied over that link.
    Within one network an origin's entries reach central only from that origin and a
    province only from central, so nothing else can have applied them in between.
    """

    network: Network
    sent: Counter[Crossing] = field(default_factory=Counter)
    applied: Counter[Crossing] = field(default_factory=Counter)
    #: Entries sent to their own origin outside a recovery pull: (link, origin, sequence).
    echoes: list[Crossing] = field(default_factory=list)
    #: Batches that did not decode (damaged on purpose by a test): nothing to count.
    undecodable: int = 0
    _pending: list[_Delivery] = field(default_factory=list)

    def link(
        self,
        node_id: str,
        *,
        tamper: Callable[[bytes], bytes] = lambda data: data,
        lose_replies: int = 0,
    ) -> Faulty:
        """Return an observed link from a province to central, with its faults."""
        return Faulty(
            self.network.transport(node_id),
            caller=node_id,
            tamper=tamper,
            lose_replies=lose_replies,
            observer=self,
        )

    def delivering(
        self,
        link: Faulty,
        *,
        direction: Literal["push", "pull"],
        data: bytes,
        request: PullRequest | None,
    ) -> None:
        """Note a batch on its way to its receiver (see ``LinkObserver``)."""
        self.settle()
        try:
            batch = decode(data)
        except LienthongError:
            self.undecodable += 1
            return
        if direction == "push":
            sender, receiver = link.caller, link.peer
        else:
            sender, receiver = link.peer, link.caller
        # A pull that asks for the puller's own entries, or a push that gives the
        # receiver's own entries back (it lost them and asked): both are recoveries.
        recovering = (request is not None and request.recover) or receiver in batch.ranges
        keys = [(item.origin_node, item.sequence) for item in batch.entries]
        for origin, sequence in keys:
            self.sent[(sender, receiver, origin, sequence)] += 1
            if origin == receiver and not recovering:
                self.echoes.append((sender, receiver, origin, sequence))
        lacking = set(keys) - _held(self.network.nodes[receiver], keys)
        self._pending.append(_Delivery(sender, receiver, lacking))

    def settle(self) -> None:
        """Count what the receivers of the deliveries noted so far have applied since."""
        for delivery in self._pending:
            now = _held(self.network.nodes[delivery.receiver], delivery.missing)
            for origin, sequence in now:
                self.applied[(delivery.sender, delivery.receiver, origin, sequence)] += 1
        self._pending.clear()

    def restored(self, node_id: str) -> None:
        """Forget what reached a node whose store was restored from an older copy."""
        self.settle()
        for counter in (self.sent, self.applied):
            for crossing in [crossing for crossing in counter if crossing[1] == node_id]:
                del counter[crossing]

    def resent(self) -> list[Crossing]:
        """Return the entries sent more than once over a link (after a fault, expected)."""
        return sorted(crossing for crossing, count in self.sent.items() if count > 1)

    def violations(self) -> list[str]:
        """Return what crossed a link twice or went back to its origin."""
        self.settle()
        found = [
            f"{origin}#{sequence} was applied {count} times over {sender} -> {receiver}"
            for (sender, receiver, origin, sequence), count in sorted(self.applied.items())
            if count > 1
        ]
        found.extend(
            f"{origin}#{sequence} was sent back to its origin by {sender} outside a recovery"
            for sender, _, origin, sequence in self.echoes
        )
        return found


# -- rounds ----------------------------------------------------------------------------

#: Exchanges one round may make before it is taken for a round that never ends.
ROUND_BUDGET = 200


class RunawayRound(AssertionError):
    """A sync round went on exchanging without end (it would hang the test)."""


@dataclass
class Bounded:
    """A transport that fails a round making more exchanges than any should need."""

    link: Faulty
    budget: int = ROUND_BUDGET

    @property
    def peer(self) -> str:
        """The upstream node."""
        return self.link.peer

    def _spend(self) -> None:
        self.budget -= 1
        if self.budget < 0:
            raise RunawayRound(
                f"{self.link.caller}'s sync round made more than {ROUND_BUDGET} exchanges"
                " with central: it does not end"
            )

    async def push(self, data: bytes) -> PushReply:
        """Push through the link, within the budget."""
        self._spend()
        return await self.link.push(data)

    async def pull(self, request: PullRequest) -> bytes:
        """Pull through the link, within the budget."""
        self._spend()
        return await self.link.pull(request)


def sync_round(sync: SyncNode, link: Faulty, *, limit: int = BATCH_SIZE) -> Round:
    """Run one province's round over a link, failing one that never ends; close the link."""

    async def once() -> Round:
        try:
            return await sync_once(sync, Bounded(link), limit=limit)
        finally:
            await link.close()

    return asyncio.run(once())


def provinces(network: Network) -> list[str]:
    """Return the province nodes of a network, in order."""
    return sorted(node_id for node_id in network.nodes if node_id != CENTRAL)


def converge(
    network: Network,
    *,
    ledger: LinkLedger | None = None,
    offline: Collection[str] = (),
    limit: int = BATCH_SIZE,
    passes: int = 12,
) -> int:
    """Run every reachable province's round until a whole pass moves nothing; return passes.

    Only what production runs is run: the provinces' ``sync_once``, nothing at central.
    """
    for done in range(1, passes + 1):
        moved = 0
        for node_id in provinces(network):
            if node_id in offline:
                continue
            transport = (
                ledger.link(node_id)
                if ledger is not None
                else Faulty(network.transport(node_id), caller=node_id)
            )
            result = sync_round(network.nodes[node_id], transport, limit=limit)
            moved += (
                result.pushed + result.pulled + result.retired + result.decided + result.recovered
            )
        if moved == 0:
            return done
    raise AssertionError(f"the network still moves entries after {passes} passes")


# -- reading the stores ------------------------------------------------------------------


@dataclass(frozen=True)
class _Store:
    """What one node holds, as far as the invariants look."""

    #: Every change-log entry, by key, with what it says.
    log: dict[Key, Entry]
    #: Entries whose record version the node does not hold.
    orphans: list[Key]
    #: The partition of every record version it holds.
    partitions: dict[tuple[str, str, int], str | None]
    #: The newest version it holds of each record.
    newest: dict[tuple[str, str], int]
    #: Its own change log's counter.
    head: int
    #: Its own sequence numbers handed out that a restore of its store lost.
    lost: set[int]
    #: (record type, partition) -> sorted (record id, version, hash, deleted) of current records.
    current: dict[tuple[str, str | None], list[tuple[str, int, str, bool]]]


def _read(sync: SyncNode) -> _Store:
    with sync.node.engine.connect() as connection:
        rows = connection.execute(
            select(
                change_log.c.origin_node,
                change_log.c.sequence,
                change_log.c.record_type,
                change_log.c.record_id,
                change_log.c.version,
                change_log.c.content_hash,
                records.c.version.label("held"),
            ).select_from(
                change_log.outerjoin(
                    records,
                    and_(
                        records.c.record_type == change_log.c.record_type,
                        records.c.record_id == change_log.c.record_id,
                        records.c.version == change_log.c.version,
                    ),
                )
            )
        ).all()
        log: dict[Key, Entry] = {}
        orphans: list[Key] = []
        for row in rows:
            key = (row.origin_node, row.sequence)
            log[key] = (row.record_type, row.record_id, row.version, row.content_hash)
            if row.held is None:
                orphans.append(key)
        partitions = {
            (row.record_type, row.record_id, row.version): row.partition_key
            for row in connection.execute(
                select(
                    records.c.record_type,
                    records.c.record_id,
                    records.c.version,
                    records.c.partition_key,
                )
            )
        }
        lost = {
            sequence
            for gap in changelog.gaps(connection, origin=sync.node_id)
            for sequence in range(gap.after + 1, gap.through + 1)
        }
        head = connection.execute(
            select(func.coalesce(func.max(change_log_heads.c.last_sequence), 0)).where(
                change_log_heads.c.origin_node == sync.node_id
            )
        ).scalar_one()
        current: dict[tuple[str, str | None], list[tuple[str, int, str, bool]]] = {}
        for pointer in connection.execute(
            select(
                current_records.c.record_type,
                current_records.c.partition_key,
                current_records.c.record_id,
                current_records.c.version,
                current_records.c.content_hash,
                current_records.c.deleted,
            ).order_by(current_records.c.record_type, current_records.c.record_id)
        ):
            current.setdefault((pointer.record_type, pointer.partition_key), []).append(
                (pointer.record_id, pointer.version, pointer.content_hash, pointer.deleted)
            )
    newest: dict[tuple[str, str], int] = {}
    for record_type, record_id, version in partitions:
        key = (record_type, record_id)
        newest[key] = max(newest.get(key, 0), version)
    return _Store(log, orphans, partitions, newest, int(head), lost, current)


def _should_hold(
    sync: SyncNode,
    entry: Entry,
    partitions: dict[tuple[str, str, int], str | None],
) -> bool:
    record_type, record_id, version, _ = entry
    subscription = sync.subscription
    if subscription.wants(record_type, partitions.get((record_type, record_id, version))):
        return True
    before = (record_type, record_id, version - 1)
    # The previous version was held there: the subscriber must see the record leave.
    return before in partitions and subscription.wants(record_type, partitions[before])


def _delivery(network: Network, stores: dict[str, _Store]) -> list[str]:
    found: list[str] = []
    partitions: dict[tuple[str, str, int], str | None] = {}
    for store in stores.values():
        partitions.update(store.partitions)
    for origin, store in stores.items():
        own = sorted(sequence for (node, sequence) in store.log if node == origin)
        missing = set(range(1, store.head + 1)) - set(own) - store.lost
        if missing:
            found.append(f"{origin}'s own change log lacks {sorted(missing)[:10]}, never lost")
        if own and own[-1] > store.head:
            found.append(f"{origin}'s change-log counter is {store.head}, its log ends at {own}")
        for sequence in own:
            entry = store.log[(origin, sequence)]
            for node_id, sync in network.nodes.items():
                if node_id == origin or not _should_hold(sync, entry, partitions):
                    continue
                there = stores[node_id].log.get((origin, sequence))
                if there is None:
                    # A node that bootstrapped from a snapshot holds only the versions
                    # current then: a later version stands for this one.
                    if stores[node_id].newest.get(entry[:2], 0) <= entry[2]:
                        found.append(f"{node_id} lacks {origin}#{sequence} {entry}")
                elif there != entry:
                    found.append(
                        f"{node_id} holds {origin}#{sequence} as {there}, its origin as {entry}"
                    )
    for node_id, store in stores.items():
        found.extend(
            f"{node_id} logs {origin}#{sequence} without its record version"
            for origin, sequence in store.orphans
        )
        versions = Counter(store.log.values())
        found.extend(
            f"{node_id} logs {entry} under {count} change-log entries"
            for entry, count in versions.items()
            if count > 1
        )
        for (origin, sequence), entry in store.log.items():
            if origin == node_id or origin not in stores:
                continue
            at_origin = stores[origin].log.get((origin, sequence))
            if at_origin is None:
                found.append(f"{node_id} holds {origin}#{sequence} {entry}, which its origin lost")
            elif at_origin != entry:
                found.append(
                    f"{node_id} holds {origin}#{sequence} as {entry}, but its origin wrote"
                    f" {at_origin} under that number"
                )
    return found


def _digests(network: Network, stores: dict[str, _Store]) -> list[str]:
    """Compare central's and each province's Merkle digests over what the province receives."""
    found: list[str] = []
    central = network.nodes[CENTRAL]
    for node_id in provinces(network):
        subscription = network.nodes[node_id].subscription
        with (
            central.node.engine.connect() as there,
            network.nodes[node_id].node.engine.connect() as here,
        ):
            differing = digests.compare(
                digests.digests(there, subscription=subscription),
                digests.digests(here, subscription=subscription),
            )
        for difference in differing:
            key = (difference.record_type, difference.partition)
            at_central = set(stores[CENTRAL].current.get(key, []))
            held = set(stores[node_id].current.get(key, []))
            found.append(
                f"{node_id}'s digest of {key[0]}/{key[1]} differs from central's:"
                f" {node_id} lacks {sorted(at_central - held)[:3]},"
                f" has besides {sorted(held - at_central)[:3]}"
            )
    return found


def _requests(network: Network) -> list[str]:
    found: list[str] = []
    for node_id, sync in network.nodes.items():
        with sync.node.unit_of_work(read_only=True) as uow:
            waiting = requests.waiting(uow)
            undecided = requests.pending_for(uow)
        found.extend(
            f"{node_id}'s change request {request.request_id} to {request.owner}"
            f" ({request.operation} {request.record_type} {request.record_id}) has no decision"
            f" at {node_id}"
            for request in waiting
        )
        found.extend(
            f"{node_id} has not decided change request {request.request_id} of {request.requester}"
            for request in undecided
        )
    return found


def violations(network: Network, *, ledger: LinkLedger | None = None) -> list[str]:
    """Return every invariant the healed network breaks (empty when all hold)."""
    stores = {node_id: _read(sync) for node_id, sync in network.nodes.items()}
    found = _delivery(network, stores) + _digests(network, stores) + _requests(network)
    if ledger is not None:
        found.extend(ledger.violations())
    return found


def assert_invariants(network: Network, *, ledger: LinkLedger | None = None) -> None:
    """Fail with every invariant the healed network breaks."""
    found = violations(network, ledger=ledger)
    if found:
        shown = "\n  ".join(found[:40])
        more = f"\n  … and {len(found) - 40} more" if len(found) > 40 else ""
        raise AssertionError(f"{len(found)} sync invariant(s) broken:\n  {shown}{more}")
