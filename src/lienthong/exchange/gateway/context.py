"""What both sides of a gateway share: the node's identity, its directory, audit and metrics."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Protocol

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from lienthong.errors import LienthongError
from lienthong.exchange.directory.models import Directory
from lienthong.exchange.gateway.bodies import Spool
from lienthong.exchange.gateway.refusals import Side, error_body, error_type, status_of
from lienthong.exchange.messages import CLIENT, HEADER_LIMIT
from lienthong.exchange.metrics import GatewayMetrics
from lienthong.exchange.replay import ReplayGuard

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]

logger = logging.getLogger("lienthong.exchange")


class DirectorySource(Protocol):
    """Where a gateway gets the directory it decides with (the node's verified cache)."""

    def current(self) -> Directory:
        """Return the directory in force, or refuse when there is none."""
        ...


class AuditSink(Protocol):
    """Where a gateway records its calls: the node's append-only audit log."""

    async def record(self, call: CallRecord) -> None:
        """Record one call; return once it is durable."""
        ...


@dataclass
class CallRecord:
    """What the audit log holds of one call through one gateway, filled in as checks pass."""

    side: str  # "client" or "provider"
    message_id: str
    client: str
    at: datetime
    service: str = ""
    user_id: str = ""
    purpose: str = ""
    outcome: str = "ok"  # or the refusal's code
    status: int = 0
    request_size: int = 0
    response_size: int = 0
    duration_ms: float = 0.0
    request_hash: str = ""
    response_hash: str = ""
    body: str | None = None
    started: float = field(default_factory=time.perf_counter, repr=False)


@dataclass
class Gateway:
    """The node's identity in the exchange and the rules both sides apply."""

    node_id: str
    instance: str
    directory: DirectorySource
    signing_key: Ed25519PrivateKey
    audit: AuditSink
    clock: Callable[[], datetime]
    window: timedelta = timedelta(seconds=60)
    max_body: int = 10 * 1024 * 1024
    body_timeout: float = 30.0
    upstream_timeout: float = 30.0
    audit_bodies: bool = False
    metrics: GatewayMetrics = field(default_factory=GatewayMetrics)
    replay: ReplayGuard = field(init=False)

    def __post_init__(self) -> None:
        self.replay = ReplayGuard(window=self.window)

    def begin(self, side: str, headers: dict[str, str], message_id: str) -> CallRecord:
        """Start the record of a call that just arrived."""
        return CallRecord(
            side=side,
            message_id=message_id[:HEADER_LIMIT],
            client=headers.get(CLIENT, "")[:HEADER_LIMIT],
            at=self.clock(),
        )

    async def finish(self, call: CallRecord) -> None:
        """Count a call and commit its audit entry (before its answer leaves)."""
        seconds = time.perf_counter() - call.started
        call.duration_ms = seconds * 1000
        call.at = self.clock()
        parts = call.service.split("/", 5)
        self.metrics.observe(
            side=call.side,
            service=parts[4] if len(parts) > 4 else "-",
            outcome=call.outcome,
            seconds=seconds,
            received=call.request_size,
            sent=call.response_size,
        )
        await self.audit.record(call)


def request_headers(scope: Scope) -> dict[str, str]:
    """Return an ASGI request's headers by lower-case name (the last of repeated ones)."""
    return {name.decode("latin-1"): value.decode("latin-1") for name, value in scope["headers"]}


async def send_bytes(
    send: Send, status: int, body: bytes, headers: list[tuple[bytes, bytes]]
) -> None:
    """Send a whole response."""
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [*headers, (b"content-length", str(len(body)).encode())],
        }
    )
    await send({"type": "http.response.body", "body": body})


async def send_spool(
    send: Send, status: int, headers: list[tuple[bytes, bytes]], body: Spool
) -> None:
    """Send a response whose body is a spool, chunk by chunk when it is on disk."""
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [*headers, (b"content-length", str(body.size).encode())],
        }
    )
    small = body.small()
    if small is not None:
        await send({"type": "http.response.body", "body": small})
        return
    async for chunk in body.chunks():
        await send({"type": "http.response.body", "body": chunk, "more_body": True})
    await send({"type": "http.response.body", "body": b""})


async def send_json(send: Send, status: int, data: Any) -> None:
    """Send a JSON response."""
    body = json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    await send_bytes(send, status, body, [(b"content-type", b"application/json")])


def refusal(
    error: LienthongError, side: Side, message_id: str
) -> tuple[int, bytes, list[tuple[bytes, bytes]]]:
    """Return the status, body and headers of a refusal."""
    return (
        status_of(error.code),
        error_body(error, side, message_id),
        [
            (b"content-type", b"application/json"),
            (b"x-road-error", error_type(error.code, side).encode("ascii")),
            (b"x-road-id", message_id.encode("latin-1")),
        ],
    )


def kept_bodies(gateway: Gateway, request: Spool | None, response: Spool | None) -> str | None:
    """Return the bodies the audit log keeps, when the setting asks for them."""
    if not gateway.audit_bodies:
        return None

    def text(spool: Spool | None) -> str | None:
        if spool is None:
            return None
        small = spool.small()
        if small is None:
            return f"<{spool.size} bytes, sha256 {spool.digest}>"
        return small.decode("utf-8", errors="replace")

    return json.dumps({"request": text(request), "response": text(response)}, ensure_ascii=False)
