"""Assemble one node from its configuration: settings, database, systems, message bus."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy.engine import Engine

from lienthong.linkage.provenance import record_types as provenance_types
from lienthong.settings import Settings
from lienthong.store import Clock, MessageBus, UnitOfWork, create_engine, upgrade, utc_now
from lienthong.store.fence import FILE_NAME as FENCE_FILE
from lienthong.store.fence import SequenceFence
from lienthong.sync.requests import record_types as change_request_types
from lienthong.systems import RecordType, SystemRegistry, installed_systems


@dataclass
class Node:
    """One running node: the only place that knows how its parts fit together."""

    settings: Settings
    engine: Engine
    systems: SystemRegistry
    bus: MessageBus = field(default_factory=MessageBus)
    #: The time its writes are recorded at (a test sets one that is off, to skew it).
    clock: Clock = utc_now

    @property
    def node_id(self) -> str:
        """Return the identifier records written here are owned by."""
        return self.settings.node_id

    def record_types(self) -> dict[str, RecordType]:
        """Return the record types this node stores: its systems' and the platform's own."""
        return {
            **self.systems.record_types(),
            **change_request_types(),
            **provenance_types(),
        }

    def unit_of_work(self, *, read_only: bool = False) -> UnitOfWork:
        """Return a new unit of work on this node's store."""
        return UnitOfWork(
            self.engine,
            node=self.node_id,
            record_types=self.record_types(),
            bus=self.bus,
            clock=self.clock,
            read_only=read_only,
            fence=self.fence,
        )

    @property
    def fence(self) -> SequenceFence:
        """Return the file that fences this node's own sequence numbers (see ``store.fence``)."""
        return SequenceFence(Path(self.settings.state_dir) / FENCE_FILE)

    def close(self) -> None:
        """Release the database connections."""
        self.engine.dispose()


def open_node(settings: Settings, *, systems: SystemRegistry | None = None) -> Node:
    """Open the node's database (creating it and bringing its schema to head) and its systems."""
    url = settings.effective_database_url
    if url.startswith("sqlite:///"):
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url)
    upgrade(engine)
    registry = systems if systems is not None else installed_systems()
    return Node(settings=settings, engine=engine, systems=registry)
