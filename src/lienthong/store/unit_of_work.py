"""The unit of work: one transaction for a write and all it entails, events after commit.

    with UnitOfWork(engine, node="VN/GOV/HN", record_types=registry.record_types()) as uow:
        uow.records.create(record_type="Person", content={...})
        uow.commit()

A record version, its search index rows and its change-log entry are written in the
same transaction; leaving the block without ``commit()`` (or on an exception) rolls all
of it back. Events are published to the bus only once the commit has succeeded.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import TracebackType
from typing import Self

from sqlalchemy.engine import Connection, Engine

from lienthong.errors import LienthongError
from lienthong.i18n import N_
from lienthong.store import dialects
from lienthong.store.changelog import ChangeLog
from lienthong.store.events import Event, MessageBus
from lienthong.store.fence import SequenceFence
from lienthong.store.records import Clock, RecordStore, utc_now
from lienthong.store.replicas import ReplicaStore
from lienthong.systems.definition import RecordType


class UnitOfWork:
    """One transaction on the store, as one node, with the events it produced."""

    records: RecordStore
    replicas: ReplicaStore
    changes: ChangeLog
    connection: Connection

    def __init__(
        self,
        engine: Engine,
        *,
        node: str,
        record_types: Mapping[str, RecordType],
        bus: MessageBus | None = None,
        clock: Clock = utc_now,
        read_only: bool = False,
        fence: SequenceFence | None = None,
    ) -> None:
        self.engine = engine
        self.fence = fence
        self.node = node
        self.record_types = record_types
        self.bus = bus if bus is not None else MessageBus()
        self.clock = clock
        self.read_only = read_only
        self._events: list[Event] = []
        self._open = False

    def __enter__(self) -> Self:
        if self._open:
            raise LienthongError(
                "store.nested_unit_of_work",
                N_("This unit of work is already open. Finish it before opening it again."),
            )
        connection = self.engine.connect()
        # The other components that must write in the same transaction (the audit log)
        # use this connection.
        self.connection = dialects.read_only(connection) if self.read_only else connection
        self._events = []
        self.records = RecordStore(
            self.connection,
            node=self.node,
            record_types=self.record_types,
            clock=self.clock,
            events=self._events,
            fence=self.fence,
        )
        self.replicas = ReplicaStore(
            self.connection, node=self.node, record_types=self.record_types, events=self._events
        )
        self.changes = ChangeLog(self.connection)
        self._open = True
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        try:
            self.rollback()
        finally:
            self.connection.close()
            self._open = False

    def commit(self) -> None:
        """Commit the transaction, then publish the events of its writes."""
        if self.read_only and self._events:
            raise LienthongError(
                "store.read_only",
                N_("This unit of work was opened read-only. Open one that can write."),
            )
        self.connection.commit()
        events, self._events[:] = list(self._events), []
        self.bus.publish(events)

    def rollback(self) -> None:
        """Undo everything since the last commit and drop its events."""
        self.connection.rollback()
        self._events.clear()
