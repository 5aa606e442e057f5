"""Sync over HTTP through the gateways: the province's sync subsystem calls central's sync service.

The province calls its own gateway's client side with X-Road's REST protocol, like any
client system; the gateways carry the batch over mutual TLS, signed, checked against a
grant and audited on both sides, to central's sync service. Only the province opens
connections: pushes and pulls are both its requests.
"""

from __future__ import annotations

import json
import uuid
from typing import Any, Final

import aiohttp

from lienthong.errors import LienthongError
from lienthong.i18n import N_
from lienthong.sync.service import PullRequest, PushReply

#: The purpose every sync call states: keeping replicas of registries in step.
PURPOSE: Final = "sync"


def unreachable(url: str, reason: str) -> LienthongError:
    """Return the failure of a sync call that got no answer (the link is down)."""
    return LienthongError(
        "sync.unreachable",
        N_(
            "The sync call to {url} got no answer ({reason}). The node keeps working and"
            " sends its changes when the link is back."
        ),
        field="sync_upstream",
        url=url,
        reason=reason,
    )


def _refusal(status: int, body: bytes) -> LienthongError:
    """Return the error an answer carries: the gateway's refusal or the sync service's."""
    try:
        data: Any = json.loads(body)
    except ValueError:
        data = None
    found = data.get("error", data) if isinstance(data, dict) else None
    if isinstance(found, dict) and isinstance(found.get("code"), str):
        return LienthongError(
            found["code"],
            N_("The upstream refused the sync call: {reason}"),
            field=found.get("field"),
            reason=str(found.get("message_en") or found.get("message") or found["code"]),
        )
    return LienthongError(
        "sync.upstream_failed",
        N_("The upstream answered the sync call with HTTP {status} and no error it explains."),
        status=status,
    )


class GatewayTransport:
    """Push and pull through this node's own gateway to the upstream's sync service."""

    def __init__(
        self, *, gateway: str, client: str, service: str, peer: str, timeout: float = 60.0
    ) -> None:
        self.base = f"{gateway.rstrip('/')}/r1/{service}"
        self.client = client
        self.peer = peer
        self.timeout = aiohttp.ClientTimeout(total=timeout)
        self._session: aiohttp.ClientSession | None = None

    def _http(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(timeout=self.timeout)
        return self._session

    async def close(self) -> None:
        """Close the connection to the gateway."""
        if self._session is not None:
            await self._session.close()

    async def _post(self, path: str, data: bytes) -> bytes:
        url = self.base + path
        headers = {
            "X-Road-Client": self.client,
            "X-Road-Id": uuid.uuid4().hex,
            "X-Lienthong-Purpose": PURPOSE,
            "Content-Type": "application/json",
            "Accept": "application/json",
        }
        try:
            async with self._http().post(url, data=data, headers=headers) as response:
                body = await response.read()
                if response.status != 200:
                    raise _refusal(response.status, body)
                return body
        except (aiohttp.ClientError, TimeoutError, OSError) as exc:
            raise unreachable(url, type(exc).__name__) from None

    async def push(self, data: bytes) -> PushReply:
        """Send a signed batch of this node's entries; return the upstream's cursor."""
        answer = json.loads(await self._post("/push", data))
        return PushReply.from_json(answer)

    async def pull(self, request: PullRequest) -> bytes:
        """Ask for the next batch after this node's cursors."""
        return await self._post("/pull", json.dumps(request.to_json()).encode("utf-8"))

    async def verify(self, data: bytes) -> bytes:
        """Ask one question of a verification against the upstream (``sync.verification``)."""
        return await self._post("/verify", data)
