"""Sync over NATS JetStream: a province's pushes wait in a stream, its pulls are requests.

Province → central: the province publishes each signed push batch to
``<prefix>.push.<node>``, a subject of a JetStream work-queue stream, so its batches are
kept while central's consumer is away. Central consumes them with one durable pull
consumer, applies each with ``accept_push`` (the caller is the node the subject names),
publishes its answer — the cursor it now holds of that node, or why it refused the batch
— on ``<prefix>.pushed.<node>``, and only then acknowledges the message. The province
listens there before it publishes and waits for the answer to the very message it
published; it learns nothing from the broker's acknowledgement but that the batch is
stored. An answer it misses (it gave up waiting) costs nothing: its next round sends
again from what central last acknowledged, and central applies only what is new.

Central → province: the province asks ``<prefix>.pull.<node>`` (NATS request/reply) with
its cursors; central answers with ``serve_pull``'s batch. Nothing is stored for it: the
change log at central is the store, and the request carries where the province stands.

The broker is a transport, not the source of truth. A redelivered message, a batch
published again after a lost answer, a batch that overlaps one applied: all are applied
once, because ``apply_batch`` is keyed on (origin, sequence) and moves the cursor in the
same transaction. The broker's duplicate window is never relied on (no message ids).

Who may publish or request on which subject is the NATS accounts' business: each
province's user may publish only to its own push subject and request only its own pull
subject, so the node named by the subject is the authenticated caller.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import json
import logging
import re
import time
from dataclasses import dataclass
from typing import Any, Final

import nats.errors
import nats.js.errors
from nats.aio.client import Client as NATS
from nats.aio.msg import Msg
from nats.aio.subscription import Subscription as CoreSubscription
from nats.js import JetStreamContext
from nats.js.api import (
    AckPolicy,
    ConsumerConfig,
    RetentionPolicy,
    StorageType,
    StreamConfig,
)

from lienthong.errors import LienthongError
from lienthong.i18n import N_
from lienthong.sync.service import (
    BATCH_SIZE,
    PullRequest,
    PushReply,
    Round,
    SyncNode,
    accept_push,
    serve_pull,
    sync_once,
)

log = logging.getLogger(__name__)

#: The header that marks an answer as an error (its body is the error as JSON).
ERROR_HEADER: Final = "Lienthong-Error"
#: Room left in a message for headers and framing.
_HEADROOM: Final = 1024
#: What a node identifier may contain to name a subject.
_NODE_TOKEN: Final = re.compile(r"^[A-Za-z0-9_-]+$")


@dataclass(frozen=True)
class NatsNames:
    """The subjects, stream and consumer one sync network uses on NATS."""

    prefix: str = "lienthong.sync"
    stream: str = "LIENTHONG_SYNC_PUSH"
    consumer: str = "central"

    @classmethod
    def namespaced(cls, namespace: str) -> NatsNames:
        """Return names of their own for a namespace (a test, a second network on one server)."""
        token = re.sub(r"[^A-Za-z0-9_-]", "_", namespace)
        return cls(
            prefix=f"lienthong.sync.{token}",
            stream=f"LIENTHONG_SYNC_PUSH_{token}",
            consumer="central",
        )

    def push(self, node: str) -> str:
        """Return the subject a node publishes its push batches to."""
        return f"{self.prefix}.push.{node}"

    def answers(self, node: str) -> str:
        """Return the subject central answers a node's pushes on."""
        return f"{self.prefix}.pushed.{node}"

    def pull(self, node: str) -> str:
        """Return the subject a node sends its pull requests to."""
        return f"{self.prefix}.pull.{node}"

    def node_of(self, subject: str, kind: str) -> str | None:
        """Return the node a push or pull subject names, or None for any other subject."""
        head = f"{self.prefix}.{kind}."
        if not subject.startswith(head):
            return None
        node = subject[len(head) :]
        return node if _NODE_TOKEN.match(node) else None


def _subject_token(node: str) -> str:
    if not _NODE_TOKEN.match(node):
        raise LienthongError(
            "sync.nats.bad_node",
            N_(
                "The node identifier {node} cannot name a NATS subject. Use only letters,"
                " digits, '-' and '_' in node identifiers synced over NATS."
            ),
            field="node_id",
            node=node,
        )
    return node


def unreachable(subject: str, seconds: float) -> LienthongError:
    """Return the failure of a sync call over NATS that got no answer in time."""
    return LienthongError(
        "sync.unreachable",
        N_(
            "Central's sync service did not answer on NATS subject {subject} within {seconds}"
            " s. The node keeps working; a batch it pushed stays in the stream and is applied"
            " when central is back."
        ),
        field="sync_upstream",
        subject=subject,
        seconds=seconds,
    )


def too_large(size: int, limit: int) -> LienthongError:
    """Return the refusal of a batch larger than one NATS message may be."""
    return LienthongError(
        "sync.nats.too_large",
        N_(
            "The sync batch is {size} bytes, more than the {limit} bytes one NATS message"
            " carries. Send smaller batches, or raise max_payload on the NATS servers."
        ),
        field="batch",
        size=size,
        limit=limit,
    )


def no_stream(stream: str) -> LienthongError:
    """Return the failure of a push when the stream that keeps pushes does not exist."""
    return LienthongError(
        "sync.nats.no_stream",
        N_(
            "The NATS stream {stream} that keeps pushed sync batches does not exist. Start"
            " central's NATS sync service once, or prepare the stream on the province's leaf"
            " node."
        ),
        field="sync_upstream",
        stream=stream,
    )


def _error_json(error: LienthongError) -> dict[str, Any]:
    return {
        **error.to_dict(),
        "template": error.template,
        "params": json.loads(json.dumps(error.params, default=str)),
    }


def _remote_error(data: Any) -> LienthongError:
    """Rebuild the error central answered with, in this node's languages."""
    if isinstance(data, dict) and isinstance(data.get("code"), str):
        template, params = data.get("template"), data.get("params")
        field = data.get("field") if isinstance(data.get("field"), str) else None
        if isinstance(template, str) and isinstance(params, dict):
            values = {str(name): value for name, value in params.items() if name != "field"}
            return LienthongError(data["code"], template, field=field, **values)
        return LienthongError(
            data["code"],
            N_("Central refused the sync call: {reason}"),
            field=field,
            reason=str(data.get("message_en") or data["code"]),
        )
    return LienthongError(
        "sync.upstream_failed",
        N_("Central answered the sync call over NATS with an error it does not explain."),
    )


def _limit(nc: NATS) -> int:
    return max(nc.max_payload - _HEADROOM, 1)


async def prepare(
    js: JetStreamContext,
    names: NatsNames = NatsNames(),
    *,
    ack_wait: float = 120.0,
    max_age: float = 30 * 24 * 3600.0,
) -> None:
    """Create the push stream and central's durable consumer where they are absent.

    ``ack_wait`` is how long a message central took but did not acknowledge waits
    before it is delivered again; ``max_age`` how long an unconsumed push is kept.
    """
    try:
        await js.stream_info(names.stream)
    except nats.js.errors.NotFoundError:
        await js.add_stream(
            StreamConfig(
                name=names.stream,
                description="Signed sync batches pushed by nodes to central (lienthong).",
                subjects=[names.push("*")],
                retention=RetentionPolicy.WORK_QUEUE,
                storage=StorageType.FILE,
                max_age=max_age,
            )
        )
    try:
        await js.consumer_info(names.stream, names.consumer)
    except nats.js.errors.NotFoundError:
        await js.add_consumer(
            names.stream,
            ConsumerConfig(
                durable_name=names.consumer,
                ack_policy=AckPolicy.EXPLICIT,
                ack_wait=ack_wait,
                filter_subject=names.push("*"),
            ),
        )


async def remove(js: JetStreamContext, names: NatsNames) -> None:
    """Delete the push stream with its consumer, where it exists."""
    with contextlib.suppress(nats.js.errors.NotFoundError):
        await js.delete_stream(names.stream)


# -- the province's side ----------------------------------------------------------------


class NatsTransport:
    """Push through a JetStream stream and pull by request, to central over NATS."""

    def __init__(
        self,
        nc: NATS,
        *,
        node: str,
        peer: str,
        names: NatsNames = NatsNames(),
        domain: str | None = None,
        timeout: float = 30.0,
    ) -> None:
        self.nc = nc
        self.node = _subject_token(node)
        #: The upstream (central) node, whose cursors and acknowledgements the link keeps.
        self.peer = peer
        self.names = names
        # Storing a batch is quick when the server is there; the answer may take longer.
        self.js = JetStreamContext(nc, domain=domain, timeout=max(timeout, 5.0))
        self.timeout = timeout

    async def push(self, data: bytes) -> PushReply:
        """Publish a signed batch of this node's entries; wait for central's cursor after it.

        The broker's acknowledgement only says the batch is stored; the answer is what
        central recorded for this message (or a later one) once it applied it.
        """
        if len(data) > _limit(self.nc):
            raise too_large(len(data), _limit(self.nc))
        subject = self.names.push(self.node)
        answers = await self.nc.subscribe(self.names.answers(self.node))
        try:
            await self.nc.flush(timeout=max(int(self.timeout), 1))
            try:
                stored = await self.js.publish(subject, data, stream=self.names.stream)
            except nats.js.errors.NoStreamResponseError:
                raise no_stream(self.names.stream) from None
            except (nats.errors.TimeoutError, nats.errors.NoRespondersError):
                raise unreachable(subject, self.timeout) from None
            answer = await self._answer(answers, stored.seq, subject)
        finally:
            await answers.unsubscribe()
        if "error" in answer:
            raise _remote_error(answer["error"])
        return PushReply.from_json(answer)

    async def _answer(
        self, answers: CoreSubscription, message: int, subject: str
    ) -> dict[str, Any]:
        """Wait for central's answer to this message (an answer to a later one also does)."""
        deadline = time.monotonic() + self.timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise unreachable(subject, self.timeout)
            try:
                msg = await answers.next_msg(timeout=left)
            except TimeoutError:
                raise unreachable(subject, self.timeout) from None
            try:
                answer = json.loads(msg.data)
            except ValueError:
                continue
            if isinstance(answer, dict) and int(answer.get("message", 0)) >= message:
                return answer

    async def pull(self, request: PullRequest) -> bytes:
        """Ask central for the next batch after this node's cursors; return it as received."""
        subject = self.names.pull(self.node)
        try:
            msg = await self.nc.request(
                subject, json.dumps(request.to_json()).encode("utf-8"), timeout=self.timeout
            )
        except (nats.errors.TimeoutError, nats.errors.NoRespondersError):
            raise unreachable(subject, self.timeout) from None
        if msg.headers and ERROR_HEADER in msg.headers:
            try:
                error = json.loads(msg.data)
            except ValueError:
                error = None
            raise _remote_error(error)
        return msg.data


async def sync_round(sync: SyncNode, transport: NatsTransport, *, limit: int = BATCH_SIZE) -> Round:
    """Run ``sync_once`` over NATS, with fewer entries per batch while one is too large.

    A round is safe to run again from the start: whatever it applied stays applied.
    """
    while True:
        try:
            return await sync_once(sync, transport, limit=limit)
        except LienthongError as error:
            if error.code != "sync.nats.too_large" or limit <= 1:
                raise
            limit //= 2


# -- central's side ---------------------------------------------------------------------


@dataclass
class Served:
    """What central's NATS sync service did since it started."""

    pushes: int = 0
    applied: int = 0
    redelivered: int = 0
    refused: int = 0
    pulls: int = 0


class NatsCentral:
    """Central's sync service on NATS: consume pushed batches, answer pulls."""

    def __init__(
        self,
        sync: SyncNode,
        nc: NATS,
        *,
        names: NatsNames = NatsNames(),
        domain: str | None = None,
        ack_wait: float = 120.0,
        fetch: int = 16,
        idle: float = 1.0,
    ) -> None:
        self.sync = sync
        self.nc = nc
        self.names = names
        self.js = JetStreamContext(nc, domain=domain)
        self.ack_wait = ack_wait
        self.fetch = fetch
        self.idle = idle
        self.served = Served()
        self._pulls: CoreSubscription | None = None
        self._pushes: JetStreamContext.PullSubscription | None = None

    async def start(self) -> None:
        """Create what is missing on the server, answer pulls, bind the push consumer."""
        await prepare(self.js, self.names, ack_wait=self.ack_wait)
        self._pushes = await self.js.pull_subscribe_bind(
            consumer=self.names.consumer, stream=self.names.stream
        )
        self._pulls = await self.nc.subscribe(
            self.names.pull("*"), queue=self.names.consumer, cb=self._answer_pull
        )

    async def close(self) -> None:
        """Stop answering pulls and taking pushes (unacknowledged ones are delivered again)."""
        for subscription in (self._pulls, self._pushes):
            if subscription is not None:
                await subscription.unsubscribe()
        self._pulls = self._pushes = None

    async def serve(self, stop: asyncio.Event | None = None) -> Served:
        """Take pushed batches until ``stop`` is set (or the task is cancelled)."""
        if self._pushes is None:
            raise RuntimeError("start() the service first")
        while stop is None or not stop.is_set():
            try:
                messages = await self._pushes.fetch(self.fetch, timeout=self.idle)
            except TimeoutError:  # nats-py raises both its own and asyncio's
                continue
            for msg in messages:
                await self.take_push(msg)
        return self.served

    async def take_push(self, msg: Msg) -> None:
        """Apply one pushed batch, answer its sender, then acknowledge the message."""
        node = self.names.node_of(msg.subject, "push")
        if node is None:
            log.warning("sync push on an unexpected subject %s: dropped", msg.subject)
            await msg.term()
            return
        meta = msg.metadata
        if meta.num_delivered is not None and meta.num_delivered > 1:
            self.served.redelivered += 1
        answer: dict[str, Any] = {"message": meta.sequence.stream}
        refused = False
        try:
            reply = await asyncio.to_thread(accept_push, self.sync, data=msg.data, caller=node)
        except LienthongError as error:
            # The batch itself is wrong (damaged, not the sender's, foreign): sending it
            # again cannot help. Tell the sender why, and never deliver it again.
            log.warning("sync push from %s refused: %s", node, error)
            answer["error"] = _error_json(error)
            refused = True
        except Exception:
            log.exception("sync push from %s failed; it is delivered again later", node)
            await msg.nak(delay=min(self.ack_wait, 5.0))
            return
        else:
            answer.update(reply.to_json())
        try:
            await self.nc.publish(self.names.answers(node), json.dumps(answer).encode("utf-8"))
            await (msg.term() if refused else msg.ack())
        except nats.errors.Error:
            # Applied (or refused) but not acknowledged: it comes again, and changes nothing.
            log.exception("sync push from %s: answer or acknowledgement failed", node)
            return
        if refused:
            self.served.refused += 1
        else:
            self.served.pushes += 1
            self.served.applied += reply.applied

    async def _answer_pull(self, msg: Msg) -> None:
        node = self.names.node_of(msg.subject, "pull")
        if not msg.reply or node is None:
            return
        try:
            request = PullRequest.decode(msg.data)
            data = await asyncio.to_thread(self._batch_within, request, node)
        except LienthongError as error:
            await self._error(msg, error)
            return
        except Exception:
            log.exception("sync pull from %s failed", node)
            return  # the province gets no answer, and says central did not answer
        self.served.pulls += 1
        await self.nc.publish(msg.reply, data)

    def _batch_within(self, request: PullRequest, node: str) -> bytes:
        """Serve a pull, with fewer entries while the batch exceeds one NATS message."""
        limit = _limit(self.nc)
        while True:
            data = serve_pull(self.sync, request=request, caller=node)
            if len(data) <= limit:
                return data
            if request.limit <= 1:
                raise too_large(len(data), limit)
            request = dataclasses.replace(request, limit=request.limit // 2)

    async def _error(self, msg: Msg, error: LienthongError) -> None:
        await self.nc.publish(
            msg.reply,
            json.dumps(_error_json(error)).encode("utf-8"),
            headers={ERROR_HEADER: error.code},
        )


async def serve_central(
    sync: SyncNode,
    nc: NATS,
    *,
    stop: asyncio.Event,
    names: NatsNames = NatsNames(),
    domain: str | None = None,
    ack_wait: float = 120.0,
) -> Served:
    """Serve central's side of sync on NATS until ``stop`` is set."""
    central = NatsCentral(sync, nc, names=names, domain=domain, ack_wait=ack_wait)
    await central.start()
    try:
        return await central.serve(stop)
    finally:
        await central.close()
