"""A gateway driven as an ASGI app, with fakes for what surrounds it.

``World`` puts central's provider side in front of a fake provider system, with An Giang
as the calling node: it signs requests as An Giang's gateway would and runs them through
the app, the way uvicorn would, but without a socket. The fake server checks what the app
sends as uvicorn does (a response it would turn into a 500 fails the test), so a test
that sees a 4xx knows the caller would have seen it too.
"""

from __future__ import annotations

import asyncio
import json
import re
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import unquote

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding
from cryptography.x509 import load_pem_x509_certificate
from tests.support.network import (
    AN_GIANG,
    CENTRAL,
    DRIVING,
    NOW,
    PURPOSE,
    REGISTRY,
    SampleNetwork,
)

from lienthong.errors import LienthongError
from lienthong.exchange import messages as m
from lienthong.exchange.caller import ExchangeCaller
from lienthong.exchange.directory.models import Directory
from lienthong.exchange.gateway.bodies import Spool
from lienthong.exchange.gateway.client import ClientGateway
from lienthong.exchange.gateway.context import CallRecord, Gateway
from lienthong.exchange.gateway.provider import ProviderGateway
from lienthong.exchange.gateway.tls import PEER_CERTIFICATE
from lienthong.exchange.gateway.upstream import UpstreamResponse

#: What uvicorn refuses to send (``httptools_impl``): it answers 500 instead.
_BAD_NAME = re.compile(b'[\x00-\x1f\x7f()<>@,;:\\[\\]={} \t\\\\"]')
_BAD_VALUE = re.compile(b"[\x00-\x08\x0a-\x1f\x7f]")

Headers = dict[str, str] | Sequence[tuple[bytes, bytes]]


class Source:
    """A directory source that holds one directory, or refuses like an expired cache."""

    def __init__(self, directory: Directory | None, error: LienthongError | None = None) -> None:
        self.directory = directory
        self.error = error

    def current(self) -> Directory:
        if self.error is not None:
            raise self.error
        assert self.directory is not None
        return self.directory


@dataclass
class Recorder:
    """An audit sink that keeps the records in memory."""

    calls: list[CallRecord] = field(default_factory=list)

    async def record(self, call: CallRecord) -> None:
        self.calls.append(call)


@dataclass
class Provider:
    """The provider system behind the gateway: it records what reaches it."""

    reached: list[tuple[str, str, ExchangeCaller]] = field(default_factory=list)
    bodies: list[bytes] = field(default_factory=list)
    #: Headers the system adds to its answers (the gateway passes some of them on).
    headers: list[tuple[bytes, bytes]] = field(default_factory=list)
    status: int = 200

    async def call(
        self, *, method: str, path: str, body: Spool, caller: ExchangeCaller, **_: Any
    ) -> UpstreamResponse:
        self.reached.append((method, path, caller))
        self.bodies.append(b"".join([chunk async for chunk in body.chunks()]))
        answer = Spool(limit=1 << 20)
        answer.write(b'{"pin":"001090000001"}')
        return UpstreamResponse(
            self.status, [(b"content-type", b"application/json"), *self.headers], answer
        )


@dataclass
class Answer:
    """What the caller of the app received."""

    status: int
    headers: dict[str, str]
    body: bytes
    #: Every header as sent, repeated names included.
    raw_headers: list[tuple[str, str]] = field(default_factory=list)
    #: The method of the request answered (HTTP sends no body in answer to HEAD).
    method: str = "GET"

    @property
    def error(self) -> str | None:
        return self.headers.get("x-road-error")

    def json(self) -> Any:
        return json.loads(self.body)


class InvalidResponse(AssertionError):
    """The app sent what a server cannot put on the wire: the caller would get a 500."""


async def run_app(
    app: Any, scope: dict[str, Any], chunks: Sequence[bytes], *, hang: bool = False
) -> Answer:
    """Run one request through an ASGI app; check what it sends as uvicorn would."""
    pending = list(chunks)
    started: dict[str, Any] | None = None
    body: list[bytes] = []
    finished = False

    async def receive() -> dict[str, Any]:
        if pending:
            chunk = pending.pop(0)
            return {"type": "http.request", "body": chunk, "more_body": bool(pending) or hang}
        await asyncio.sleep(3600)
        raise AssertionError("unreachable")

    async def send(message: dict[str, Any]) -> None:
        nonlocal started, finished
        if finished:
            raise InvalidResponse(f"sent {message['type']} after the response was complete")
        if message["type"] == "http.response.start":
            if started is not None:
                raise InvalidResponse("started the response twice")
            for name, value in message["headers"]:
                if _BAD_NAME.search(name) or _BAD_VALUE.search(value):
                    raise InvalidResponse(f"invalid header {name!r}: {value!r}")
            started = message
        elif message["type"] == "http.response.body":
            if started is None:
                raise InvalidResponse("sent a body before starting the response")
            body.append(message.get("body", b""))
            finished = not message.get("more_body", False)

    await app(scope, receive, send)
    if started is None or not finished:
        raise InvalidResponse("the app returned without a complete response")
    raw = [(k.decode("latin-1"), v.decode("latin-1")) for k, v in started["headers"]]
    return Answer(started["status"], dict(raw), b"".join(body), raw, scope["method"])


def http_scope(
    *,
    method: str,
    path: str | bytes,
    headers: Headers,
    query: bytes = b"",
    peer: bytes | None = None,
) -> dict[str, Any]:
    """Return an ASGI scope as uvicorn builds it (``raw_path`` as sent, ``path`` decoded)."""
    raw = path if isinstance(path, bytes) else path.encode("latin-1")
    pairs = (
        [(name.encode("latin-1"), _wire(value)) for name, value in headers.items()]
        if isinstance(headers, dict)
        else list(headers)
    )
    return {
        "type": "http",
        "method": method,
        "path": unquote(raw.decode("latin-1")),
        "raw_path": raw,
        "query_string": query,
        "headers": pairs,
        PEER_CERTIFICATE: peer,
    }


def _wire(value: str) -> bytes:
    """Return a header value's bytes as a client sends them: latin-1, else UTF-8."""
    try:
        return value.encode("latin-1")
    except UnicodeEncodeError:
        return value.encode("utf-8")


class World:
    """Central's provider side, its fake provider system, and An Giang calling it."""

    def __init__(self, network: SampleNetwork, *, clock: datetime = NOW) -> None:
        self.network = network
        self.now = clock
        self.source = Source(network.directory())
        self.audit = Recorder()
        self.provider = Provider()
        central = network.nodes[CENTRAL]
        self.gateway = Gateway(
            node_id=CENTRAL,
            instance="VN",
            directory=self.source,
            signing_key=central.signing_key,
            audit=self.audit,
            clock=lambda: self.now,
            max_body=1024,
            body_timeout=0.2,
        )
        self.app = ProviderGateway(
            self.gateway,
            upstreams=lambda service: self.provider if str(service) == REGISTRY else None,
        )

    def certificate(self, node_id: str) -> bytes:
        pem = self.network.nodes[node_id].entry.tls_certificate.encode()
        return load_pem_x509_certificate(pem).public_bytes(Encoding.DER)

    def signed(
        self,
        *,
        path: str = f"/r1/{REGISTRY}/Person/001090000001",
        method: str = "GET",
        query: str = "",
        body: bytes = b"",
        client: str = DRIVING,
        purpose: str = PURPOSE,
        user_id: str = "VN12345",
        issue: str = "",
        sender: str = AN_GIANG,
        key: Ed25519PrivateKey | None = None,
        message_id: str | None = None,
        stamp: datetime | str | None = None,
    ) -> dict[str, str]:
        """Return the headers An Giang's gateway sends with a request it signed."""
        envelope = m.Envelope(
            kind="request",
            sender=sender,
            recipient=CENTRAL,
            method=method,
            path=path,
            query=query,
            client=client,
            message_id=message_id or str(uuid.uuid4()),
            user_id=user_id,
            issue=issue,
            purpose=purpose,
            body_hash=m.body_digest(body),
            timestamp=stamp if isinstance(stamp, str) else m.format_timestamp(stamp or self.now),
        )
        signer = key or self.network.nodes[sender].signing_key
        headers = {
            "x-road-client": client,
            "x-road-id": envelope.message_id,
            "x-road-userid": user_id,
            "x-road-issue": issue,
            "x-lienthong-purpose": purpose,
            m.SENDER: sender,
            m.TIMESTAMP: envelope.timestamp,
            m.BODY_HASH: envelope.body_hash,
            m.SIGNATURE: envelope.sign(signer),
        }
        return {name: value for name, value in headers.items() if value}

    def call(
        self,
        *,
        method: str,
        path: str | bytes,
        headers: Headers,
        query: bytes = b"",
        peer: str | None = AN_GIANG,
        body_chunks: Sequence[bytes] = (b"",),
        hang: bool = False,
    ) -> Answer:
        """Send one request to central's provider side over a connection from ``peer``."""
        scope = http_scope(
            method=method,
            path=path,
            headers=headers,
            query=query,
            peer=self.certificate(peer) if peer else None,
        )
        return asyncio.run(run_app(self.app, scope, body_chunks, hang=hang))

    def request(
        self,
        *,
        path: str = f"/r1/{REGISTRY}/Person/001090000001",
        method: str = "GET",
        body: bytes = b"",
        client: str = DRIVING,
        purpose: str = PURPOSE,
        sender: str = AN_GIANG,
        key: Ed25519PrivateKey | None = None,
        message_id: str | None = None,
        stamp: datetime | None = None,
        peer: str | None = AN_GIANG,
        tweak: Callable[[dict[str, str]], None] | None = None,
        body_chunks: list[bytes] | None = None,
        hang: bool = False,
    ) -> Answer:
        """Sign a request as An Giang, let ``tweak`` alter its headers, and send it."""
        headers = self.signed(
            path=path,
            method=method,
            body=body,
            client=client,
            purpose=purpose,
            sender=sender,
            key=key,
            message_id=message_id,
            stamp=stamp,
        )
        if tweak is not None:
            tweak(headers)
        return self.call(
            method=method,
            path=path,
            headers=headers,
            peer=peer,
            body_chunks=body_chunks if body_chunks is not None else [body],
            hang=hang,
        )


class ClientWorld:
    """An Giang's client side, calling central's provider side at ``address`` (plain HTTP)."""

    def __init__(self, network: SampleNetwork, *, address: str, clock: datetime = NOW) -> None:
        self.now = clock
        directory = replace_node(network.directory(), CENTRAL, address=address)
        self.source = Source(directory)
        self.audit = Recorder()
        self.gateway = Gateway(
            node_id=AN_GIANG,
            instance="VN",
            directory=self.source,
            signing_key=network.nodes[AN_GIANG].signing_key,
            audit=self.audit,
            clock=lambda: self.now,
            max_body=1024,
            body_timeout=0.2,
            upstream_timeout=5,
        )
        self.app = ClientGateway(self.gateway, ssl_context=None)

    async def call(
        self,
        *,
        method: str,
        path: str | bytes,
        headers: Headers,
        query: bytes = b"",
        body_chunks: Sequence[bytes] = (b"",),
    ) -> Answer:
        """Send one request from a local system; close the connections afterwards."""
        if isinstance(headers, dict):
            # As the node's HTTP server hands them on: httptools drops leading whitespace
            # (and the provider's drops it again, so a value signed with it would differ).
            headers = {name: value.lstrip(" \t") for name, value in headers.items()}
        scope = http_scope(method=method, path=path, headers=headers, query=query)
        try:
            return await run_app(self.app, scope, body_chunks)
        finally:
            await self.app.close()


class Relay:
    """The app a test server serves: whichever ``app`` the current example put there.

    It stands in for the TLS layer too: every request arrives from ``peer``'s certificate.
    """

    def __init__(self, peer: bytes) -> None:
        self.peer = peer
        self.app: Any = None

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        scope[PEER_CERTIFICATE] = self.peer
        await self.app(scope, receive, send)


def replace_node(directory: Directory, node_id: str, **changes: Any) -> Directory:
    """Return the directory with one node's entry changed."""
    nodes = tuple(
        node.model_copy(update=changes) if node.node_id == node_id else node
        for node in directory.nodes
    )
    return directory.model_copy(update={"nodes": nodes})
