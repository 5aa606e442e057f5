"""Every API test runs on SQLite and, where a server is reachable, on PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from tests.integration.web.apitest import BACKENDS, Api, engine_for, make_api, truncate

from lienthong.store import create_engine, sqlite_url, upgrade


@pytest.fixture(scope="session")
def migrated_sqlite(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    """The bytes of a SQLite store at head, copied for each test (faster than migrating)."""
    path = tmp_path_factory.mktemp("web-template") / "node.db"
    engine = create_engine(sqlite_url(path))
    upgrade(engine)
    engine.dispose()
    return path.read_bytes()


@pytest.fixture(scope="session")
def postgres_store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    """A PostgreSQL store of this session, at head, dropped at the end."""
    yield from engine_for("postgresql", tmp_path_factory.mktemp("pg"))


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
    truncate(postgres)


@pytest.fixture
def api(engine: Engine, tmp_path: Path) -> Api:
    """A client of the example node's API."""
    return make_api(engine, tmp_path)
