"""What every route of one app shares: the node, its record types, tokens, and the access log."""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TypeVar

from sqlalchemy.engine import Connection
from sqlalchemy.exc import SQLAlchemyError
from starlette.concurrency import run_in_threadpool

from lienthong.access import OK, Access, AccessLogWriter, Action, TokenCache
from lienthong.errors import LienthongError
from lienthong.i18n import N_
from lienthong.node import Node
from lienthong.store import Clock, RecordStore, UnitOfWork, dialects, utc_now
from lienthong.systems.definition import RecordType
from lienthong.web.api.auth import PURPOSE_HEADER, Caller

T = TypeVar("T")

#: A read against the store: given a read-only connection and the record store on it.
Read = Callable[[Connection, RecordStore], T]


def log_unavailable() -> LienthongError:
    """Return the error of a personal read whose access-log entry could not be written."""
    return LienthongError(
        "access.log_unavailable",
        N_(
            "The access log cannot be written, so personal data is not served."
            " Try again later; tell the node's operator if it persists."
        ),
    )


@dataclass
class ApiContext:
    """The node an app serves, with what its routes need prepared once, not per request.

    Reads of one record by its identifier on SQLite run on the event loop, on one
    read-only connection kept for it (a local, indexed lookup is cheaper than the hop to
    a worker thread, as in a bare Starlette app); every other read runs in the thread
    pool in a read-only unit of work. Access-log entries of reads are committed in
    batches by one writer thread (``AccessLogWriter``), each request awaiting its own.
    """

    node: Node
    record_types: Mapping[str, RecordType]
    tokens: TokenCache
    #: The node's one log writer, shared with its gateway when both run in one process:
    #: two writers of one SQLite file would take turns for its write lock on every request.
    log_writer: AccessLogWriter
    clock: Clock = utc_now
    inline_reads: bool = field(init=False)

    def __post_init__(self) -> None:
        self.inline_reads = dialects.backend_of(self.node.engine.dialect) == "sqlite"
        self._inline_lock = threading.Lock()
        self._inline: Connection | None = None

    def unit(self, *, read_only: bool) -> UnitOfWork:
        """Return a unit of work on the node's store (read-only units never take a write lock)."""
        return UnitOfWork(
            self.node.engine,
            node=self.node.node_id,
            record_types=self.record_types,
            bus=self.node.bus,
            clock=self.clock,
            read_only=read_only,
            fence=self.node.fence,
        )

    def close(self) -> None:
        """Commit the queued access-log entries and release the kept connection."""
        self.log_writer.close()
        with self._inline_lock:
            if self._inline is not None:
                self._inline.close()
                self._inline = None

    # -- reads -----------------------------------------------------------------------------

    async def read(self, work: Read[T], *, by_identifier: bool) -> T:
        """Run a read in its own read-only transaction and return what it returns."""
        if by_identifier and self.inline_reads:
            return self._read_inline(work)
        return await run_in_threadpool(self._read_in_unit, work)

    def _read_in_unit(self, work: Read[T]) -> T:
        with self.unit(read_only=True) as uow:
            return work(uow.connection, uow.records)

    def _read_inline(self, work: Read[T]) -> T:
        with self._inline_lock:
            connection = self._inline
            if connection is None:
                connection = dialects.read_only(self.node.engine.connect())
                self._inline = connection
            store = RecordStore(
                connection,
                node=self.node.node_id,
                record_types=self.record_types,
                clock=self.clock,
            )
            try:
                return work(connection, store)
            except SQLAlchemyError:
                # A connection in an unknown state is not reused.
                self._inline = None
                connection.invalidate()
                connection.close()
                raise
            finally:
                if self._inline is connection:
                    # End the transaction: the next read sees the latest commits, and
                    # no snapshot held open keeps SQLite from checkpointing its WAL.
                    connection.rollback()

    # -- the access log --------------------------------------------------------------------

    def log(self, access: Access, records: Sequence[tuple[str, int | None]] = ()) -> None:
        """Append an access to the log and wait for its commit; fail the request if it cannot."""
        try:
            self.log_writer.write(access, at=self.clock(), records=records)
        except SQLAlchemyError as exc:
            raise log_unavailable() from exc

    async def alog(self, access: Access, records: Sequence[tuple[str, int | None]] = ()) -> None:
        """Append an access to the log and await its commit; fail the request if it cannot."""
        try:
            await self.log_writer.awrite(access, at=self.clock(), records=records)
        except SQLAlchemyError as exc:
            raise log_unavailable() from exc

    async def personal_read(
        self,
        caller: Caller,
        record_type: RecordType,
        action: Action,
        requested: Sequence[str],
        read: Read[T],
        touched: Callable[[T], Sequence[tuple[str, int | None]]],
        *,
        by_identifier: bool,
    ) -> T:
        """Run a read, requiring and logging a purpose when the record type is personal data.

        A read without a purpose is refused, and the refusal is logged; a read whose log
        entry cannot be written fails: nothing is answered before its entry is committed.
        """
        if not record_type.personal_data:
            return await self.read(read, by_identifier=by_identifier)

        def access(outcome: str) -> Access:
            return Access(
                client=caller.client,
                action=action,
                outcome=outcome,
                record_type=record_type.name,
                purpose=caller.purpose,
                user_id=caller.user_id,
            )

        wanted = [(record_id, None) for record_id in requested]
        if caller.purpose is None:
            refusal = LienthongError(
                "access.purpose_required",
                N_(
                    "{record_type} records hold personal data: state the purpose of this read"
                    " in the header {header}."
                ),
                field=PURPOSE_HEADER,
                record_type=record_type.name,
                header=PURPOSE_HEADER,
            )
            await self.alog(access(refusal.code), wanted)
            raise refusal
        try:
            result = await self.read(read, by_identifier=by_identifier)
        except LienthongError as error:
            await self.alog(access(error.code), wanted)
            raise
        await self.alog(access(OK), touched(result))
        return result
