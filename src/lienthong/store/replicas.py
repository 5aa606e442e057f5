"""Read replicas: versions written on other nodes, stored exactly as their owner wrote them.

A replica version keeps its owner's version number, content, schema version and
recorded time, and its change-log entry keeps the origin node and sequence number it
had there. The entry's key ``(origin, sequence)`` is what makes applying idempotent: a
version already in the change log is skipped, however often it arrives. Content is
not validated against this node's schema: a record written by a node on a newer schema
keeps the fields this node does not know, and is indexed by the ones it does.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

from sqlalchemy import bindparam, select
from sqlalchemy.engine import Connection

from lienthong.errors import LienthongError
from lienthong.i18n import N_
from lienthong.store import changelog, dialects, models, search
from lienthong.store.events import Event, RecordCreated, RecordDeleted, RecordUpdated
from lienthong.store.records import (
    CHUNK,
    VERSION_COLUMNS,
    Record,
    event_of,
    insert_index_rows,
    pointer_of,
    version_row,
)
from lienthong.store.search import IndexRows
from lienthong.systems.definition import RecordType

logger = logging.getLogger(__name__)

_records = models.records
_current = models.current_records
_NO_INDEX: Final[IndexRows] = ([], [], [], [], [])
_log = models.change_log
#: An origin's applied sequence numbers in a span: one range scan of the primary key.
_APPLIED_SPAN: Final = select(_log.c.sequence).where(
    _log.c.origin_node == bindparam("origin"),
    _log.c.sequence.between(bindparam("low"), bindparam("high")),
)
_APPLIED_AMONG: Final = select(_log.c.sequence).where(
    _log.c.origin_node == bindparam("origin"),
    _log.c.sequence.in_(bindparam("sequences", expanding=True)),
)
_CURRENT_OF: Final = select(_current.c.id, _current.c.record_id, _current.c.version).where(
    _current.c.record_type == bindparam("record_type"),
    _current.c.record_id.in_(bindparam("record_ids", expanding=True)),
)
_MOVE: Final = (
    _current.update()
    .where(_current.c.id == bindparam("resource_id"))
    .values(
        version=bindparam("new_version", type_=_current.c.version.type),
        owner_node=bindparam("new_owner_node", type_=_current.c.owner_node.type),
        partition_key=bindparam("new_partition_key", type_=_current.c.partition_key.type),
        content_hash=bindparam("new_content_hash", type_=_current.c.content_hash.type),
        recorded_at=bindparam("new_recorded_at", type_=_current.c.recorded_at.type),
        deleted=bindparam("new_deleted", type_=_current.c.deleted.type),
    )
)


@dataclass(frozen=True, slots=True)
class Replicated:
    """A record version made on another node, with its place in that node's change log."""

    origin_node: str
    sequence: int
    record: Record


def _chunks(values: Sequence[Any]) -> list[Sequence[Any]]:
    return [values[start : start + CHUNK] for start in range(0, len(values), CHUNK)]


class ReplicaStore:
    """Apply other nodes' versions and retire replicas, as one node, on one connection."""

    def __init__(
        self,
        connection: Connection,
        *,
        node: str,
        record_types: Mapping[str, RecordType],
        events: list[Event],
    ) -> None:
        self._connection = connection
        self.node = node
        self._types = record_types
        self.events = events

    def applied(self, keys: Sequence[tuple[str, int]]) -> set[tuple[str, int]]:
        """Return which ``(origin, sequence)`` keys this node's change log already holds."""
        by_origin: dict[str, set[int]] = {}
        for origin, sequence in keys:
            by_origin.setdefault(origin, set()).add(sequence)
        found: set[tuple[str, int]] = set()
        for origin, sequences in by_origin.items():
            low, high = min(sequences), max(sequences)
            held: list[int] = []
            # A batch covers a run of its origin's sequence numbers, with gaps only where
            # the subscription dropped entries: scanning the run costs one query where
            # a list of keys costs a statement of a thousand parameters per chunk.
            if high - low < 4 * len(sequences) + 1000:
                held.extend(
                    self._connection.execute(
                        _APPLIED_SPAN, {"origin": origin, "low": low, "high": high}
                    ).scalars()
                )
            else:
                for chunk in _chunks(sorted(sequences)):
                    held.extend(
                        self._connection.execute(
                            _APPLIED_AMONG, {"origin": origin, "sequences": list(chunk)}
                        ).scalars()
                    )
            found.update((origin, sequence) for sequence in held if sequence in sequences)
        return found

    def apply(self, versions: Sequence[Replicated]) -> list[Replicated]:
        """Store versions made elsewhere, skipping those already applied; return the new ones.

        A record's current version only moves forward: a version older than the one
        held (it arrived by another path after a newer one) joins the history only.
        """
        seen = self.applied([(item.origin_node, item.sequence) for item in versions])
        fresh: list[Replicated] = []
        for item in versions:
            key = (item.origin_node, item.sequence)
            if key not in seen:
                seen.add(key)
                fresh.append(item)
        if not fresh:
            return []
        with self._connection.begin_nested():
            self._insert_versions([item.record for item in fresh])
            self._move_pointers([item.record for item in fresh])
            changelog.append(
                self._connection,
                [
                    changelog.ChangeEntry(
                        origin_node=item.origin_node,
                        sequence=item.sequence,
                        record_type=item.record.record_type,
                        record_id=item.record.record_id,
                        version=item.record.version,
                        content_hash=item.record.content_hash,
                        recorded_at=item.record.recorded_at,
                    )
                    for item in fresh
                ],
            )
            last: dict[str, int] = {}
            for item in fresh:
                last[item.origin_node] = max(last.get(item.origin_node, 0), item.sequence)
            for origin, sequence in last.items():
                # Recovering its own entries from central, a node must go on numbering
                # after them; for other origins this is the last entry seen from them.
                dialects.raise_counter(
                    self._connection,
                    models.change_log_heads,
                    key={"origin_node": origin},
                    column="last_sequence",
                    to=sequence,
                )
        for item in fresh:
            record = item.record
            kind = (
                RecordDeleted
                if record.deleted
                else RecordCreated
                if record.version == 1
                else RecordUpdated
            )
            self.events.append(
                event_of(kind, record, origin_node=item.origin_node, sequence=item.sequence)
            )
        return fresh

    def restore(self, records: Sequence[Record]) -> None:
        """Make versions already in the change log current again (a repair after damage).

        The current pointer and search rows are rebuilt exactly as for a delivered
        version; nothing is appended to the change log and no event is published.
        """
        with self._connection.begin_nested():
            self._move_pointers(records)

    def retire(self, *, record_type: str, record_id: str) -> bool:
        """Stop holding a replica (it left this node's partitions); its history stays.

        Returns whether there was a current version to retire. A node never retires a
        record it owns.
        """
        row = self._connection.execute(
            select(_current.c.id, _current.c.owner_node).where(
                _current.c.record_type == record_type, _current.c.record_id == record_id
            )
        ).first()
        if row is None:
            return False
        if row.owner_node == self.node:
            raise LienthongError(
                "store.retire_owned",
                N_(
                    "{record_type} {record_id} is owned by this node, which cannot retire it."
                    " Transfer it to its new owner first."
                ),
                record_type=record_type,
                record_id=record_id,
            )
        with self._connection.begin_nested():
            for table in models.SEARCH_TABLES:
                self._connection.execute(table.delete().where(table.c.resource_id == row.id))
            self._connection.execute(_current.delete().where(_current.c.id == row.id))
        return True

    # -- internals -----------------------------------------------------------------------

    def _insert_versions(self, records: Sequence[Record]) -> None:
        # A version can arrive by two paths (from its origin and relayed); the one held
        # is the same version, so it is kept and the other skipped.
        dialects.insert_new_rows(
            self._connection,
            _records,
            VERSION_COLUMNS,
            [version_row(record) for record in records],
            key=("record_type", "record_id", "version"),
        )

    def _index(self, record: Record) -> IndexRows:
        record_type = self._types.get(record.record_type)
        if record_type is None or record.deleted:
            return _NO_INDEX
        try:
            return search.index_tuples(record_type, record.content)
        except LienthongError as error:
            # The owner accepted this content under its schema; a replica that cannot
            # index a field still holds the record and serves it by identifier.
            logger.warning(
                "%s %s v%d is held without search index: %s",
                record.record_type,
                record.record_id,
                record.version,
                error.code,
            )
            return _NO_INDEX

    def _move_pointers(self, records: Sequence[Record]) -> None:
        newest: dict[tuple[str, str], Record] = {}
        for record in records:
            key = (record.record_type, record.record_id)
            held = newest.get(key)
            if held is None or record.version > held.version:
                newest[key] = record
        by_type: dict[str, list[str]] = {}
        for record_type, record_id in newest:
            by_type.setdefault(record_type, []).append(record_id)
        current: dict[tuple[str, str], Any] = {}
        for record_type, record_ids in by_type.items():
            # One identifier list per type: SQLAlchemy renders a list of pairs parameter
            # by parameter at every call, which cost more than the lookups themselves.
            for chunk in _chunks(record_ids):
                rows = self._connection.execute(
                    _CURRENT_OF, {"record_type": record_type, "record_ids": list(chunk)}
                )
                current.update(((record_type, row.record_id), row) for row in rows)
        created: list[Record] = []
        moved: list[tuple[int, Record]] = []
        for key, record in newest.items():
            row = current.get(key)
            if row is None:
                created.append(record)
            elif record.version > row.version:
                moved.append((row.id, record))
        if moved:
            self._connection.execute(
                _MOVE,
                [
                    {
                        "resource_id": resource_id,
                        **{f"new_{name}": value for name, value in pointer_of(record).items()},
                    }
                    for resource_id, record in moved
                ],
            )
        for chunk in _chunks([resource_id for resource_id, _ in moved]):
            for table in models.SEARCH_TABLES:
                self._connection.execute(table.delete().where(table.c.resource_id.in_(chunk)))
        keys = dialects.allocate_keys(self._connection, _current, "id", len(created))
        dialects.bulk_insert(
            self._connection,
            _current,
            [
                {
                    "id": key,
                    "record_type": record.record_type,
                    "record_id": record.record_id,
                    **pointer_of(record),
                }
                for key, record in zip(keys, created, strict=True)
            ],
        )
        indexed = [
            (resource_id, self._index(record))
            for resource_id, record in [*moved, *zip(keys, created, strict=True)]
        ]
        insert_index_rows(self._connection, indexed)
