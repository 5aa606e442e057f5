"""Group commit of the access log: many requests' entries, one transaction, each awaited.

A personal read must not answer before its access-log entry is committed. The writer
is a ``GroupCommitWriter`` (``lienthong.exchange.audit.writer``, which explains the
batching) whose batches write each access's rows together with its audit-log entry, in
one transaction: a request waits for the commit of the batch that holds its entry, and
a failed commit fails exactly the requests whose entries it held.

    writer = AccessLogWriter(engine)
    request_id = await writer.awrite(access, at=now, records=[("001090000001", 3)])
"""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import Future
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy.engine import Connection, Engine

from lienthong.access.log import ACCESS_COLUMNS, Access, access_rows, audit_entry
from lienthong.access.models import access_log
from lienthong.exchange.audit.log import AuditEntry, GatewayCall, append_entries, call_entry
from lienthong.exchange.audit.statements import RowInsert
from lienthong.exchange.audit.writer import IDLE_SECONDS, MAX_BATCH, GroupCommitWriter


@dataclass(frozen=True)
class _Logged:
    """One access, ready to write: its rows and its audit entry."""

    request_id: str
    rows: list[dict[str, Any]]
    audit: AuditEntry


#: Run on the driver's cursor, as the audit log's own appends (see their statements).
_INSERT = RowInsert(access_log, ACCESS_COLUMNS)


def _insert(connection: Connection, batch: Sequence[_Logged | AuditEntry]) -> list[str | int]:
    rows = [row for item in batch if isinstance(item, _Logged) for row in item.rows]
    _INSERT.execute(connection, rows)
    # Last: appending to the audit chain holds its turn until the commit.
    sequences = append_entries(
        connection=connection,
        entries=[item.audit if isinstance(item, _Logged) else item for item in batch],
    )
    return [
        item.request_id if isinstance(item, _Logged) else sequence
        for item, sequence in zip(batch, sequences, strict=True)
    ]


class AccessLogWriter:
    """Append accesses to the log from any thread or event loop, committed in batches.

    It is the node's one log writer: a gateway in the same process records its calls
    through it too (``record``), so both share each batch and its commit.
    """

    def __init__(
        self,
        engine: Engine,
        *,
        node_id: str | None = None,
        idle: float = IDLE_SECONDS,
        max_batch: int = MAX_BATCH,
    ) -> None:
        self._node_id = node_id
        self._writer: GroupCommitWriter[_Logged | AuditEntry, str | int] = GroupCommitWriter(
            engine, _insert, name="access-log-writer", idle=idle, max_batch=max_batch
        )

    @property
    def on_loop(self) -> bool:
        """Whether entries are committed on the caller's event loop first (SQLite)."""
        return self._writer.on_loop

    def _logged(
        self, access: Access, at: datetime, records: Sequence[tuple[str, int | None]]
    ) -> _Logged:
        request_id, rows = access_rows(access, at=at, records=records)
        entry = audit_entry(
            access, request_id=request_id, at=at, records=records, node_id=self._node_id
        )
        return _Logged(request_id, rows, entry)

    def submit(
        self, access: Access, *, at: datetime, records: Sequence[tuple[str, int | None]] = ()
    ) -> Future[str]:
        """Queue one access; the future gives its request id once it is committed."""
        return cast("Future[str]", self._writer.submit(self._logged(access, at, records)))

    def write(
        self, access: Access, *, at: datetime, records: Sequence[tuple[str, int | None]] = ()
    ) -> str:
        """Append one access and return its request id once it is committed."""
        return str(self._writer.write(self._logged(access, at, records)))

    async def awrite(
        self, access: Access, *, at: datetime, records: Sequence[tuple[str, int | None]] = ()
    ) -> str:
        """Append one access and return its request id once it is committed."""
        return str(await self._writer.awrite(self._logged(access, at, records)))

    async def record(self, call: GatewayCall) -> None:
        """Record one call through the node's gateway; return once it is committed."""
        await self._writer.awrite(call_entry(call, node_id=self._node_id or ""))

    def close(self) -> None:
        """Commit what is queued, then stop the writer thread (a later write starts it again)."""
        self._writer.close()
