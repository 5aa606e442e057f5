"""The audit revision creates exactly the audit tables the models describe, and removes them."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import inspect
from sqlalchemy.engine import Engine
from tests.integration.store.backends import fresh_postgres_database

from lienthong.exchange.audit.models import audit_checkpoints, audit_log
from lienthong.store import create_engine, downgrade, schema_differences, sqlite_url, upgrade

AUDIT = {audit_log.name, audit_checkpoints.name}


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def empty_database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """A database with no tables at all, on one backend."""
    if request.param == "sqlite":
        engine = create_engine(sqlite_url(tmp_path / "empty.db"))
        yield engine
        engine.dispose()
    else:
        with fresh_postgres_database() as engine:
            yield engine


def test_the_audit_revision_adds_and_removes_exactly_the_audit_tables(
    empty_database: Engine,
) -> None:
    upgrade(empty_database)
    assert schema_differences(empty_database) == []
    before = set(inspect(empty_database).get_table_names())
    assert before >= AUDIT
    downgrade(empty_database, "0003")
    without_later = set(inspect(empty_database).get_table_names())
    downgrade(empty_database, "0002")
    assert set(inspect(empty_database).get_table_names()) == without_later - AUDIT
    upgrade(empty_database)
    assert set(inspect(empty_database).get_table_names()) == before
