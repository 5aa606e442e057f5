"""The group-commit writer: entries from many threads and requests, one unbroken chain."""

from __future__ import annotations

import asyncio
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import event, func, select
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from tests.integration.exchange.audit.helpers import NODE, T0, checkpoint, entry, verify

from lienthong.exchange.audit import AuditLogWriter, GroupCommitWriter, tail
from lienthong.exchange.audit.models import audit_log


def _count(engine: Engine) -> int:
    with engine.connect() as connection:
        return int(connection.execute(select(func.count()).select_from(audit_log)).scalar_one())


def test_threads_writing_through_the_writer_leave_an_unbroken_chain(engine: Engine) -> None:
    writer = AuditLogWriter(engine, node_id=NODE)
    commits = [0]

    def counted(*_: object) -> None:
        commits[0] += 1

    event.listen(engine, "commit", counted)
    with ThreadPoolExecutor(8) as pool:
        sequences = list(pool.map(lambda n: writer.write(entry(n)), range(1, 201)))
    writer.close()
    assert sorted(sequences) == list(range(1, 201))
    assert commits[0] < 200  # batched
    key = Ed25519PrivateKey.generate()
    checkpoint(engine, key)
    report = verify(engine, key)
    assert report.ok and report.entries == 200


def test_requests_on_event_loops_in_several_threads_share_commits(engine: Engine) -> None:
    writer = AuditLogWriter(engine, node_id=NODE)
    results: list[list[int]] = []
    lock = threading.Lock()

    def serve(worker: int) -> None:
        async def main() -> list[int]:
            return list(
                await asyncio.gather(*(writer.awrite(entry(100 * worker + n)) for n in range(25)))
            )

        found = asyncio.run(main())
        with lock:
            results.append(found)

    threads = [threading.Thread(target=serve, args=(worker,)) for worker in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    writer.close()
    assert sorted(n for found in results for n in found) == list(range(1, 101))
    key = Ed25519PrivateKey.generate()
    checkpoint(engine, key)
    assert verify(engine, key).ok


def test_an_entry_that_cannot_be_written_fails_alone(engine: Engine) -> None:
    writer = AuditLogWriter(engine, node_id=NODE)

    async def main() -> list[object]:
        return list(
            await asyncio.gather(
                writer.awrite(entry(1)),
                writer.awrite(entry(2, outcome=None)),
                writer.awrite(entry(3)),
                return_exceptions=True,
            )
        )

    first, failed, last = asyncio.run(main())
    writer.close()
    assert isinstance(failed, IntegrityError)
    assert (first, last) == (1, 2)
    with engine.connect() as connection:
        assert [e.entry.message_id for e in tail(connection=connection)] == [
            "msg-000001",
            "msg-000003",
        ]


@dataclass(frozen=True)
class _Call:
    """A gateway's record of one call, as its ``CallRecord`` has it."""

    side: str
    message_id: str
    client: str
    service: str
    user_id: str
    purpose: str
    outcome: str
    status: int
    request_size: int
    response_size: int
    duration_ms: float
    request_hash: str
    response_hash: str
    at: datetime
    body: str | None = None


def test_a_gateway_records_its_calls_through_the_writer(engine: Engine) -> None:
    writer = AuditLogWriter(engine, node_id=NODE)
    call = _Call(
        side="client",
        message_id="4f1c",
        client="VN/GOV/BCA/population",
        service="VN/GOV/BTC/tax/income",
        user_id="",
        purpose="tax.check",
        outcome="exchange.access.denied",
        status=403,
        request_size=0,
        response_size=180,
        duration_ms=3.25,
        request_hash="e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
        response_hash="",
        at=T0,
    )
    asyncio.run(writer.record(call))
    writer.close()
    with engine.connect() as connection:
        [logged] = tail(connection=connection)
    assert logged.entry.kind == "exchange.client"
    assert (logged.entry.node_id, logged.entry.status, logged.entry.user_id) == (NODE, 403, None)
    assert logged.entry.response_hash is None and logged.entry.body is None


def test_the_machinery_commits_any_batch_it_is_given(engine: Engine) -> None:
    def insert(connection: object, items: list[int]) -> list[str]:
        return [f"item {item}" for item in items]

    writer: GroupCommitWriter[int, str] = GroupCommitWriter(engine, insert)  # type: ignore[arg-type]
    assert writer.write(7) == "item 7"
    writer.close()
    assert _count(engine) == 0
