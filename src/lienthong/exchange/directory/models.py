"""The directory of a network: who is in it, where they run, what they offer, who may call what.

The central authority publishes it signed, versioned and with an expiry; every gateway
decides with it alone — which node hosts a subsystem, which certificate and signing key a
node uses, and whether a grant lets a client call an endpoint for a purpose.
"""

from __future__ import annotations

import base64
import hashlib
import re
from datetime import datetime
from enum import StrEnum
from functools import cached_property
from typing import Any, Final

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, field_validator

from lienthong.errors import LienthongError
from lienthong.exchange.identifiers import ClientId, MemberId, ServiceId
from lienthong.i18n import N_

#: A purpose of processing: a short code a grant lists and a call states.
PURPOSE: Final = re.compile(r"[a-z0-9][a-z0-9._-]{0,63}")
METHODS: Final = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE")


class Level(StrEnum):
    """The administrative level of a member."""

    CENTRAL = "central"
    PROVINCE = "province"
    COMMUNE = "commune"


class _Entry(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Member(_Entry):
    """An agency: a ministry, a provincial department, a commune."""

    id: str = Field(description="VN/GOV/BCA")
    name: str
    level: Level
    #: The province (post-2025 code) a provincial or communal member belongs to.
    province: str | None = None

    @field_validator("id")
    @classmethod
    def _member_id(cls, value: str) -> str:
        return str(MemberId.parse(value, field="id"))


class NodeEntry(_Entry):
    """A node: its gateway's address, TLS certificate and message-signing key."""

    node_id: str
    member: str
    #: Where other gateways reach this node's provider side: ``https://host:port``.
    address: str
    #: PEM certificate issued by the network CA, presented in mutual TLS.
    tls_certificate: str
    #: Ed25519 public key (raw 32 bytes, base64) that verifies this node's messages.
    signing_key: str
    revoked_at: AwareDatetime | None = None

    @cached_property
    def certificate(self) -> x509.Certificate:
        """The TLS certificate, parsed."""
        return x509.load_pem_x509_certificate(self.tls_certificate.encode("ascii"))

    @cached_property
    def fingerprint(self) -> str:
        """SHA-256 of the certificate's DER form, hex: how a TLS peer is matched to a node."""
        return hashlib.sha256(self.certificate.public_bytes(Encoding.DER)).hexdigest()

    @cached_property
    def public_key(self) -> Ed25519PublicKey:
        """The message-signing key, loaded."""
        return Ed25519PublicKey.from_public_bytes(base64.b64decode(self.signing_key))


class SystemEntry(_Entry):
    """A subsystem (client and/or provider) and the node that hosts it."""

    id: str = Field(description="VN/GOV/BCA/population")
    node_id: str
    title: str = ""

    @field_validator("id")
    @classmethod
    def _client_id(cls, value: str) -> str:
        return str(ClientId.parse(value, field="id"))


class ServiceEntry(_Entry):
    """A REST service of a subsystem, with its OpenAPI description."""

    id: str = Field(description="VN/GOV/BCA/population/registry")
    title: str = ""
    #: The OpenAPI document describing the service's endpoints, when published.
    openapi: dict[str, Any] | None = None

    @field_validator("id")
    @classmethod
    def _service_id(cls, value: str) -> str:
        return str(ServiceId.parse(value, field="id"))


class Grant(_Entry):
    """A client subsystem may call a service (or one endpoint of it) for listed purposes."""

    grant_id: str
    client: str
    service: str
    #: ``None``: every method; else one of ``METHODS``.
    method: str | None = None
    #: ``None``: every path; else a pattern: ``{name}`` is one segment, a final ``*`` the rest.
    path: str | None = None
    purposes: tuple[str, ...]
    expires_at: AwareDatetime | None = None
    revoked_at: AwareDatetime | None = None

    @field_validator("client")
    @classmethod
    def _client(cls, value: str) -> str:
        return str(ClientId.parse(value, field="client"))

    @field_validator("service")
    @classmethod
    def _service(cls, value: str) -> str:
        return str(ServiceId.parse(value, field="service"))

    @field_validator("method")
    @classmethod
    def _method(cls, value: str | None) -> str | None:
        if value is not None and value.upper() not in METHODS:
            raise ValueError(f"method must be one of {', '.join(METHODS)}")
        return None if value is None else value.upper()

    @field_validator("purposes")
    @classmethod
    def _purposes(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        if not value:
            raise ValueError("a grant lists at least one purpose")
        for purpose in value:
            if not PURPOSE.fullmatch(purpose):
                raise ValueError(f"{purpose!r} is not a purpose code (a-z, 0-9, . _ -)")
        return value

    @cached_property
    def _pattern(self) -> re.Pattern[str] | None:
        if self.path is None:
            return None
        pattern = self.path
        tail = pattern.endswith("*")
        body = pattern[:-1] if tail else pattern
        parts = [
            "[^/]+" if re.fullmatch(r"\{[^/{}]+\}", part) else re.escape(part)
            for part in body.split("/")
        ]
        return re.compile("/".join(parts) + (".*" if tail else ""))

    def covers(self, method: str, path: str) -> bool:
        """Tell whether the grant reaches an endpoint (method and path beneath the service)."""
        if self.method is not None and self.method != method.upper():
            return False
        return self._pattern is None or self._pattern.fullmatch(path or "/") is not None

    def active(self, at: datetime) -> bool:
        """Tell whether the grant is neither revoked nor expired at a moment."""
        return (self.revoked_at is None or self.revoked_at > at) and (
            self.expires_at is None or self.expires_at > at
        )


class Directory(_Entry):
    """One signed version of the network's directory."""

    instance: str
    version: int = Field(ge=1)
    issued_at: AwareDatetime
    expires_at: AwareDatetime
    members: tuple[Member, ...] = ()
    nodes: tuple[NodeEntry, ...] = ()
    systems: tuple[SystemEntry, ...] = ()
    services: tuple[ServiceEntry, ...] = ()
    grants: tuple[Grant, ...] = ()

    # -- lookups, built once per version ----------------------------------------------------

    @cached_property
    def _nodes(self) -> dict[str, NodeEntry]:
        return {node.node_id: node for node in self.nodes}

    @cached_property
    def _fingerprints(self) -> dict[str, NodeEntry]:
        return {node.fingerprint: node for node in self.nodes}

    @cached_property
    def _systems(self) -> dict[str, SystemEntry]:
        return {system.id: system for system in self.systems}

    @cached_property
    def _services(self) -> dict[str, ServiceEntry]:
        return {service.id: service for service in self.services}

    @cached_property
    def _grants(self) -> dict[tuple[str, str], list[Grant]]:
        found: dict[tuple[str, str], list[Grant]] = {}
        for grant in self.grants:
            found.setdefault((grant.client, grant.service), []).append(grant)
        return found

    def member(self, member_id: str) -> Member | None:
        """Return a member by its identifier."""
        return next((member for member in self.members if member.id == member_id), None)

    def node(self, node_id: str) -> NodeEntry | None:
        """Return a node by its identifier."""
        return self._nodes.get(node_id)

    def node_by_fingerprint(self, fingerprint: str) -> NodeEntry | None:
        """Return the node whose TLS certificate has this SHA-256 fingerprint."""
        return self._fingerprints.get(fingerprint)

    def system(self, client: ClientId | str) -> SystemEntry | None:
        """Return a subsystem's entry."""
        return self._systems.get(str(client))

    def service(self, service: ServiceId | str) -> ServiceEntry | None:
        """Return a service's entry."""
        return self._services.get(str(service))

    def host_of(self, client: ClientId | str) -> NodeEntry | None:
        """Return the node hosting a subsystem, if both are listed."""
        system = self.system(client)
        return None if system is None else self.node(system.node_id)

    def check_host(self, client: ClientId, node_id: str) -> None:
        """Refuse a client that is not a subsystem of the given node."""
        host = self.host_of(client)
        if host is None or host.node_id != node_id:
            raise LienthongError(
                "exchange.client.unknown",
                N_(
                    "{client} is not a subsystem of node {node} in the directory. Register it"
                    " with the network authority."
                ),
                field="X-Road-Client",
                client=str(client),
                node=node_id,
            )

    def services_of(self, provider: ClientId | str) -> list[ServiceEntry]:
        """Return the services a subsystem provides."""
        prefix = f"{provider}/"
        return [service for service in self.services if service.id.startswith(prefix)]

    def grants_for(self, client: ClientId | str, service: ServiceId | str) -> list[Grant]:
        """Return the grants (active or not) of a client on a service."""
        return self._grants.get((str(client), str(service)), [])

    def clients(self) -> list[SystemEntry]:
        """Return every subsystem, in identifier order (``listClients``)."""
        return sorted(self.systems, key=lambda system: system.id)

    def check_grant(
        self,
        *,
        client: ClientId,
        service: ServiceId,
        method: str,
        path: str,
        purpose: str | None,
        at: datetime,
    ) -> Grant:
        """Return the grant that lets a client call an endpoint for a purpose, or refuse.

        Refusals say which rule failed, most specific last: no grant at all, none for
        this endpoint, none still valid, none for this purpose.
        """
        grants = self.grants_for(client, service)
        if not grants:
            raise LienthongError(
                "exchange.grant.missing",
                N_("{client} has no grant on {service}. Ask the network authority for one."),
                field="X-Road-Client",
                client=str(client),
                service=str(service),
            )
        covering = [grant for grant in grants if grant.covers(method, path)]
        if not covering:
            raise LienthongError(
                "exchange.grant.endpoint",
                N_("{client} may not call {method} {path} of {service}."),
                field="path",
                client=str(client),
                service=str(service),
                method=method.upper(),
                path=path or "/",
            )
        active = [grant for grant in covering if grant.active(at)]
        if not active:
            raise LienthongError(
                "exchange.grant.expired",
                N_("The grant of {client} on {service} has expired or was revoked."),
                field="X-Road-Client",
                client=str(client),
                service=str(service),
            )
        for grant in active:
            if purpose is not None and purpose in grant.purposes:
                return grant
        raise LienthongError(
            "exchange.grant.purpose",
            N_(
                "{client} may call {service} only for {allowed}; the call states"
                " {purpose}. State an allowed purpose in X-Lienthong-Purpose."
            ),
            field="X-Lienthong-Purpose",
            client=str(client),
            service=str(service),
            allowed=", ".join(sorted({p for grant in active for p in grant.purposes})),
            purpose=purpose or "-",
        )
