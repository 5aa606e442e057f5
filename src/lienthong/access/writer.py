"""Group commit of the access log: many requests' entries, one transaction, each awaited.

A personal read must not answer before its access-log entry is committed. Committing
each entry in its own transaction makes concurrent reads queue for the database's
write lock (SQLite has one writer) and pay one commit each. The writer instead collects
the entries of concurrent requests in memory and commits them together from one thread:
each request waits for the commit of the batch that holds its entry, so it still
answers only once the entry is durably written, and a failed commit fails exactly the
requests whose entries it held.

On SQLite the entries of the requests an event loop handles together are committed on
that loop, after its ready callbacks, on a connection of the writer's own that never
waits for the write lock: a local commit (no fsync in WAL mode) is cheaper than the hop
to a thread. When another connection holds the lock, or on any failure, the batch goes
to the writer thread, which waits for the lock as every writer does. The loop's commits
never checkpoint the WAL (the checkpoint's fsync would stall every request on the loop):
the writer thread does, every few hundred commits. On PostgreSQL,
where a commit is a round trip, entries always go to the writer thread.

    writer = AccessLogWriter(engine)
    request_id = await writer.awrite(access, at=now, records=[("001090000001", 3)])
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import Sequence
from concurrent.futures import Future
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final

from sqlalchemy.engine import Connection, Engine

from lienthong.access.log import Access, access_rows
from lienthong.access.models import access_log
from lienthong.store import dialects

#: How long the writer thread waits for work before it stops (it restarts on demand).
IDLE_SECONDS: Final = 2.0
#: The most entries one transaction takes; a longer queue is committed in several.
MAX_BATCH: Final = 2000
#: Commits on an event loop between two WAL checkpoints, which the writer thread runs.
CHECKPOINT_EVERY: Final = 200


@dataclass
class _Entry:
    """One access waiting to be committed, and who waits for it."""

    request_id: str
    rows: list[dict[str, Any]]
    future: Future[str] | None = None
    loop: asyncio.AbstractEventLoop | None = None
    waiter: asyncio.Future[str] | None = None


def _settle(outcomes: Sequence[tuple[asyncio.Future[str], str, BaseException | None]]) -> None:
    # Runs in the waiters' event loop. A waiter cancelled meanwhile (its client went
    # away) is left alone; its entry was written all the same.
    for waiter, request_id, error in outcomes:
        if waiter.done():
            continue
        if error is None:
            waiter.set_result(request_id)
        else:
            waiter.set_exception(error)


class AccessLogWriter:
    """Append accesses to the log from any thread or event loop, committed in batches."""

    def __init__(
        self, engine: Engine, *, idle: float = IDLE_SECONDS, max_batch: int = MAX_BATCH
    ) -> None:
        self._engine = engine
        self._idle = idle
        self._max_batch = max_batch
        self._condition = threading.Condition()
        self._pending: list[_Entry] = []
        self._thread: threading.Thread | None = None
        self._stopping = False
        #: Commit on the caller's event loop first (SQLite), or always in the thread.
        self.on_loop = dialects.backend_of(engine.dialect) == "sqlite"
        self._loop_pending: dict[asyncio.AbstractEventLoop, list[_Entry]] = {}
        self._here_lock = threading.Lock()
        self._here: Connection | None = None
        self._here_commits = 0
        self._checkpoint_due = False

    def submit(
        self, access: Access, *, at: datetime, records: Sequence[tuple[str, int | None]] = ()
    ) -> Future[str]:
        """Queue one access; the future gives its request id once it is committed."""
        request_id, rows = access_rows(access, at=at, records=records)
        future: Future[str] = Future()
        self._enqueue(_Entry(request_id, rows, future=future))
        return future

    def write(
        self, access: Access, *, at: datetime, records: Sequence[tuple[str, int | None]] = ()
    ) -> str:
        """Append one access and return its request id once it is committed."""
        return self.submit(access, at=at, records=records).result()

    async def awrite(
        self, access: Access, *, at: datetime, records: Sequence[tuple[str, int | None]] = ()
    ) -> str:
        """Append one access and return its request id once it is committed."""
        request_id, rows = access_rows(access, at=at, records=records)
        loop = asyncio.get_running_loop()
        waiter: asyncio.Future[str] = loop.create_future()
        entry = _Entry(request_id, rows, loop=loop, waiter=waiter)
        if not self.on_loop:
            self._enqueue(entry)
            return await waiter
        with self._condition:
            pending = self._loop_pending.setdefault(loop, [])
            pending.append(entry)
            first = len(pending) == 1
        if first:
            # After the callbacks already ready: the requests of this turn share a commit.
            loop.call_soon(self._flush_loop, loop)
        return await waiter

    def close(self) -> None:
        """Commit what is queued, then stop the writer thread (a later write starts it again)."""
        with self._here_lock:
            if self._here is not None:
                self._here.close()
                self._here = None
        with self._condition:
            thread = self._thread
            if thread is None:
                return
            self._stopping = True
            self._condition.notify()
        thread.join()

    def _flush_loop(self, loop: asyncio.AbstractEventLoop) -> None:
        with self._condition:
            batch = self._loop_pending.pop(loop, [])
        if not batch:
            return
        if not self._insert_here(batch):
            for entry in batch:
                self._enqueue(entry)
            return
        _settle([(e.waiter, e.request_id, None) for e in batch if e.waiter is not None])
        self._here_commits += 1
        if self._here_commits % CHECKPOINT_EVERY == 0:
            with self._condition:
                self._checkpoint_due = True
                self._wake()

    def _wake(self) -> None:
        """Start the writer thread, or wake it (the caller holds the condition)."""
        if self._thread is None:
            self._stopping = False
            self._thread = threading.Thread(target=self._run, name="access-log-writer", daemon=True)
            self._thread.start()
        else:
            self._condition.notify()

    def _insert_here(self, batch: Sequence[_Entry]) -> bool:
        """Commit a batch on the writer's own connection if the write lock is free at once."""
        with self._here_lock:
            try:
                if self._here is None:
                    connection = self._engine.connect()
                    # Its own connection, out of the pool: it never waits for the lock,
                    # and no other user gets a connection that does not wait.
                    connection.detach()
                    # Outside any transaction (no BEGIN IMMEDIATE just to set them).
                    cursor = connection.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
                    try:
                        cursor.execute("PRAGMA busy_timeout=0")
                        cursor.execute("PRAGMA wal_autocheckpoint=0")
                    finally:
                        cursor.close()
                    self._here = connection
                with self._here.begin():
                    self._here.execute(access_log.insert(), [row for e in batch for row in e.rows])
            except Exception:  # locked by another writer, or broken: the thread decides
                if self._here is not None and self._here.invalidated:
                    self._here.close()
                    self._here = None
                return False
        return True

    def _enqueue(self, entry: _Entry) -> None:
        with self._condition:
            self._pending.append(entry)
            self._wake()

    def _run(self) -> None:
        while True:
            with self._condition:
                while not self._pending and not self._checkpoint_due:
                    idle = self._stopping or not self._condition.wait(self._idle)
                    if idle and not self._pending and not self._checkpoint_due:
                        self._thread = None
                        return
                checkpoint, self._checkpoint_due = self._checkpoint_due, False
                batch = self._pending[: self._max_batch]
                del self._pending[: self._max_batch]
            if batch:
                self._commit(batch)
            if checkpoint:
                self._checkpoint()

    def _checkpoint(self) -> None:
        # PASSIVE: copies what it can without waiting for readers or blocking writers.
        with contextlib.suppress(Exception), self._engine.connect() as connection:
            connection.exec_driver_sql("PRAGMA wal_checkpoint(PASSIVE)")

    def _insert(self, batch: Sequence[_Entry]) -> list[BaseException | None]:
        try:
            with self._engine.begin() as connection:
                connection.execute(access_log.insert(), [row for e in batch for row in e.rows])
        except Exception as exc:  # every failure goes back to the requests it holds
            if len(batch) == 1:
                return [exc]
            # One bad entry must not fail the others: retry them one by one.
            return [self._insert([entry])[0] for entry in batch]
        return [None] * len(batch)

    def _commit(self, batch: list[_Entry]) -> None:
        waiting = [
            # From here on the entry is written even if its waiter gives up.
            entry.future is None or entry.future.set_running_or_notify_cancel()
            for entry in batch
        ]
        errors = self._insert(batch)
        by_loop: dict[asyncio.AbstractEventLoop, list[Any]] = {}
        for entry, error, waits in zip(batch, errors, waiting, strict=True):
            if entry.future is not None:
                if not waits:
                    continue
                if error is None:
                    entry.future.set_result(entry.request_id)
                else:
                    entry.future.set_exception(error)
            elif entry.loop is not None and entry.waiter is not None:
                by_loop.setdefault(entry.loop, []).append((entry.waiter, entry.request_id, error))
        for loop, outcomes in by_loop.items():
            # One wake-up per event loop per batch, not one per request; a closed loop
            # has nobody waiting any more.
            with contextlib.suppress(RuntimeError):
                loop.call_soon_threadsafe(_settle, outcomes)
