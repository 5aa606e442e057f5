"""How a provider gateway reaches the system behind a service: in process, or at a URL.

A system the node hosts (one of its registries) is called in process, as an ASGI app,
with the already-authorized exchange caller in the request scope — no token, no socket.
Any other system — a province's legacy application — is reached at its upstream URL,
unchanged: the gateway is put in front of it, not into it.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Final, Protocol
from urllib.parse import unquote

import aiohttp

from lienthong.errors import LienthongError
from lienthong.exchange.caller import EXCHANGE_CALLER, ExchangeCaller
from lienthong.exchange.gateway.bodies import CHUNK, Spool
from lienthong.exchange.gateway.context import Message, Scope
from lienthong.exchange.identifiers import ServiceId
from lienthong.i18n import N_
from lienthong.web.api.direct import DirectReads

#: Request headers handed to the provider system; the rest stay in the gateways.
FORWARDED_REQUEST: Final = frozenset(
    {"accept", "accept-language", "content-type", "if-match", "if-none-match"}
)
#: Response headers handed back to the client.
FORWARDED_RESPONSE: Final = frozenset(
    {"content-type", "etag", "last-modified", "location", "cache-control", "content-language"}
)


@dataclass
class UpstreamResponse:
    """A provider system's answer, spooled."""

    status: int
    headers: list[tuple[bytes, bytes]]
    body: Spool


class Upstream(Protocol):
    """A provider system a gateway forwards authorized calls to."""

    async def call(
        self,
        *,
        method: str,
        path: str,
        query: str,
        headers: dict[str, str],
        body: Spool,
        caller: ExchangeCaller,
        limit: int,
        timeout: float,
    ) -> UpstreamResponse:
        """Forward one call and return the answer."""
        ...


def _forwarded(headers: dict[str, str]) -> list[tuple[bytes, bytes]]:
    return [
        (name.encode("latin-1"), value.encode("latin-1"))
        for name, value in headers.items()
        if name in FORWARDED_REQUEST
    ]


def _returned(headers: Iterable[tuple[bytes, bytes]]) -> list[tuple[bytes, bytes]]:
    """Return the response headers handed back to the client, as ASGI names them."""
    return [
        (name, value)
        for name, value in headers
        if name.decode("latin-1").lower() in FORWARDED_RESPONSE
    ]


def _timeout(seconds: float) -> LienthongError:
    return LienthongError(
        "exchange.upstream.timeout",
        N_("The provider system did not answer within {seconds} s."),
        field="service",
        seconds=round(seconds),
    )


def unreachable(url: str, reason: str) -> LienthongError:
    """Return the refusal of a call whose provider system failed or could not be reached."""
    return LienthongError(
        "exchange.upstream.failed",
        N_("The provider system at {url} could not be reached: {reason}."),
        field="service",
        url=url,
        reason=reason,
    )


class LocalUpstream:
    """A system hosted by this node, called as an ASGI app in this process.

    A read of one record by identifier, the call the exchange carries most, is answered
    by the app's own ``DirectReads`` when it offers them: the GET route's work without
    the app's middleware and routing, and the same answer. Every other call goes
    through the app.
    """

    def __init__(self, app: Any, base: str) -> None:
        self.app = app
        self.base = base.rstrip("/")
        reads = getattr(getattr(app, "state", None), "direct_reads", None)
        self.reads = reads if isinstance(reads, DirectReads) else None

    async def call(
        self,
        *,
        method: str,
        path: str,
        query: str,
        headers: dict[str, str],
        body: Spool,
        caller: ExchangeCaller,
        limit: int,
        timeout: float,
    ) -> UpstreamResponse:
        """Run the request through the app (or its direct read) and collect its response."""
        app_path = unquote(self.base + path)  # the path the app's router matches
        answer = UpstreamResponse(status=500, headers=[], body=Spool(limit=limit))
        reads = self.reads
        direct = (
            reads.find(app_path)
            if reads is not None and method == "GET" and not body.size
            else None
        )
        try:
            async with asyncio.timeout(timeout):
                if reads is not None and direct is not None:
                    routes, record_id = direct
                    response = await reads.answer(
                        routes,
                        record_id,
                        query=query,
                        caller=caller,
                        accept_language=headers.get("accept-language"),
                    )
                    answer.status = response.status_code
                    answer.headers = _returned(response.raw_headers)
                    answer.body.write(bytes(response.body))
                else:
                    await self._through_app(
                        app_path, method, path, query, headers, body, caller, answer
                    )
        except TimeoutError:
            answer.body.close()
            raise _timeout(timeout) from None
        except BaseException:
            answer.body.close()
            raise
        return answer

    async def _through_app(
        self,
        app_path: str,
        method: str,
        path: str,
        query: str,
        headers: dict[str, str],
        body: Spool,
        caller: ExchangeCaller,
        answer: UpstreamResponse,
    ) -> None:
        scope: Scope = {
            "type": "http",
            "asgi": {"version": "3.0", "spec_version": "2.3"},
            "http_version": "1.1",
            "method": method,
            "scheme": "http",
            "path": app_path,
            "raw_path": (self.base + path).encode("ascii", "replace"),
            "root_path": "",
            "query_string": query.encode("latin-1"),
            "headers": _forwarded(headers),
            "client": None,
            "server": None,
            "state": {},
            EXCHANGE_CALLER: caller,
        }
        chunks = body.chunks()
        done = asyncio.Event()

        async def receive() -> Message:
            if done.is_set():
                await asyncio.Event().wait()  # the app waits for a disconnect that never comes
            try:
                chunk = await anext(chunks)
                return {"type": "http.request", "body": chunk, "more_body": True}
            except StopAsyncIteration:
                done.set()
                return {"type": "http.request", "body": b"", "more_body": False}

        async def send(message: Message) -> None:
            if message["type"] == "http.response.start":
                answer.status = message["status"]
                answer.headers = _returned(message.get("headers", []))
            elif message["type"] == "http.response.body":
                answer.body.write(message.get("body", b""))

        await self.app(scope, receive, send)


class HttpUpstream:
    """A system reached at a URL: an existing application behind the gateway, unchanged."""

    def __init__(self, url: str, session_factory: Any = None) -> None:
        self.url = url.rstrip("/")
        self._session: aiohttp.ClientSession | None = None
        self._factory = session_factory

    def _client(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            self._session = (
                self._factory()
                if self._factory is not None
                else aiohttp.ClientSession(auto_decompress=False)
            )
        return self._session

    async def close(self) -> None:
        """Close the connection pool."""
        if self._session is not None:
            await self._session.close()

    async def call(
        self,
        *,
        method: str,
        path: str,
        query: str,
        headers: dict[str, str],
        body: Spool,
        caller: ExchangeCaller,
        limit: int,
        timeout: float,
    ) -> UpstreamResponse:
        """Forward the call over HTTP, streaming both bodies."""
        url = self.url + path + (f"?{query}" if query else "")
        sent = {name: value for name, value in headers.items() if name in FORWARDED_REQUEST} | {
            "X-Road-Client": caller.client,
            "X-Road-Id": caller.message_id,
        }
        if caller.user_id:
            sent["X-Road-UserId"] = caller.user_id
        if caller.purpose:
            sent["X-Lienthong-Purpose"] = caller.purpose
        small = body.small()
        data: bytes | AsyncIterator[bytes] = small if small is not None else body.chunks()
        answer = Spool(limit=limit)
        try:
            async with self._client().request(
                method,
                url,
                data=data,
                headers=sent,
                allow_redirects=False,
                timeout=aiohttp.ClientTimeout(total=timeout),
            ) as response:
                async for chunk in response.content.iter_chunked(CHUNK):
                    answer.write(chunk)
                return UpstreamResponse(
                    status=response.status,
                    headers=[
                        # ASGI wants header names in lower case; aiohttp keeps the sender's.
                        (name.lower().encode("latin-1"), value.encode("latin-1"))
                        for name, value in response.headers.items()
                        if name.lower() in FORWARDED_RESPONSE
                    ],
                    body=answer,
                )
        except TimeoutError:
            answer.close()
            raise _timeout(timeout) from None
        except aiohttp.ClientError as exc:
            answer.close()
            raise unreachable(self.url, type(exc).__name__) from None
        except BaseException:
            answer.close()
            raise


#: The service code under which a node offers a registry it hosts: ``…/population/registry``.
REGISTRY_SERVICE: Final = "registry"
#: Every node's sync subsystem and the service it provides to the nodes below it.
SYNC_SUBSYSTEM: Final = "sync"
SYNC_SERVICE: Final = "sync"


class Upstreams:
    """Which system answers each service a node provides.

    A service listed in ``exchange_upstreams`` goes to its URL. Otherwise the service
    ``registry`` of a subsystem named after a system the node hosts goes to that system's
    API in process (``/api/{system}``), and the service ``sync`` of the subsystem ``sync``
    to the node's sync service (``/sync``). Anything else is not provided here.
    """

    def __init__(self, *, api: Any, systems: set[str], urls: Mapping[str, str]) -> None:
        self.api = api
        self.systems = systems
        self._http = {service: HttpUpstream(url) for service, url in urls.items()}
        self._local: dict[str, LocalUpstream] = {}

    def __call__(self, service: ServiceId) -> Upstream | None:
        """Return the upstream of a service, or None when this node does not provide it."""
        found = self._http.get(str(service))
        if found is not None:
            return found
        if service.service_code == REGISTRY_SERVICE and service.subsystem in self.systems:
            return self._in_process(f"/api/{service.subsystem}")
        if service.service_code == SYNC_SERVICE and service.subsystem == SYNC_SUBSYSTEM:
            return self._in_process("/sync")
        return None

    def _in_process(self, base: str) -> LocalUpstream:
        local = self._local.get(base)
        if local is None:
            local = self._local[base] = LocalUpstream(self.api, base)
        return local

    async def close(self) -> None:
        """Close the connection pools of URL upstreams."""
        for upstream in self._http.values():
            await upstream.close()
