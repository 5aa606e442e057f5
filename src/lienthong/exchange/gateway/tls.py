"""The TLS peer of a provider gateway's connection, made visible to the app.

Uvicorn does not put the client certificate of a mutual-TLS connection in the ASGI scope.
This protocol reads it once per connection, after the handshake the network CA already
verified, and adds it (DER) to the scope of every request on it: the gateway then
matches the peer to a node of the directory.
"""

from __future__ import annotations

import asyncio
from typing import Any, Final

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

#: The scope key holding the TLS peer's certificate (DER bytes).
PEER_CERTIFICATE: Final = "lienthong.peer_certificate"


class PeerCertificateProtocol(HttpToolsProtocol):
    """HTTP over TLS that tells the app which certificate the peer presented."""

    peer_certificate: bytes | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        """Note the peer's certificate, then serve the connection as usual."""
        ssl_object: Any = transport.get_extra_info("ssl_object")
        self.peer_certificate = (
            ssl_object.getpeercert(binary_form=True) if ssl_object is not None else None
        )
        super().connection_made(transport)

    def on_message_begin(self) -> None:
        """Start a request's scope with the peer's fingerprint in it."""
        super().on_message_begin()
        self.scope[PEER_CERTIFICATE] = self.peer_certificate  # type: ignore[typeddict-unknown-key]
