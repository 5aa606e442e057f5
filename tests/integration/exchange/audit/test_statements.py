"""The log's hot statements run on the driver's cursor and store what SQLAlchemy would store."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError

from lienthong.access import OK, Access, Action, access_rows
from lienthong.access.log import ACCESS_COLUMNS
from lienthong.access.models import access_log
from lienthong.exchange.audit.models import audit_log
from lienthong.exchange.audit.statements import RowInsert, RowQuery

HANOI = timezone(timedelta(hours=7))
COLUMNS = tuple(column.name for column in audit_log.c)


def row(sequence: int, **changes: object) -> dict[str, object]:
    return {
        "sequence": sequence,
        # Not UTC, with microseconds: the column's own conversion must apply.
        "recorded_at": datetime(2026, 1, 31, 15, 0, 0, 123456, tzinfo=HANOI),
        "node_id": "VN-central",
        "kind": "exchange.provider",
        "message_id": f"message-{sequence}",
        "client": "VN/GOV/AGG/driving",
        "service": "VN/GOV/BCA/population/registry/Person/001090000001",
        "user_id": None,
        "purpose": "xác minh cư trú",
        "outcome": "ok",
        "status": 200,
        "request_size": 0,
        "response_size": 2**40,
        "duration_ms": 12.5,
        "request_hash": "a" * 64,
        "response_hash": None,
        "details": '{"records":[]}',
        "body": None,
        "entry_hash": "b" * 64,
        "chain_hash": "c" * 64,
        **changes,
    }


def stored(engine: Engine) -> list[tuple[object, ...]]:
    with engine.connect() as connection:
        return [tuple(r) for r in connection.execute(select(audit_log).order_by("sequence"))]


def test_rows_inserted_on_the_cursor_read_back_as_those_sqlalchemy_inserts(engine: Engine) -> None:
    with engine.begin() as connection:
        connection.execute(audit_log.insert(), [row(1), row(2, user_id="VN012345")])
    by_sqlalchemy = stored(engine)
    with engine.begin() as connection:
        connection.execute(audit_log.delete())
    with engine.begin() as connection:
        RowInsert(audit_log, COLUMNS).execute(connection, [row(1), row(2, user_id="VN012345")])
    assert stored(engine) == by_sqlalchemy
    assert by_sqlalchemy[0][1] == datetime(2026, 1, 31, 8, 0, 0, 123456, tzinfo=UTC)


def test_a_query_reads_the_last_row_in_the_callers_transaction(engine: Engine) -> None:
    head = RowQuery(
        select(audit_log.c.sequence, audit_log.c.chain_hash)
        .order_by(audit_log.c.sequence.desc())
        .limit(1)
    )
    with engine.begin() as connection:
        assert head.first(connection) is None
        RowInsert(audit_log, COLUMNS).execute(connection, [row(1), row(2)])
        assert head.first(connection) == (2, "c" * 64)
        connection.rollback()
    with engine.connect() as connection:
        assert head.first(connection) is None


def test_a_connection_outside_a_transaction_begins_one_as_execute_would(engine: Engine) -> None:
    with engine.connect() as connection:
        RowInsert(audit_log, COLUMNS).execute(connection, [row(1)])
        assert connection.in_transaction()
        connection.rollback()
    assert stored(engine) == []


def test_a_failing_insert_raises_what_sqlalchemy_raises(engine: Engine) -> None:
    with pytest.raises(IntegrityError), engine.begin() as connection:
        RowInsert(audit_log, COLUMNS).execute(connection, [row(1), row(1)])
    with pytest.raises(IntegrityError), engine.begin() as connection:
        RowInsert(audit_log, COLUMNS).execute(connection, [row(1, outcome=None)])
    assert stored(engine) == []


def test_the_access_log_statement_takes_the_rows_an_access_makes(engine: Engine) -> None:
    access = Access(client="portal", action=Action.READ, outcome=OK, record_type="Person")
    _, rows = access_rows(access, at=datetime.now(UTC), records=[("001090000001", 1)])
    assert set(rows[0]) == set(ACCESS_COLUMNS)
    with engine.begin() as connection:
        RowInsert(access_log, ACCESS_COLUMNS).execute(connection, rows)
    with engine.connect() as connection:
        [(record_id, version)] = connection.execute(
            select(access_log.c.record_id, access_log.c.version)
        )
    assert (record_id, version) == ("001090000001", 1)
