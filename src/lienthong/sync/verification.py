"""Verify a node against its upstream through the gateways, and repair it from there.

``verify_nodes`` compares two stores one process can open. Across the network a
province cannot read central's store: it asks central's sync service instead, through
its own gateway like every sync call (the province opens every connection). Three
questions travel, each a small JSON request answered by central:

- ``digests``: central's digests of what the province subscribes to;
- ``leaves``: the records of the buckets that differ, of one record type and partition;
- ``versions``: the current versions of the records that differ, with their change-log
  entries, as a batch signed with central's key, which the province checks as it checks
  a pulled batch.

The province compares, locates, and with ``repair`` writes central's versions through
the same replica write path as ``verify_nodes``. A record the province owns whose copy
at central differs is not the province's to fix there: it is reported
(``fix_upstream``). Central answers only about what the asking node subscribes to, so
nothing travels that a pull would not send it anyway.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final, Literal, Protocol

from lienthong.errors import LienthongError
from lienthong.i18n import N_
from lienthong.store import dialects
from lienthong.store.replicas import Replicated
from lienthong.sync import digests as d
from lienthong.sync.batches import Batch, decode
from lienthong.sync.feed import MAX_BATCH
from lienthong.sync.service import SyncNode
from lienthong.sync.subscriptions import Subscription

Ask = Literal["digests", "leaves", "versions"]
ASKS: Final[tuple[Ask, ...]] = ("digests", "leaves", "versions")
#: Records asked for in one ``versions`` request.
VERSIONS_PER_REQUEST: Final = MAX_BATCH


class VerifyTransport(Protocol):
    """How a node asks its upstream's sync service to help verify it."""

    @property
    def peer(self) -> str:
        """The upstream's node identifier."""
        ...

    async def verify(self, data: bytes) -> bytes:
        """Send a verification request; return the answer's bytes."""
        ...


def _bad_request(reason: str) -> LienthongError:
    return LienthongError(
        "sync.verify.bad_request",
        N_("The verification request is invalid: {reason}. Check the asking node's version."),
        field="request",
        reason=reason,
    )


def _bad_answer(reason: str) -> LienthongError:
    return LienthongError(
        "sync.verify.bad_answer",
        N_(
            "The upstream's answer to a verification request is invalid: {reason}. Nothing"
            " was repaired; check the upstream's version and the link."
        ),
        field="answer",
        reason=reason,
    )


@dataclass(frozen=True)
class VerifyRequest:
    """One question of a verification: who asks, for what scope, and what."""

    subscriber: str
    subscription: Subscription
    ask: Ask
    record_type: str | None = None
    partition: str | None = None
    buckets: tuple[int, ...] = ()
    records: tuple[d.RecordKey, ...] = ()

    def encode(self) -> bytes:
        """Return the request as it travels (JSON bytes)."""
        data: dict[str, Any] = {
            "subscriber": self.subscriber,
            "subscription": self.subscription.to_json(),
            "ask": self.ask,
        }
        if self.ask == "leaves":
            data.update(type=self.record_type, partition=self.partition, buckets=list(self.buckets))
        if self.ask == "versions":
            data["records"] = [list(key) for key in self.records]
        return json.dumps(data, ensure_ascii=False).encode("utf-8")

    @classmethod
    def decode(cls, data: bytes) -> VerifyRequest:
        """Read a request, refusing anything but its documented shape."""
        try:
            parsed = json.loads(data)
        except ValueError:
            raise _bad_request(N_("it is not JSON")) from None
        if not isinstance(parsed, dict):
            raise _bad_request(N_("it is not a JSON object"))
        subscriber, ask = parsed.get("subscriber"), parsed.get("ask")
        if not isinstance(subscriber, str) or not subscriber:
            raise _bad_request(N_("the subscriber is missing"))
        if ask not in ASKS:
            raise _bad_request(N_("ask is not one of digests, leaves, versions"))
        subscription = Subscription.from_json(parsed.get("subscription"))
        if ask == "leaves":
            record_type, partition = parsed.get("type"), parsed.get("partition")
            buckets = parsed.get("buckets")
            if not isinstance(record_type, str) or not (
                partition is None or isinstance(partition, str)
            ):
                raise _bad_request(N_("the record type or the partition is not text"))
            if not isinstance(buckets, list) or not all(
                isinstance(b, int) and not isinstance(b, bool) and 0 <= b < d.BUCKETS
                for b in buckets
            ):
                raise _bad_request(N_("the buckets are not numbers between 0 and 255"))
            return cls(subscriber, subscription, ask, record_type, partition, tuple(buckets))
        if ask == "versions":
            records = parsed.get("records")
            if (
                not isinstance(records, list)
                or len(records) > VERSIONS_PER_REQUEST
                or not all(
                    isinstance(key, list)
                    and len(key) == 2
                    and all(isinstance(part, str) and part for part in key)
                    for key in records
                )
            ):
                raise _bad_request(
                    N_("the records are not at most 5000 pairs of record type and identifier")
                )
            return cls(subscriber, subscription, ask, records=tuple((k[0], k[1]) for k in records))
        return cls(subscriber, subscription, ask)


def _out_of_scope(record_type: str, partition: str | None) -> LienthongError:
    return LienthongError(
        "sync.verify.out_of_scope",
        N_(
            "The asking node does not subscribe to {record_type} in partition {partition}, so"
            " it is not told about those records."
        ),
        field="partition",
        record_type=record_type,
        partition=partition or "-",
    )


def serve_verify(sync: SyncNode, *, data: bytes, caller: str | None = None) -> bytes:
    """Answer one verification question of a node below this one (the upstream's side).

    Only what both this node holds for the asker and the asker subscribes to is
    compared, listed or sent.
    """
    request = VerifyRequest.decode(data)
    if caller is not None and caller != request.subscriber:
        raise LienthongError(
            "sync.not_sender",
            N_(
                "This request says it comes from node {claimed}, but node {caller} sent it."
                " A node may only verify itself."
            ),
            field="subscriber",
            claimed=request.subscriber,
            caller=caller,
        )

    def wanted(record_type: str, partition: str | None) -> bool:
        return request.subscription.wants(record_type, partition) and sync.subscription.wants(
            record_type, partition
        )

    with sync.node.engine.connect() as raw:
        connection = dialects.read_only(raw)
        if request.ask == "digests":
            held = d.to_json(d.digests_where(connection, wanted))
            return json.dumps({"digests": held}, ensure_ascii=False).encode("utf-8")
        if request.ask == "leaves":
            assert request.record_type is not None
            if not wanted(request.record_type, request.partition):
                raise _out_of_scope(request.record_type, request.partition)
            leaves = d.bucket_leaves(
                connection,
                record_type=request.record_type,
                partition=request.partition,
                buckets=request.buckets,
            )
            return json.dumps(
                {"leaves": [leaf.to_json() for leaf in leaves]}, ensure_ascii=False
            ).encode("utf-8")
        found = d.versions_for(connection, request.records)
    entries = tuple(
        item
        for _key, item in sorted(found.items())
        if wanted(item.record.record_type, item.record.partition)
    )
    return Batch(sync.node_id, {}, entries).signed(sync.signer()).encode()


# -- the asking side ----------------------------------------------------------------------


def _json(answer: bytes, key: str) -> Any:
    try:
        parsed = json.loads(answer)
    except ValueError:
        raise _bad_answer(N_("it is not JSON")) from None
    if not isinstance(parsed, dict) or key not in parsed:
        raise _bad_answer(N_("it is not the JSON object asked for"))
    return parsed[key]


async def _ask(transport: VerifyTransport, request: VerifyRequest) -> bytes:
    return await transport.verify(request.encode())


async def _their_digests(sync: SyncNode, transport: VerifyTransport) -> dict[d.PartKey, d.Digest]:
    answer = await _ask(transport, VerifyRequest(sync.node_id, sync.subscription, "digests"))
    return d.from_json(_json(answer, "digests"))


async def _their_versions(
    sync: SyncNode, transport: VerifyTransport, keys: Sequence[d.RecordKey]
) -> dict[d.RecordKey, Replicated]:
    found: dict[d.RecordKey, Replicated] = {}
    for start in range(0, len(keys), VERSIONS_PER_REQUEST):
        chunk = tuple(keys[start : start + VERSIONS_PER_REQUEST])
        batch = decode(
            await _ask(
                transport, VerifyRequest(sync.node_id, sync.subscription, "versions", records=chunk)
            ),
            ranged=False,
        )
        if batch.sender != transport.peer:
            raise _bad_answer(N_("the versions are not signed by the upstream"))
        batch.verify(sync.keys(batch.sender))
        asked = set(chunk)
        for item in batch.entries:
            key = (item.record.record_type, item.record.record_id)
            if key not in asked:
                raise _bad_answer(N_("it holds a record that was not asked for"))
            found[key] = item
    return found


async def verify_upstream(sync: SyncNode, transport: VerifyTransport, *, repair: bool) -> d.Report:
    """Compare this node with its upstream on what it subscribes to; with ``repair``, fix it here.

    Each differing record is brought here to the upstream's version unless this node
    owns it (then it is reported as ``fix_upstream``).
    """
    theirs = await _their_digests(sync, transport)
    with sync.node.engine.connect() as raw:
        here = dialects.read_only(raw)
        mine = d.digests(here, subscription=sync.subscription)
        found = d.compare(mine, theirs)
        located: list[d.Located] = []
        for difference in found:
            request = VerifyRequest(
                sync.node_id,
                sync.subscription,
                "leaves",
                difference.record_type,
                difference.partition,
                difference.buckets,
            )
            their_leaves = _json(await _ask(transport, request), "leaves")
            if not isinstance(their_leaves, list):
                raise _bad_answer(N_("the records are not a list"))
            located.extend(
                d.Located(difference.record_type, difference.partition, item)
                for item in d.differences(
                    d.bucket_leaves(
                        here,
                        record_type=difference.record_type,
                        partition=difference.partition,
                        buckets=difference.buckets,
                    ),
                    [d.Leaf.from_json(leaf) for leaf in their_leaves],
                )
            )
        keys = sorted({(item.record_type, item.difference.record_id) for item in located})
        of_mine = d.versions_for(here, keys)
    compared = d.compared_count(mine, theirs)
    if not repair or not located:
        return d.Report(compared, len(located), 0, (), tuple(located), converged=not located)
    of_theirs = await _their_versions(sync, transport, keys)
    to_here, left = _sources(sync.node_id, transport.peer, keys, of_mine, of_theirs)
    repaired = 0
    if to_here:
        done = d.repair(sync, keys=to_here, versions=of_theirs)
        repaired, left = done.repaired, [*left, *done.left]
    after = await _their_digests(sync, transport)
    with sync.node.engine.connect() as raw:
        now_mine = d.digests(dialects.read_only(raw), subscription=sync.subscription)
    converged = not d.compare(now_mine, after)
    return d.Report(compared, len(located), repaired, tuple(left), tuple(located), converged)


def _sources(
    node_id: str,
    upstream: str,
    keys: Sequence[d.RecordKey],
    of_mine: Mapping[d.RecordKey, Replicated],
    of_theirs: Mapping[d.RecordKey, Replicated],
) -> tuple[list[d.RecordKey], list[d.Left]]:
    """Split the differing records into those to repair here and those left, with why."""
    to_here: list[d.RecordKey] = []
    left: list[d.Left] = []
    for key in keys:
        mine, theirs = of_mine.get(key), of_theirs.get(key)
        newest = max(
            (item for item in (mine, theirs) if item is not None),
            key=lambda item: item.record.version,
            default=None,
        )
        if newest is not None and newest.record.owner_node == node_id and mine is not None:
            left.append(d.Left(upstream, key[0], key[1], "fix_upstream"))
        elif theirs is None:
            left.append(d.Left(node_id, key[0], key[1], "not_at_source"))
        else:
            to_here.append(key)
    return to_here, left
