"""The change log (outbox): one entry per committed write, numbered per origin node.

Only the record store appends to it, inside the write's own transaction; sync and
event consumers read it. Sequence numbers are gap-free on the local node because they
come from a counter row updated in the same transaction: a rollback returns them, and
the counter's row lock, held until commit, makes entries commit in sequence order.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Final

from sqlalchemy import func, select
from sqlalchemy.engine import Connection, Engine

from lienthong.errors import LienthongError
from lienthong.i18n import N_
from lienthong.store import dialects
from lienthong.store.models import change_log, change_log_heads

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


def reserve(connection: Connection, *, origin: str, count: int) -> int:
    """Take the next ``count`` sequence numbers of an origin and return the first.

    On PostgreSQL this locks the origin's counter row until the transaction ends, so
    the writers of one node take turns from here to their commit.
    """
    last = dialects.increment_counter(
        connection,
        change_log_heads,
        key={"origin_node": origin},
        column="last_sequence",
        by=count,
    )
    return last - count + 1


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
