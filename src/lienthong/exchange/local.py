"""A whole exchange network set up on one machine: the demo, the tests and the benchmark.

It runs the same steps an operator runs with the CLI — ``network init`` at central,
``node request`` on each node, ``directory node add`` at central, ``node install`` on the
node, then systems, services and grants — through the same service functions.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from lienthong.exchange.directory import authority
from lienthong.exchange.directory.models import Level
from lienthong.exchange.keys import NodePaths
from lienthong.exchange.pki import (
    Authority,
    NetworkPaths,
    init_authority,
    install_certificate,
    install_directory_key,
    make_node_request,
    public_key_pem,
    request_bundle,
)


@dataclass(frozen=True)
class LocalMember:
    """An agency of the local network."""

    member_id: str
    name: str
    level: Level
    province: str | None = None


@dataclass(frozen=True)
class LocalNode:
    """A node of the local network: where it keeps its state, its port, what it hosts."""

    node_id: str
    member: str
    state_dir: Path
    tls_port: int
    #: Subsystems this node hosts, such as ``VN/GOV/BCA/population``.
    systems: tuple[str, ...] = ()


@dataclass(frozen=True)
class LocalGrant:
    """A grant to publish: client subsystem → service (endpoint), for purposes."""

    client: str
    service: str
    purposes: tuple[str, ...]
    method: str | None = None
    path: str | None = None


@dataclass(frozen=True)
class LocalNetwork:
    """What to set up: the authority (central's state directory) and everything listed."""

    authority_dir: Path
    instance: str
    name: str
    members: Sequence[LocalMember]
    nodes: Sequence[LocalNode]
    services: Sequence[tuple[str, dict[str, Any] | None]] = ()
    grants: Sequence[LocalGrant] = ()
    hosts: tuple[str, ...] = field(default=("127.0.0.1",))


def provision(network: LocalNetwork, *, now: datetime | None = None) -> Authority:
    """Create the authority, give every node keys and a certificate, publish the directory."""
    central = network.authority_dir
    root = NetworkPaths.of(central).root
    moment = now or datetime.now().astimezone()
    found = init_authority(directory=root, instance=network.instance, name=network.name, now=moment)
    for member in network.members:
        authority.add_member(
            state_dir=central,
            member_id=member.member_id,
            name=member.name,
            level=member.level,
            province_code=member.province,
            now=moment,
        )
    for node in network.nodes:
        paths = NodePaths(node.state_dir)
        make_node_request(
            paths=paths, node_id=node.node_id, member=node.member, hosts=list(network.hosts)
        )
        entry = authority.add_node(
            state_dir=central,
            request=request_bundle(paths=paths),
            address=f"https://{network.hosts[0]}:{node.tls_port}",
            now=moment,
        )
        install_certificate(
            paths=paths,
            certificate_pem=entry.tls_certificate.encode("ascii"),
            ca_pem=found.ca_pem,
            now=moment,
        )
        install_directory_key(paths=paths, public_pem=public_key_pem(found.directory_public_key))
        for system in node.systems:
            authority.add_system(
                state_dir=central, system_id=system, node_id=node.node_id, now=moment
            )
    for service, openapi in network.services:
        authority.add_service(state_dir=central, service_id=service, openapi=openapi, now=moment)
    for grant in network.grants:
        authority.add_grant(
            state_dir=central,
            client=grant.client,
            service=grant.service,
            method=grant.method,
            path=grant.path,
            purposes=grant.purposes,
            now=moment,
        )
    return found


def central_and_an_giang(
    root: Path,
    *,
    central_tls: int,
    an_giang_tls: int,
    central_systems: tuple[str, ...],
    an_giang_systems: tuple[str, ...],
    services: Sequence[tuple[str, dict[str, Any] | None]] = (),
    grants: Sequence[LocalGrant] = (),
    name: str = "Mạng thử",
) -> LocalNetwork:
    """Return the smallest network: central (``VN-central``, the authority, in ``root/central``)
    and An Giang (``VN-91`` in ``root/an-giang``), hosting the given subsystems."""
    return LocalNetwork(
        authority_dir=root / "central",
        instance="VN",
        name=name,
        members=[
            LocalMember("VN/GOV/BCA", "Bộ Công an", Level.CENTRAL),
            LocalMember("VN/GOV/AGG", "UBND tỉnh An Giang", Level.PROVINCE, "91"),
        ],
        nodes=[
            LocalNode("VN-central", "VN/GOV/BCA", root / "central", central_tls, central_systems),
            LocalNode("VN-91", "VN/GOV/AGG", root / "an-giang", an_giang_tls, an_giang_systems),
        ],
        services=services,
        grants=grants,
    )
