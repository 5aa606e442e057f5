"""Migrations bring any store to the newest revision, and create exactly what the models say."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import inspect, select
from sqlalchemy.engine import Engine
from tests.integration.store.backends import fresh_postgres_database

from lienthong.exchange.audit.log import AuditEntry, subjects_of
from lienthong.exchange.audit.models import audit_log, audit_subjects
from lienthong.store import (
    create_engine,
    current_revision,
    downgrade,
    head_revision,
    schema_differences,
    sqlite_url,
    upgrade,
)
from lienthong.store.migrate import target_metadata

TABLES = {table.name for table in target_metadata().sorted_tables}
CONSOLIDATION = {"consolidation_runs", "consolidation_items", "consolidation_merges"}
OPERATORS = {"operators", "operator_sessions", "signin_failures"}
#: Tables of the revisions after the console's operators, in the order they came.
MONITORING = {"metric_samples", "audit_subjects", "change_log_gaps"}


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


def test_an_empty_database_is_migrated_to_head_with_every_table(empty_database: Engine) -> None:
    assert current_revision(empty_database) is None
    upgrade(empty_database)
    assert current_revision(empty_database) == head_revision()
    assert set(inspect(empty_database).get_table_names()) >= TABLES


def test_the_migrations_create_exactly_what_the_models_describe(empty_database: Engine) -> None:
    upgrade(empty_database)
    assert schema_differences(empty_database) == []


def test_upgrading_a_store_at_head_changes_nothing(empty_database: Engine) -> None:
    upgrade(empty_database)
    upgrade(empty_database)
    assert current_revision(empty_database) == head_revision()


def test_downgrading_to_base_removes_every_table(empty_database: Engine) -> None:
    upgrade(empty_database)
    downgrade(empty_database, "base")
    assert not TABLES & set(inspect(empty_database).get_table_names())


def test_the_sync_revision_adds_and_removes_exactly_the_sync_tables(
    empty_database: Engine,
) -> None:
    upgrade(empty_database)
    assert {"sync_cursors", "sync_peers"} <= set(inspect(empty_database).get_table_names())
    downgrade(empty_database, "0003")
    remaining = set(inspect(empty_database).get_table_names())
    assert not {"sync_cursors", "sync_peers"} & remaining
    assert (
        remaining
        >= TABLES - {"sync_cursors", "sync_peers"} - CONSOLIDATION - OPERATORS - MONITORING
    )


def test_the_consolidation_revision_adds_and_removes_exactly_the_consolidation_tables(
    empty_database: Engine,
) -> None:
    upgrade(empty_database)
    assert set(inspect(empty_database).get_table_names()) >= CONSOLIDATION
    downgrade(empty_database, "0004")
    remaining = set(inspect(empty_database).get_table_names())
    assert not CONSOLIDATION & remaining
    assert remaining >= TABLES - CONSOLIDATION - OPERATORS - MONITORING


def test_the_access_revision_adds_and_removes_exactly_the_access_tables(
    empty_database: Engine,
) -> None:
    upgrade(empty_database)
    assert {"api_tokens", "access_log"} <= set(inspect(empty_database).get_table_names())
    downgrade(empty_database, "0001")
    remaining = set(inspect(empty_database).get_table_names())
    assert not {"api_tokens", "access_log"} & remaining
    later = {
        "api_tokens",
        "access_log",
        "audit_log",
        "audit_checkpoints",
        "sync_cursors",
        "sync_peers",
        *CONSOLIDATION,
        *OPERATORS,
        *MONITORING,
    }
    assert remaining >= TABLES - later


def test_the_operators_revision_adds_and_removes_exactly_the_console_tables(
    empty_database: Engine,
) -> None:
    upgrade(empty_database)
    assert set(inspect(empty_database).get_table_names()) >= OPERATORS
    downgrade(empty_database, "0005")
    remaining = set(inspect(empty_database).get_table_names())
    assert not OPERATORS & remaining
    assert remaining >= TABLES - OPERATORS - MONITORING


def test_the_monitoring_revision_adds_and_removes_exactly_the_samples_table(
    empty_database: Engine,
) -> None:
    upgrade(empty_database)
    assert set(inspect(empty_database).get_table_names()) >= MONITORING
    downgrade(empty_database, "0006")
    remaining = set(inspect(empty_database).get_table_names())
    assert not MONITORING & remaining
    assert remaining >= TABLES - MONITORING


def test_the_audit_subjects_revision_indexes_the_entries_already_logged(
    empty_database: Engine,
) -> None:
    upgrade(empty_database, "0008")
    entries = [
        AuditEntry(
            recorded_at=datetime(2026, 12, 1, tzinfo=UTC),
            kind="record.read",
            client="VN/GOV/AGG/driving",
            outcome="ok",
            user_id="can.bo.01",
            details=json.dumps({"action": "read", "records": [["089190000017", 1]]}),
        ),
        AuditEntry(
            recorded_at=datetime(2026, 12, 1, tzinfo=UTC),
            kind="exchange.provider",
            client="VN/GOV/AGG/driving",
            outcome="ok",
            service="VN/GOV/BCA/population/registry/Person/004043001255",
        ),
    ]
    with empty_database.begin() as connection:
        connection.execute(
            audit_log.insert(),
            [
                {
                    **entry.as_row(),
                    "sequence": number,
                    "entry_hash": "0" * 64,
                    "chain_hash": "0" * 64,
                }
                for number, entry in enumerate(entries, start=1)
            ],
        )

    upgrade(empty_database)

    with empty_database.connect() as connection:
        rows = set(connection.execute(select(audit_subjects.c.subject, audit_subjects.c.sequence)))
    assert rows == {
        ("can.bo.01", 1),
        ("089190000017", 1),
        ("read", 1),
        ("004043001255", 2),
    }
    assert rows == {
        (subject, number)
        for number, entry in enumerate(entries, start=1)
        for subject in subjects_of(entry)
    }


def test_the_gaps_revision_adds_and_removes_exactly_the_gaps_table(
    empty_database: Engine,
) -> None:
    upgrade(empty_database)
    downgrade(empty_database, "0009")
    remaining = set(inspect(empty_database).get_table_names())
    assert "change_log_gaps" not in remaining
    assert remaining == TABLES - {"change_log_gaps"} | {"alembic_version"}
