"""Sync between a node and its upstream: push own changes, pull subscribed ones, apply once.

The province opens every exchange. It pushes the entries of its own origin the
upstream has not acknowledged, then pulls what its subscription asks for from its
cursors. Either way the receiver applies a batch in one transaction with its cursor
(``apply_batch``): the entries are keyed on (origin, sequence), so a batch that arrives
twice, or overlaps one already applied, changes nothing the second time. That — not
the transport, not a broker's duplicate window — is what makes delivery exactly-once.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Final, Protocol

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from lienthong.errors import LienthongError
from lienthong.exchange.keys import NodePaths
from lienthong.i18n import N_
from lienthong.node import Node
from lienthong.store import changelog, dialects
from lienthong.store.changelog import ChangeLog
from lienthong.store.records import utc_now
from lienthong.sync import cursors as link_state
from lienthong.sync import feed, requests
from lienthong.sync.batches import Batch, Range, decode
from lienthong.sync.keys import KeyRing
from lienthong.sync.subscriptions import Subscription

logger = logging.getLogger(__name__)

#: Entries per batch unless the receiver asks for fewer.
BATCH_SIZE: Final = 2000


def not_joined(node_id: str, path: Path) -> LienthongError:
    """Return the refusal to sync on a node that has no message-signing key."""
    return LienthongError(
        "sync.not_joined",
        N_(
            "Node {node} has no message-signing key at {path}, so it cannot sign sync"
            " batches. Join the network first: lienthong node request, then node install."
        ),
        field="state_dir",
        node=node_id,
        path=str(path),
    )


@dataclass
class SyncNode:
    """A node as sync sees it: its store, its key, whom it trusts, what it receives."""

    node: Node
    #: None on a node opened only to be compared or repaired: it signs nothing.
    signing_key: Ed25519PrivateKey | None
    keys: KeyRing
    subscription: Subscription
    clock: Callable[[], datetime] = utc_now

    @property
    def node_id(self) -> str:
        """The node's identifier, the origin of its own entries."""
        return self.node.node_id

    def signer(self) -> Ed25519PrivateKey:
        """Return the key batches are signed with."""
        if self.signing_key is None:
            raise not_joined(self.node_id, NodePaths(self.node.settings.state_dir).signing_key)
        return self.signing_key


@dataclass(frozen=True)
class PullRequest:
    """What a subscriber asks its upstream for: what it holds and what it wants."""

    subscriber: str
    subscription: Subscription
    cursors: dict[str, int] = field(default_factory=dict)
    limit: int = BATCH_SIZE
    #: Also send the subscriber's own entries after its cursor for its own origin.
    recover: bool = False
    #: Send only versions still current: a new node bootstrapping from a snapshot.
    snapshot: bool = False

    def to_json(self) -> dict[str, Any]:
        """Return the request as JSON data."""
        return {
            "subscriber": self.subscriber,
            "subscription": self.subscription.to_json(),
            "cursors": dict(sorted(self.cursors.items())),
            "limit": self.limit,
            "recover": self.recover,
            "snapshot": self.snapshot,
        }

    @classmethod
    def decode(cls, data: bytes) -> PullRequest:
        """Read a request as it arrives on the wire (JSON bytes)."""
        try:
            parsed = json.loads(data)
        except ValueError:
            raise _bad_request(N_("it is not JSON")) from None
        return cls.from_json(parsed)

    @classmethod
    def from_json(cls, data: Any) -> PullRequest:
        """Read a request, refusing anything but its documented shape."""
        if not isinstance(data, dict):
            raise _bad_request(N_("it is not a JSON object"))
        subscriber = data.get("subscriber")
        cursors = data.get("cursors", {})
        limit = data.get("limit", BATCH_SIZE)
        recover = data.get("recover", False)
        snapshot = data.get("snapshot", False)
        if not isinstance(subscriber, str) or not subscriber:
            raise _bad_request(N_("the subscriber is missing"))
        if not isinstance(cursors, dict) or not all(
            isinstance(origin, str)
            and isinstance(sequence, int)
            and not isinstance(sequence, bool)
            and sequence >= 0
            for origin, sequence in cursors.items()
        ):
            raise _bad_request(N_("the cursors are not a mapping of origin to a count"))
        if (
            not isinstance(limit, int)
            or isinstance(limit, bool)
            or not 1 <= limit <= feed.MAX_BATCH
        ):
            raise _bad_request(N_("the limit is not between 1 and the largest batch"))
        if not isinstance(recover, bool) or not isinstance(snapshot, bool):
            raise _bad_request(N_("recover or snapshot is not true or false"))
        return cls(
            subscriber,
            Subscription.from_json(data.get("subscription")),
            cursors,
            limit,
            recover,
            snapshot,
        )


@dataclass(frozen=True)
class PushReply:
    """The receiver's answer to a push: how far it now holds the sender's entries.

    ``wanted`` is a range of the receiver's own entries its store lost (restored from
    an older copy) that it asks the sender to send back, if it holds any of them.
    """

    cursor: int
    applied: int
    wanted: Range | None = None

    def to_json(self) -> dict[str, Any]:
        """Return the reply as JSON data."""
        data: dict[str, Any] = {"cursor": self.cursor, "applied": self.applied}
        if self.wanted is not None:
            data["wanted"] = [self.wanted.after, self.wanted.through]
        return data

    @classmethod
    def from_json(cls, data: Any) -> PushReply:
        """Read a reply, refusing anything but its documented shape."""
        try:
            cursor, applied = data["cursor"], data["applied"]
            wanted = data.get("wanted")
            if not all(_is_count(value) for value in (cursor, applied)):
                raise TypeError
            if wanted is not None and not (
                isinstance(wanted, list)
                and len(wanted) == 2
                and all(_is_count(value) for value in wanted)
                and wanted[0] < wanted[1]
            ):
                raise TypeError
        except (KeyError, TypeError, AttributeError):
            raise LienthongError(
                "sync.bad_reply",
                N_("The upstream's answer to a push is not understood. Check its version."),
                field="reply",
            ) from None
        return cls(cursor, applied, Range(*wanted) if wanted is not None else None)


def _is_count(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def _bad_request(reason: str) -> LienthongError:
    return LienthongError(
        "sync.bad_request",
        N_("The sync request is invalid: {reason}. Check the sending node's version."),
        field="request",
        reason=reason,
    )


def _not_sender(claimed: str, caller: str) -> LienthongError:
    return LienthongError(
        "sync.not_sender",
        N_(
            "This batch says it comes from node {claimed}, but node {caller} sent it. A node"
            " may only send its own batches."
        ),
        field="sender",
        claimed=claimed,
        caller=caller,
    )


def _gap(origin: str, after: int, held: int) -> LienthongError:
    return LienthongError(
        "sync.batch.gap",
        N_(
            "The batch starts after entry {after} of {origin}, but this node holds only up to"
            " {held}; applying it would lose entries. The sender must send from {held}."
        ),
        field="ranges",
        origin=origin,
        after=after,
        held=held,
    )


# -- the receiving side ------------------------------------------------------------------


@dataclass(frozen=True)
class Applied:
    """What applying one batch did."""

    received: int
    applied: int
    retired: int
    cursors: dict[str, int]


def apply_batch(sync: SyncNode, *, batch: Batch, peer: str) -> Applied:
    """Apply a verified batch from a peer with the cursor move, in one transaction."""
    node = sync.node
    with node.unit_of_work() as uow:
        held = link_state.cursors(uow.connection, peer=peer)
        for origin, span in batch.ranges.items():
            # Its own entries coming back (recovered, or given back) fill what its store
            # lost: they follow no cursor, so there is nothing to be behind.
            if origin != node.node_id and span.after > held.get(origin, 0):
                raise _gap(origin, span.after, held.get(origin, 0))
        fresh = uow.replicas.apply(batch.entries)
        # For its own origin the cursor says how far the peer has given back lost entries.
        positions = {
            origin: span.through
            if origin == node.node_id
            else max(span.through, held.get(origin, 0))
            for origin, span in batch.ranges.items()
        }
        link_state.advance(uow.connection, peer=peer, positions=positions, now=sync.clock())
        retired = 0
        for item in fresh:
            record = item.record
            # A record that left this node's partitions (a person moved province) is no
            # longer kept current here: its replica is retired, its history stays.
            if record.owner_node != node.node_id and not sync.subscription.wants(
                record.record_type, record.partition
            ):
                retired += uow.replicas.retire(
                    record_type=record.record_type, record_id=record.record_id
                )
        uow.commit()
    return Applied(len(batch.entries), len(fresh), retired, positions)


def accept_push(sync: SyncNode, *, data: bytes, caller: str | None = None) -> PushReply:
    """Verify and apply a batch a peer pushed of its own entries; answer with the cursor.

    ``caller`` is the node the transport authenticated (mutual TLS, the gateway's
    signature check); a batch must come from it. A batch that starts after what this
    node holds is not applied: the answer's cursor tells the sender where to resume.
    """
    batch = decode(data)
    if caller is not None and caller != batch.sender:
        raise _not_sender(batch.sender, caller)
    batch.verify(sync.keys(batch.sender))
    _, gaps = _settle_fence(sync)
    if set(batch.ranges) - {batch.sender, sync.node_id}:
        raise LienthongError(
            "sync.batch.foreign",
            N_(
                "A pushed batch may carry only its sender's own entries; this one carries"
                " entries of other nodes, which reach here from their own origins."
            ),
            field="ranges",
        )
    returned = batch.ranges.get(sync.node_id)
    if returned is not None and not any(
        gap.after <= returned.after and returned.through <= gap.through for gap in gaps
    ):
        raise LienthongError(
            "sync.batch.not_lost",
            N_(
                "The batch gives back entries {after}–{through} of this node, which it did"
                " not lose. A node sends back only entries the receiver asked for."
            ),
            field="ranges",
            after=returned.after,
            through=returned.through,
        )
    try:
        applied = apply_batch(sync, batch=batch, peer=batch.sender)
    except LienthongError as error:
        if error.code != "sync.batch.gap":
            raise
        applied = Applied(len(batch.entries), 0, 0, {})
    if any(
        item.record.record_type == requests.REQUEST and item.record.partition == sync.node_id
        for item in batch.entries
    ):
        # Change requests addressed to this node (central) are decided as they arrive:
        # it opens no rounds of its own in which to decide them.
        decide_pending(sync)
    with sync.node.engine.connect() as connection:
        held = link_state.cursors(connection, peer=batch.sender)
    return PushReply(
        cursor=held.get(batch.sender, 0),
        applied=applied.applied,
        wanted=_wanted(gaps, given_back=held.get(sync.node_id, 0)),
    )


def _settle_fence(sync: SyncNode) -> tuple[int, list[changelog.Gap]]:
    """Return the last own number handed out and the own entries lost, noting a restore."""
    with sync.node.engine.begin() as connection:
        last = changelog.settle(connection, origin=sync.node_id, fence=sync.node.fence)
        return last, changelog.gaps(connection, origin=sync.node_id)


def _wanted(gaps: list[changelog.Gap], *, given_back: int) -> Range | None:
    """Return the next range of lost own entries to ask a peer for, past what it gave back."""
    for gap in gaps:
        if gap.through > given_back:
            return Range(max(gap.after, given_back), gap.through)
    return None


def serve_pull(sync: SyncNode, *, request: PullRequest, caller: str | None = None) -> bytes:
    """Answer a subscriber's pull with the next signed batch after its cursors.

    The cursors it sends are its acknowledgement of everything before them.
    """
    if caller is not None and caller != request.subscriber:
        raise _not_sender(request.subscriber, caller)
    own, _ = _settle_fence(sync)
    if request.cursors.get(sync.node_id, 0) > own:
        # The subscriber applied entries of ours this store no longer has: new writes
        # here would reuse their numbers, and the subscriber would skip them as applied.
        raise LienthongError(
            "sync.store_behind_subscriber",
            N_(
                "Node {subscriber} holds entries of this node up to {held}, but this store"
                " ends at {own}: it was restored from an older copy, and its sequence fence"
                " was lost with it. Stop writes here and recover the missing entries before"
                " serving sync again."
            ),
            field="store",
            subscriber=request.subscriber,
            held=request.cursors[sync.node_id],
            own=own,
        )
    with sync.node.engine.begin() as connection:
        link_state.acknowledge(
            connection, peer=request.subscriber, positions=request.cursors, now=sync.clock()
        )
    with sync.node.engine.connect() as connection:
        batch = feed.read_feed(
            dialects.read_only(connection),
            sender=sync.node_id,
            subscriber=request.subscriber,
            subscription=request.subscription,
            cursors=request.cursors,
            limit=request.limit,
            recover=request.recover,
            snapshot=request.snapshot,
        )
    return batch.signed(sync.signer()).encode()


# -- the opening side -------------------------------------------------------------------


class Transport(Protocol):
    """How a node reaches its upstream's sync service."""

    @property
    def peer(self) -> str:
        """The upstream node, whose cursors and acknowledgements this link keeps."""
        ...

    async def push(self, data: bytes) -> PushReply:
        """Send a signed batch of this node's entries; return the upstream's cursor."""
        ...

    async def pull(self, request: PullRequest) -> bytes:
        """Ask for the next batch; return it as received (verified by the caller)."""
        ...


def _last_own(sync: SyncNode) -> int:
    with sync.node.engine.connect() as connection:
        return ChangeLog(connection).last_sequence(origin=sync.node_id)


def truncated_store(node: str, held: int, acknowledged: int) -> LienthongError:
    """Return the warning that a node's store lost entries its upstream had acknowledged."""
    return LienthongError(
        "sync.store_truncated",
        N_(
            "This node's store ends at entry {held} of its own change log, but its upstream"
            " acknowledged {acknowledged}: the store was restored from an older copy. The"
            " missing entries are pulled back from the upstream before anything else."
        ),
        field="store",
        node=node,
        held=held,
        acknowledged=acknowledged,
    )


async def push_once(sync: SyncNode, transport: Transport, *, limit: int = BATCH_SIZE) -> PushReply:
    """Push this node's next unacknowledged entries (an empty batch asks for the cursor)."""
    with sync.node.engine.connect() as connection:
        acked = link_state.acknowledged(connection, peer=transport.peer, origin=sync.node_id)
        items = feed.read_origin(connection, origin=sync.node_id, after=acked, limit=limit)
    through = items[-1].sequence if items else acked
    batch = Batch(sync.node_id, {sync.node_id: Range(acked, through)}, tuple(items))
    reply = await transport.push(batch.signed(sync.signer()).encode())
    with sync.node.engine.begin() as connection:
        link_state.acknowledge(
            connection,
            peer=transport.peer,
            positions={sync.node_id: reply.cursor},
            now=sync.clock(),
        )
    return reply


async def give_back(
    sync: SyncNode, transport: Transport, *, wanted: Range, limit: int = BATCH_SIZE
) -> PushReply:
    """Push the upstream's own entries it lost and asked for, those of them held here."""
    upstream = transport.peer
    with sync.node.engine.connect() as connection:
        items = feed.read_origin(
            connection, origin=upstream, after=wanted.after, through=wanted.through, limit=limit
        )
    through = items[-1].sequence if len(items) == limit else wanted.through
    batch = Batch(sync.node_id, {upstream: Range(wanted.after, through)}, tuple(items))
    return await transport.push(batch.signed(sync.signer()).encode())


async def pull_once(
    sync: SyncNode,
    transport: Transport,
    *,
    limit: int = BATCH_SIZE,
    recover: bool = False,
    recover_after: int | None = None,
    snapshot: bool = False,
) -> Applied:
    """Pull and apply the next batch from the upstream.

    ``recover`` also asks for this node's own entries after its last one, or after
    ``recover_after`` (the start of a gap its restored store left).
    """
    with sync.node.engine.connect() as connection:
        held = link_state.cursors(connection, peer=transport.peer)
    if recover:
        held[sync.node_id] = _last_own(sync) if recover_after is None else recover_after
    request = PullRequest(sync.node_id, sync.subscription, held, limit, recover, snapshot)
    batch = decode(await transport.pull(request))
    if batch.sender != transport.peer:
        raise _not_sender(batch.sender, transport.peer)
    batch.verify(sync.keys(batch.sender))
    return apply_batch(sync, batch=batch, peer=transport.peer)


@dataclass
class Round:
    """What one sync round with the upstream did."""

    pushed: int = 0
    pulled: int = 0
    retired: int = 0
    decided: int = 0
    recovered: int = 0
    #: The upstream's own entries it lost, given back from this node.
    given_back: int = 0

    @property
    def moved(self) -> bool:
        """Whether the round moved entries or decided requests (retiring follows a pull)."""
        return self.pushed + self.pulled + self.recovered + self.given_back + self.decided > 0


async def sync_once(sync: SyncNode, transport: Transport, *, limit: int = BATCH_SIZE) -> Round:
    """Push until the upstream holds all of this node's entries, then pull until caught up.

    Change requests addressed to this node that arrived are decided at the end; their
    decisions go up with the next round.
    """
    done = Round()
    _, gaps = _settle_fence(sync)
    while True:
        before = _last_own(sync)
        reply = await push_once(sync, transport, limit=limit)
        if reply.cursor > before:
            # The upstream holds more of our own entries than we do: take them back.
            logger.warning("%s", truncated_store(sync.node_id, before, reply.cursor))
            while _last_own(sync) < reply.cursor:
                applied = await pull_once(sync, transport, limit=limit, recover=True)
                done.recovered += applied.applied
                if applied.received == 0:
                    # Nothing more comes back, yet we are still behind: looping would
                    # not change that, and a person must look at both stores.
                    raise truncated_store(sync.node_id, _last_own(sync), reply.cursor)
            continue
        done.pushed += reply.applied
        if reply.cursor >= before:
            break
    asked = reply.wanted
    while asked is not None:
        # The upstream's store was restored and lost entries of its own: give back those
        # held here. Each answer asks for the next part, until it has all this node has.
        reply = await give_back(sync, transport, wanted=asked, limit=limit)
        done.given_back += reply.applied
        if reply.wanted is not None and reply.wanted.after <= asked.after:
            break  # asked for the same part again: it is left to the next round
        asked = reply.wanted
    done.recovered += await _recover_gaps(sync, transport, gaps, limit=limit)
    with sync.node.engine.connect() as connection:
        # A node that never pulled from this upstream starts from a snapshot of what is
        # current there; the log after it follows. Interrupted, it goes on from the log.
        snapshot = not link_state.cursors(connection, peer=transport.peer)
    while True:
        applied = await pull_once(sync, transport, limit=limit, snapshot=snapshot)
        done.pulled += applied.applied
        done.retired += applied.retired
        if not applied.cursors:
            if not snapshot:
                break
            snapshot = False
            with sync.node.engine.begin() as connection:
                if not link_state.cursors(connection, peer=transport.peer):
                    # The upstream had nothing of any origin to start from, so its log from
                    # the start is the log after this snapshot. A cursor at 0 records the
                    # bootstrap as done; without it every round would ask for a snapshot
                    # again, one pull more through both gateways each time.
                    link_state.advance(
                        connection,
                        peer=transport.peer,
                        positions={transport.peer: 0},
                        now=sync.clock(),
                    )
    done.decided = len(decide_pending(sync))
    return done


async def _recover_gaps(
    sync: SyncNode, transport: Transport, gaps: list[changelog.Gap], *, limit: int
) -> int:
    """Pull back this node's own entries in the gaps its restored store left; return how many.

    The upstream holds every entry a province wrote. How far it has given back each gap
    is this link's cursor for the node's own origin, so an interrupted recovery resumes.
    """
    recovered = 0
    for gap in gaps:
        while True:
            with sync.node.engine.connect() as connection:
                given = link_state.cursors(connection, peer=transport.peer).get(sync.node_id, 0)
            if given >= gap.through:
                break
            applied = await pull_once(
                sync, transport, limit=limit, recover=True, recover_after=max(gap.after, given)
            )
            recovered += applied.applied
            if not applied.cursors:
                break  # nothing came: the upstream holds nothing of ours after that point
    return recovered


def decide_pending(sync: SyncNode) -> list[requests.Decided]:
    """Decide every change request addressed to this node, each in its own transaction."""
    decided: list[requests.Decided] = []
    with sync.node.unit_of_work(read_only=True) as uow:
        pending = requests.pending_for(uow)
    for request in pending:
        with sync.node.unit_of_work() as uow:
            decision = requests.decide(uow, request, now=sync.clock())
            uow.commit()
        decided.append(requests.Decided(request, decision))
    return decided
