"""The network's PKI: its authority, node requests and certificates, and mutual TLS between nodes."""

from __future__ import annotations

import asyncio
import json
import ssl
import stat
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from lienthong.errors import LienthongError
from lienthong.exchange.directory.models import Directory, NodeEntry
from lienthong.exchange.keys import NodePaths, public_key_text
from lienthong.exchange.pki import (
    Authority,
    check_validity,
    client_ssl_context,
    fingerprint,
    init_authority,
    install_certificate,
    issue_certificate,
    make_node_request,
    peer_node,
    read_request_bundle,
    request_bundle,
    server_ssl_context,
)

#: OpenSSL judges certificates by the real clock, so they are issued around it.
NOW = datetime.now(UTC).replace(microsecond=0)
HOSTS = ["127.0.0.1", "gw.hanoi.gov.vn"]


def authority_at(root: Path, *, name: str = "Mạng liên thông thử nghiệm") -> Authority:
    return init_authority(
        directory=root / "network", instance="VN", name=name, now=NOW - timedelta(days=30)
    )


@pytest.fixture
def authority(tmp_path: Path) -> Authority:
    return authority_at(tmp_path / "central")


def enroll(
    authority: Authority,
    root: Path,
    node_id: str,
    *,
    member: str = "VN/GOV/BCA",
    at: datetime = NOW,
    days: int = 30,
) -> NodePaths:
    """Give a node keys and an installed certificate, as node request/add/install do."""
    paths = NodePaths(root / node_id)
    make_node_request(paths=paths, node_id=node_id, member=member, hosts=HOSTS)
    request = read_request_bundle(request_bundle(paths=paths))
    certificate = issue_certificate(
        authority=authority, request_pem=request.csr_pem, days=days, now=at
    )
    install_certificate(paths=paths, certificate_pem=certificate, ca_pem=authority.ca_pem, now=at)
    return paths


def refused(code: str) -> Any:
    return pytest.raises(LienthongError, match=rf"^{code}:")


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


# -- the authority ----------------------------------------------------------------------------


def test_init_creates_a_ca_and_a_directory_key_only_the_owner_can_read(
    authority: Authority,
) -> None:
    paths = authority.paths
    assert mode(paths.ca_key) == 0o600 and mode(paths.directory_key) == 0o600
    assert mode(paths.root) == 0o700
    ca = authority.ca_certificate
    constraints = ca.extensions.get_extension_for_class(x509.BasicConstraints)
    usage = ca.extensions.get_extension_for_class(x509.KeyUsage).value
    assert constraints.critical and constraints.value.ca
    assert usage.key_cert_sign and usage.crl_sign and not usage.digital_signature
    assert isinstance(ca.public_key(), ec.EllipticCurvePublicKey)
    ca.verify_directly_issued_by(ca)
    organisation = ca.subject.get_attributes_for_oid(NameOID.ORGANIZATION_NAME)[0].value
    assert organisation == "Mạng liên thông thử nghiệm"
    loaded = Authority.load(paths.root)
    assert (loaded.instance, loaded.name) == ("VN", "Mạng liên thông thử nghiệm")
    assert public_key_text(loaded.directory_public_key) == public_key_text(authority.directory_key)
    assert b"PRIVATE" not in paths.directory_public_key.read_bytes()


def test_init_refuses_to_replace_an_existing_network(authority: Authority) -> None:
    before = authority.paths.ca_key.read_bytes()
    with refused("exchange.network.exists"):
        init_authority(directory=authority.paths.root, instance="VN", name="Again", now=NOW)
    assert authority.paths.ca_key.read_bytes() == before


@pytest.mark.parametrize("instance", ["", "V N", "VN/GOV", "-VN", "X" * 33])
def test_init_refuses_a_malformed_instance(tmp_path: Path, instance: str) -> None:
    with refused("exchange.identifier.instance"):
        init_authority(directory=tmp_path / "network", instance=instance, name="N", now=NOW)
    assert not (tmp_path / "network").exists()


def test_loading_an_absent_authority_says_to_run_network_init(tmp_path: Path) -> None:
    with pytest.raises(LienthongError) as caught:
        Authority.load(tmp_path / "network")
    assert caught.value.code == "exchange.network.missing"
    assert "network init" in caught.value.message_en


# -- the node's request -------------------------------------------------------------------------


def test_a_node_request_names_the_node_its_member_and_its_hosts(tmp_path: Path) -> None:
    paths = NodePaths(tmp_path)
    pem = make_node_request(paths=paths, node_id="VN-01", member="VN/GOV/01", hosts=HOSTS)
    csr = x509.load_pem_x509_csr(pem)
    assert csr.is_signature_valid
    assert csr.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value == "VN-01"
    assert csr.subject.get_attributes_for_oid(NameOID.ORGANIZATION_NAME)[0].value == "VN/GOV/01"
    names = csr.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert names.get_values_for_type(x509.DNSName) == ["gw.hanoi.gov.vn"]
    assert [str(ip) for ip in names.get_values_for_type(x509.IPAddress)] == ["127.0.0.1"]
    assert paths.tls_request.read_bytes() == pem
    assert mode(paths.tls_key) == 0o600 and mode(paths.signing_key) == 0o600


def test_a_second_request_keeps_the_node_keys(tmp_path: Path) -> None:
    paths = NodePaths(tmp_path)
    make_node_request(paths=paths, node_id="VN-01", member="VN/GOV/01", hosts=HOSTS)
    keys = (paths.tls_key.read_bytes(), paths.signing_key.read_bytes())
    again = make_node_request(paths=paths, node_id="VN-01", member="VN/GOV/01", hosts=["10.0.0.5"])
    assert (paths.tls_key.read_bytes(), paths.signing_key.read_bytes()) == keys
    names = x509.load_pem_x509_csr(again).extensions.get_extension_for_class(
        x509.SubjectAlternativeName
    )
    assert [str(ip) for ip in names.value.get_values_for_type(x509.IPAddress)] == ["10.0.0.5"]


@pytest.mark.parametrize(
    ("node_id", "member", "hosts", "code"),
    [
        ("VN 01", "VN/GOV/01", HOSTS, "exchange.identifier.node"),
        ("N" * 65, "VN/GOV/01", HOSTS, "exchange.identifier.node"),
        ("VN-01", "VN/GOV", HOSTS, "exchange.identifier.shape"),
        ("VN-01", "VN/XYZ/01", HOSTS, "exchange.identifier.member_class"),
        ("VN-01", "VN/GOV/..", HOSTS, "exchange.identifier.part"),
        ("VN-01", "VN/GOV/01", [], "exchange.pki.hosts"),
        ("VN-01", "VN/GOV/01", ["gw_hanoi!"], "exchange.pki.host"),
        ("VN-01", "VN/GOV/01", ["-gw.gov.vn"], "exchange.pki.host"),
    ],
)
def test_a_request_with_malformed_identifiers_is_refused(
    tmp_path: Path, node_id: str, member: str, hosts: list[str], code: str
) -> None:
    with refused(code):
        make_node_request(paths=NodePaths(tmp_path), node_id=node_id, member=member, hosts=hosts)
    assert not (tmp_path / "keys" / "tls.csr").exists()


def test_the_request_bundle_carries_public_keys_only_and_reads_back(tmp_path: Path) -> None:
    paths = NodePaths(tmp_path)
    make_node_request(paths=paths, node_id="VN-01", member="VN/GOV/01", hosts=HOSTS)
    bundle = request_bundle(paths=paths)
    assert b"PRIVATE KEY" not in bundle
    request = read_request_bundle(bundle)
    assert (request.node_id, request.member) == ("VN-01", "VN/GOV/01")
    signing = serialization.load_pem_private_key(paths.signing_key.read_bytes(), None)
    assert request.signing_key == public_key_text(signing)  # type: ignore[arg-type]
    assert request.csr_pem == paths.tls_request.read_bytes()
    assert len(request.digest) == 64


def _altered(bundle: bytes, **changes: str) -> bytes:
    data = json.loads(bundle)
    data.update(changes)
    return json.dumps(data).encode()


def test_an_altered_request_bundle_is_refused(tmp_path: Path) -> None:
    victim, intruder = NodePaths(tmp_path / "victim"), NodePaths(tmp_path / "intruder")
    make_node_request(paths=victim, node_id="VN-01", member="VN/GOV/01", hosts=HOSTS)
    make_node_request(paths=intruder, node_id="VN-99", member="VN/GOV/99", hosts=HOSTS)
    bundle, other = request_bundle(paths=victim), request_bundle(paths=intruder)
    # Someone else's signing key paired with the victim's certificate request:
    theirs = json.loads(other)["signing_key"]
    for forged in (
        _altered(bundle, signing_key=theirs),
        _altered(bundle, member="VN/GOV/99"),
        _altered(other, csr=json.loads(bundle)["csr"], node_id="VN-01", member="VN/GOV/01"),
        b"not json",
        _altered(bundle, format="something-else/2"),
    ):
        with refused("exchange.pki.request"):
            read_request_bundle(forged)


# -- issuing and installing ------------------------------------------------------------------


def test_a_node_certificate_serves_and_identifies_clients_and_chains_to_the_ca(
    authority: Authority, tmp_path: Path
) -> None:
    paths = NodePaths(tmp_path / "node")
    make_node_request(paths=paths, node_id="VN-01", member="VN/GOV/01", hosts=HOSTS)
    csr = paths.tls_request.read_bytes()
    first = x509.load_pem_x509_certificate(
        issue_certificate(authority=authority, request_pem=csr, days=90, now=NOW)
    )
    second = x509.load_pem_x509_certificate(
        issue_certificate(authority=authority, request_pem=csr, days=90, now=NOW)
    )
    first.verify_directly_issued_by(authority.ca_certificate)
    assert first.subject.rfc4514_string() == "O=VN/GOV/01,CN=VN-01"
    assert first.issuer == authority.ca_certificate.subject
    assert first.serial_number != second.serial_number
    assert first.not_valid_after_utc == NOW + timedelta(days=90)
    extensions = first.extensions
    assert list(extensions.get_extension_for_class(x509.ExtendedKeyUsage).value) == [
        ExtendedKeyUsageOID.SERVER_AUTH,
        ExtendedKeyUsageOID.CLIENT_AUTH,
    ]
    usage = extensions.get_extension_for_class(x509.KeyUsage).value
    assert usage.digital_signature and not usage.key_cert_sign
    assert not extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    names = extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert names.get_values_for_type(x509.DNSName) == ["gw.hanoi.gov.vn"]


def test_a_request_whose_signature_is_wrong_is_refused(authority: Authority) -> None:
    key = ec.generate_private_key(ec.SECP256R1())
    csr = (
        x509.CertificateSigningRequestBuilder()
        .subject_name(
            x509.Name(
                [
                    x509.NameAttribute(NameOID.COMMON_NAME, "VN-01"),
                    x509.NameAttribute(NameOID.ORGANIZATION_NAME, "VN/GOV/01"),
                ]
            )
        )
        .add_extension(x509.SubjectAlternativeName([x509.DNSName("gw.gov.vn")]), critical=False)
        .sign(key, hashes.SHA256())
    )
    der = bytearray(csr.public_bytes(serialization.Encoding.DER))
    der[-1] ^= 0x01  # the last byte of the signature
    tampered = x509.load_der_x509_csr(bytes(der)).public_bytes(serialization.Encoding.PEM)
    with refused("exchange.pki.request"):
        issue_certificate(authority=authority, request_pem=tampered, now=NOW)
    with refused("exchange.pki.request"):
        issue_certificate(authority=authority, request_pem=b"junk", now=NOW)


def test_install_refuses_a_certificate_for_another_key_or_from_another_ca(
    authority: Authority, tmp_path: Path
) -> None:
    mine, other = NodePaths(tmp_path / "mine"), NodePaths(tmp_path / "other")
    for paths, node_id in ((mine, "VN-01"), (other, "VN-02")):
        make_node_request(paths=paths, node_id=node_id, member="VN/GOV/01", hosts=HOSTS)
    theirs = issue_certificate(
        authority=authority, request_pem=other.tls_request.read_bytes(), now=NOW
    )
    with refused("exchange.pki.key_mismatch"):
        install_certificate(paths=mine, certificate_pem=theirs, ca_pem=authority.ca_pem, now=NOW)
    foreign = authority_at(tmp_path / "foreign")
    certificate = issue_certificate(
        authority=foreign, request_pem=mine.tls_request.read_bytes(), now=NOW
    )
    with refused("exchange.pki.untrusted"):
        install_certificate(
            paths=mine, certificate_pem=certificate, ca_pem=authority.ca_pem, now=NOW
        )
    expired = issue_certificate(
        authority=authority, request_pem=mine.tls_request.read_bytes(), days=1, now=NOW
    )
    with refused("exchange.pki.expired"):
        install_certificate(
            paths=mine,
            certificate_pem=expired,
            ca_pem=authority.ca_pem,
            now=NOW + timedelta(days=2),
        )
    with refused("exchange.pki.not_ca"):
        install_certificate(paths=mine, certificate_pem=expired, ca_pem=expired, now=NOW)
    assert not mine.tls_certificate.exists()


def test_contexts_need_the_installed_certificate(authority: Authority, tmp_path: Path) -> None:
    paths = NodePaths(tmp_path / "node")
    with refused("exchange.key.missing"):
        server_ssl_context(paths)
    make_node_request(paths=paths, node_id="VN-01", member="VN/GOV/01", hosts=HOSTS)
    with refused("exchange.pki.not_installed"):
        client_ssl_context(paths)


# -- mutual TLS ---------------------------------------------------------------------------------


@dataclass
class Outcome:
    """What a TLS exchange between a server and a client came to."""

    answer: bytes = b""
    error: BaseException | None = None
    peer: str | None = None
    version: str | None = None
    server_errors: list[Any] = field(default_factory=list)

    @property
    def succeeded(self) -> bool:
        return self.answer == b"pong\n" and self.error is None


def exchange(server: ssl.SSLContext, client: ssl.SSLContext, *, host: str = "127.0.0.1") -> Outcome:
    """Connect a client to a server on 127.0.0.1 and send one line back and forth."""
    outcome = Outcome()

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        connection = writer.get_extra_info("ssl_object")
        outcome.peer = fingerprint(connection.getpeercert(binary_form=True))
        outcome.version = connection.version()
        if await reader.readline() == b"ping\n":
            writer.write(b"pong\n")
            await writer.drain()
        writer.close()

    async def main() -> None:
        asyncio.get_running_loop().set_exception_handler(
            lambda _loop, context: outcome.server_errors.append(context)
        )
        listener = await asyncio.start_server(handle, "127.0.0.1", 0, ssl=server)
        port = listener.sockets[0].getsockname()[1]
        try:
            reader, writer = await asyncio.wait_for(
                asyncio.open_connection("127.0.0.1", port, ssl=client, server_hostname=host), 10
            )
            writer.write(b"ping\n")
            await writer.drain()
            outcome.answer = await asyncio.wait_for(reader.readline(), 10)
            writer.close()
        except (ssl.SSLError, ConnectionError) as error:
            outcome.error = error
        finally:
            listener.close()
            await listener.wait_closed()

    asyncio.run(main())
    return outcome


def entry(paths: NodePaths, node_id: str, **changes: Any) -> NodeEntry:
    return NodeEntry(
        node_id=node_id,
        member="VN/GOV/BCA",
        address="https://127.0.0.1:5500",
        tls_certificate=paths.tls_certificate.read_text(encoding="ascii"),
        signing_key=public_key_text(
            serialization.load_pem_private_key(paths.signing_key.read_bytes(), None)  # type: ignore[arg-type]
        ),
        **changes,
    )


def test_two_nodes_of_the_network_speak_mutual_tls(authority: Authority, tmp_path: Path) -> None:
    central = enroll(authority, tmp_path, "VN-central")
    province = enroll(authority, tmp_path, "VN-91", member="VN/GOV/AGG")
    outcome = exchange(server_ssl_context(central), client_ssl_context(province))
    assert outcome.succeeded, outcome
    assert outcome.version in ("TLSv1.2", "TLSv1.3")
    # The server sees the client's certificate: the one the directory lists for VN-91.
    assert outcome.peer == entry(province, "VN-91").fingerprint
    by_name = exchange(
        server_ssl_context(central), client_ssl_context(province), host="gw.hanoi.gov.vn"
    )
    assert by_name.succeeded, by_name


def test_contexts_require_tls_1_2_and_a_certificate_both_ways(
    authority: Authority, tmp_path: Path
) -> None:
    paths = enroll(authority, tmp_path, "VN-central")
    for context in (server_ssl_context(paths), client_ssl_context(paths)):
        assert context.minimum_version == ssl.TLSVersion.TLSv1_2
        assert context.verify_mode == ssl.CERT_REQUIRED
    assert client_ssl_context(paths).check_hostname


def test_a_client_without_a_certificate_is_refused(authority: Authority, tmp_path: Path) -> None:
    central = enroll(authority, tmp_path, "VN-central")
    anonymous = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    anonymous.load_verify_locations(cafile=central.ca_certificate)
    outcome = exchange(server_ssl_context(central), anonymous)
    assert not outcome.succeeded and outcome.peer is None


def test_certificates_of_another_network_are_refused_both_ways(
    authority: Authority, tmp_path: Path
) -> None:
    central = enroll(authority, tmp_path, "VN-central")
    foreign = authority_at(tmp_path / "foreign", name="Another network")
    stranger = enroll(foreign, tmp_path / "foreign", "XX-01")
    as_client = exchange(server_ssl_context(central), client_ssl_context(stranger))
    assert not as_client.succeeded and as_client.peer is None
    as_server = exchange(server_ssl_context(stranger), client_ssl_context(central))
    assert isinstance(as_server.error, ssl.SSLCertVerificationError)
    assert as_server.peer is None


def test_an_expired_certificate_is_refused_both_ways(authority: Authority, tmp_path: Path) -> None:
    central = enroll(authority, tmp_path, "VN-central")
    stale = enroll(authority, tmp_path, "VN-91", at=NOW - timedelta(days=10), days=1)
    as_client = exchange(server_ssl_context(central), client_ssl_context(stale))
    assert not as_client.succeeded and as_client.peer is None
    as_server = exchange(server_ssl_context(stale), client_ssl_context(central))
    assert isinstance(as_server.error, ssl.SSLCertVerificationError)
    assert "expired" in str(as_server.error)


def test_the_client_checks_the_server_host_name(authority: Authority, tmp_path: Path) -> None:
    central = enroll(authority, tmp_path, "VN-central")
    province = enroll(authority, tmp_path, "VN-91")
    outcome = exchange(
        server_ssl_context(central), client_ssl_context(province), host="gw.elsewhere.gov.vn"
    )
    assert isinstance(outcome.error, ssl.SSLCertVerificationError)


# -- checking a peer against the directory -----------------------------------------------------


def directory_of(*nodes: NodeEntry) -> Directory:
    return Directory(
        instance="VN",
        version=3,
        issued_at=NOW,
        expires_at=NOW + timedelta(days=1),
        nodes=nodes,
    )


def test_a_peer_is_the_directory_node_with_its_certificate(
    authority: Authority, tmp_path: Path
) -> None:
    paths = enroll(authority, tmp_path, "VN-91")
    listed = entry(paths, "VN-91")
    der = listed.certificate.public_bytes(serialization.Encoding.DER)
    assert check_validity(der, now=NOW) == listed.fingerprint
    found = peer_node(directory=directory_of(listed), certificate_der=der, now=NOW)
    assert found.node_id == "VN-91"


def test_a_peer_outside_its_certificate_validity_is_refused(
    authority: Authority, tmp_path: Path
) -> None:
    paths = enroll(authority, tmp_path, "VN-91", days=30)
    listed = entry(paths, "VN-91")
    der = listed.certificate.public_bytes(serialization.Encoding.DER)
    with refused("exchange.pki.expired"):
        peer_node(directory=directory_of(listed), certificate_der=der, now=NOW + timedelta(days=31))
    with refused("exchange.pki.not_yet_valid"):
        check_validity(der, now=NOW - timedelta(hours=1))


def test_a_peer_the_directory_does_not_list_or_revoked_is_refused(
    authority: Authority, tmp_path: Path
) -> None:
    listed_paths = enroll(authority, tmp_path, "VN-91")
    unlisted_paths = enroll(authority, tmp_path, "VN-92")
    unlisted = entry(unlisted_paths, "VN-92").certificate.public_bytes(serialization.Encoding.DER)
    with refused("exchange.node.unknown"):
        peer_node(
            directory=directory_of(entry(listed_paths, "VN-91")),
            certificate_der=unlisted,
            now=NOW,
        )
    revoked = entry(listed_paths, "VN-91", revoked_at=NOW - timedelta(minutes=1))
    der = revoked.certificate.public_bytes(serialization.Encoding.DER)
    with refused("exchange.node.revoked"):
        peer_node(directory=directory_of(revoked), certificate_der=der, now=NOW)
    # Revocation takes effect at its moment, not before.
    before = peer_node(
        directory=directory_of(revoked), certificate_der=der, now=NOW - timedelta(minutes=2)
    )
    assert before.node_id == "VN-91"
