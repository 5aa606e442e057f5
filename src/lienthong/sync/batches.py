"""Batches: change-log entries with their record versions, signed by the node that sends them.

A batch says, for each origin node it carries entries of, the range of that origin's
sequence numbers it covers: ``after`` (the receiver's cursor it was read from) and
``through`` (how far the sender looked). Entries the subscription did not want leave
gaps inside a range; the receiver still moves its cursor to ``through``. The batch is
signed with the sender's Ed25519 key over its exact bytes, so the same bytes can travel
through the gateways or a broker, and a batch cut short or altered anywhere is refused
whole. Content hashes are the owner's, carried as signed; a replica does not compute
them again (the digests of ``sync verify`` would show a sender that lied).
"""

from __future__ import annotations

import base64
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from lienthong.errors import LienthongError
from lienthong.i18n import N_
from lienthong.store.records import Record
from lienthong.store.replicas import Replicated

#: The batch format this code writes and reads.
FORMAT: Final = 1
#: The first word of a batch on the wire.
MAGIC: Final = "LTSYNC1"


@dataclass(frozen=True)
class Range:
    """The part of one origin's change log a batch covers: after ``after``, through ``through``."""

    after: int
    through: int


@dataclass(frozen=True)
class Batch:
    """Entries of one or more origins, sent by one node.

    On the wire a batch is one header line, ``LTSYNC1 <sender> <signature>``, then its
    JSON payload. The signature covers the payload's exact bytes, so checking it needs
    no re-encoding: a receiver verifies before it even parses.
    """

    sender: str
    ranges: dict[str, Range]
    entries: tuple[Replicated, ...]
    signature: str = ""
    #: The payload's bytes as signed (set once signed or received).
    payload: bytes = b""

    def unsigned(self) -> dict[str, Any]:
        """Return the batch as JSON data: what the payload holds."""
        return {
            "format": FORMAT,
            "sender": self.sender,
            "ranges": {
                origin: [span.after, span.through] for origin, span in sorted(self.ranges.items())
            },
            "entries": [_entry_json(item) for item in self.entries],
        }

    def signed(self, key: Ed25519PrivateKey) -> Batch:
        """Return this batch with its payload encoded and signed with the sender's key."""
        payload = json.dumps(
            self.unsigned(), ensure_ascii=False, separators=(",", ":"), allow_nan=False
        ).encode("utf-8")
        signature = base64.b64encode(key.sign(payload)).decode("ascii")
        return Batch(self.sender, self.ranges, self.entries, signature, payload)

    def verify(self, key: Ed25519PublicKey) -> None:
        """Check the signature against the sender's public key; refuse the batch otherwise."""
        try:
            key.verify(base64.b64decode(self.signature, validate=True), self.payload)
        except (InvalidSignature, ValueError):
            raise corrupt(N_("its signature is not the sender's")) from None

    def encode(self) -> bytes:
        """Return the signed batch as it travels: the header line, then the payload."""
        if not self.signature:
            raise ValueError("sign the batch before encoding it")
        return f"{MAGIC} {self.sender} {self.signature}\n".encode() + self.payload


def corrupt(reason: str) -> LienthongError:
    """Return the refusal of a batch that was altered, cut short or malformed."""
    return LienthongError(
        "sync.batch.corrupt",
        N_(
            "The sync batch was refused and nothing of it applied: {reason}. The sender"
            " will send it again; if this repeats, check the link and the sender's keys."
        ),
        field="batch",
        reason=reason,
    )


def _entry_json(item: Replicated) -> dict[str, Any]:
    record = item.record
    return {
        "origin": item.origin_node,
        "sequence": item.sequence,
        "type": record.record_type,
        "id": record.record_id,
        "version": record.version,
        "schema": record.schema_version,
        "owner": record.owner_node,
        "partition": record.partition,
        "content": record.content,
        "hash": record.content_hash,
        "at": record.recorded_at.isoformat(),
        "deleted": record.deleted,
    }


_ENTRY_KEYS: Final = frozenset(
    [
        "origin",
        "sequence",
        "type",
        "id",
        "version",
        "schema",
        "owner",
        "partition",
        "content",
        "hash",
        "at",
        "deleted",
    ]
)


def _entry(data: Any) -> Replicated:
    # The checks are spelled out rather than called per field: a batch holds thousands
    # of entries, and the calls cost more than the checks.
    if type(data) is not dict:
        raise corrupt(N_("an entry is not an object"))
    if not data.keys() >= _ENTRY_KEYS:
        raise corrupt(N_("an entry lacks a field or has one of the wrong type"))
    origin, record_type, record_id = data["origin"], data["type"], data["id"]
    owner, content_hash, at = data["owner"], data["hash"], data["at"]
    sequence, version, schema = data["sequence"], data["version"], data["schema"]
    partition, content, deleted = data["partition"], data["content"], data["deleted"]
    try:
        if not (
            type(origin) is str
            and origin
            and type(record_type) is str
            and record_type
            and type(record_id) is str
            and record_id
            and type(owner) is str
            and owner
            and type(content_hash) is str
            and content_hash
            and type(at) is str
            and at
            and type(sequence) is int
            and sequence >= 0
            and type(version) is int
            and version >= 0
            and type(schema) is int
            and schema >= 0
            and (partition is None or (type(partition) is str and partition))
            and type(content) is dict
            and type(deleted) is bool
        ):
            raise TypeError
        recorded_at = datetime.fromisoformat(at)
    except (TypeError, ValueError):
        raise corrupt(N_("an entry lacks a field or has one of the wrong type")) from None
    if recorded_at.tzinfo is None:
        raise corrupt(N_("an entry's time has no time zone"))
    record = Record(
        record_type=record_type,
        record_id=record_id,
        version=version,
        schema_version=schema,
        owner_node=owner,
        partition=partition,
        content=content,
        content_hash=content_hash,
        recorded_at=recorded_at,
        deleted=deleted,
    )
    return Replicated(origin, sequence, record)


def _text(value: Any) -> str:
    if not isinstance(value, str) or not value:
        raise TypeError
    return value


def _count(value: Any) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise TypeError
    return value


def decode(data: bytes, *, ranged: bool = True) -> Batch:
    """Read a batch from the wire, checking its shape and ranges.

    The signature is checked separately (``Batch.verify``), with the key of the node
    the header names as the sender — before anything of the batch is used. A batch of
    versions sent to verify a node (``ranged=False``) covers no part of a change log:
    it must have no ranges, and its entries are not checked against any.
    """
    header, newline, payload = data.partition(b"\n")
    parts = header.split(b" ")
    if not newline or len(parts) != 3 or parts[0] != MAGIC.encode():
        raise corrupt(N_("it is not a batch of a known format"))
    try:
        sender, signature = parts[1].decode("utf-8"), parts[2].decode("ascii")
        raw = json.loads(payload)
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise corrupt(N_("it is not complete JSON")) from None
    if not isinstance(raw, dict) or raw.get("format") != FORMAT:
        raise corrupt(N_("it is not a batch of a known format"))
    try:
        if _text(raw["sender"]) != sender:
            raise TypeError
        ranges = {
            _text(origin): Range(_count(span[0]), _count(span[1]))
            for origin, span in raw["ranges"].items()
            if isinstance(span, list) and len(span) == 2
        }
        if len(ranges) != len(raw["ranges"]):
            raise TypeError
        entries = raw["entries"]
        if not isinstance(entries, list):
            raise TypeError
    except (KeyError, TypeError, AttributeError):
        raise corrupt(N_("its header lacks a field or has one of the wrong type")) from None
    batch = Batch(sender, ranges, tuple(_entry(entry) for entry in entries), signature, payload)
    if ranged:
        check_ranges(batch.entries, batch.ranges)
    elif ranges:
        raise corrupt(N_("a batch of versions covers a part of a change log"))
    return batch


def check_ranges(entries: Sequence[Replicated], ranges: dict[str, Range]) -> None:
    """Check every entry lies in its origin's range, in increasing order without repeats."""
    last: dict[str, int] = {}
    for origin, span in ranges.items():
        if span.through < span.after:
            raise corrupt(N_("a range ends before it starts"))
        last[origin] = span.after
    for item in entries:
        covering = ranges.get(item.origin_node)
        if covering is None:
            raise corrupt(N_("an entry's origin has no range"))
        if not last[item.origin_node] < item.sequence <= covering.through:
            raise corrupt(N_("an entry is out of its range or out of order"))
        last[item.origin_node] = item.sequence
