"""Every store test runs on SQLite and, where a server is reachable, on PostgreSQL."""

from __future__ import annotations

import pytest
from sqlalchemy.engine import Engine
from tests.integration.store.backends import (
    FakeClock,
    Published,
    UowFactory,
)
from tests.integration.store.example import HANOI, RECORD_TYPES

from lienthong.store import MessageBus, UnitOfWork


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def bus() -> MessageBus:
    return MessageBus()


@pytest.fixture
def published(bus: MessageBus) -> Published:
    return Published(bus)


@pytest.fixture
def uow(engine: Engine, clock: FakeClock, bus: MessageBus) -> UowFactory:
    """Open units of work on the store, as the Hà Nội node unless told otherwise."""

    def open_uow(node: str = HANOI) -> UnitOfWork:
        return UnitOfWork(engine, node=node, record_types=RECORD_TYPES, bus=bus, clock=clock)

    return open_uow
