"""Integration tests run on SQLite and, where a server answers, on PostgreSQL: one fixture for both."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine
from tests.integration.store.backends import fresh_postgres_database

from lienthong.store import create_engine, sqlite_url, upgrade
from lienthong.store.migrate import target_metadata

BACKENDS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]


@pytest.fixture(scope="session")
def migrated_sqlite(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    """The bytes of a SQLite store at head, copied for each test (faster than migrating)."""
    path = tmp_path_factory.mktemp("template") / "node.db"
    engine = create_engine(sqlite_url(path))
    upgrade(engine)
    # Closing the last connection folds the WAL into the main file, so that copying one
    # file copies the whole store.
    engine.dispose()
    return path.read_bytes()


@pytest.fixture(scope="session")
def postgres_store() -> Iterator[Engine]:
    """A PostgreSQL database of this test session, migrated to head, dropped at the end."""
    with fresh_postgres_database() as engine:
        upgrade(engine)
        yield engine


@pytest.fixture(params=BACKENDS)
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """An empty store at head on one backend."""
    if request.param == "sqlite":
        path = tmp_path / "node.db"
        path.write_bytes(request.getfixturevalue("migrated_sqlite"))
        sqlite_engine = create_engine(sqlite_url(path))
        yield sqlite_engine
        sqlite_engine.dispose()
        return
    postgres: Engine = request.getfixturevalue("postgres_store")
    yield postgres
    tables = ", ".join(table.name for table in target_metadata().sorted_tables)
    with postgres.begin() as connection:
        connection.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
