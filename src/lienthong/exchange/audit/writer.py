"""Group commit: many callers' log entries, one transaction, each caller awaiting its own.

A gateway call or a personal read must not answer before its log entry is committed.
Committing each entry in its own transaction makes concurrent requests queue for the
database's write lock (SQLite has one writer; the audit chain takes turns on
PostgreSQL too) and pay one commit each. A ``GroupCommitWriter`` instead collects the
entries of concurrent requests in memory and commits them together from one thread:
each request waits for the commit of the batch that holds its entry, so it still
answers only once the entry is durably written, and a failed commit fails exactly the
requests whose entries it held. What a batch writes is the writer's ``insert``
function: audit entries (``AuditLogWriter``), or access-log rows with their audit
entries (``lienthong.access.AccessLogWriter``).

On SQLite the entries of the requests an event loop handles together are committed on
that loop, two turns after the first of them, on a connection of the writer's own that never
waits for the write lock: a local commit (no fsync in WAL mode) is cheaper than the hop
to a thread. When another connection holds the lock, or on any failure, the batch goes
to the writer thread, which waits for the lock as every writer does. The loop's commits
never checkpoint the WAL (the checkpoint's fsync would stall every request on the loop):
the writer thread does, every few hundred commits. On PostgreSQL, where a commit is a
round trip, entries always go to the writer thread.

    writer = AuditLogWriter(engine, node_id="VN/GOV/BCA/node")
    sequence = await writer.awrite(entry)
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import Future
from dataclasses import dataclass
from typing import Any, Final, Generic, TypeVar, cast

from sqlalchemy.engine import Connection, Engine

from lienthong.exchange.audit.log import AuditEntry, GatewayCall, append_entries, call_entry
from lienthong.store import dialects

T = TypeVar("T")
R = TypeVar("R")

#: How long the writer thread waits for work before it stops (it restarts on demand).
IDLE_SECONDS: Final = 2.0
#: The most entries one transaction takes; a longer queue is committed in several.
MAX_BATCH: Final = 2000
#: Commits on an event loop between two WAL checkpoints, which the writer thread runs.
CHECKPOINT_EVERY: Final = 200


@dataclass
class _Pending(Generic[T, R]):
    """One entry waiting to be committed, and who waits for it."""

    item: T
    future: Future[R] | None = None
    loop: asyncio.AbstractEventLoop | None = None
    waiter: asyncio.Future[R] | None = None


def _settle(outcomes: Sequence[tuple[asyncio.Future[Any], Any, BaseException | None]]) -> None:
    # Runs in the waiters' event loop. A waiter cancelled meanwhile (its client went
    # away) is left alone; its entry was written all the same.
    for waiter, result, error in outcomes:
        if waiter.done():
            continue
        if error is None:
            waiter.set_result(result)
        else:
            waiter.set_exception(error)


class GroupCommitWriter(Generic[T, R]):
    """Write entries from any thread or event loop, committed in batches.

    ``insert(connection, items)`` writes a batch in the transaction it is given and
    returns one result per item, in order; each caller gets its own item's result.
    """

    def __init__(
        self,
        engine: Engine,
        insert: Callable[[Connection, Sequence[T]], Sequence[R]],
        *,
        name: str = "group-commit-writer",
        idle: float = IDLE_SECONDS,
        max_batch: int = MAX_BATCH,
    ) -> None:
        self._engine = engine
        self._insert_batch = insert
        self._name = name
        self._idle = idle
        self._max_batch = max_batch
        self._condition = threading.Condition()
        self._pending: list[_Pending[T, R]] = []
        self._thread: threading.Thread | None = None
        self._stopping = False
        #: Commit on the caller's event loop first (SQLite), or always in the thread.
        self.on_loop = dialects.backend_of(engine.dialect) == "sqlite"
        self._loop_pending: dict[asyncio.AbstractEventLoop, list[_Pending[T, R]]] = {}
        self._here_lock = threading.Lock()
        self._here: Connection | None = None
        self._here_commits = 0
        self._checkpoint_due = False

    def submit(self, item: T) -> Future[R]:
        """Queue one entry; the future gives its result once it is committed."""
        future: Future[R] = Future()
        self._enqueue(_Pending(item, future=future))
        return future

    def write(self, item: T) -> R:
        """Write one entry and return its result once it is committed."""
        return self.submit(item).result()

    async def awrite(self, item: T) -> R:
        """Write one entry and return its result once it is committed."""
        loop = asyncio.get_running_loop()
        waiter: asyncio.Future[R] = loop.create_future()
        entry = _Pending(item, loop=loop, waiter=waiter)
        if not self.on_loop:
            self._enqueue(entry)
            return await waiter
        with self._condition:
            pending = self._loop_pending.setdefault(loop, [])
            pending.append(entry)
            first = len(pending) == 1
        if first:
            # Two turns of the loop later, not one: the requests of the next turn join the
            # commit too (a commit costs as much as two or three entries). On uvloop,
            # which serves I/O between turns, one turn gave batches a third smaller.
            loop.call_soon(loop.call_soon, self._flush_loop, loop)
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
        results = self._insert_here(batch)
        if results is None:
            for entry in batch:
                self._enqueue(entry)
            return
        _settle(
            [
                (entry.waiter, result, None)
                for entry, result in zip(batch, results, strict=True)
                if entry.waiter is not None
            ]
        )
        self._here_commits += 1
        if self._here_commits % CHECKPOINT_EVERY == 0:
            with self._condition:
                self._checkpoint_due = True
                self._wake()

    def _wake(self) -> None:
        """Start the writer thread, or wake it (the caller holds the condition)."""
        if self._thread is None:
            self._stopping = False
            self._thread = threading.Thread(target=self._run, name=self._name, daemon=True)
            self._thread.start()
        else:
            self._condition.notify()

    def _write(self, connection: Connection, batch: Sequence[_Pending[T, R]]) -> Sequence[R]:
        results = self._insert_batch(connection, [entry.item for entry in batch])
        if len(results) != len(batch):
            raise RuntimeError(f"{self._name}: {len(results)} results for {len(batch)} entries")
        return results

    def _insert_here(self, batch: Sequence[_Pending[T, R]]) -> Sequence[R] | None:
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
                    return self._write(self._here, batch)
            except Exception:  # locked by another writer, or broken: the thread decides
                if self._here is not None and self._here.invalidated:
                    self._here.close()
                    self._here = None
                return None

    def _enqueue(self, entry: _Pending[T, R]) -> None:
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

    def _insert(
        self, batch: Sequence[_Pending[T, R]]
    ) -> list[tuple[R | None, BaseException | None]]:
        try:
            with self._engine.begin() as connection:
                results = self._write(connection, batch)
        except Exception as exc:  # every failure goes back to the requests it holds
            if len(batch) == 1:
                return [(None, exc)]
            # One bad entry must not fail the others: retry them one by one.
            return [self._insert([entry])[0] for entry in batch]
        return [(result, None) for result in results]

    def _commit(self, batch: list[_Pending[T, R]]) -> None:
        waiting = [
            # From here on the entry is written even if its waiter gives up.
            entry.future is None or entry.future.set_running_or_notify_cancel()
            for entry in batch
        ]
        outcomes = self._insert(batch)
        by_loop: dict[asyncio.AbstractEventLoop, list[Any]] = {}
        for entry, (result, error), waits in zip(batch, outcomes, waiting, strict=True):
            if entry.future is not None:
                if not waits:
                    continue
                if error is None:
                    entry.future.set_result(cast(R, result))
                else:
                    entry.future.set_exception(error)
            elif entry.loop is not None and entry.waiter is not None:
                by_loop.setdefault(entry.loop, []).append((entry.waiter, result, error))
        for loop, settled in by_loop.items():
            # One wake-up per event loop per batch, not one per request; a closed loop
            # has nobody waiting any more.
            with contextlib.suppress(RuntimeError):
                loop.call_soon_threadsafe(_settle, settled)


def _append(connection: Connection, entries: Sequence[AuditEntry]) -> list[int]:
    return append_entries(connection=connection, entries=entries)


class AuditLogWriter(GroupCommitWriter[AuditEntry, int]):
    """Append audit entries from the hot paths, committed in batches; each gets its number.

    It is also what a gateway records its calls with (``record``).
    """

    def __init__(
        self,
        engine: Engine,
        *,
        node_id: str,
        idle: float = IDLE_SECONDS,
        max_batch: int = MAX_BATCH,
    ) -> None:
        super().__init__(engine, _append, name="audit-log-writer", idle=idle, max_batch=max_batch)
        self.node_id = node_id

    async def record(self, call: GatewayCall) -> None:
        """Record one call through a gateway; return once it is committed."""
        await self.awrite(call_entry(call, node_id=self.node_id))
