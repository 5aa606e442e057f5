"""Read a node's change log as a feed: the entries a peer has not yet received.

The sender keeps no state per reader beyond what it was acknowledged: the reader says
where it stands (its cursor per origin) and gets what follows, filtered by its
subscription. A node never sends a peer the peer's own entries back, except when the
peer asks to recover them (its store was restored from an older copy).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from sqlalchemy import and_, select, tuple_
from sqlalchemy.engine import Connection

from lienthong.store.models import change_log, change_log_heads, current_records, records
from lienthong.store.records import record_of
from lienthong.store.replicas import Replicated
from lienthong.sync.batches import Batch, Range
from lienthong.sync.subscriptions import Subscription

#: Entries read at most for one batch, wanted or not.
MAX_BATCH: Final = 5000

_ENTRIES: Final = (
    select(change_log.c.origin_node, change_log.c.sequence, records)
    .select_from(
        change_log.join(
            records,
            and_(
                records.c.record_type == change_log.c.record_type,
                records.c.record_id == change_log.c.record_id,
                records.c.version == change_log.c.version,
            ),
        )
    )
    .order_by(change_log.c.sequence)
)


def replicated(row: Any) -> Replicated:
    """Return a change-log entry joined with its version (a row of both) as a replicated version."""
    return Replicated(row.origin_node, row.sequence, record_of(row))


def origins(connection: Connection) -> list[str]:
    """Return every origin this node holds entries of, its own included."""
    return list(
        connection.execute(
            select(change_log_heads.c.origin_node).order_by(change_log_heads.c.origin_node)
        ).scalars()
    )


#: Only the entries of versions that are still current: a snapshot.
CURRENT_ENTRIES: Final = _ENTRIES.join(
    current_records,
    and_(
        current_records.c.record_type == change_log.c.record_type,
        current_records.c.record_id == change_log.c.record_id,
        current_records.c.version == change_log.c.version,
    ),
)


def read_origin(
    connection: Connection,
    *,
    origin: str,
    after: int,
    limit: int,
    through: int | None = None,
    current_only: bool = False,
) -> list[Replicated]:
    """Return an origin's entries after a sequence number (through another), in order.

    ``current_only`` skips the entries of versions superseded since: what a new node
    needs to start from (a snapshot), in the same order and ranges as the log.
    """
    statement = (CURRENT_ENTRIES if current_only else _ENTRIES).where(
        change_log.c.origin_node == origin, change_log.c.sequence > after
    )
    if through is not None:
        statement = statement.where(change_log.c.sequence <= through)
    rows = connection.execute(statement.limit(limit))
    return [replicated(row) for row in rows]


def _left(connection: Connection, items: list[Replicated], subscription: Subscription) -> set[int]:
    """Return the positions of versions whose previous version was in the subscription.

    The subscriber holds that previous version: it must see the record leave.
    """
    wanted_before: set[int] = set()
    keys = [
        (item.record.record_type, item.record.record_id, item.record.version - 1)
        for item in items
        if item.record.version > 1
    ]
    partitions: dict[tuple[str, str, int], str | None] = {}
    for start in range(0, len(keys), 500):
        rows = connection.execute(
            select(
                records.c.record_type,
                records.c.record_id,
                records.c.version,
                records.c.partition_key,
            ).where(
                tuple_(records.c.record_type, records.c.record_id, records.c.version).in_(
                    keys[start : start + 500]
                )
            )
        )
        partitions.update(
            ((row.record_type, row.record_id, row.version), row.partition_key) for row in rows
        )
    for position, item in enumerate(items):
        record = item.record
        key = (record.record_type, record.record_id, record.version - 1)
        if key in partitions and subscription.wants(record.record_type, partitions[key]):
            wanted_before.add(position)
    return wanted_before


def read_feed(
    connection: Connection,
    *,
    sender: str,
    subscriber: str,
    subscription: Subscription,
    cursors: Mapping[str, int],
    limit: int = MAX_BATCH,
    recover: bool = False,
    snapshot: bool = False,
) -> Batch:
    """Return the next batch for a subscriber, unsigned, from its cursors per origin.

    ``recover`` also sends the subscriber's own entries it no longer holds. ``snapshot``
    sends only versions that are still current (a new node's bootstrap): a range then
    ends at the last current entry, and the log after it follows in normal pulls.
    """
    ranges: dict[str, Range] = {}
    entries: list[Replicated] = []
    budget = limit
    for origin in origins(connection):
        if budget <= 0:
            break
        if origin == subscriber and not recover:
            continue
        after = cursors.get(origin, 0)
        items = read_origin(
            connection, origin=origin, after=after, limit=budget, current_only=snapshot
        )
        if not items:
            continue
        budget -= len(items)
        ranges[origin] = Range(after, items[-1].sequence)
        # A node recovering its own entries gets all of them back, whichever partition
        # they are in: they are its own writes (a change request, a person it registered
        # for another province), not a subscription.
        recovering = origin == subscriber
        unwanted = [
            position
            for position, item in enumerate(items)
            if not recovering
            and not subscription.wants(item.record.record_type, item.record.partition)
        ]
        leaving = _left(connection, [items[position] for position in unwanted], subscription)
        dropped = {position for offset, position in enumerate(unwanted) if offset not in leaving}
        entries.extend(item for position, item in enumerate(items) if position not in dropped)
    return Batch(sender, ranges, tuple(entries))
