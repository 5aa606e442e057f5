"""The provider side of a gateway: where other nodes' signed calls arrive over mutual TLS.

Every check happens before anything reaches the provider system, in this order: the
directory is in force; the TLS peer is a node of the directory and not revoked; it is the
node the message says sent it, and that node hosts the calling client; the headers and
the service path are well formed; the timestamp is inside the window; the body is within
the size limit and arrives in time; the signature verifies with the sender's key; the
message id is new; the service is hosted here; a grant lets the client call this endpoint
for the stated purpose. A refusal is answered signed (the client's gateway can trust
it), with ``X-Road-Error``, and audited like any call.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import replace
from urllib.parse import parse_qs

from lienthong.errors import LienthongError
from lienthong.exchange import messages as m
from lienthong.exchange import metaservices
from lienthong.exchange.caller import ExchangeCaller
from lienthong.exchange.directory.models import Directory, NodeEntry
from lienthong.exchange.gateway.bodies import Spool, declared_length, read_request_body
from lienthong.exchange.gateway.context import (
    CallRecord,
    Gateway,
    Receive,
    Scope,
    Send,
    kept_bodies,
    logger,
    refusal,
    request_headers,
    send_spool,
)
from lienthong.exchange.gateway.refusals import not_the_protocol
from lienthong.exchange.gateway.tls import tls_peer
from lienthong.exchange.gateway.upstream import Upstream, UpstreamResponse, unreachable
from lienthong.exchange.identifiers import ClientId, ServiceId, split_service_path
from lienthong.i18n import N_

PREFIX = "/r1/"


def _refuse(code: str, template: str, *, field: str, **params: str) -> LienthongError:
    return LienthongError(code, template, field=field, **params)


class ProviderGateway:
    """The ASGI app of a node's provider side."""

    def __init__(
        self,
        gateway: Gateway,
        *,
        upstreams: Callable[[ServiceId], Upstream | None],
        extra_routes: Mapping[str, object] | None = None,
    ) -> None:
        self.gateway = gateway
        #: How each service hosted here is reached (None: not provided here).
        self.upstreams = upstreams
        #: Other apps mounted by exact path (central's ``/directory``).
        self.extra = dict(extra_routes or {})

    async def close(self) -> None:
        """Close the connection pools to upstream systems."""
        close = getattr(self.upstreams, "close", None)
        if close is not None:
            await close()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Serve one ASGI connection event."""
        if scope["type"] == "lifespan":
            await _lifespan(receive, send)
            return
        if scope["type"] != "http":
            return
        mounted = self.extra.get(scope["path"])
        if mounted is not None:
            await mounted(scope, receive, send)  # type: ignore[operator]
            return
        await self.handle(scope, receive, send)

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Check, forward and answer one call; audit it whatever happens."""
        g = self.gateway
        headers = request_headers(scope)
        message_id = headers.get(m.MESSAGE_ID, "")[: m.HEADER_LIMIT]
        record = g.begin("provider", headers, message_id)
        sender: NodeEntry | None = None
        request_envelope: m.Envelope | None = None
        body: Spool | None = None
        answer: UpstreamResponse | None = None
        try:
            directory = g.directory.current()
            sender = self._peer(scope, directory, headers)
            request_envelope, service, rest = self._parse(scope, headers, sender, directory)
            record.service = f"{service}{rest}"
            record.purpose = request_envelope.purpose
            record.user_id = request_envelope.user_id
            declared_length(headers, limit=g.max_body)
            body = await read_request_body(receive, limit=g.max_body, timeout=g.body_timeout)
            record.request_size = body.size
            request_envelope = _with_body(request_envelope, body.digest, headers)
            request_envelope.verify(
                m.header_value(headers, m.SIGNATURE, required=True), sender.public_key
            )
            record.request_hash = request_envelope.digest()
            g.replay.check(sender=sender.node_id, message_id=message_id, now=g.clock())
            answer = await self._answer(directory, request_envelope, service, rest, headers, body)
        except LienthongError as error:
            record.outcome = error.code
            status, payload, extra = refusal(error, "ServerProxy", echoed_id(message_id))
            answer = UpstreamResponse(
                status=status,
                headers=[header for header in extra if header[0] != b"x-road-id"],  # added below
                body=Spool(limit=len(payload) + 1),
            )
            answer.body.write(payload)
        finally:
            record.body = kept_bodies(g, body, None if answer is None else answer.body)
            if body is not None:
                body.close()
        if scope["method"] == "HEAD" or answer.status in (204, 304):
            # HTTP carries no body then: sign and send the empty body the caller receives.
            answer.body.close()
            answer = replace(answer, body=Spool(limit=1))
        try:
            signed = self._signed_headers(answer, sender, request_envelope, record)
            record.status = answer.status
            record.response_size = answer.body.size
            # The entry is committed before the answer leaves: no answer without evidence.
            await g.finish(record)
            await send_spool(send, answer.status, signed, answer.body)
        finally:
            answer.body.close()

    # -- the checks ---------------------------------------------------------------------------

    def _peer(self, scope: Scope, directory: Directory, headers: dict[str, str]) -> NodeEntry:
        peer = tls_peer(scope, directory, now=self.gateway.clock())
        sender = m.header_value(headers, m.SENDER, required=True)
        if sender != peer.node_id:
            raise _refuse(
                "exchange.sender.mismatch",
                N_(
                    "The message says node {claimed} sent it, but the connection is from"
                    " node {node}."
                ),
                field=m.SENDER,
                claimed=sender[:80],
                node=peer.node_id,
            )
        return peer

    def _parse(
        self, scope: Scope, headers: dict[str, str], sender: NodeEntry, directory: Directory
    ) -> tuple[m.Envelope, ServiceId, str]:
        g = self.gateway
        raw_path = scope.get("raw_path") or scope["path"].encode("latin-1")
        path = raw_path.decode("latin-1")
        if not path.startswith(PREFIX):
            raise not_the_protocol()
        service, rest = split_service_path(path[len(PREFIX) :])
        client = ClientId.parse(m.header_value(headers, m.CLIENT, required=True))
        directory.check_host(client, sender.node_id)
        message_id = m.header_value(headers, m.MESSAGE_ID, required=True)
        stamp = m.header_value(headers, m.TIMESTAMP, required=True)
        m.check_window(m.parse_timestamp(stamp), now=g.clock(), window=g.window)
        envelope = m.Envelope(
            kind="request",
            sender=sender.node_id,
            recipient=g.node_id,
            method=scope["method"],
            path=path,
            query=scope.get("query_string", b"").decode("latin-1"),
            client=str(client),
            message_id=message_id,
            user_id=m.header_value(headers, m.USER_ID),
            issue=m.header_value(headers, m.ISSUE),
            purpose=m.header_value(headers, m.PURPOSE),
            body_hash="",
            timestamp=stamp,
        )
        return envelope, service, rest

    async def _answer(
        self,
        directory: Directory,
        envelope: m.Envelope,
        service: ServiceId,
        rest: str,
        headers: dict[str, str],
        body: Spool,
    ) -> UpstreamResponse:
        g = self.gateway
        client = ClientId.parse(envelope.client)
        provider = directory.host_of(service.provider)
        if provider is None or provider.node_id != g.node_id:
            raise _not_here(service, g.node_id)
        if service.service_code in metaservices.PROVIDER_METASERVICES and not rest:
            return _json_answer(self._metaservice(directory, client, service, envelope.query))
        if directory.service(service) is None:
            raise metaservices.unknown_service(service)
        grant = directory.check_grant(
            client=client,
            service=service,
            method=envelope.method,
            path=rest,
            purpose=envelope.purpose or None,
            at=g.clock(),
        )
        upstream = self.upstreams(service)
        if upstream is None:
            raise _not_here(service, g.node_id)
        caller = ExchangeCaller(
            client=envelope.client,
            purpose=envelope.purpose,
            user_id=envelope.user_id,
            grant_id=grant.grant_id,
            message_id=envelope.message_id,
            writes=envelope.method not in ("GET", "HEAD"),
        )
        try:
            return await upstream.call(
                method=envelope.method,
                path=rest,
                query=envelope.query,
                headers=headers,
                body=body,
                caller=caller,
                limit=g.max_body,
                timeout=g.upstream_timeout,
            )
        except LienthongError:
            raise
        except Exception as exc:
            logger.exception("provider system failed on %s", envelope.message_id)
            raise unreachable(str(service), type(exc).__name__) from None

    def _metaservice(
        self, directory: Directory, client: ClientId, service: ServiceId, query: str
    ) -> object:
        provider = service.provider
        if service.service_code == metaservices.LIST_METHODS:
            return metaservices.list_methods(directory, provider)
        if service.service_code == metaservices.ALLOWED_METHODS:
            return metaservices.allowed_methods(
                directory, client=client, provider=provider, at=self.gateway.clock()
            )
        codes = parse_qs(query).get("serviceCode", [""])
        return metaservices.get_openapi(directory, provider=provider, service_code=codes[0])

    # -- the answer ---------------------------------------------------------------------------

    def _signed_headers(
        self,
        answer: UpstreamResponse,
        sender: NodeEntry | None,
        request: m.Envelope | None,
        record: CallRecord,
    ) -> list[tuple[bytes, bytes]]:
        """Return the answer's headers, signed when the request was from a known node."""
        g = self.gateway
        stamp = m.format_timestamp(g.clock())
        headers = list(answer.headers)
        headers.append((b"x-road-id", echoed_id(record.message_id).encode("latin-1")))
        if request is not None and sender is not None:
            response = request.answer(
                status=answer.status, body_hash=answer.body.digest, timestamp=stamp
            )
            record.response_hash = response.digest()
            headers += [
                (b"x-road-request-hash", response.request_hash.encode("ascii")),
                (m.SENDER.encode(), g.node_id.encode("latin-1")),
                (m.TIMESTAMP.encode(), stamp.encode("ascii")),
                (m.BODY_HASH.encode(), answer.body.digest.encode("ascii")),
                (m.SIGNATURE.encode(), response.sign(g.signing_key).encode("ascii")),
            ]
        return headers


def _not_here(service: ServiceId, node: str) -> LienthongError:
    return _refuse(
        "exchange.service.not_here",
        N_("The subsystem of {service} is not hosted by node {node}."),
        field="path",
        service=str(service),
        node=node,
    )


def echoed_id(message_id: str) -> str:
    """Return the message id to repeat in ``X-Road-Id``: a malformed one is not repeated."""
    try:
        return m.header_value({m.MESSAGE_ID: message_id}, m.MESSAGE_ID)
    except LienthongError:
        return ""  # a control character in a response header makes the server answer 500


def _with_body(envelope: m.Envelope, digest: str, headers: dict[str, str]) -> m.Envelope:
    claimed = headers.get(m.BODY_HASH)
    if claimed is not None and claimed != digest:
        raise _refuse(
            "exchange.signature.body",
            N_("The body does not match the hash the sender signed: it was altered on the way."),
            field="body",
        )
    return replace(envelope, body_hash=digest)


def _json_answer(data: object) -> UpstreamResponse:
    payload = json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    body = Spool(limit=len(payload) + 1)
    body.write(payload)
    return UpstreamResponse(status=200, headers=[(b"content-type", b"application/json")], body=body)


async def _lifespan(receive: Receive, send: Send) -> None:
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            await send({"type": "lifespan.shutdown.complete"})
            return
