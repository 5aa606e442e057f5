"""Central edits the directory: every change is checked, then published as a new signed version."""

from __future__ import annotations

import json
import re
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from lienthong.errors import LienthongError
from lienthong.exchange.directory import authority as central
from lienthong.exchange.directory.models import Level
from lienthong.exchange.directory.signing import verify_directory
from lienthong.exchange.identifiers import ClientId, ServiceId
from lienthong.exchange.keys import NodePaths
from lienthong.exchange.pki import (
    Authority,
    NetworkPaths,
    fingerprint,
    init_authority,
    make_node_request,
    request_bundle,
)

NOW = datetime(2026, 11, 26, 8, 0, tzinfo=UTC)
LATER = NOW + timedelta(hours=1)
OPENAPI = {"openapi": "3.1.0", "info": {"title": "Dân cư"}, "paths": {"/Person/{id}": {}}}
POPULATION = "VN/GOV/BCA/population"
REGISTRY = f"{POPULATION}/registry"
DRIVING = "VN/GOV/91/driving"


def refused(code: str) -> Any:
    return pytest.raises(LienthongError, match=rf"^{re.escape(code)}:")


@pytest.fixture
def state(tmp_path: Path) -> Path:
    """Central's state directory with a network whose first, empty version is published."""
    root = tmp_path / "central"
    init_authority(directory=NetworkPaths.of(root).root, instance="VN", name="Thử", now=NOW)
    central.publish(state_dir=root, now=NOW)
    return root


def node_request(
    root: Path, node_id: str, member: str, hosts: tuple[str, ...] = ("gw.example.gov.vn",)
) -> bytes:
    """Return the request file a node writes with lienthong node request."""
    paths = NodePaths(root / "nodes" / node_id)
    make_node_request(paths=paths, node_id=node_id, member=member, hosts=list(hosts))
    return request_bundle(paths=paths)


def populate(state: Path, tmp_path: Path) -> None:
    """Two members, a node each, a provider system with a service, and a client system."""
    central.add_member(
        state_dir=state, member_id="VN/GOV/BCA", name="Bộ Công an", level="central", now=NOW
    )
    central.add_member(
        state_dir=state,
        member_id="VN/GOV/91",
        name="UBND tỉnh An Giang",
        level=Level.PROVINCE,
        province_code="91",
        now=NOW,
    )
    for node_id, member in (("VN-central", "VN/GOV/BCA"), ("VN-91", "VN/GOV/91")):
        central.add_node(
            state_dir=state,
            request=node_request(tmp_path, node_id, member),
            address="https://gw.example.gov.vn:5500",
            now=NOW,
        )
    central.add_system(state_dir=state, system_id=POPULATION, node_id="VN-central", now=NOW)
    central.add_system(state_dir=state, system_id=DRIVING, node_id="VN-91", now=NOW)
    central.add_service(state_dir=state, service_id=REGISTRY, openapi=OPENAPI, now=NOW)


# -- publishing -------------------------------------------------------------------------------


def test_a_new_network_serves_an_empty_first_version(state: Path) -> None:
    authority = Authority.load(NetworkPaths.of(state).root)
    directory = verify_directory(
        central.latest_signed(state), key=authority.directory_public_key, now=NOW, instance="VN"
    )
    assert directory.version == 1 and directory.members == ()
    assert directory.expires_at == NOW + central.DEFAULT_VALIDITY
    assert central.latest_version(state) == 1


def test_every_change_publishes_a_new_signed_version_and_keeps_the_old(state: Path) -> None:
    first = central.version_path(state, 1).read_bytes()
    central.add_member(
        state_dir=state,
        member_id="VN/GOV/BCA",
        name="Bộ Công an",
        level="central",
        now=LATER,
        validity=timedelta(days=2),
    )
    directory = central.latest_directory(state)
    assert directory.version == 2
    assert (directory.issued_at, directory.expires_at) == (LATER, LATER + timedelta(days=2))
    assert [member.id for member in directory.members] == ["VN/GOV/BCA"]
    assert central.version_path(state, 1).read_bytes() == first
    assert central.latest_signed(state) == central.version_path(state, 2).read_bytes()


def test_a_refused_change_publishes_nothing(state: Path) -> None:
    with refused("exchange.identifier.member_class"):
        central.add_member(state_dir=state, member_id="VN/XYZ/1", name="X", level="central")
    assert central.latest_version(state) == 1


def test_a_published_directory_decides_who_may_call_what(state: Path, tmp_path: Path) -> None:
    populate(state, tmp_path)
    grant = central.add_grant(
        state_dir=state,
        client=DRIVING,
        service=REGISTRY,
        method="get",
        path="/Person/{id}",
        purposes=["driver-licence"],
        now=NOW,
    )
    directory = central.latest_directory(state)
    decided = directory.check_grant(
        client=ClientId.parse(DRIVING),
        service=ServiceId.parse(REGISTRY),
        method="GET",
        path="/Person/079190001234",
        purpose="driver-licence",
        at=LATER,
    )
    assert decided == grant and grant.method == "GET"
    host = directory.host_of(POPULATION)
    assert host is not None and host.address == "https://gw.example.gov.vn:5500"
    assert host.fingerprint == fingerprint(host.certificate)
    assert (
        host.certificate.issuer
        == Authority.load(NetworkPaths.of(state).root).ca_certificate.subject
    )
    service = directory.service(REGISTRY)
    assert service is not None and service.openapi == OPENAPI
    assert re.fullmatch(r"[0-9a-f]{12}", grant.grant_id)


def test_publishing_needs_a_positive_validity(state: Path) -> None:
    with refused("exchange.directory.validity"):
        central.publish(state_dir=state, now=NOW, validity=timedelta(0))
    with refused("exchange.directory.validity"):
        central.add_member(
            state_dir=state,
            member_id="VN/GOV/BCA",
            name="B",
            level="central",
            validity=timedelta(seconds=-1),
        )
    assert central.list_members(state_dir=state) == []
    assert central.latest_version(state) == 1


def test_a_damaged_latest_pointer_falls_back_on_the_versions_on_disk(state: Path) -> None:
    central.publish(state_dir=state, now=NOW)
    (central.published_dir(state) / "latest").write_text("garbage", encoding="ascii")
    assert central.latest_version(state) == 2
    assert central.publish(state_dir=state, now=NOW).version == 3


def test_before_the_first_version_there_is_nothing_to_serve(tmp_path: Path) -> None:
    init_authority(directory=tmp_path / "network", instance="VN", name="Thử", now=NOW)
    with refused("exchange.directory.unavailable"):
        central.latest_signed(tmp_path)
    with refused("exchange.network.missing"):
        central.add_member(
            state_dir=tmp_path / "elsewhere", member_id="VN/GOV/BCA", name="B", level="central"
        )


def test_publish_if_due_renews_only_in_the_second_half_of_a_version_life(state: Path) -> None:
    assert central.publish_if_due(state_dir=state, now=NOW + timedelta(days=3)) is None
    renewed = central.publish_if_due(state_dir=state, now=NOW + timedelta(days=4))
    assert renewed is not None and renewed.version == 2
    assert renewed.expires_at == NOW + timedelta(days=4) + central.DEFAULT_VALIDITY


def test_a_lost_draft_is_rebuilt_from_the_newest_version(state: Path) -> None:
    central.add_member(state_dir=state, member_id="VN/GOV/BCA", name="B", level="central", now=NOW)
    central.draft_path(state).unlink()
    central.add_member(state_dir=state, member_id="VN/GOV/BTC", name="T", level="central", now=NOW)
    assert [m.id for m in central.list_members(state_dir=state)] == ["VN/GOV/BCA", "VN/GOV/BTC"]


def test_a_damaged_draft_is_reported_not_overwritten(state: Path) -> None:
    central.draft_path(state).write_text('{"instance": "VN", "members": 3}', encoding="utf-8")
    with refused("exchange.directory.draft"):
        central.add_member(state_dir=state, member_id="VN/GOV/BCA", name="B", level="central")
    assert json.loads(central.draft_path(state).read_text(encoding="utf-8"))["members"] == 3


def test_concurrent_changes_apply_one_after_the_other(state: Path) -> None:
    codes = [f"M{index}" for index in range(8)]

    def add(code: str) -> None:
        central.add_member(
            state_dir=state, member_id=f"VN/GOV/{code}", name=code, level="central", now=NOW
        )

    with ThreadPoolExecutor(max_workers=4) as pool:
        list(pool.map(add, codes))
    directory = central.latest_directory(state)
    assert directory.version == 1 + len(codes)
    assert sorted(member.id for member in directory.members) == [f"VN/GOV/{c}" for c in codes]
    assert sorted(path.name for path in central.published_dir(state).glob("v*.json")) == sorted(
        f"v{version}.json" for version in range(1, 10)
    )


# -- members ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("arguments", "code"),
    [
        ({"member_id": "VN/GOV"}, "exchange.identifier.shape"),
        ({"member_id": "VN/GOV/B CA"}, "exchange.identifier.part"),
        ({"member_id": "EE/GOV/BCA"}, "exchange.directory.other_instance"),
        ({"level": "district"}, "exchange.directory.level"),
        ({"name": "  "}, "exchange.directory.name"),
        ({"level": "province"}, "exchange.directory.province_required"),
        ({"level": "commune", "province_code": "99"}, "vn.unit.unknown_code"),
    ],
)
def test_a_member_that_does_not_fit_is_refused(
    state: Path, arguments: dict[str, Any], code: str
) -> None:
    given = {"member_id": "VN/GOV/BCA", "name": "Bộ Công an", "level": "central", **arguments}
    with pytest.raises(LienthongError) as caught:
        central.add_member(state_dir=state, **given)
    assert caught.value.code == code
    assert central.latest_version(state) == 1


def test_a_member_is_listed_once(state: Path) -> None:
    central.add_member(state_dir=state, member_id="VN/GOV/BCA", name="B", level="central")
    with refused("exchange.directory.duplicate"):
        central.add_member(state_dir=state, member_id="VN/GOV/BCA", name="B", level="central")


# -- nodes ------------------------------------------------------------------------------------


def test_a_node_of_an_unlisted_member_is_refused(state: Path, tmp_path: Path) -> None:
    with refused("exchange.directory.unknown_member"):
        central.add_node(
            state_dir=state,
            request=node_request(tmp_path, "VN-01", "VN/GOV/01"),
            address="https://gw.example.gov.vn:5500",
        )


@pytest.mark.parametrize(
    ("address", "code"),
    [
        ("http://gw.example.gov.vn:5500", "exchange.directory.address"),
        ("https://gw.example.gov.vn:5500/r1", "exchange.directory.address"),
        ("https://admin@gw.example.gov.vn:5500", "exchange.directory.address"),
        ("https://gw.example.gov.vn:port", "exchange.directory.address"),
        ("gw.example.gov.vn:5500", "exchange.directory.address"),
        ("https://gw.elsewhere.gov.vn:5500", "exchange.directory.address_host"),
    ],
)
def test_a_node_address_must_be_https_on_a_host_of_its_certificate(
    state: Path, tmp_path: Path, address: str, code: str
) -> None:
    central.add_member(state_dir=state, member_id="VN/GOV/01", name="H", level="central")
    with refused(code):
        central.add_node(
            state_dir=state, request=node_request(tmp_path, "VN-01", "VN/GOV/01"), address=address
        )


def test_a_node_request_is_checked_before_anything_is_issued(state: Path, tmp_path: Path) -> None:
    central.add_member(state_dir=state, member_id="VN/GOV/01", name="H", level="central")
    request = node_request(tmp_path, "VN-01", "VN/GOV/01")
    with refused("exchange.directory.member_mismatch"):
        central.add_node(
            state_dir=state,
            request=request,
            address="https://gw.example.gov.vn:5500",
            member="VN/GOV/02",
        )
    forged = json.loads(request)
    forged["signing_key"] = json.loads(node_request(tmp_path, "VN-02", "VN/GOV/01"))["signing_key"]
    with refused("exchange.pki.request"):
        central.add_node(
            state_dir=state,
            request=json.dumps(forged).encode(),
            address="https://gw.example.gov.vn:5500",
        )
    assert central.latest_version(state) == 2  # the member only


def test_a_node_is_renewed_only_when_asked(state: Path, tmp_path: Path) -> None:
    central.add_member(state_dir=state, member_id="VN/GOV/01", name="H", level="central")
    request = node_request(tmp_path, "VN-01", "VN/GOV/01")
    first = central.add_node(
        state_dir=state, request=request, address="https://gw.example.gov.vn:5500", now=NOW
    )
    with refused("exchange.directory.duplicate_node"):
        central.add_node(state_dir=state, request=request, address="https://gw.example.gov.vn:5500")
    renewed = central.add_node(
        state_dir=state,
        request=request,
        address="https://gw.example.gov.vn:5501",
        replace=True,
        now=LATER,
    )
    assert renewed.fingerprint != first.fingerprint
    nodes = central.latest_directory(state).nodes
    assert [(n.node_id, n.address) for n in nodes] == [("VN-01", "https://gw.example.gov.vn:5501")]


def test_a_revoked_node_stays_listed_as_revoked_and_hosts_nothing_new(
    state: Path, tmp_path: Path
) -> None:
    populate(state, tmp_path)
    revoked = central.revoke_node(state_dir=state, node_id="VN-91", now=LATER)
    assert revoked.revoked_at == LATER
    again = central.revoke_node(state_dir=state, node_id="VN-91", now=LATER + timedelta(hours=1))
    assert again.revoked_at == LATER
    listed = central.latest_directory(state).node("VN-91")
    assert listed is not None and listed.revoked_at == LATER
    with refused("exchange.directory.node_revoked"):
        central.add_system(state_dir=state, system_id="VN/GOV/91/land", node_id="VN-91", now=LATER)
    with refused("exchange.directory.unknown_node"):
        central.revoke_node(state_dir=state, node_id="VN-00")
    with refused("exchange.identifier.node"):
        central.revoke_node(state_dir=state, node_id="VN 00")


# -- systems and services ---------------------------------------------------------------------


def test_a_system_needs_its_member_and_a_listed_node(state: Path, tmp_path: Path) -> None:
    populate(state, tmp_path)
    with refused("exchange.directory.unknown_member"):
        central.add_system(state_dir=state, system_id="VN/GOV/BTC/tax", node_id="VN-central")
    with refused("exchange.directory.unknown_node"):
        central.add_system(state_dir=state, system_id="VN/GOV/BCA/passports", node_id="VN-02")
    with refused("exchange.directory.duplicate"):
        central.add_system(state_dir=state, system_id=POPULATION, node_id="VN-central")
    with refused("exchange.identifier.shape"):
        central.add_system(state_dir=state, system_id="VN/GOV/BCA", node_id="VN-central")


def test_a_service_needs_its_system_and_an_openapi_3_description(
    state: Path, tmp_path: Path
) -> None:
    populate(state, tmp_path)
    with refused("exchange.directory.unknown_system"):
        central.add_service(state_dir=state, service_id="VN/GOV/BCA/passports/lookup")
    with refused("exchange.directory.duplicate"):
        central.add_service(state_dir=state, service_id=REGISTRY)
    with refused("exchange.directory.openapi"):
        central.add_service(
            state_dir=state, service_id=f"{POPULATION}/other", openapi={"swagger": "2.0"}
        )
    updated = central.add_service(
        state_dir=state, service_id=REGISTRY, title="Dân cư", replace=True
    )
    services = central.latest_directory(state).services
    assert services == (updated,) and updated.openapi is None


# -- grants -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("arguments", "code"),
    [
        ({"client": "VN/GOV/91"}, "exchange.identifier.shape"),
        ({"client": "VN/GOV/92/driving"}, "exchange.directory.unknown_system"),
        ({"service": f"{POPULATION}/passports"}, "exchange.directory.unknown_service"),
        ({"method": "FETCH"}, "exchange.directory.method"),
        ({"path": "Person/{id}"}, "exchange.directory.path"),
        ({"path": "/Person/*/x"}, "exchange.directory.path"),
        ({"purposes": []}, "exchange.directory.purpose"),
        ({"purposes": ["Driver Licence"]}, "exchange.directory.purpose"),
        ({"expires_at": NOW - timedelta(seconds=1)}, "exchange.directory.grant_expiry"),
        ({"expires_at": datetime(2030, 1, 1)}, "exchange.directory.grant_expiry"),
    ],
)
def test_a_grant_that_does_not_fit_is_refused(
    state: Path, tmp_path: Path, arguments: dict[str, Any], code: str
) -> None:
    populate(state, tmp_path)
    version = central.latest_version(state)
    given = {"client": DRIVING, "service": REGISTRY, "purposes": ["driver-licence"], **arguments}
    with refused(code):
        central.add_grant(state_dir=state, now=NOW, **given)
    assert central.latest_version(state) == version


def test_the_same_grant_twice_is_refused(state: Path, tmp_path: Path) -> None:
    populate(state, tmp_path)
    terms: dict[str, Any] = {"client": DRIVING, "service": REGISTRY, "purposes": ["a", "b"]}
    central.add_grant(state_dir=state, now=NOW, **terms)
    with refused("exchange.directory.duplicate_grant"):
        central.add_grant(state_dir=state, now=NOW, **{**terms, "purposes": ["b", "a"]})
    narrower = central.add_grant(state_dir=state, now=NOW, **{**terms, "method": "GET"})
    assert narrower.method == "GET"


def test_a_revoked_grant_lets_no_call_through(state: Path, tmp_path: Path) -> None:
    populate(state, tmp_path)
    grant = central.add_grant(
        state_dir=state,
        client=DRIVING,
        service=REGISTRY,
        purposes=["driver-licence"],
        expires_at=NOW + timedelta(days=30),
        now=NOW,
    )
    revoked = central.revoke_grant(state_dir=state, grant_id=grant.grant_id, now=LATER)
    assert revoked.revoked_at == LATER
    assert central.revoke_grant(state_dir=state, grant_id=grant.grant_id).revoked_at == LATER
    with refused("exchange.grant.expired"):
        central.latest_directory(state).check_grant(
            client=ClientId.parse(DRIVING),
            service=ServiceId.parse(REGISTRY),
            method="GET",
            path="/Person/1",
            purpose="driver-licence",
            at=LATER + timedelta(seconds=1),
        )
    with refused("exchange.directory.unknown_grant"):
        central.revoke_grant(state_dir=state, grant_id="nope")


def test_grants_are_listed_by_client_or_service(state: Path, tmp_path: Path) -> None:
    populate(state, tmp_path)
    one = central.add_grant(
        state_dir=state, client=DRIVING, service=REGISTRY, purposes=["a"], now=NOW
    )
    two = central.add_grant(
        state_dir=state, client=POPULATION, service=REGISTRY, purposes=["b"], now=NOW
    )
    assert central.list_grants(state_dir=state) == [one, two]
    assert central.list_grants(state_dir=state, client=DRIVING) == [one]
    assert central.list_grants(state_dir=state, service=REGISTRY) == [one, two]
    with refused("exchange.identifier.shape"):
        central.list_grants(state_dir=state, service=POPULATION)
