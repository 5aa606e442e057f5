"""HTTP for both sides of a gateway: uvicorn's, with each answer leaving in one send.

An ASGI answer is two messages, its head and its body, and uvicorn writes each to the
socket as it comes: two ``send`` system calls, two TLS records on the provider side, and
the peer woken twice, for every call. That was a sixth of the client side's CPU time.
Here the writes of one turn of the event loop are joined and sent once, after the turn;
a large body is still sent as it comes (past ``COALESCE_BYTES``), so flow control and
memory stay as they were.
"""

from __future__ import annotations

import asyncio
from typing import Any, Final

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

#: Writes held for the end of the turn up to this many bytes; more are sent at once.
COALESCE_BYTES: Final = 64 * 1024


class CoalescingTransport:
    """A transport whose writes within one turn of the loop go out as one."""

    def __init__(self, transport: Any, loop: asyncio.AbstractEventLoop) -> None:
        self._transport = transport
        self._loop = loop
        self._pending: list[bytes] = []
        self._size = 0

    def write(self, data: bytes) -> None:
        """Queue data for the end of this turn (or send it all now when it is large)."""
        if not data:
            return
        if not self._pending:
            self._loop.call_soon(self.flush)
        self._pending.append(bytes(data))
        self._size += len(data)
        if self._size >= COALESCE_BYTES:
            self.flush()

    def flush(self) -> None:
        """Send what is queued."""
        if not self._pending:
            return
        data = self._pending[0] if len(self._pending) == 1 else b"".join(self._pending)
        self._pending.clear()
        self._size = 0
        self._transport.write(data)

    def close(self) -> None:
        """Send what is queued, then close."""
        self.flush()
        self._transport.close()

    def is_closing(self) -> bool:
        """Whether the connection is closing."""
        return bool(self._transport.is_closing())

    def __getattr__(self, name: str) -> Any:
        return getattr(self._transport, name)


class CoalescingProtocol(HttpToolsProtocol):
    """Uvicorn's HTTP protocol, writing through a ``CoalescingTransport``."""

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        """Serve the connection through a transport that joins each turn's writes."""
        super().connection_made(CoalescingTransport(transport, self.loop))  # type: ignore[arg-type]
