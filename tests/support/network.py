"""A small exchange network built for tests: an authority, nodes with real keys, a directory."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from lienthong.exchange.directory.models import (
    Directory,
    Grant,
    Level,
    Member,
    NodeEntry,
    ServiceEntry,
    SystemEntry,
)
from lienthong.exchange.keys import NodePaths, load_signing_key
from lienthong.exchange.pki import (
    Authority,
    init_authority,
    install_certificate,
    issue_certificate,
    make_node_request,
    read_request_bundle,
    request_bundle,
)

NOW = datetime(2026, 11, 26, 8, 0, tzinfo=UTC)
CENTRAL = "VN-central"
AN_GIANG = "VN-91"
POPULATION = "VN/GOV/BCA/population"
REGISTRY = f"{POPULATION}/registry"
DRIVING = "VN/GOV/AGG/driving"
PURPOSE = "driver-licence"


@dataclass
class SampleNode:
    """A node's identity: its key files, signing key and directory entry."""

    node_id: str
    paths: NodePaths
    signing_key: Ed25519PrivateKey
    entry: NodeEntry


@dataclass
class SampleNetwork:
    """An authority and its nodes, and the directory that lists them."""

    root: Path
    authority: Authority
    nodes: dict[str, SampleNode] = field(default_factory=dict)
    grants: list[Grant] = field(default_factory=list)
    version: int = 1

    def add_node(
        self, node_id: str, member: str, *, port: int = 5500, days: int = 365, at: datetime = NOW
    ) -> SampleNode:
        """Give a node keys and a certificate of the network CA, as the CLI would."""
        paths = NodePaths(self.root / node_id)
        make_node_request(paths=paths, node_id=node_id, member=member, hosts=["127.0.0.1"])
        request = read_request_bundle(request_bundle(paths=paths))
        certificate = issue_certificate(
            authority=self.authority, request_pem=request.csr_pem, days=days, now=at
        )
        install_certificate(
            paths=paths, certificate_pem=certificate, ca_pem=self.authority.ca_pem, now=at
        )
        entry = NodeEntry(
            node_id=node_id,
            member=member,
            address=f"https://127.0.0.1:{port}",
            tls_certificate=certificate.decode("ascii"),
            signing_key=request.signing_key,
        )
        node = SampleNode(node_id, paths, load_signing_key(paths.signing_key), entry)
        self.nodes[node_id] = node
        return node

    def directory(
        self,
        *,
        expires: datetime | None = None,
        systems: dict[str, str] | None = None,
        services: tuple[str, ...] = (REGISTRY,),
    ) -> Directory:
        """Return the directory of the network as it stands."""
        hosted = systems or {POPULATION: CENTRAL, DRIVING: AN_GIANG}
        return Directory(
            instance="VN",
            version=self.version,
            issued_at=NOW,
            expires_at=expires or NOW + timedelta(days=1),
            members=(
                Member(id="VN/GOV/BCA", name="Bộ Công an", level=Level.CENTRAL),
                Member(
                    id="VN/GOV/AGG", name="UBND tỉnh An Giang", level=Level.PROVINCE, province="91"
                ),
            ),
            nodes=tuple(node.entry for node in self.nodes.values()),
            systems=tuple(SystemEntry(id=system, node_id=node) for system, node in hosted.items()),
            services=tuple(
                ServiceEntry(id=service, openapi={"openapi": "3.1.0", "paths": {}})
                for service in services
            ),
            grants=tuple(self.grants),
        )


def build_network(root: Path, *, at: datetime = NOW) -> SampleNetwork:
    """Return a network of central (population) and An Giang (driving licences), granted."""
    authority = init_authority(directory=root / "network", instance="VN", name="Test", now=at)
    network = SampleNetwork(root=root, authority=authority)
    network.add_node(CENTRAL, "VN/GOV/BCA", at=at)
    network.add_node(AN_GIANG, "VN/GOV/AGG", at=at)
    network.grants.append(
        Grant(
            grant_id="g-1",
            client=DRIVING,
            service=REGISTRY,
            method="GET",
            path="/Person/{id}",
            purposes=(PURPOSE,),
        )
    )
    return network
