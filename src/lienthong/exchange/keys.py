"""Where a node keeps its keys and certificates, and how they are written and read.

Private keys are PEM (PKCS#8), written atomically with mode 0600 in a 0700 directory and
never printed. Ed25519 signs messages, directories and audit checkpoints; ECDSA P-256
keys carry TLS, which every TLS library in the network's reach speaks.
"""

from __future__ import annotations

import base64
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ec import SECP256R1, EllipticCurvePrivateKey
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from lienthong.errors import LienthongError
from lienthong.i18n import N_

PrivateKey = Ed25519PrivateKey | EllipticCurvePrivateKey

KEYS_DIR: Final = "keys"
NETWORK_DIR: Final = "network"


@dataclass(frozen=True)
class NodePaths:
    """The files of one node's identity in the exchange, under its state directory."""

    state_dir: Path

    @property
    def keys(self) -> Path:
        """The directory holding the node's private keys and certificates."""
        return self.state_dir / KEYS_DIR

    @property
    def signing_key(self) -> Path:
        """Ed25519 key that signs the node's messages and audit checkpoints."""
        return self.keys / "signing.key"

    @property
    def tls_key(self) -> Path:
        """ECDSA P-256 key of the node's TLS certificate."""
        return self.keys / "tls.key"

    @property
    def tls_request(self) -> Path:
        """The certificate signing request sent to the network authority."""
        return self.keys / "tls.csr"

    @property
    def tls_certificate(self) -> Path:
        """The node's TLS certificate, issued by the network CA."""
        return self.keys / "tls.crt"

    @property
    def ca_certificate(self) -> Path:
        """The network CA's certificate: the trust anchor of mutual TLS."""
        return self.keys / "network-ca.crt"

    @property
    def directory_key(self) -> Path:
        """The public key that verifies the network's directory (PEM)."""
        return self.keys / "directory.pub"


def _private_dir(path: Path) -> None:
    path.mkdir(parents=True, exist_ok=True)
    path.chmod(0o700)


def write_private_key(path: Path, key: PrivateKey, *, overwrite: bool = False) -> None:
    """Write a private key readable by its owner only; refuse to replace one unless told."""
    if path.exists() and not overwrite:
        raise LienthongError(
            "exchange.key.exists",
            N_("{path} already holds a key. Remove it first if you mean to replace it."),
            field="path",
            path=str(path),
        )
    _private_dir(path.parent)
    data = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    partial = path.with_name(f".{path.name}.partial")
    descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "wb") as stream:
        stream.write(data)
        stream.flush()
        os.fsync(stream.fileno())
    partial.replace(path)


def write_public(path: Path, data: bytes) -> None:
    """Write a certificate, request or public key (world-readable, atomically)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.partial")
    partial.write_bytes(data)
    partial.replace(path)


def _missing(path: Path, what: str) -> LienthongError:
    return LienthongError(
        "exchange.key.missing",
        N_("{what} is missing at {path}. Run lienthong node request (or network init) first."),
        field="path",
        what=what,
        path=str(path),
    )


def load_private_key(path: Path) -> PrivateKey:
    """Read a private key written by ``write_private_key``."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise _missing(path, "private key") from None
    try:
        key = serialization.load_pem_private_key(data, password=None)
    except ValueError:
        raise LienthongError(
            "exchange.key.unreadable",
            N_("{path} does not hold a PEM private key."),
            field="path",
            path=str(path),
        ) from None
    if not isinstance(key, Ed25519PrivateKey | EllipticCurvePrivateKey):
        raise _wrong_kind(path)
    return key


def _wrong_kind(path: Path) -> LienthongError:
    return LienthongError(
        "exchange.key.kind",
        N_("{path} holds a key of a kind the network does not use (Ed25519 or P-256)."),
        field="path",
        path=str(path),
    )


def load_signing_key(path: Path) -> Ed25519PrivateKey:
    """Read an Ed25519 private key."""
    key = load_private_key(path)
    if not isinstance(key, Ed25519PrivateKey):
        raise _wrong_kind(path)
    return key


def load_tls_key(path: Path) -> EllipticCurvePrivateKey:
    """Read an ECDSA P-256 private key (a TLS or CA key)."""
    key = load_private_key(path)
    if not isinstance(key, EllipticCurvePrivateKey) or not isinstance(key.curve, SECP256R1):
        raise _wrong_kind(path)
    return key


def public_key_text(key: Ed25519PrivateKey | Ed25519PublicKey) -> str:
    """Return an Ed25519 public key as the directory lists it: raw 32 bytes, base64."""
    public = key.public_key() if isinstance(key, Ed25519PrivateKey) else key
    raw = public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return base64.b64encode(raw).decode("ascii")


def public_key_from_text(text: str) -> Ed25519PublicKey:
    """Read an Ed25519 public key written by ``public_key_text``."""
    try:
        return Ed25519PublicKey.from_public_bytes(base64.b64decode(text, validate=True))
    except ValueError:
        raise LienthongError(
            "exchange.key.public",
            N_("{value} is not an Ed25519 public key (32 bytes in base64)."),
            field="key",
            value=text[:60],
        ) from None
