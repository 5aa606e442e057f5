"""The access log: who read or wrote which record, when, for what purpose, and the outcome.

Every read of a record type that holds personal data, refused or not, and every write
through the API is recorded here, so that a citizen or an operator can later see who
read a record and why (``access_log_for``). Rows are only ever inserted.

Each access is also an entry of the node's audit log (``record.read``, ``record.write``
or ``record.operation``), appended in the same transaction: the hash chain and the
signed checkpoints cover personal-data accesses as they cover the exchange's calls.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any, Final

from sqlalchemy import select
from sqlalchemy.engine import Connection

from lienthong.access.models import access_log
from lienthong.exchange.audit.log import (
    RECORD_OPERATION,
    RECORD_READ,
    RECORD_WRITE,
    AuditEntry,
    append_entries,
)
from lienthong.store.models import ID_LENGTH

#: The outcome of an access that succeeded; a refused or failed one records its error code.
OK: Final = "ok"


class Action(StrEnum):
    """What a client did."""

    READ = "read"
    HISTORY = "history"
    SEARCH = "search"
    CREATE = "create"
    UPDATE = "update"
    DELETE = "delete"
    OPERATION = "operation"


@dataclass(frozen=True)
class Access:
    """One access by an API client, before it is written."""

    client: str
    action: Action
    outcome: str
    record_type: str | None = None
    purpose: str | None = None
    user_id: str | None = None


@dataclass(frozen=True)
class AccessEntry:
    """One row of the access log: one record touched by one request."""

    at: datetime
    request_id: str
    client: str
    user_id: str | None
    purpose: str | None
    action: Action
    record_type: str | None
    record_id: str | None
    version: int | None
    outcome: str

    def as_dict(self) -> dict[str, Any]:
        """Return the entry as JSON-ready data."""
        return {
            "at": self.at.isoformat(),
            "request_id": self.request_id,
            "client": self.client,
            "user_id": self.user_id,
            "purpose": self.purpose,
            "action": self.action.value,
            "record_type": self.record_type,
            "record_id": self.record_id,
            "version": self.version,
            "outcome": self.outcome,
        }


#: The columns of the rows ``access_rows`` returns.
ACCESS_COLUMNS: Final = (
    "request_id",
    "at",
    "client",
    "user_id",
    "purpose",
    "action",
    "record_type",
    "outcome",
    "record_id",
    "version",
)


def access_rows(
    access: Access, *, at: datetime, records: Sequence[tuple[str, int | None]] = ()
) -> tuple[str, list[dict[str, Any]]]:
    """Return a new request id and the log rows of one access: one per record touched."""
    request_id = secrets.token_hex(16)
    common = {
        "request_id": request_id,
        "at": at,
        "client": access.client,
        "user_id": access.user_id,
        "purpose": access.purpose,
        "action": access.action.value,
        "record_type": access.record_type,
        "outcome": access.outcome,
    }
    rows = [
        # An identifier asked for but not found may be longer than any stored one.
        {**common, "record_id": record_id[:ID_LENGTH], "version": version}
        for record_id, version in records
    ] or [{**common, "record_id": None, "version": None}]
    return request_id, rows


#: The kind of audit entry each action is.
AUDIT_KINDS: Final = {
    Action.READ: RECORD_READ,
    Action.HISTORY: RECORD_READ,
    Action.SEARCH: RECORD_READ,
    Action.CREATE: RECORD_WRITE,
    Action.UPDATE: RECORD_WRITE,
    Action.DELETE: RECORD_WRITE,
    Action.OPERATION: RECORD_OPERATION,
}


def audit_entry(
    access: Access,
    *,
    request_id: str,
    at: datetime,
    records: Sequence[tuple[str, int | None]] = (),
    node_id: str | None = None,
) -> AuditEntry:
    """Return the audit entry of one access: who, why, the outcome and the records touched.

    The entry's message id is the access's request id, which groups its access-log rows;
    ``details`` lists the action, record type and ``[record_id, version]`` pairs.
    """
    touched = [[record_id[:ID_LENGTH], version] for record_id, version in records]
    # An operation has no record type: the log names it where a record access names
    # the record.
    service = access.record_type
    if service is None and access.action is Action.OPERATION and touched:
        service = str(touched[0][0])
    details = {"action": access.action.value, "record_type": access.record_type, "records": touched}
    return AuditEntry(
        recorded_at=at,
        kind=AUDIT_KINDS[access.action],
        node_id=node_id,
        message_id=request_id,
        client=access.client,
        service=service,
        user_id=access.user_id,
        purpose=access.purpose,
        outcome=access.outcome,
        details=json.dumps(details, ensure_ascii=False, separators=(",", ":"), sort_keys=True),
    )


def log_access(
    *,
    connection: Connection,
    access: Access,
    at: datetime,
    records: Sequence[tuple[str, int | None]] = (),
    node_id: str | None = None,
) -> str:
    """Append one access, one row per ``(record_id, version)`` touched; return its request id.

    The access is appended to the audit log too, in the same transaction. The caller
    commits: in the write's own transaction for a write, so that neither exists
    without the other. Reads are logged through an ``AccessLogWriter`` instead.
    """
    request_id, rows = access_rows(access, at=at, records=records)
    connection.execute(access_log.insert(), rows)
    entry = audit_entry(access, request_id=request_id, at=at, records=records, node_id=node_id)
    append_entries(connection=connection, entries=[entry])
    return request_id


def access_log_for(
    *, connection: Connection, record_type: str, record_id: str, limit: int = 1000
) -> list[AccessEntry]:
    """Return who accessed a record, when, why and with what outcome, newest first."""
    rows = connection.execute(
        select(access_log)
        .where(access_log.c.record_type == record_type, access_log.c.record_id == record_id)
        .order_by(access_log.c.id.desc())
        .limit(limit)
    )
    return [
        AccessEntry(
            at=row.at,
            request_id=row.request_id,
            client=row.client,
            user_id=row.user_id,
            purpose=row.purpose,
            action=Action(row.action),
            record_type=row.record_type,
            record_id=row.record_id,
            version=row.version,
            outcome=row.outcome,
        )
        for row in rows
    ]
