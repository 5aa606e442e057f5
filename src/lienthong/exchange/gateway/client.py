"""The client side of a gateway: where the node's own systems call other agencies.

A client system calls its node exactly as it would call an X-Road security server
(``/r1/{INSTANCE}/{CLASS}/{MEMBER}/{SUBSYSTEM}/{SERVICE}/…`` with ``X-Road-Client``,
``X-Road-Id``, ``X-Road-UserId``, ``X-Road-Issue``), plus ``X-Lienthong-Purpose`` when
personal data is involved. The gateway checks that the client is a subsystem of this
node, finds the provider's node in the directory, pre-checks the grant (a call bound to
be refused never leaves the node), signs the request, sends it over mutual TLS, verifies
the signed response and its binding to the request, and answers with
``X-Road-Request-Hash`` — or ``X-Road-Error`` when anything fails. Every call is audited.
"""

from __future__ import annotations

import ssl
import uuid
from datetime import datetime
from typing import Any

import aiohttp
from cryptography import x509
from yarl import URL

from lienthong.errors import LienthongError
from lienthong.exchange import messages as m
from lienthong.exchange import metaservices
from lienthong.exchange.directory.models import Directory, NodeEntry
from lienthong.exchange.gateway import openapi
from lienthong.exchange.gateway.bodies import CHUNK, Spool, declared_length, read_request_body
from lienthong.exchange.gateway.context import (
    Gateway,
    Receive,
    Scope,
    Send,
    kept_bodies,
    refusal,
    request_headers,
    send_bytes,
    send_json,
    send_spool,
)
from lienthong.exchange.gateway.provider import PREFIX, echoed_id
from lienthong.exchange.gateway.refusals import not_the_protocol
from lienthong.exchange.identifiers import ClientId, ServiceId, split_service_path
from lienthong.exchange.pki import check_not_revoked, check_validity
from lienthong.i18n import N_

#: Response headers of the provider handed to the client system.
RETURNED = frozenset(
    {
        "content-type",
        "etag",
        "last-modified",
        "location",
        "cache-control",
        "content-language",
        "x-road-error",
        "x-road-request-hash",
    }
)
#: The most connections kept open to one provider node.
POOL_PER_NODE = 64


class ClientGateway:
    """The ASGI app of a node's client side (bind it to the node's internal network)."""

    def __init__(
        self,
        gateway: Gateway,
        *,
        ssl_context: ssl.SSLContext | None,
        certificate: x509.Certificate | None = None,
        health: Any = None,
    ) -> None:
        self.gateway = gateway
        self.ssl_context = ssl_context
        #: The node's own TLS certificate: its expiry is watched and reported.
        self.certificate = certificate
        self.health = health
        self._session: aiohttp.ClientSession | None = None
        self._validity: tuple[x509.Certificate, datetime, datetime] | None = None

    def session(self) -> aiohttp.ClientSession:
        """Return the pool of mutual-TLS connections to other nodes (opened on first use)."""
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(
                    ssl=self.ssl_context if self.ssl_context is not None else False,
                    limit=0,
                    limit_per_host=POOL_PER_NODE,
                    keepalive_timeout=60,
                ),
                auto_decompress=False,
                skip_auto_headers=("User-Agent", "Accept-Encoding", "Content-Type"),
            )
        return self._session

    async def close(self) -> None:
        """Close the connections to other nodes."""
        if self._session is not None:
            await self._session.close()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Serve one ASGI connection event."""
        if scope["type"] == "lifespan":
            await self._lifespan(receive, send)
            return
        if scope["type"] != "http":
            return
        path = scope["path"]
        if path.startswith(PREFIX):
            await self.call(scope, receive, send)
        elif path == "/listClients" and scope["method"] == "GET":
            await self._list_clients(send)
        elif path == "/metrics" and scope["method"] == "GET":
            await send_bytes(
                send,
                200,
                self.gateway.metrics.exposition(),
                [(b"content-type", b"text/plain; version=0.0.4; charset=utf-8")],
            )
        elif path == "/health" and scope["method"] == "GET":
            await send_json(send, *self._health())
        elif path == openapi.PATH and scope["method"] == "GET":
            await send_bytes(
                send, 200, openapi.document_bytes(), [(b"content-type", b"application/json")]
            )
        else:
            status, body, headers = refusal(not_the_protocol(), "ClientProxy", "")
            await send_bytes(send, status, body, headers)

    async def _lifespan(self, receive: Receive, send: Send) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await self.close()
                await send({"type": "lifespan.shutdown.complete"})
                return

    def _health(self) -> tuple[int, dict[str, Any]]:
        g = self.gateway
        try:
            directory = g.directory.current()
        except LienthongError as error:
            return 503, {"status": "unavailable", "node": g.node_id, "error": error.to_dict()}
        left = (directory.expires_at - g.clock()).total_seconds()
        g.metrics.directory_version.set(directory.version)
        g.metrics.directory_seconds_left.set(left)
        certificate: dict[str, Any] = {}
        if self.certificate is not None:
            remaining = (self.certificate.not_valid_after_utc - g.clock()).total_seconds()
            g.metrics.certificate_seconds_left.set(remaining)
            certificate = {"certificate": {"expires_in_seconds": round(remaining)}}
        extra = self.health() if self.health is not None else {}
        return 200, {
            "status": "ok",
            "node": g.node_id,
            "directory": {"version": directory.version, "expires_in_seconds": round(left)},
            **certificate,
            **extra,
        }

    async def _list_clients(self, send: Send) -> None:
        try:
            directory = self.gateway.directory.current()
        except LienthongError as error:
            status, body, headers = refusal(error, "ClientProxy", "")
            await send_bytes(send, status, body, headers)
            return
        await send_json(send, 200, metaservices.list_clients(directory))

    # -- one call -----------------------------------------------------------------------------

    async def call(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Check, sign, send, verify and answer one call; audit it whatever happens."""
        g = self.gateway
        headers = request_headers(scope)
        message_id = headers.get(m.MESSAGE_ID) or str(uuid.uuid4())
        record = g.begin("client", headers, message_id)
        record.user_id = headers.get(m.USER_ID, "")[: m.HEADER_LIMIT]
        record.purpose = headers.get(m.PURPOSE, "")[: m.HEADER_LIMIT]
        body: Spool | None = None
        try:
            message_id = _signed_header({m.MESSAGE_ID: message_id}, m.MESSAGE_ID)
            directory = g.directory.current()
            # Say so before calling, rather than let the provider's TLS refuse it.
            self._check_certificate(g.clock())
            client, service, rest, provider = self._route(scope, headers, directory)
            record.service = f"{service}{rest}"
            purpose = _signed_header(headers, m.PURPOSE)
            if not (service.service_code in metaservices.PROVIDER_METASERVICES and not rest):
                # A call bound to be refused at the provider never leaves this node.
                if directory.service(service) is None:
                    raise metaservices.unknown_service(service)
                directory.check_grant(
                    client=client,
                    service=service,
                    method=scope["method"],
                    path=rest,
                    purpose=purpose or None,
                    at=g.clock(),
                )
            declared_length(headers, limit=g.max_body)
            body = await read_request_body(receive, limit=g.max_body, timeout=g.body_timeout)
            record.request_size = body.size
            request = m.Envelope(
                kind="request",
                sender=g.node_id,
                recipient=provider.node_id,
                method=scope["method"],
                path=(scope.get("raw_path") or scope["path"].encode()).decode("latin-1"),
                query=scope.get("query_string", b"").decode("latin-1"),
                client=str(client),
                message_id=message_id,
                user_id=_signed_header(headers, m.USER_ID),
                issue=_signed_header(headers, m.ISSUE),
                purpose=purpose,
                body_hash=body.digest,
                timestamp=m.format_timestamp(g.clock()),
            )
            record.request_hash = request.digest()
            status, answer_headers, answer = await self._send(request, provider, headers, body)
            record.response_hash = answer_headers.pop("_response_hash", "")
            record.body = kept_bodies(g, body, answer)
            error_type = answer_headers.get(m.ERROR)
            record.outcome = "ok" if error_type is None else _code_of(error_type)
        except LienthongError as error:
            record.outcome = error.code
            status_code, payload, extra = refusal(error, "ClientProxy", echoed_id(message_id))
            record.status, record.response_size = status_code, len(payload)
            await g.finish(record)
            await send_bytes(send, status_code, payload, extra)
            return
        finally:
            if body is not None:
                body.close()
        returned = [
            # aiohttp decoded the provider's bytes this way: encoding back gives them unchanged.
            (name.encode("latin-1"), value.encode("utf-8", "surrogateescape"))
            for name, value in answer_headers.items()
            if name in RETURNED
        ]
        returned.append((b"x-road-id", message_id.encode("latin-1")))
        try:
            # The entry is committed before the answer leaves: no answer without evidence.
            record.status, record.response_size = status, answer.size
            await g.finish(record)
            await send_spool(send, status, returned, answer)
        finally:
            answer.close()

    def _check_certificate(self, now: datetime) -> None:
        """Refuse to call with the node's own certificate outside its validity."""
        certificate = self.certificate
        if certificate is None:
            return
        if self._validity is None or self._validity[0] is not certificate:
            # Read once: the certificate's dates are decoded again on every access.
            self._validity = (
                certificate,
                certificate.not_valid_before_utc,
                certificate.not_valid_after_utc,
            )
        _, start, end = self._validity
        if not start <= now < end:
            check_validity(certificate, now=now)  # the refusal that says which end

    def _route(
        self, scope: Scope, headers: dict[str, str], directory: Directory
    ) -> tuple[ClientId, ServiceId, str, NodeEntry]:
        g = self.gateway
        client = ClientId.parse(m.header_value(headers, m.CLIENT, required=True))
        directory.check_host(client, g.node_id)
        raw = (scope.get("raw_path") or scope["path"].encode()).decode("latin-1")
        service, rest = split_service_path(raw[len(PREFIX) :])
        if service.instance != g.instance:
            raise LienthongError(
                "exchange.identifier.instance",
                N_("{value} belongs to the instance {instance}; this network is {network}."),
                field="path",
                value=str(service),
                instance=service.instance,
                network=g.instance,
            )
        provider = directory.host_of(service.provider)
        if provider is None:
            raise metaservices.unknown_service(service)
        check_not_revoked(provider, now=g.clock())
        return client, service, rest, provider

    async def _send(
        self, request: m.Envelope, provider: NodeEntry, headers: dict[str, str], body: Spool
    ) -> tuple[int, dict[str, str], Spool]:
        g = self.gateway
        sent = {
            name: value
            for name, value in headers.items()
            if name in ("accept", "accept-language", "content-type", "if-match", "if-none-match")
        }
        sent |= {
            "X-Road-Client": request.client,
            "X-Road-Id": request.message_id,
            m.SENDER: g.node_id,
            m.TIMESTAMP: request.timestamp,
            m.BODY_HASH: request.body_hash,
            m.SIGNATURE: request.sign(g.signing_key),
        }
        for name, value in (
            ("X-Road-UserId", request.user_id),
            ("X-Road-Issue", request.issue),
            ("X-Lienthong-Purpose", request.purpose),
        ):
            if value:
                sent[name] = value
        small = body.small()
        url = (
            provider.address.rstrip("/")
            + request.path
            + (f"?{request.query}" if request.query else "")
        )
        answer = Spool(limit=g.max_body)
        try:
            async with self.session().request(
                request.method,
                URL(url, encoded=True),
                data=(small or None) if small is not None else body.chunks(),
                headers=sent,
                allow_redirects=False,
                timeout=aiohttp.ClientTimeout(total=g.upstream_timeout),
            ) as response:
                async for chunk in response.content.iter_chunked(CHUNK):
                    answer.write(chunk)
                got = {name.lower(): value for name, value in response.headers.items()}
                status = response.status
        except LienthongError:
            answer.close()
            raise
        except aiohttp.ClientConnectorCertificateError as exc:
            answer.close()
            raise LienthongError(
                "exchange.tls.certificate",
                N_(
                    "Node {node} presented a TLS certificate this node does not trust"
                    " ({reason}). Check both nodes' certificates from the network CA."
                ),
                field="tls",
                node=provider.node_id,
                reason=str(exc.certificate_error)[:200],
            ) from None
        except (aiohttp.ClientError, TimeoutError, OSError) as exc:
            answer.close()
            raise LienthongError(
                "exchange.provider.unreachable",
                N_("Node {node} at {address} could not be reached ({reason}). Try again later."),
                field="service",
                node=provider.node_id,
                address=provider.address,
                reason=(str(exc) or type(exc).__name__)[:200],
            ) from None
        try:
            got["_response_hash"] = self._verify(request, provider, status, got, answer)
        except LienthongError:
            answer.close()
            raise
        return status, got, answer

    def _verify(
        self,
        request: m.Envelope,
        provider: NodeEntry,
        status: int,
        headers: dict[str, str],
        answer: Spool,
    ) -> str:
        g = self.gateway
        if headers.get(m.SENDER) != provider.node_id or m.SIGNATURE not in headers:
            raise _bad_response(provider, N_("The answer of node {node} is not signed by it."))
        request_hash = request.digest()
        if headers.get(m.REQUEST_HASH) != request_hash:
            raise _bad_response(
                provider, N_("The answer of node {node} is not the answer to this request.")
            )
        stamp = headers.get(m.TIMESTAMP, "")
        m.check_window(m.parse_timestamp(stamp), now=g.clock(), window=g.window)
        response = request.answer(status=status, body_hash=answer.digest, timestamp=stamp)
        try:
            response.verify(headers[m.SIGNATURE], provider.public_key)
        except LienthongError:
            raise _bad_response(
                provider, N_("The answer of node {node} is not signed by it.")
            ) from None
        return response.digest()


def _signed_header(headers: dict[str, str], name: str) -> str:
    """Return a protocol header the provider's gateway will read exactly as it is signed."""
    # HTTP drops white space around a field value on the way (RFC 9110, 5.5): sign the value
    # the provider's gateway will read, not the spaces the client happened to send.
    value = m.header_value(headers, name).strip(" \t")
    if not value.isascii():
        # Headers go to the provider as UTF-8, not as the bytes that came: it would read
        # another value than the one signed and refuse the signature.
        raise LienthongError(
            "exchange.header.encoding",
            N_(
                "The header {header} holds characters other than ASCII. Send printable"
                " ASCII; percent-encode other text."
            ),
            field=name,
            header=name,
        )
    return value


def _code_of(error_type: str) -> str:
    """Return the lienthong code inside an ``X-Road-Error`` value."""
    parts = error_type.split(".", 2)
    return parts[2] if len(parts) == 3 else error_type


def _bad_response(provider: NodeEntry, template: str) -> LienthongError:
    return LienthongError(
        "exchange.response.signature", template, field="response", node=provider.node_id
    )
