"""The audit log: every call through the gateways and every access to personal data.

Entries are only ever appended, numbered 1, 2, 3… without gaps, in the caller's
transaction. Each entry is hashed in its canonical form:

* a JSON object of every field of ``AuditEntry`` (absent values are ``null``), keys in
  code-point order, no whitespace (``,`` and ``:`` separators), UTF-8, non-ASCII
  characters written as themselves, JSON escapes only where JSON requires them;
* ``recorded_at`` as ``YYYY-MM-DDTHH:MM:SS.ffffffZ`` (UTC, always six decimals);
* ``duration_ms`` as a string with exactly three decimals (``"12.500"``): durations are
  committed to the microsecond, whatever floating-point digits the database returns;
* sizes and the HTTP status as JSON integers; every other field as a JSON string.

``entry_hash`` is the Merkle leaf hash of those bytes, ``SHA-256(0x00 ‖ canonical)``, so
the log is the leaf sequence of an RFC 6962 tree. ``chain_hash`` is
``SHA-256(previous chain_hash ‖ entry_hash)`` over the raw 32-byte digests, starting
from 32 zero bytes: each entry commits to every entry before it.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import math
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, fields
from datetime import UTC, datetime
from typing import Any, Final, Protocol

from sqlalchemy import ColumnElement, Row, delete, func, select
from sqlalchemy.engine import Connection

from lienthong.errors import LienthongError
from lienthong.exchange.audit.merkle import leaf_hash
from lienthong.exchange.audit.models import NAME_LENGTH, audit_log, audit_subjects
from lienthong.exchange.audit.statements import RowInsert, RowQuery
from lienthong.i18n import N_
from lienthong.store import dialects

#: The chain value before the first entry.
GENESIS: Final = bytes(32)
#: Rows read per query when the log is scanned: memory stays flat on any log size.
PAGE: Final = 5000

#: What an entry records.
EXCHANGE_CLIENT: Final = "exchange.client"
EXCHANGE_PROVIDER: Final = "exchange.provider"
RECORD_READ: Final = "record.read"
RECORD_WRITE: Final = "record.write"
RECORD_OPERATION: Final = "record.operation"
KINDS: Final = (EXCHANGE_CLIENT, EXCHANGE_PROVIDER, RECORD_READ, RECORD_WRITE, RECORD_OPERATION)


@dataclass(frozen=True)
class AuditEntry:
    """One audited event before it is numbered and chained.

    ``details`` holds what a kind needs beyond the common fields, as JSON text (the
    records a personal-data access touched); ``body`` holds the message bodies when
    the node is configured to keep them.
    """

    recorded_at: datetime
    kind: str
    client: str
    outcome: str
    node_id: str | None = None
    message_id: str | None = None
    service: str | None = None
    user_id: str | None = None
    purpose: str | None = None
    status: int | None = None
    request_size: int | None = None
    response_size: int | None = None
    duration_ms: float | None = None
    request_hash: str | None = None
    response_hash: str | None = None
    details: str | None = None
    body: str | None = None

    def __post_init__(self) -> None:
        if self.recorded_at.tzinfo is None or self.recorded_at.utcoffset() is None:
            raise LienthongError(
                "audit.entry.time",
                N_(
                    "The audit entry's time {value} has no time zone. Give an aware datetime (UTC)."
                ),
                field="recorded_at",
                value=self.recorded_at.isoformat(),
            )
        if self.duration_ms is not None and not math.isfinite(self.duration_ms):
            raise LienthongError(
                "audit.entry.duration",
                N_("The audit entry's duration {value} is not a number of milliseconds."),
                field="duration_ms",
                value=str(self.duration_ms),
            )

    def canonical(self) -> bytes:
        """Return the bytes the entry's hash is computed over (see the module's docstring)."""
        document = self.as_row()
        document["recorded_at"] = format_time(self.recorded_at)
        if self.duration_ms is not None:
            # + 0.0 turns -0.0, which the database may not keep, into 0.0.
            document["duration_ms"] = f"{self.duration_ms + 0.0:.3f}"
        return json.dumps(
            document, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
        ).encode("utf-8")

    def leaf_hash(self) -> bytes:
        """Return the entry's Merkle leaf hash."""
        return leaf_hash(self.canonical())

    def as_row(self) -> dict[str, Any]:
        """Return the entry's columns."""
        return {name: getattr(self, name) for name in ENTRY_COLUMNS}

    @classmethod
    def from_row(cls, row: Mapping[Any, Any]) -> AuditEntry:
        """Return the entry stored in a row of ``audit_log``."""
        return cls(**{name: row[name] for name in ENTRY_COLUMNS})


#: The columns that hold an entry's fields, in the dataclass's order.
ENTRY_COLUMNS: Final = tuple(field.name for field in fields(AuditEntry))


class GatewayCall(Protocol):
    """What a gateway knows of one call once it is answered (its ``CallRecord``)."""

    @property
    def side(self) -> str:
        """``client`` (the caller's gateway) or ``provider`` (the provider's)."""
        ...

    @property
    def message_id(self) -> str: ...
    @property
    def client(self) -> str: ...
    @property
    def service(self) -> str: ...
    @property
    def user_id(self) -> str: ...
    @property
    def purpose(self) -> str: ...
    @property
    def outcome(self) -> str: ...
    @property
    def status(self) -> int: ...
    @property
    def request_size(self) -> int: ...
    @property
    def response_size(self) -> int: ...
    @property
    def duration_ms(self) -> float: ...
    @property
    def request_hash(self) -> str: ...
    @property
    def response_hash(self) -> str: ...
    @property
    def at(self) -> datetime: ...
    @property
    def body(self) -> str | None: ...


def call_entry(call: GatewayCall, *, node_id: str) -> AuditEntry:
    """Return the audit entry of a call through a gateway (``exchange.client`` or ``.provider``)."""
    return AuditEntry(
        recorded_at=call.at,
        kind=f"exchange.{call.side}",
        node_id=node_id,
        message_id=call.message_id,
        client=call.client,
        service=call.service,
        user_id=call.user_id or None,
        purpose=call.purpose or None,
        outcome=call.outcome,
        status=call.status,
        request_size=call.request_size,
        response_size=call.response_size,
        duration_ms=call.duration_ms,
        request_hash=call.request_hash or None,
        response_hash=call.response_hash or None,
        body=call.body,
    )


@dataclass(frozen=True)
class LoggedEntry:
    """An entry as the log holds it: its number and hashes."""

    sequence: int
    entry: AuditEntry
    entry_hash: str
    chain_hash: str

    def as_dict(self) -> dict[str, Any]:
        """Return the entry as JSON-ready data."""
        data = self.entry.as_row()
        data["recorded_at"] = format_time(self.entry.recorded_at)
        return {
            "sequence": self.sequence,
            **data,
            "entry_hash": self.entry_hash,
            "chain_hash": self.chain_hash,
        }


def format_time(moment: datetime) -> str:
    """Return a time as the canonical form writes it: UTC, microseconds, ``Z``."""
    # Spelled out: strftime does not pad years below 1000 the same way everywhere.
    t = moment.astimezone(UTC)
    return (
        f"{t.year:04d}-{t.month:02d}-{t.day:02d}T"
        f"{t.hour:02d}:{t.minute:02d}:{t.second:02d}.{t.microsecond:06d}Z"
    )


def chain_next(previous: bytes, entry_hash: bytes) -> bytes:
    """Return the chain value after an entry: ``SHA-256(previous ‖ entry_hash)``."""
    return hashlib.sha256(previous + entry_hash).digest()


def digest(text: str | None) -> bytes | None:
    """Return a stored hex SHA-256 as bytes, or None when it is not one."""
    if text is None or len(text) != 64:
        return None
    try:
        return bytes.fromhex(text)
    except ValueError:
        return None


def _lock(connection: Connection) -> None:
    # Appends must be numbered and chained one transaction at a time. SQLite's writer
    # already holds the database's only write lock (BEGIN IMMEDIATE); on PostgreSQL this
    # lock conflicts only with itself and other writes of the table, never with reads,
    # and is held to the end of the transaction, so entries commit in sequence order.
    if dialects.backend_of(connection.dialect) == "postgresql":
        connection.exec_driver_sql("LOCK TABLE audit_log IN SHARE ROW EXCLUSIVE MODE")


# Every gateway call and read of personal data appends here: the statements run on the
# driver's cursor (see statements.py), compiled once.
_HEAD = RowQuery(
    select(audit_log.c.sequence, audit_log.c.chain_hash)
    .order_by(audit_log.c.sequence.desc())
    .limit(1)
)
_INSERT = RowInsert(audit_log, ("sequence", *ENTRY_COLUMNS, "entry_hash", "chain_hash"))
_SUBJECTS = RowInsert(audit_subjects, ("subject", "sequence"))


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


def subjects_of(entry: AuditEntry) -> set[str]:
    """Return what an entry names: its user, the text values of its details, and, for a
    call through the exchange, the last segment of its service path (the record read)."""
    found: set[str] = set()
    if entry.user_id:
        found.add(entry.user_id)
    if entry.details:
        # Details that are not JSON name nothing an operator filters on.
        with contextlib.suppress(ValueError):
            found.update(_strings(json.loads(entry.details)))
    if entry.service and entry.kind in (EXCHANGE_CLIENT, EXCHANGE_PROVIDER):
        found.add(entry.service.rstrip("/").rsplit("/", 1)[-1])
    return {subject for subject in found if 0 < len(subject) <= NAME_LENGTH}


def _head(connection: Connection) -> tuple[int, bytes]:
    row = _HEAD.first(connection)
    if row is None:
        return 0, GENESIS
    sequence, chain_hash = row
    chain = digest(chain_hash)
    if chain is None:
        raise LienthongError(
            "audit.chain.unreadable",
            N_(
                "The chain hash of audit entry {sequence} is not a SHA-256, so no entry can"
                " be chained after it. Run lienthong audit verify and tell the node's operator."
            ),
            sequence=sequence,
        )
    return int(sequence), chain


def append_entries(*, connection: Connection, entries: Sequence[AuditEntry]) -> list[int]:
    """Append entries in the caller's transaction and return their sequence numbers.

    Concurrent appenders take turns from here to their commit, so append last in a
    transaction: the turn is held until the transaction ends.
    """
    if not entries:
        return []
    _lock(connection)
    sequence, chain = _head(connection)
    rows = []
    for entry in entries:
        sequence += 1
        entry_hash = entry.leaf_hash()
        chain = chain_next(chain, entry_hash)
        rows.append(
            {
                "sequence": sequence,
                **entry.as_row(),
                "entry_hash": entry_hash.hex(),
                "chain_hash": chain.hex(),
            }
        )
    _INSERT.execute(connection, rows)
    # What a log cut short (a store restored, a tampering) left behind names entries
    # that no longer exist: it must not be read as naming the new ones.
    connection.execute(
        delete(audit_subjects).where(audit_subjects.c.sequence >= rows[0]["sequence"])
    )
    _SUBJECTS.execute(
        connection,
        [
            {"subject": subject, "sequence": row["sequence"]}
            for entry, row in zip(entries, rows, strict=True)
            for subject in sorted(subjects_of(entry))
        ],
    )
    return [row["sequence"] for row in rows]


# -- reading ------------------------------------------------------------------------------


def log_size(*, connection: Connection) -> int:
    """Return the number of the last entry (0 for an empty log)."""
    value = connection.execute(select(func.max(audit_log.c.sequence))).scalar()
    return int(value or 0)


def _logged(row: Row[Any]) -> LoggedEntry:
    mapping = row._mapping
    return LoggedEntry(
        sequence=int(mapping["sequence"]),
        entry=AuditEntry.from_row(mapping),
        entry_hash=mapping["entry_hash"],
        chain_hash=mapping["chain_hash"],
    )


def tail(*, connection: Connection, limit: int = 20) -> list[LoggedEntry]:
    """Return the last ``limit`` entries, oldest first."""
    rows = connection.execute(
        select(audit_log).order_by(audit_log.c.sequence.desc()).limit(max(limit, 0))
    ).all()
    return [_logged(row) for row in reversed(rows)]


def entry_at(*, connection: Connection, sequence: int) -> LoggedEntry:
    """Return one entry, or refuse when the log has no entry with that number."""
    row = connection.execute(select(audit_log).where(audit_log.c.sequence == sequence)).first()
    if row is None:
        raise LienthongError(
            "audit.entry.unknown",
            N_("The audit log has no entry {sequence}."),
            field="sequence",
            sequence=sequence,
        )
    return _logged(row)


def scan(
    connection: Connection,
    columns: Sequence[ColumnElement[Any]],
    *,
    after: int | None = 0,
    upto: int | None = None,
    page: int = PAGE,
) -> Iterator[Row[Any]]:
    """Yield rows of the log after a sequence number, in order, ``page`` rows per query.

    ``columns`` must include ``sequence``; ``after=None`` starts at the lowest number,
    even one below 1. Each query starts after the last row read, by the primary key, so
    a scan of any length holds one page at a time.
    """
    while True:
        query = select(*columns)
        if after is not None:
            query = query.where(audit_log.c.sequence > after)
        if upto is not None:
            query = query.where(audit_log.c.sequence <= upto)
        rows = connection.execute(query.order_by(audit_log.c.sequence).limit(page)).all()
        if not rows:
            return
        yield from rows
        after = rows[-1].sequence


def leaf_hashes(connection: Connection, *, after: int = 0, upto: int) -> Iterator[bytes]:
    """Yield the leaf hashes of entries ``after + 1`` to ``upto``; refuse a broken log."""
    expected = after + 1
    for row in scan(
        connection, [audit_log.c.sequence, audit_log.c.entry_hash], after=after, upto=upto
    ):
        value = digest(row.entry_hash)
        if row.sequence != expected or value is None:
            raise LienthongError(
                "audit.log.broken",
                N_(
                    "The audit log is damaged at entry {sequence}, so it proves nothing there."
                    " Run lienthong audit verify to see what changed."
                ),
                sequence=expected,
            )
        expected += 1
        yield value
    if expected != upto + 1:
        raise LienthongError(
            "audit.log.broken",
            N_(
                "The audit log is damaged at entry {sequence}, so it proves nothing there."
                " Run lienthong audit verify to see what changed."
            ),
            sequence=expected,
        )
