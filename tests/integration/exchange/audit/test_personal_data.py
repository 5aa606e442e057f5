"""Every access to personal data is also an entry of the audit log, in the same transaction."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import func, select
from sqlalchemy.engine import Engine
from tests.integration.exchange.audit.helpers import NODE, T0, checkpoint, verify
from tests.integration.store.example import person
from tests.integration.web.apitest import make_api

from lienthong.access import Access, AccessLogWriter, Action, log_access
from lienthong.access.models import access_log
from lienthong.exchange.audit import LoggedEntry, tail
from lienthong.exchange.audit.models import audit_log


def _audit(engine: Engine) -> list[LoggedEntry]:
    with engine.connect() as connection:
        return tail(connection=connection, limit=1000)


def _count(engine: Engine, table: object) -> int:
    with engine.connect() as connection:
        return int(connection.execute(select(func.count()).select_from(table)).scalar_one())  # type: ignore[arg-type]


READ = Access(
    client="VN/GOV/01/portal",
    action=Action.READ,
    outcome="ok",
    record_type="Person",
    purpose="xác minh cư trú",
    user_id="VN012345",
)


def test_a_logged_access_is_an_audit_entry_naming_the_records(engine: Engine) -> None:
    with engine.begin() as connection:
        request_id = log_access(
            connection=connection,
            access=READ,
            at=T0,
            records=[("001090000001", 3), ("001090000002", 1)],
            node_id=NODE,
        )
    [logged] = _audit(engine)
    audited = logged.entry
    assert (audited.kind, audited.message_id, audited.node_id) == ("record.read", request_id, NODE)
    assert (audited.client, audited.purpose, audited.user_id, audited.outcome) == (
        READ.client,
        READ.purpose,
        READ.user_id,
        "ok",
    )
    assert audited.service == "Person"
    assert json.loads(audited.details or "") == {
        "action": "read",
        "record_type": "Person",
        "records": [["001090000001", 3], ["001090000002", 1]],
    }


@pytest.mark.parametrize(
    "action, kind",
    [
        (Action.SEARCH, "record.read"),
        (Action.HISTORY, "record.read"),
        (Action.CREATE, "record.write"),
        (Action.UPDATE, "record.write"),
        (Action.DELETE, "record.write"),
        (Action.OPERATION, "record.operation"),
    ],
)
def test_each_action_is_audited_as_its_kind(engine: Engine, action: Action, kind: str) -> None:
    access = Access(client="c", action=action, outcome="ok", record_type=None)
    with engine.begin() as connection:
        log_access(connection=connection, access=access, at=T0, records=[("example.count", None)])
    [logged] = _audit(engine)
    assert logged.entry.kind == kind
    if action is Action.OPERATION:
        assert logged.entry.service == "example.count"


def test_an_access_rolled_back_leaves_neither_row_nor_audit_entry(engine: Engine) -> None:
    with engine.connect() as connection, connection.begin() as transaction:
        log_access(connection=connection, access=READ, at=T0, records=[("1", 1)])
        transaction.rollback()
    assert (_count(engine, access_log), _count(engine, audit_log)) == (0, 0)


def test_the_access_log_writer_commits_each_access_with_its_audit_entry(engine: Engine) -> None:
    writer = AccessLogWriter(engine, node_id=NODE)

    async def main() -> list[str]:
        return list(
            await asyncio.gather(
                *(writer.awrite(READ, at=T0, records=[(f"{n:012}", 1)]) for n in range(30))
            )
        )

    request_ids = asyncio.run(main())
    writer.close()
    audited = _audit(engine)
    assert sorted(e.entry.message_id or "" for e in audited) == sorted(request_ids)
    assert {e.entry.node_id for e in audited} == {NODE}
    key = Ed25519PrivateKey.generate()
    checkpoint(engine, key)
    assert verify(engine, key).ok


def test_reads_and_writes_through_the_api_are_in_the_audit_chain(
    engine: Engine, tmp_path: Path
) -> None:
    api = make_api(engine, tmp_path)
    assert api.client.post("/api/example/Person", json=person(), headers=api.headers()).is_success
    read = api.client.get("/api/example/Person/001090000001", headers=api.reader())
    assert read.status_code == 200
    refused = api.client.get("/api/example/Person/001090000001", headers=api.reader(None))
    assert refused.status_code == 403
    api.client.app.state.context.close()  # type: ignore[attr-defined]
    kinds = [(e.entry.kind, e.entry.client, e.entry.outcome) for e in _audit(engine)]
    assert kinds == [
        ("record.write", "test-writer", "ok"),
        ("record.read", "test-reader", "ok"),
        ("record.read", "test-reader", "access.purpose_required"),
    ]
    key = Ed25519PrivateKey.generate()
    checkpoint(engine, key)
    assert verify(engine, key).ok
