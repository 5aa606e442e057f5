"""The core registries' integration tests run on SQLite and, where reachable, on PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine
from tests.integration.store.backends import FakeClock, UowFactory, fresh_postgres_database

from lienthong.store import UnitOfWork, create_engine, sqlite_url, upgrade
from lienthong.store.models import metadata
from lienthong.systems.core import core_registry

BACKENDS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
HANOI = "VN/GOV/01/node"
RECORD_TYPES = core_registry().record_types()


@pytest.fixture(scope="session")
def core_sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    """The bytes of a SQLite store at head, copied for each test (faster than migrating)."""
    path = tmp_path_factory.mktemp("core") / "node.db"
    engine = create_engine(sqlite_url(path))
    upgrade(engine)
    engine.dispose()  # folds the WAL into the file, so one file is the whole store
    return path.read_bytes()


@pytest.fixture(scope="session")
def core_postgres() -> Iterator[Engine]:
    """A throw-away PostgreSQL database at head for this session."""
    with fresh_postgres_database() as engine:
        upgrade(engine)
        yield engine


@pytest.fixture(params=BACKENDS)
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """An empty store at head on one backend."""
    if request.param == "sqlite":
        path = tmp_path / "node.db"
        path.write_bytes(request.getfixturevalue("core_sqlite_template"))
        sqlite_engine = create_engine(sqlite_url(path))
        yield sqlite_engine
        sqlite_engine.dispose()
        return
    postgres: Engine = request.getfixturevalue("core_postgres")
    yield postgres
    tables = ", ".join(table.name for table in metadata.sorted_tables)
    with postgres.begin() as connection:
        connection.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))


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
