"""The TLS peer of a provider gateway's connection, made visible to the app.

Uvicorn does not put the client certificate of a mutual-TLS connection in the ASGI scope.
This protocol reads it once per connection, after the handshake the network CA already
verified, and adds it (DER) to the scope of every request on it: the gateway then
matches the peer to a node of the directory.
"""

from __future__ import annotations

import asyncio
from collections.abc import MutableMapping
from datetime import datetime
from typing import Any, Final

from lienthong.errors import LienthongError
from lienthong.exchange.directory.models import Directory, NodeEntry
from lienthong.exchange.gateway.protocol import CoalescingProtocol
from lienthong.exchange.pki import peer_node
from lienthong.i18n import N_

#: The scope key holding the TLS peer's certificate (DER bytes).
PEER_CERTIFICATE: Final = "lienthong.peer_certificate"


def tls_peer(scope: MutableMapping[str, Any], directory: Directory, *, now: datetime) -> NodeEntry:
    """Return the directory's node behind a request's TLS connection, or refuse it."""
    certificate = scope.get(PEER_CERTIFICATE)
    if not certificate:
        raise LienthongError(
            "exchange.tls.no_certificate",
            N_(
                "The connection presented no TLS certificate. Gateways call each other"
                " with their node certificate from the network CA."
            ),
            field="tls",
        )
    return peer_node(directory=directory, certificate_der=certificate, now=now)


class PeerCertificateProtocol(CoalescingProtocol):
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
