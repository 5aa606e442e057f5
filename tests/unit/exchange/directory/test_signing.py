"""A directory is signed over its exact canonical bytes, and only a current, genuine one is used."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from lienthong.errors import LienthongError
from lienthong.exchange.directory.models import (
    Directory,
    Grant,
    Level,
    Member,
    ServiceEntry,
    SystemEntry,
)
from lienthong.exchange.directory.signing import (
    SignedDirectory,
    canonical_bytes,
    expiry,
    read_signed_directory,
    sign_directory,
    verify_directory,
)

NOW = datetime(2026, 11, 26, 8, 0, tzinfo=UTC)
KEY = Ed25519PrivateKey.generate()


def sample(version: int = 4, **changes: Any) -> Directory:
    fields: dict[str, Any] = {
        "instance": "VN",
        "version": version,
        "issued_at": NOW,
        "expires_at": NOW + timedelta(days=7),
        "members": (
            Member(id="VN/GOV/BCA", name="Bộ Công an", level=Level.CENTRAL),
            Member(id="VN/GOV/91", name="UBND tỉnh An Giang", level=Level.PROVINCE, province="91"),
        ),
        "systems": (SystemEntry(id="VN/GOV/BCA/population", node_id="VN-central"),),
        "services": (
            ServiceEntry(
                id="VN/GOV/BCA/population/registry",
                openapi={"openapi": "3.1.0", "paths": {"/Person/{id}": {}}, "info": {"x": 1.5}},
            ),
        ),
        "grants": (
            Grant(
                grant_id="g1",
                client="VN/GOV/91/driving",
                service="VN/GOV/BCA/population/registry",
                purposes=("driver-licence",),
            ),
        ),
    }
    return Directory(**{**fields, **changes})


def verify(data: bytes, **options: Any) -> Directory:
    arguments: dict[str, Any] = {"key": KEY.public_key(), "now": NOW, "instance": "VN"}
    return verify_directory(data, **{**arguments, **options})


def refused(code: str) -> Any:
    return pytest.raises(LienthongError, match=rf"^{code}:")


def test_canonical_bytes_are_sorted_compact_utf8_and_stable() -> None:
    data = canonical_bytes(sample())
    assert data == canonical_bytes(Directory.model_validate_json(data))
    assert "Bộ Công an".encode() in data
    assert b", " not in data and b": " not in data
    parsed = json.loads(data)
    assert list(parsed) == sorted(parsed)
    assert list(parsed["members"][0]) == sorted(parsed["members"][0])


def test_a_signed_directory_reads_back_whole() -> None:
    signed = sign_directory(sample(), key=KEY)
    assert signed.document == canonical_bytes(sample())
    assert verify(signed.to_json()) == sample()
    envelope = json.loads(signed.to_json())
    assert set(envelope) == {"format", "document", "signature"}
    assert SignedDirectory.from_json(signed.to_json()) == signed


def test_a_tampered_document_is_refused() -> None:
    signed = sign_directory(sample(), key=KEY)
    forged = signed.document.replace(b"driver-licence", b"any-purpose-at-all")
    tampered = SignedDirectory(document=forged, signature=signed.signature).to_json()
    with refused("exchange.directory.signature"):
        verify(tampered)


def test_a_directory_signed_by_another_key_is_refused() -> None:
    other = sign_directory(sample(), key=Ed25519PrivateKey.generate()).to_json()
    with refused("exchange.directory.signature"):
        verify(other)


def test_a_signature_that_is_not_one_is_refused() -> None:
    signed = sign_directory(sample(), key=KEY)
    short = base64.b64encode(b"short").decode()
    with refused("exchange.directory.signature"):
        verify(SignedDirectory(document=signed.document, signature=short).to_json())


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"<html>Bad gateway</html>",
        b"[1, 2]",
        json.dumps({"format": "other/1", "document": "", "signature": ""}).encode(),
        json.dumps({"format": "lienthong.directory/1", "document": "!!", "signature": ""}).encode(),
        json.dumps({"format": "lienthong.directory/1", "signature": "AA=="}).encode(),
    ],
)
def test_something_that_is_not_a_signed_directory_is_malformed(data: bytes) -> None:
    with refused("exchange.directory.malformed"):
        verify(data)


def test_a_validly_signed_but_invalid_document_is_malformed() -> None:
    document = json.dumps({"instance": "VN", "version": 0}).encode()
    signature = base64.b64encode(KEY.sign(document)).decode()
    with pytest.raises(LienthongError) as caught:
        verify(SignedDirectory(document=document, signature=signature).to_json())
    assert caught.value.code == "exchange.directory.malformed"
    assert "version" in caught.value.message_en


def test_an_expired_directory_is_refused() -> None:
    data = sign_directory(sample(), key=KEY).to_json()
    assert verify(data, now=NOW + timedelta(days=7) - timedelta(seconds=1)).version == 4
    with refused("exchange.directory.expired"):
        verify(data, now=NOW + timedelta(days=7))
    # The signature alone is still checked for a copy shown, expired or not.
    assert read_signed_directory(data, key=KEY.public_key(), instance="VN").version == 4


def test_a_node_may_tolerate_less_age_than_the_directory_allows() -> None:
    data = sign_directory(sample(), key=KEY).to_json()
    assert expiry(sample(), max_age=timedelta(days=2)) == NOW + timedelta(days=2)
    assert expiry(sample(), max_age=timedelta(days=30)) == NOW + timedelta(days=7)
    with refused("exchange.directory.expired"):
        verify(data, now=NOW + timedelta(days=3), max_age=timedelta(days=2))


def test_a_directory_of_another_network_is_refused() -> None:
    data = sign_directory(sample(instance="EE"), key=KEY).to_json()
    with refused("exchange.directory.instance"):
        verify(data)


def test_a_version_older_than_the_one_held_is_a_rollback() -> None:
    data = sign_directory(sample(version=4), key=KEY).to_json()
    assert verify(data, not_older_than=4).version == 4
    assert verify(data, not_older_than=3).version == 4
    with refused("exchange.directory.rollback"):
        verify(data, not_older_than=5)
