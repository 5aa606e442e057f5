"""The signed form of a message between two gateways, and the headers that carry it.

A request and its response are each signed by the sending node's Ed25519 key over a
canonical form: a JSON array (unambiguous, whatever the values hold) of the sender and
recipient nodes, the method, the raw path and query, the X-Road protocol headers, the
purpose, the SHA-256 of the body, the timestamp and, for a response, its status and the
hash of the request it answers. The response is thus bound to its request: a valid
response cannot be replayed as the answer to another call.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from functools import cached_property
from typing import Final

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from lienthong.errors import LienthongError
from lienthong.i18n import N_

VERSION: Final = "lienthong-exchange/1"

# The X-Road REST protocol's headers (case-insensitive; ASGI gives them in lower case).
CLIENT: Final = "x-road-client"
MESSAGE_ID: Final = "x-road-id"
USER_ID: Final = "x-road-userid"
ISSUE: Final = "x-road-issue"
REQUEST_HASH: Final = "x-road-request-hash"
ERROR: Final = "x-road-error"
SERVICE: Final = "x-road-service"
#: Why personal data is processed: a purpose code the grant must list.
PURPOSE: Final = "x-lienthong-purpose"
# Between gateways only.
SENDER: Final = "x-lienthong-sender"
TIMESTAMP: Final = "x-lienthong-timestamp"
BODY_HASH: Final = "x-lienthong-body-hash"
SIGNATURE: Final = "x-lienthong-signature"

_STAMP: Final = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z")
_CONTROL: Final = re.compile(r"[\x00-\x1f\x7f]")
#: The longest value a protocol header may have: identifiers and ids are far shorter.
HEADER_LIMIT: Final = 255


def body_digest(body: bytes) -> str:
    """Return the hex SHA-256 of a body."""
    return hashlib.sha256(body).hexdigest()


def format_timestamp(moment: datetime) -> str:
    """Return a timestamp as the messages carry it: UTC, milliseconds, ``Z``."""
    # Spelled out: a third of strftime's cost, on every message both ways.
    t = moment.astimezone(UTC)
    return (
        f"{t.year:04d}-{t.month:02d}-{t.day:02d}T{t.hour:02d}:{t.minute:02d}:{t.second:02d}"
        f".{t.microsecond // 1000:03d}Z"
    )


def parse_timestamp(text: str) -> datetime:
    """Read a message timestamp, or refuse it as malformed."""
    try:
        if not _STAMP.fullmatch(text):
            raise ValueError(text)
        moment = datetime.fromisoformat(text)  # strptime is several times slower
    except ValueError:
        raise LienthongError(
            "exchange.timestamp.malformed",
            N_("The timestamp {value} is not of the form 2026-01-31T08:00:00.000Z."),
            field=TIMESTAMP,
            value=text[:40],
        ) from None
    return moment


@dataclass(frozen=True)
class Envelope:
    """What a signature covers, for one request or response between two nodes."""

    kind: str  # "request" or "response"
    sender: str
    recipient: str
    method: str
    path: str
    query: str
    client: str
    message_id: str
    user_id: str
    issue: str
    purpose: str
    body_hash: str
    timestamp: str
    status: int = 0
    request_hash: str = ""

    @cached_property
    def signed_bytes(self) -> bytes:
        """The bytes that are signed (computed once: signing, digest and audit all need them)."""
        return json.dumps(
            [
                VERSION,
                self.kind,
                self.sender,
                self.recipient,
                self.method,
                self.path,
                self.query,
                self.client,
                self.message_id,
                self.user_id,
                self.issue,
                self.purpose,
                self.status,
                self.request_hash,
                self.body_hash,
                self.timestamp,
            ],
            ensure_ascii=False,
            separators=(",", ":"),
        ).encode("utf-8")

    @cached_property
    def _digest(self) -> str:
        return base64.b64encode(hashlib.sha512(self.signed_bytes).digest()).decode("ascii")

    def digest(self) -> str:
        """Return the hash of the signed form, base64 SHA-512: ``X-Road-Request-Hash``."""
        return self._digest  # computed once: the audit, the answer and its check need it

    def answer(self, *, status: int, body_hash: str, timestamp: str) -> Envelope:
        """Return the envelope of the response to this request: bound to it by its hash."""
        return replace(
            self,
            kind="response",
            sender=self.recipient,
            recipient=self.sender,
            status=status,
            body_hash=body_hash,
            timestamp=timestamp,
            request_hash=self.digest(),
        )

    def sign(self, key: Ed25519PrivateKey) -> str:
        """Return the base64 Ed25519 signature of the envelope."""
        return base64.b64encode(key.sign(self.signed_bytes)).decode("ascii")

    def verify(self, signature: str, key: Ed25519PublicKey) -> None:
        """Check a signature made by ``sign``, or refuse the message."""
        try:
            raw = base64.b64decode(signature, validate=True)
            key.verify(raw, self.signed_bytes)
        except (InvalidSignature, ValueError):
            raise LienthongError(
                "exchange.signature.invalid",
                N_(
                    "The {kind} from node {node} is not signed by that node's key. It was"
                    " altered on the way or forged."
                ),
                field=SIGNATURE,
                kind=self.kind,
                node=self.sender,
            ) from None


def check_window(stamp: datetime, *, now: datetime, window: timedelta) -> None:
    """Refuse a message stamped outside the window around now, saying by how much."""
    skew = (now - stamp).total_seconds()
    if skew > window.total_seconds():
        raise LienthongError(
            "exchange.timestamp.stale",
            N_(
                "The message was signed {seconds} s ago; at most {window} s are accepted."
                " Check the sender's clock (NTP) or resend."
            ),
            field=TIMESTAMP,
            seconds=round(skew),
            window=round(window.total_seconds()),
        )
    if -skew > window.total_seconds():
        raise LienthongError(
            "exchange.timestamp.future",
            N_(
                "The message is stamped {seconds} s in the future; at most {window} s of"
                " clock difference are accepted. Check the sender's clock (NTP)."
            ),
            field=TIMESTAMP,
            seconds=round(-skew),
            window=round(window.total_seconds()),
        )


def header_value(headers: Mapping[str, str], name: str, *, required: bool = False) -> str:
    """Return a protocol header, checked for length and control characters."""
    value = headers.get(name, "")
    if not value:
        if required:
            raise LienthongError(
                "exchange.header.missing",
                N_("The header {header} is missing. Send it with the request."),
                field=name,
                header=name,
            )
        return ""
    if len(value) > HEADER_LIMIT or _CONTROL.search(value):
        raise LienthongError(
            "exchange.header.malformed",
            N_(
                "The header {header} is longer than {limit} characters or holds control"
                " characters. Send a shorter, printable value."
            ),
            field=name,
            header=name,
            limit=HEADER_LIMIT,
        )
    return value
