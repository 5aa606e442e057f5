"""Group commit of the access log: batched, durable before the answer, failures kept apart."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import event, func, select
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError

from lienthong.access import Access, AccessLogWriter, Action
from lienthong.access.models import access_log
from lienthong.store import create_engine, dialects, sqlite_url

AT = datetime(2025, 7, 1, 1, 0, tzinfo=UTC)


def _access(client: str = "VN/GOV/01/portal", outcome: Any = "ok") -> Access:
    return Access(
        client=client, action=Action.READ, outcome=outcome, record_type="Person", purpose="test"
    )


def _rows(engine: Engine) -> list[tuple[Any, ...]]:
    with engine.connect() as connection:
        return [
            tuple(row)
            for row in connection.execute(
                select(
                    access_log.c.request_id, access_log.c.client, access_log.c.record_id
                ).order_by(access_log.c.id)
            )
        ]


def _count_commits(engine: Engine) -> list[int]:
    commits = [0]

    def counted(*_: Any) -> None:
        commits[0] += 1

    event.listen(engine, "commit", counted)
    return commits


def test_concurrent_entries_share_a_commit_and_are_written_before_they_return(
    engine: Engine,
) -> None:
    writer = AccessLogWriter(engine)
    commits = _count_commits(engine)

    async def read(index: int) -> tuple[str, int]:
        request_id = await writer.awrite(_access(), at=AT, records=[(f"{index:012}", 1)])
        # The entry is committed: another connection sees it already.
        with engine.connect() as connection:
            seen = connection.execute(
                select(func.count())
                .select_from(access_log)
                .where(access_log.c.request_id == request_id)
            ).scalar_one()
        return request_id, seen

    async def main() -> list[tuple[str, int]]:
        return await asyncio.gather(*(read(index) for index in range(50)))

    results = asyncio.run(main())
    writer.close()
    assert all(seen == 1 for _, seen in results)
    assert len({request_id for request_id, _ in results}) == 50
    assert len(_rows(engine)) == 50
    assert commits[0] < 50
    if dialects.backend_of(engine.dialect) == "sqlite":
        assert commits[0] == 1


def test_an_entry_that_cannot_be_written_fails_its_own_request_only(engine: Engine) -> None:
    writer = AccessLogWriter(engine)

    async def main() -> Sequence[Any]:
        return await asyncio.gather(
            writer.awrite(_access("a"), at=AT, records=[("1", 1)]),
            writer.awrite(_access("b", outcome=None), at=AT, records=[("2", 1)]),
            writer.awrite(_access("c"), at=AT, records=[("3", 1)]),
            return_exceptions=True,
        )

    first, failed, last = asyncio.run(main())
    writer.close()
    assert isinstance(failed, IntegrityError)
    assert isinstance(first, str) and isinstance(last, str)
    assert [row[1] for row in _rows(engine)] == ["a", "c"]


def test_blocking_writes_from_threads_are_committed_in_batches(engine: Engine) -> None:
    writer = AccessLogWriter(engine)
    with ThreadPoolExecutor(8) as pool:
        ids = list(
            pool.map(lambda i: writer.write(_access(), at=AT, records=[(str(i), 1)]), range(40))
        )
    writer.close()
    assert sorted(ids) == sorted(row[0] for row in _rows(engine))


def test_a_write_lock_held_elsewhere_sends_the_batch_to_the_thread_that_waits(
    tmp_path: Path, migrated_sqlite: bytes
) -> None:
    # Only SQLite commits on the event loop, so only SQLite can hand a batch over.
    path = tmp_path / "node.db"
    path.write_bytes(migrated_sqlite)
    engine = create_engine(sqlite_url(path))
    writer = AccessLogWriter(engine)
    holder = engine.connect()
    holder.begin()  # BEGIN IMMEDIATE: the write lock is taken
    holder.exec_driver_sql("SELECT 1")

    def release() -> None:
        time.sleep(0.3)
        holder.rollback()

    releaser = threading.Thread(target=release)
    releaser.start()

    async def main() -> str:
        return await writer.awrite(_access(), at=AT, records=[("1", 1)])

    started = time.perf_counter()
    request_id = asyncio.run(main())
    releaser.join()
    holder.close()
    writer.close()
    assert time.perf_counter() - started >= 0.25  # it waited for the lock, it did not fail
    assert [row[0] for row in _rows(engine)] == [request_id]
    engine.dispose()


def test_close_writes_what_is_queued_and_a_later_write_starts_again(engine: Engine) -> None:
    writer = AccessLogWriter(engine)
    future = writer.submit(_access("a"), at=AT, records=[("1", 1)])
    writer.close()
    assert future.done() and future.result()
    writer.write(_access("b"), at=AT, records=[("2", 1)])
    writer.close()
    assert [row[1] for row in _rows(engine)] == ["a", "b"]
