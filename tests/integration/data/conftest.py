"""Nodes with the example system on SQLite and, where a server answers, on PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine
from tests.integration.store.backends import fresh_postgres_database
from tests.integration.store.example import HANOI, REGISTRY

from lienthong.node import Node
from lienthong.settings import Settings
from lienthong.store import create_engine, sqlite_url, upgrade
from lienthong.store.migrate import target_metadata

BACKENDS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]


@pytest.fixture(scope="session")
def data_sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    """The bytes of a SQLite store at head, copied for each test (faster than migrating)."""
    path = tmp_path_factory.mktemp("data-template") / "node.db"
    engine = create_engine(sqlite_url(path))
    upgrade(engine)
    engine.dispose()
    return path.read_bytes()


@pytest.fixture(scope="session")
def data_postgres() -> Iterator[Engine]:
    """A PostgreSQL database of this test session, migrated to head, dropped at the end."""
    with fresh_postgres_database() as engine:
        upgrade(engine)
        yield engine


@pytest.fixture(params=BACKENDS)
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """An empty store at head on one backend."""
    if request.param == "sqlite":
        path = tmp_path / "node.db"
        path.write_bytes(request.getfixturevalue("data_sqlite_template"))
        sqlite_engine = create_engine(sqlite_url(path))
        yield sqlite_engine
        sqlite_engine.dispose()
        return
    postgres: Engine = request.getfixturevalue("data_postgres")
    yield postgres
    tables = ", ".join(table.name for table in target_metadata().sorted_tables)
    with postgres.begin() as connection:
        connection.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))


def make_node(engine: Engine, state_dir: Path, node_id: str = HANOI) -> Node:
    """Return a node of the example system on a store."""
    settings = Settings(
        node_id=node_id,
        database_url=engine.url.render_as_string(hide_password=False),
        state_dir=state_dir,
    )
    return Node(settings=settings, engine=engine, systems=REGISTRY)


@pytest.fixture
def node(engine: Engine, tmp_path: Path) -> Node:
    """The Hà Nội node of the example system, its state in the test's directory."""
    return make_node(engine, tmp_path / "state")
