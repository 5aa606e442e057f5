"""The network's public-key infrastructure: its authority, node certificates and mutual TLS.

Central holds the network's certificate authority (ECDSA P-256) and the Ed25519 key that
signs the directory, under ``<state_dir>/network/``. A node generates its own keys and a
request (a certificate signing request bundled with its message-signing public key, signed
by both keys); central issues the node's TLS certificate from it. Gateways then speak
mutual TLS trusting the network CA alone, and match the peer's certificate to a node of the
directory by its SHA-256 fingerprint.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import ipaddress
import json
import re
import ssl
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cached_property
from pathlib import Path
from typing import Any, Final

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from lienthong.errors import LienthongError
from lienthong.exchange.directory.models import Directory, NodeEntry
from lienthong.exchange.identifiers import MemberId
from lienthong.exchange.keys import (
    NETWORK_DIR,
    NodePaths,
    load_signing_key,
    load_tls_key,
    public_key_from_text,
    public_key_text,
    write_private_key,
    write_public,
)
from lienthong.i18n import N_

#: How long the network CA is valid, by default.
CA_DAYS: Final = 3650
#: How long a node certificate is valid, by default.
NODE_DAYS: Final = 365
#: Certificates start this much before they are issued: a node whose clock runs a little
#: behind central's still accepts a certificate issued a moment ago.
CLOCK_SKEW: Final = timedelta(minutes=5)
#: A node's identifier: it is the certificate's common name, which X.509 caps at 64.
NODE_ID: Final = re.compile(r"[A-Za-z0-9][A-Za-z0-9._/-]{0,63}")
INSTANCE: Final = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,31}")
_HOST_LABEL: Final = re.compile(r"(?!-)[a-z0-9-]{1,63}(?<!-)")
REQUEST_FORMAT: Final = "lienthong.node-request/1"
#: TLS 1.2 suites: forward-secret, authenticated encryption only (TLS 1.3's are all so).
_CIPHERS: Final = "ECDHE+AESGCM:ECDHE+CHACHA20"


@dataclass(frozen=True)
class NetworkPaths:
    """The files of the network authority, under ``<state_dir>/network``."""

    root: Path

    @classmethod
    def of(cls, state_dir: Path) -> NetworkPaths:
        """Return the authority's files under a state directory."""
        return cls(state_dir / NETWORK_DIR)

    @property
    def info(self) -> Path:
        """The network's instance and name (JSON)."""
        return self.root / "network.json"

    @property
    def ca_key(self) -> Path:
        """The CA's private key (ECDSA P-256)."""
        return self.root / "ca.key"

    @property
    def ca_certificate(self) -> Path:
        """The CA's self-signed certificate: every node's trust anchor."""
        return self.root / "ca.crt"

    @property
    def directory_key(self) -> Path:
        """The Ed25519 private key that signs the directory."""
        return self.root / "directory.key"

    @property
    def directory_public_key(self) -> Path:
        """The public half of the directory key (PEM), handed to every node."""
        return self.root / "directory.pub"

    def files(self) -> tuple[Path, ...]:
        """Return every file ``init_authority`` writes."""
        return (
            self.info,
            self.ca_key,
            self.ca_certificate,
            self.directory_key,
            self.directory_public_key,
        )


@dataclass(frozen=True)
class Authority:
    """The network authority's keys and certificate, loaded."""

    paths: NetworkPaths
    instance: str
    name: str
    ca_key: ec.EllipticCurvePrivateKey
    ca_certificate: x509.Certificate
    directory_key: Ed25519PrivateKey

    @classmethod
    def load(cls, directory: Path) -> Authority:
        """Read the authority written by ``init_authority`` in a directory."""
        paths = NetworkPaths(directory)
        if not paths.info.is_file():
            raise LienthongError(
                "exchange.network.missing",
                N_("There is no network authority in {path}. Run lienthong network init first."),
                field="state_dir",
                path=str(directory),
            )
        info = json.loads(paths.info.read_text(encoding="utf-8"))
        ca_key = load_tls_key(paths.ca_key)
        return cls(
            paths=paths,
            instance=str(info["instance"]),
            name=str(info["name"]),
            ca_key=ca_key,
            ca_certificate=read_certificate(paths.ca_certificate.read_bytes(), what="ca"),
            directory_key=load_signing_key(paths.directory_key),
        )

    @property
    def ca_pem(self) -> bytes:
        """The CA certificate, PEM."""
        return self.ca_certificate.public_bytes(serialization.Encoding.PEM)

    @property
    def directory_public_key(self) -> Ed25519PublicKey:
        """The key every node verifies the directory with."""
        return self.directory_key.public_key()


def _name(common_name: str, organization: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, organization),
        ]
    )


def _aware(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        raise ValueError("a naive datetime; pass an aware one (UTC)")
    return moment.astimezone(UTC)


def check_instance(instance: str) -> str:
    """Return a network instance code (``VN``) or refuse it."""
    if not INSTANCE.fullmatch(instance):
        raise LienthongError(
            "exchange.identifier.instance",
            N_(
                "{value} is not an instance code: 1 to 32 letters, digits, dots, dashes or"
                " underscores, starting with a letter or digit, such as VN."
            ),
            field="instance",
            value=instance[:80],
        )
    return instance


def check_node_id(node_id: str) -> str:
    """Return a node identifier (``VN-01``, ``VN/GOV/01/node``) or refuse it."""
    if not NODE_ID.fullmatch(node_id):
        raise LienthongError(
            "exchange.identifier.node",
            N_(
                "{value} is not a node identifier: 1 to 64 letters, digits, dots, dashes,"
                " underscores or slashes, starting with a letter or digit."
            ),
            field="node_id",
            value=node_id[:80],
        )
    return node_id


def init_authority(
    *, directory: Path, instance: str, name: str, now: datetime, days: int = CA_DAYS
) -> Authority:
    """Create a network's CA and directory-signing key in a directory (``<state_dir>/network``)."""
    check_instance(instance)
    paths = NetworkPaths(directory)
    existing = [path for path in paths.files() if path.exists()]
    if existing:
        raise LienthongError(
            "exchange.network.exists",
            N_(
                "{path} already holds a network authority. Its keys are the network's root of"
                " trust: keep them; remove the directory only to start a new network."
            ),
            field="state_dir",
            path=str(directory),
        )
    if not name.strip():
        raise LienthongError(
            "exchange.network.name",
            N_("Give the network a name, such as: Mạng liên thông quốc gia."),
            field="name",
        )
    now = _aware(now)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    subject = _name(f"{instance} network CA", name.strip())
    key_id = x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key())
    certificate = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - CLOCK_SKEW)
        .not_valid_after(now + timedelta(days=days))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=False,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(key_id, critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(key_id),
            critical=False,
        )
        .sign(ca_key, hashes.SHA256())
    )
    directory_key = Ed25519PrivateKey.generate()
    write_private_key(paths.ca_key, ca_key)
    write_private_key(paths.directory_key, directory_key)
    write_public(paths.ca_certificate, certificate.public_bytes(serialization.Encoding.PEM))
    write_public(paths.directory_public_key, public_key_pem(directory_key.public_key()))
    # Written last: its presence says the authority is complete.
    info = {"instance": instance, "name": name.strip(), "created_at": now.isoformat()}
    write_public(paths.info, json.dumps(info, ensure_ascii=False, indent=2).encode("utf-8"))
    return Authority.load(directory)


def public_key_pem(key: Ed25519PublicKey) -> bytes:
    """Return an Ed25519 public key as PEM (SubjectPublicKeyInfo)."""
    return key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def read_public_key_pem(data: bytes, *, field: str = "directory_key") -> Ed25519PublicKey:
    """Read an Ed25519 public key from PEM, or refuse it."""
    try:
        key = serialization.load_pem_public_key(data)
    except ValueError:
        key = None
    if not isinstance(key, Ed25519PublicKey):
        raise LienthongError(
            "exchange.key.public",
            N_("{value} is not an Ed25519 public key (32 bytes in base64)."),
            field=field,
            value=data[:60].decode("ascii", "replace"),
        )
    return key


def read_certificate(data: bytes, *, what: str = "certificate") -> x509.Certificate:
    """Read a PEM certificate, or refuse it."""
    try:
        return x509.load_pem_x509_certificate(data)
    except ValueError:
        raise LienthongError(
            "exchange.pki.certificate",
            N_("The {what} given is not a PEM certificate. Give the file central issued."),
            field=what,
            what=what,
        ) from None


def fingerprint(certificate: x509.Certificate | bytes) -> str:
    """Return the SHA-256 of a certificate's DER form, hex (as ``NodeEntry.fingerprint``)."""
    der = (
        certificate
        if isinstance(certificate, bytes)
        else certificate.public_bytes(serialization.Encoding.DER)
    )
    return hashlib.sha256(der).hexdigest()


# -- the node's side: keys and request ---------------------------------------------------


def _host_names(hosts: list[str]) -> list[x509.GeneralName]:
    if not hosts:
        raise LienthongError(
            "exchange.pki.hosts",
            N_(
                "Name at least one host (DNS name or IP address) other gateways reach this node"
                " at, with --host."
            ),
            field="host",
        )
    names: list[x509.GeneralName] = []
    for host in hosts:
        text = host.strip().lower().rstrip(".")
        try:
            names.append(x509.IPAddress(ipaddress.ip_address(text)))
            continue
        except ValueError:
            pass
        labels = text.split(".")
        if len(text) > 253 or not all(_HOST_LABEL.fullmatch(label) for label in labels):
            raise LienthongError(
                "exchange.pki.host",
                N_(
                    "{host} is neither a DNS name nor an IP address. Give names such as"
                    " gw.hanoi.gov.vn (in ASCII: xn-- for accented names) or 10.0.0.5."
                ),
                field="host",
                host=host[:200],
            )
        names.append(x509.DNSName(text))
    return list(dict.fromkeys(names))


def make_node_request(*, paths: NodePaths, node_id: str, member: str, hosts: list[str]) -> bytes:
    """Create the node's keys if absent and a certificate signing request for its TLS key.

    The request (PEM, also written to ``paths.tls_request``) names the node
    (``CN=node_id``), its member (``O=member``) and the hosts it answers on.
    """
    check_node_id(node_id)
    member_id = str(MemberId.parse(member, field="member"))
    names = _host_names(hosts)
    if not paths.tls_key.exists():
        write_private_key(paths.tls_key, ec.generate_private_key(ec.SECP256R1()))
    if not paths.signing_key.exists():
        write_private_key(paths.signing_key, Ed25519PrivateKey.generate())
    tls_key = _tls_key(paths)
    load_signing_key(paths.signing_key)  # refuse a key of another kind now, not at bundling
    request = (
        x509.CertificateSigningRequestBuilder()
        .subject_name(_name(node_id, member_id))
        .add_extension(x509.SubjectAlternativeName(names), critical=False)
        .sign(tls_key, hashes.SHA256())
    )
    pem = request.public_bytes(serialization.Encoding.PEM)
    write_public(paths.tls_request, pem)
    return pem


def _tls_key(paths: NodePaths) -> ec.EllipticCurvePrivateKey:
    return load_tls_key(paths.tls_key)


def _payload(fields: dict[str, str]) -> bytes:
    return json.dumps(fields, sort_keys=True, separators=(",", ":")).encode("utf-8")


@dataclass(frozen=True)
class NodeRequest:
    """What a node asks central for: a certificate for its TLS key, and its signing key listed."""

    node_id: str
    member: str
    csr_pem: bytes
    #: The node's Ed25519 public key, as the directory lists it (raw, base64).
    signing_key: str
    #: SHA-256 of the bundle as received, hex: read it to the node's operator to compare.
    digest: str

    @cached_property
    def csr(self) -> x509.CertificateSigningRequest:
        """The certificate signing request, parsed."""
        return x509.load_pem_x509_csr(self.csr_pem)


def request_bundle(*, paths: NodePaths) -> bytes:
    """Return the node's request as central takes it: CSR and signing key, signed by both keys.

    The Ed25519 signature proves the node holds the signing key it asks to be listed with;
    the ECDSA signature by the TLS key binds that signing key to the certificate requested,
    so no one can pair someone else's request with a signing key of their own.
    """
    try:
        csr_pem = paths.tls_request.read_bytes()
    except FileNotFoundError:
        raise LienthongError(
            "exchange.key.missing",
            N_("{what} is missing at {path}. Run lienthong node request (or network init) first."),
            field="path",
            what="certificate signing request",
            path=str(paths.tls_request),
        ) from None
    csr = x509.load_pem_x509_csr(csr_pem)
    signing = load_signing_key(paths.signing_key)
    fields = {
        "format": REQUEST_FORMAT,
        "node_id": _subject(csr.subject, NameOID.COMMON_NAME),
        "member": _subject(csr.subject, NameOID.ORGANIZATION_NAME),
        "csr": csr_pem.decode("ascii"),
        "signing_key": public_key_text(signing),
    }
    payload = _payload(fields)
    proofs = {
        "signing_key": base64.b64encode(signing.sign(payload)).decode("ascii"),
        "tls_key": base64.b64encode(
            _tls_key(paths).sign(payload, ec.ECDSA(hashes.SHA256()))
        ).decode("ascii"),
    }
    return (json.dumps({**fields, "proofs": proofs}, indent=2) + "\n").encode("utf-8")


def _subject(name: x509.Name, oid: x509.ObjectIdentifier) -> str:
    values = name.get_attributes_for_oid(oid)
    return str(values[0].value) if len(values) == 1 else ""


def _bad_request(reason: str) -> LienthongError:
    return LienthongError(
        "exchange.pki.request",
        N_(
            "The node request is not acceptable: {reason}. Ask the node's operator to run"
            " lienthong node request again and send the file it writes, unchanged."
        ),
        field="request",
        reason=reason,
    )


def read_request_bundle(data: bytes) -> NodeRequest:
    """Read a node's request bundle, checking its CSR and both proofs of possession."""
    try:
        bundle: Any = json.loads(data)
        fields = {
            key: str(bundle[key]) for key in ("format", "node_id", "member", "csr", "signing_key")
        }
        proofs = {
            key: base64.b64decode(bundle["proofs"][key]) for key in ("signing_key", "tls_key")
        }
    except (ValueError, KeyError, TypeError):
        raise _bad_request("it is not a node request file") from None
    if fields["format"] != REQUEST_FORMAT:
        raise _bad_request(f"its format is {fields['format']!r}, not {REQUEST_FORMAT!r}")
    csr = _check_csr(fields["csr"].encode("ascii", "replace"))
    if (
        _subject(csr.subject, NameOID.COMMON_NAME),
        _subject(csr.subject, NameOID.ORGANIZATION_NAME),
    ) != (
        fields["node_id"],
        fields["member"],
    ):
        raise _bad_request("its node or member differs from the certificate request's")
    signing = public_key_from_text(fields["signing_key"])
    payload = _payload(fields)
    tls_public = csr.public_key()
    assert isinstance(tls_public, ec.EllipticCurvePublicKey)  # _check_csr made sure
    try:
        signing.verify(proofs["signing_key"], payload)
        tls_public.verify(proofs["tls_key"], payload, ec.ECDSA(hashes.SHA256()))
    except InvalidSignature:
        raise _bad_request("its signatures do not match its keys: it was altered") from None
    return NodeRequest(
        node_id=fields["node_id"],
        member=fields["member"],
        csr_pem=csr.public_bytes(serialization.Encoding.PEM),
        signing_key=fields["signing_key"],
        digest=hashlib.sha256(data).hexdigest(),
    )


def _check_csr(request_pem: bytes) -> x509.CertificateSigningRequest:
    try:
        csr = x509.load_pem_x509_csr(request_pem)
    except ValueError:
        raise _bad_request("it holds no PEM certificate signing request") from None
    if not csr.is_signature_valid:
        raise _bad_request("the certificate request's signature is wrong: it was altered")
    key = csr.public_key()
    if not isinstance(key, ec.EllipticCurvePublicKey) or not isinstance(key.curve, ec.SECP256R1):
        raise _bad_request("the TLS key is not an ECDSA P-256 key")
    check_node_id(_subject(csr.subject, NameOID.COMMON_NAME))
    MemberId.parse(_subject(csr.subject, NameOID.ORGANIZATION_NAME), field="member")
    try:
        names = csr.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except x509.ExtensionNotFound:
        raise _bad_request("it names no host (subject alternative name)") from None
    if not all(isinstance(name, x509.DNSName | x509.IPAddress) for name in names):
        raise _bad_request("it names something other than DNS names and IP addresses")
    return csr


def request_hosts(csr: x509.CertificateSigningRequest | x509.Certificate) -> list[str]:
    """Return the DNS names and IP addresses a request or certificate names."""
    try:
        names = csr.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except x509.ExtensionNotFound:
        return []
    return [str(name.value) for name in names if isinstance(name, x509.DNSName | x509.IPAddress)]


# -- central's side: issuing ----------------------------------------------------------------


def issue_certificate(
    *, authority: Authority, request_pem: bytes, days: int = NODE_DAYS, now: datetime
) -> bytes:
    """Issue a node's TLS certificate (PEM) from its signing request, for client and server use."""
    csr = _check_csr(request_pem)
    if days < 1:
        raise LienthongError(
            "exchange.pki.days",
            N_("A certificate is valid for at least 1 day, not {days}."),
            field="days",
            days=days,
        )
    now = _aware(now)
    ca = authority.ca_certificate
    not_after = min(now + timedelta(days=days), ca.not_valid_after_utc)
    if not_after <= now:
        raise LienthongError(
            "exchange.pki.ca_expired",
            N_("The network CA expired on {date}; it can issue no more certificates."),
            field="ca",
            date=ca.not_valid_after_utc.date().isoformat(),
        )
    san = csr.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    ca_key_id = ca.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
    certificate = (
        x509.CertificateBuilder()
        .subject_name(csr.subject)
        .issuer_name(ca.subject)
        .public_key(csr.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - CLOCK_SKEW)
        .not_valid_after(not_after)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(
            x509.ExtendedKeyUsage(
                [ExtendedKeyUsageOID.SERVER_AUTH, ExtendedKeyUsageOID.CLIENT_AUTH]
            ),
            critical=False,
        )
        .add_extension(x509.SubjectAlternativeName(list(san)), critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(csr.public_key()), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ca_key_id),
            critical=False,
        )
        .sign(authority.ca_key, hashes.SHA256())
    )
    return certificate.public_bytes(serialization.Encoding.PEM)


# -- the node's side: installing and speaking mutual TLS -------------------------------------


def install_certificate(
    *, paths: NodePaths, certificate_pem: bytes, ca_pem: bytes, now: datetime | None = None
) -> x509.Certificate:
    """Install the node's certificate and the network CA, once they are shown to fit together."""
    certificate = read_certificate(certificate_pem, what="certificate")
    ca = read_certificate(ca_pem, what="ca")
    try:
        constraints = ca.extensions.get_extension_for_class(x509.BasicConstraints).value
    except x509.ExtensionNotFound:
        constraints = None
    if constraints is None or not constraints.ca:
        raise LienthongError(
            "exchange.pki.not_ca",
            N_("The CA certificate given is not a certificate authority's. Give network/ca.crt."),
            field="ca",
        )
    if certificate.public_key() != _tls_key(paths).public_key():
        raise LienthongError(
            "exchange.pki.key_mismatch",
            N_(
                "The certificate is for another key than this node's TLS key ({path}). Install"
                " the certificate issued from this node's own request."
            ),
            field="certificate",
            path=str(paths.tls_key),
        )
    try:
        certificate.verify_directly_issued_by(ca)
    except (ValueError, TypeError, InvalidSignature):
        raise LienthongError(
            "exchange.pki.untrusted",
            N_(
                "The certificate was not issued by the network CA given. Give the CA"
                " certificate of the network that issued it."
            ),
            field="certificate",
        ) from None
    check_validity(certificate, now=now or datetime.now(UTC))
    write_public(paths.ca_certificate, ca.public_bytes(serialization.Encoding.PEM))
    write_public(paths.tls_certificate, certificate.public_bytes(serialization.Encoding.PEM))
    return certificate


def install_directory_key(*, paths: NodePaths, public_pem: bytes) -> Ed25519PublicKey:
    """Install the public key that verifies the network's directory (central's directory.pub)."""
    key = read_public_key_pem(public_pem)
    write_public(paths.directory_key, public_key_pem(key))
    return key


def load_directory_key(paths: NodePaths) -> Ed25519PublicKey:
    """Read the installed directory key."""
    return read_public_key_pem(Path(_require(paths.directory_key, "directory key")).read_bytes())


def _require(path: Path, what: str) -> str:
    if not path.is_file():
        raise LienthongError(
            "exchange.pki.not_installed",
            N_(
                "The {what} is missing at {path}. Run lienthong node install with the files"
                " the network authority gave you."
            ),
            field="path",
            what=what,
            path=str(path),
        )
    return str(path)


def _context(protocol: int, paths: NodePaths) -> ssl.SSLContext:
    _tls_key(paths)  # a clear error for a missing or wrong key, before OpenSSL's
    context = ssl.SSLContext(protocol)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.set_ciphers(_CIPHERS)
    context.verify_mode = ssl.CERT_REQUIRED
    context.verify_flags |= ssl.VERIFY_X509_STRICT
    context.load_cert_chain(
        _require(paths.tls_certificate, "TLS certificate"), _require(paths.tls_key, "TLS key")
    )
    # Only the network CA: a certificate from any public CA is a stranger here.
    context.load_verify_locations(cafile=_require(paths.ca_certificate, "network CA certificate"))
    return context


def server_ssl_context(paths: NodePaths) -> ssl.SSLContext:
    """Return the context a gateway serves with: it demands a certificate of the network CA."""
    return _context(ssl.PROTOCOL_TLS_SERVER, paths)


def client_ssl_context(paths: NodePaths) -> ssl.SSLContext:
    """Return the context a gateway calls with: its own certificate, the peer's host checked."""
    context = _context(ssl.PROTOCOL_TLS_CLIENT, paths)
    context.check_hostname = True
    return context


@functools.lru_cache(maxsize=1024)
def _peer_certificate(der: bytes) -> x509.Certificate:
    # A connection presents the same certificate on every request: parse it once.
    return x509.load_der_x509_certificate(der)


def check_validity(certificate: x509.Certificate | bytes, *, now: datetime) -> str:
    """Refuse a certificate outside its validity period; return its SHA-256 fingerprint.

    ``certificate`` is parsed or DER, as ``ssl`` gives a peer's with
    ``getpeercert(binary_form=True)``.
    """
    parsed = _peer_certificate(certificate) if isinstance(certificate, bytes) else certificate
    now = _aware(now)
    if now < parsed.not_valid_before_utc:
        raise LienthongError(
            "exchange.pki.not_yet_valid",
            N_("The certificate of {subject} is valid only from {start}. Check both clocks."),
            field="certificate",
            subject=parsed.subject.rfc4514_string(),
            start=parsed.not_valid_before_utc.isoformat(),
        )
    if now >= parsed.not_valid_after_utc:
        raise LienthongError(
            "exchange.pki.expired",
            N_(
                "The certificate of {subject} expired at {end}. The node needs a new one:"
                " lienthong node request, then directory node add --replace at central."
            ),
            field="certificate",
            subject=parsed.subject.rfc4514_string(),
            end=parsed.not_valid_after_utc.isoformat(),
        )
    return fingerprint(certificate if isinstance(certificate, bytes) else parsed)


def peer_node(*, directory: Directory, certificate_der: bytes, now: datetime) -> NodeEntry:
    """Return the directory's node that presented a TLS certificate, or refuse the peer."""
    found = directory.node_by_fingerprint(check_validity(certificate_der, now=now))
    if found is None:
        raise LienthongError(
            "exchange.node.unknown",
            N_(
                "The peer's certificate belongs to no node of directory version {version}."
                " If it was just issued, wait for the next directory."
            ),
            field="certificate",
            version=directory.version,
        )
    check_not_revoked(found, now=now)
    return found


def check_not_revoked(node: NodeEntry, *, now: datetime) -> None:
    """Refuse a node the network authority revoked."""
    if node.revoked_at is not None and node.revoked_at <= _aware(now):
        raise LienthongError(
            "exchange.node.revoked",
            N_("The node {node_id} was revoked at {at}; its calls are refused."),
            field="certificate",
            node_id=node.node_id,
            at=node.revoked_at.isoformat(),
        )
