"""The directory as central signs it and nodes verify it.

The signed unit is the document's exact bytes: canonical JSON of the ``Directory`` (sorted
keys, no spaces, UTF-8). The envelope central serves and nodes cache carries those bytes in
base64 beside an Ed25519 signature over them, so a verifier never re-serializes anything
before checking the signature, and reads nothing it has not verified.
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Final

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from pydantic import ValidationError

from lienthong.errors import LienthongError
from lienthong.exchange.directory.models import Directory
from lienthong.i18n import N_

FORMAT: Final = "lienthong.directory/1"


def canonical_bytes(directory: Directory) -> bytes:
    """Return the deterministic bytes of a directory: sorted keys, compact, UTF-8."""
    data = directory.model_dump(mode="json")
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode(
        "utf-8"
    )


def _malformed(reason: str) -> LienthongError:
    return LienthongError(
        "exchange.directory.malformed",
        N_(
            "The directory received is not a signed directory: {reason}. Check the directory"
            " address; central serves it at /directory."
        ),
        field="directory",
        reason=reason,
    )


@dataclass(frozen=True)
class SignedDirectory:
    """A directory document's bytes and central's signature over them."""

    document: bytes
    #: Ed25519 signature of ``document``, base64.
    signature: str

    def to_json(self) -> bytes:
        """Return the envelope central serves and nodes cache."""
        envelope = {
            "format": FORMAT,
            "document": base64.b64encode(self.document).decode("ascii"),
            "signature": self.signature,
        }
        return (json.dumps(envelope) + "\n").encode("ascii")

    @classmethod
    def from_json(cls, data: bytes) -> SignedDirectory:
        """Read an envelope (without verifying it)."""
        try:
            envelope: Any = json.loads(data)
        except (ValueError, UnicodeDecodeError):
            raise _malformed("it is not JSON") from None
        if not isinstance(envelope, dict) or envelope.get("format") != FORMAT:
            raise _malformed(f"it is not in the format {FORMAT}")
        document, signature = envelope.get("document"), envelope.get("signature")
        if not isinstance(document, str) or not isinstance(signature, str):
            raise _malformed("its document or signature is missing")
        try:
            raw = base64.b64decode(document, validate=True)
            base64.b64decode(signature, validate=True)
        except (ValueError, binascii.Error):
            raise _malformed("its document or signature is not base64") from None
        return cls(document=raw, signature=signature)


def sign_directory(directory: Directory, *, key: Ed25519PrivateKey) -> SignedDirectory:
    """Sign a directory's canonical bytes."""
    document = canonical_bytes(directory)
    return SignedDirectory(
        document=document, signature=base64.b64encode(key.sign(document)).decode("ascii")
    )


def read_signed_directory(data: bytes, *, key: Ed25519PublicKey, instance: str) -> Directory:
    """Return the directory of an envelope once its signature and instance are checked.

    Neither its age nor its expiry is judged here: ``verify_directory`` does, for a copy
    about to be used.
    """
    signed = SignedDirectory.from_json(data)
    try:
        key.verify(base64.b64decode(signed.signature), signed.document)
    except InvalidSignature:
        raise LienthongError(
            "exchange.directory.signature",
            N_(
                "The directory's signature does not verify with the network's directory key:"
                " it was altered, or it comes from another network. Check the directory key"
                " installed with lienthong node install."
            ),
            field="signature",
        ) from None
    try:
        directory = Directory.model_validate_json(signed.document)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"])
        raise _malformed(f"{where}: {first['msg']}") from None
    if directory.instance != instance:
        raise LienthongError(
            "exchange.directory.instance",
            N_(
                "The directory is the network {found}'s; this node belongs to {expected}."
                " Point it at its own network's central."
            ),
            field="instance",
            found=directory.instance,
            expected=instance,
        )
    return directory


def verify_directory(
    data: bytes,
    *,
    key: Ed25519PublicKey,
    now: datetime,
    instance: str,
    not_older_than: int | None = None,
    max_age: timedelta | None = None,
) -> Directory:
    """Return a directory fit to use now: signed by the network, current, not a rollback.

    ``not_older_than`` is the version already held: an older one is refused. ``max_age``
    lets a node refuse a directory issued longer ago than it tolerates, before its own
    ``expires_at``.
    """
    directory = read_signed_directory(data, key=key, instance=instance)
    if not_older_than is not None and directory.version < not_older_than:
        raise LienthongError(
            "exchange.directory.rollback",
            N_(
                "The directory received is version {version}, older than version {held}"
                " already held: it is refused. Central may have been restored from a backup."
            ),
            field="version",
            version=directory.version,
            held=not_older_than,
        )
    check_current(directory, now=now, max_age=max_age)
    return directory


def expiry(directory: Directory, *, max_age: timedelta | None = None) -> datetime:
    """Return when a directory stops being usable: its own expiry, or sooner by ``max_age``."""
    if max_age is None:
        return directory.expires_at
    return min(directory.expires_at, directory.issued_at + max_age)


def check_current(directory: Directory, *, now: datetime, max_age: timedelta | None = None) -> None:
    """Refuse a directory past its expiry."""
    until = expiry(directory, max_age=max_age)
    if now >= until:
        raise LienthongError(
            "exchange.directory.expired",
            N_(
                "The directory (version {version}) expired at {expired_at}. Calls are refused"
                " until central is reachable again and publishes a current one."
            ),
            field="expires_at",
            version=directory.version,
            expired_at=until.isoformat(),
        )
