"""The change log (outbox): one entry per committed write, numbered per origin node.

Only the record store appends to it, inside the write's own transaction; sync and
event consumers read it. Sequence numbers come from a counter row updated in the same
transaction: a rollback returns them, and the counter's row lock, held until commit,
makes entries commit in sequence order. The log is gap-free on the local node unless
its store was restored from an older copy: the node's sequence fence (``fence``) then
says which numbers were handed out since, they are kept as a gap (``gaps``), and the
next write is numbered after them, never with a number somebody may already hold.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Final

from sqlalchemy import func, select
from sqlalchemy.engine import Connection, Engine

from lienthong.errors import LienthongError
from lienthong.i18n import N_
from lienthong.store import dialects
from lienthong.store.fence import SequenceFence
from lienthong.store.models import change_log, change_log_gaps, change_log_heads

MAX_READ: Final = 10_000


@dataclass(frozen=True)
class ChangeEntry:
    """One committed write: which record version, by which origin node, at which position."""

    origin_node: str
    sequence: int
    record_type: str
    record_id: str
    version: int
    content_hash: str
    recorded_at: datetime


@dataclass(frozen=True)
class Gap:
    """Own sequence numbers handed out, after ``after`` through ``through``, the store lost."""

    after: int
    through: int
    found_at: datetime


def reserve(
    connection: Connection, *, origin: str, count: int, fence: SequenceFence | None = None
) -> int:
    """Take the next ``count`` sequence numbers of an origin and return the first.

    On PostgreSQL this locks the origin's counter row until the transaction ends, so
    the writers of one node take turns from here to their commit. With the node's
    ``fence`` the numbers are recorded there before the transaction can commit, and a
    counter found behind it (a restored store) jumps past it, leaving a gap.
    """
    last = dialects.increment_counter(
        connection,
        change_log_heads,
        key={"origin_node": origin},
        column="last_sequence",
        by=count,
    )
    if fence is None:
        return last - count + 1
    last = _past_fence(connection, origin=origin, last=last, count=count, handed_out=fence.read())
    # Above the fence now, so it is written without being read again.
    fence.write(last)
    return last - count + 1


def settle(connection: Connection, *, origin: str, fence: SequenceFence | None) -> int:
    """Record a gap if the counter is behind the fence; return the counter, raised past it.

    Sync calls this before it tells a peer how far this node's own entries go, so a
    restored store never claims to end before numbers it already handed out.
    """
    last = last_handed_out(connection, origin=origin)
    if fence is None:
        return last
    return _past_fence(connection, origin=origin, last=last, count=0, handed_out=fence.read())


def _past_fence(
    connection: Connection, *, origin: str, last: int, count: int, handed_out: int
) -> int:
    """Return the counter after taking ``count`` numbers, moved past ``handed_out`` if behind."""
    if last - count >= handed_out:
        return last
    # The numbers from the counter's old value through the fence's were handed out and
    # committed once; this store no longer has them. Two callers finding the gap at once
    # (a push settling, a write reserving) record it once.
    connection.execute(
        dialects.insert(change_log_gaps, connection.dialect)
        .values(
            origin_node=origin,
            after_sequence=last - count,
            through_sequence=handed_out,
            found_at=datetime.now(UTC),
        )
        .on_conflict_do_nothing(index_elements=["origin_node", "after_sequence"])
    )
    dialects.raise_counter(
        connection,
        change_log_heads,
        key={"origin_node": origin},
        column="last_sequence",
        to=handed_out + count,
    )
    return handed_out + count


def last_handed_out(connection: Connection, *, origin: str) -> int:
    """Return the counter: the last sequence number of an origin handed out here (0 if none)."""
    value = connection.execute(
        select(change_log_heads.c.last_sequence).where(change_log_heads.c.origin_node == origin)
    ).scalar()
    return int(value or 0)


def gaps(connection: Connection, *, origin: str) -> list[Gap]:
    """Return the ranges of an origin's own numbers its store lost, in order."""
    rows = connection.execute(
        select(change_log_gaps)
        .where(change_log_gaps.c.origin_node == origin)
        .order_by(change_log_gaps.c.after_sequence)
    )
    return [Gap(row.after_sequence, row.through_sequence, row.found_at) for row in rows]


def append(connection: Connection, entries: Sequence[ChangeEntry]) -> None:
    """Append entries numbered with sequence numbers from ``reserve``."""
    dialects.bulk_insert(connection, change_log, [vars(entry) for entry in entries])


class ChangeLog:
    """Read the change log on a connection."""

    def __init__(self, connection: Connection) -> None:
        self._connection = connection

    def after(self, *, origin: str, sequence: int = 0, limit: int = 1000) -> list[ChangeEntry]:
        """Return an origin's entries after a sequence number, in order, at most ``limit``."""
        if not 1 <= limit <= MAX_READ:
            raise LienthongError(
                "store.bad_limit",
                N_("Ask for between 1 and {maximum} entries at a time, not {limit}."),
                field="limit",
                maximum=MAX_READ,
                limit=limit,
            )
        rows = self._connection.execute(
            select(change_log)
            .where(change_log.c.origin_node == origin, change_log.c.sequence > sequence)
            .order_by(change_log.c.sequence)
            .limit(limit)
        ).mappings()
        return [ChangeEntry(**row) for row in rows]

    def last_sequence(self, *, origin: str) -> int:
        """Return the highest sequence number an origin has committed (0 when none)."""
        value = self._connection.execute(
            select(func.max(change_log.c.sequence)).where(change_log.c.origin_node == origin)
        ).scalar()
        return int(value or 0)

    def origins(self) -> list[str]:
        """Return every origin node with entries in the log."""
        rows = self._connection.execute(
            select(change_log_heads.c.origin_node).order_by(change_log_heads.c.origin_node)
        )
        return list(rows.scalars())


def read_changes(
    engine: Engine, *, origin: str, sequence: int = 0, limit: int = 1000
) -> list[ChangeEntry]:
    """Return an origin's committed entries after a sequence number, in a short transaction."""
    with engine.connect() as connection:
        return ChangeLog(dialects.read_only(connection)).after(
            origin=origin, sequence=sequence, limit=limit
        )
