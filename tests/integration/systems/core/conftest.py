"""The core registries' integration tests run on SQLite and, where reachable, on PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy.engine import Engine
from tests.integration.store.backends import FakeClock, UowFactory

from lienthong.store import UnitOfWork
from lienthong.systems.core import core_registry

HANOI = "VN/GOV/01/node"
RECORD_TYPES = core_registry().record_types()


@pytest.fixture
def clock() -> FakeClock:
    """Mid-October 2025 in Vietnam: the sample tax debt is then 148 days overdue."""
    return FakeClock(datetime(2025, 10, 15, 3, 0, tzinfo=UTC))


@pytest.fixture
def uow(engine: Engine, clock: FakeClock) -> UowFactory:
    """Open units of work on the store with the six registries, as the Hà Nội node."""

    def open_uow(node: str = HANOI) -> UnitOfWork:
        return UnitOfWork(engine, node=node, record_types=RECORD_TYPES, clock=clock)

    return open_uow
