"""The record store: versioned records, their search index, and their change-log entries.

Every write, single or batch, goes through one path (``_persist``) that, in the
caller's transaction, moves the current pointer, appends the version, replaces the
search index rows and appends the change-log entry. Reads never need the index except
to search.
"""

from __future__ import annotations

import unicodedata
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Final, Literal

from sqlalchemy import Row, Select, and_, bindparam, false, select
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError

from lienthong.errors import LienthongError
from lienthong.i18n import N_
from lienthong.store import changelog, dialects, models, search
from lienthong.store.canonical import content_hash
from lienthong.store.events import (
    Event,
    RecordCreated,
    RecordDeleted,
    RecordEvent,
    RecordTransferred,
    RecordUpdated,
)
from lienthong.store.fence import SequenceFence
from lienthong.store.search import IndexRows
from lienthong.systems.definition import RecordType

Clock = Callable[[], datetime]

#: The most records one search page returns.
MAX_PAGE: Final = 1000
#: Identifiers per IN (...) list: below SQLite's bound-parameter limit with room to spare.
CHUNK: Final = 500

_records = models.records
_current = models.current_records


#: The versions of a record and its current one, joined on their keys (the primary key
#: of ``records``), for reads and searches.
_CURRENT_VERSION: Final = _current.join(
    _records,
    and_(
        _records.c.record_type == _current.c.record_type,
        _records.c.record_id == _current.c.record_id,
        _records.c.version == _current.c.version,
    ),
)

# The reads by identifier, built once: SQLAlchemy then reuses their cache key and
# compiled form, and each call only binds its values.
_GET_CURRENT: Final = (
    select(_records)
    .select_from(_CURRENT_VERSION)
    .where(
        _current.c.record_type == bindparam("record_type"),
        _current.c.record_id == bindparam("record_id"),
    )
)
_GET_VERSION: Final = select(_records).where(
    _records.c.record_type == bindparam("record_type"),
    _records.c.record_id == bindparam("record_id"),
    _records.c.version == bindparam("version"),
)
_GET_AS_OF: Final = (
    select(_records)
    .where(
        _records.c.record_type == bindparam("record_type"),
        _records.c.record_id == bindparam("record_id"),
        _records.c.recorded_at <= bindparam("as_of"),
    )
    .order_by(_records.c.version.desc())
    .limit(1)
)


#: The search statements built so far, by the shape of their conditions.
_SEARCHES: dict[search.Shape, Select[Any]] = {}
#: Shapes remembered at most: queries combine few parameters, so this is rarely reached.
_MAX_SEARCHES: Final = 1024


def _search_statement(shape: search.Shape) -> Select[Any]:
    """Return the statement of one page of live records matching conditions of a shape.

    It is built once per shape, with every value bound (``search.bind_conditions``, the
    record type, the cursor's ``after`` and the ``limit``), so that SQLAlchemy reuses its
    cache key and compiled form.
    """
    statement = (
        select(_current.c.id, _records)
        .select_from(_CURRENT_VERSION)
        .where(
            _current.c.record_type == bindparam("record_type"),
            _current.c.deleted == false(),
            _current.c.id > bindparam("after"),
            *search.bound_clauses(shape),
        )
        .order_by(_current.c.id)
        .limit(bindparam("limit"))
    )
    if len(_SEARCHES) >= _MAX_SEARCHES:
        _SEARCHES.clear()
    _SEARCHES[shape] = statement
    return statement


def utc_now() -> datetime:
    """Return the current time, aware, in UTC."""
    return datetime.now(UTC)


@dataclass(frozen=True)
class Record:
    """One version of a record. A tombstone (``deleted``) has empty content."""

    record_type: str
    record_id: str
    version: int
    schema_version: int
    owner_node: str
    partition: str | None
    content: dict[str, Any]
    content_hash: str
    recorded_at: datetime
    deleted: bool


@dataclass(frozen=True)
class Page:
    """One page of search results and the cursor of the next page (None on the last)."""

    records: tuple[Record, ...]
    next_cursor: str | None


#: What a batch write did with one item (see ``RecordStore.write_many``).
ItemStatus = Literal["created", "updated", "unchanged", "conflict", "rejected"]


@dataclass(frozen=True)
class ItemOutcome:
    """What a batch write did with one item: written, left alone, or refused and why.

    ``unchanged``: the record already holds this very content. ``conflict``: it holds
    other content (``content_hash`` is the stored one). ``rejected``: ``error`` says why.
    """

    status: ItemStatus
    record_id: str | None = None
    content_hash: str | None = None
    error: LienthongError | None = None


@dataclass(frozen=True, slots=True)
class Prepared:
    """One item of a batch write as checked without the database (see ``prepare``).

    ``error`` set: the content is invalid (with ``record_id`` when only its partition
    could not be read). ``index_error`` set: the content cannot be indexed, which refuses
    it only when it has to be written. Otherwise the item is ready to be written.
    """

    record_id: str | None = None
    content: dict[str, Any] | None = None
    content_hash: str | None = None
    partition: str | None = None
    index: IndexRows | None = None
    error: LienthongError | None = None
    partition_error: LienthongError | None = None
    index_error: LienthongError | None = None


def prepare(record_type: RecordType, raw: Mapping[str, Any]) -> Prepared:
    """Do an item's share of a batch write that needs no database.

    Validation, identifier, content hash, partition and search index rows depend on the
    content alone, so a bulk import computes them in another process while the store
    writes the previous batch; ``RecordStore.write_prepared`` takes the result.
    """
    try:
        content = record_type.validate(raw)
        record_id = record_type.record_id(content)
    except LienthongError as error:
        return Prepared(error=error)
    digest = content_hash(content)
    try:
        partition = record_type.partition_of(content)
    except LienthongError as error:
        return Prepared(record_id, content, digest, partition_error=error)
    try:
        index = search.index_tuples(record_type, content)
    except LienthongError as error:
        return Prepared(record_id, content, digest, partition, index_error=error)
    return Prepared(record_id, content, digest, partition, index)


_NO_INDEX: Final[IndexRows] = ([], [], [], [], [])


@dataclass(frozen=True)
class _Write:
    """A version about to be written, with what is known of the record's current state."""

    record_type: RecordType
    record_id: str
    version: int
    content: dict[str, Any]
    owner: str
    partition: str | None
    deleted: bool
    event: type[RecordEvent]
    current_id: int | None = None
    previous_at: datetime | None = None
    content_hash: str | None = None  # when already known, so it is not computed twice
    #: The schema the version is on, when newer than this node's (see ``update``).
    schema_version: int | None = None


def _chunks(values: Sequence[Any]) -> Iterable[Sequence[Any]]:
    for start in range(0, len(values), CHUNK):
        yield values[start : start + CHUNK]


def _nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def record_of(row: Any) -> Record:
    """Return the record version a row of ``records`` (or a join including it) holds."""
    return Record(
        record_type=row.record_type,
        record_id=row.record_id,
        version=row.version,
        schema_version=row.schema_version,
        owner_node=row.owner_node,
        partition=row.partition_key,
        content=dict(row.content),
        content_hash=row.content_hash,
        recorded_at=row.recorded_at,
        deleted=row.deleted,
    )


#: The columns of a row of ``records``, in the order ``version_row`` gives their values.
VERSION_COLUMNS: Final = (
    "record_type",
    "record_id",
    "version",
    "schema_version",
    "owner_node",
    "partition_key",
    "content",
    "content_hash",
    "recorded_at",
    "deleted",
)


def version_row(record: Record) -> tuple[Any, ...]:
    """Return the values of a record version's row of ``records`` (``VERSION_COLUMNS``)."""
    return (
        record.record_type,
        record.record_id,
        record.version,
        record.schema_version,
        record.owner_node,
        record.partition,
        record.content,
        record.content_hash,
        record.recorded_at,
        record.deleted,
    )


def pointer_of(record: Record) -> dict[str, Any]:
    """Return the columns of a record's current pointer that follow its version."""
    return {
        "version": record.version,
        "owner_node": record.owner_node,
        "partition_key": record.partition,
        "content_hash": record.content_hash,
        "recorded_at": record.recorded_at,
        "deleted": record.deleted,
    }


def event_of(
    kind: type[RecordEvent], record: Record, *, origin_node: str, sequence: int
) -> RecordEvent:
    """Return the event of a written version, with its place in the change log."""
    return kind(
        record_type=record.record_type,
        record_id=record.record_id,
        version=record.version,
        owner_node=record.owner_node,
        content_hash=record.content_hash,
        recorded_at=record.recorded_at,
        origin_node=origin_node,
        sequence=sequence,
    )


def _aware(moment: datetime, name: str) -> datetime:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise LienthongError(
            "store.naive_datetime",
            N_("The time {value} has no time zone. Give an aware datetime (UTC)."),
            field=name,
            value=moment.isoformat(),
        )
    return moment.astimezone(UTC)


def _not_found(record_type: str, record_id: str, version: int | None = None) -> LienthongError:
    if version is not None:
        return LienthongError(
            "store.not_found",
            N_("{record_type} {record_id} has no version {version}. List its history."),
            field="version",
            record_type=record_type,
            record_id=record_id,
            version=version,
        )
    return LienthongError(
        "store.not_found",
        N_("There is no {record_type} {record_id} here. Check the identifier."),
        field="record_id",
        record_type=record_type,
        record_id=record_id,
    )


def _deleted(record_type: str, record_id: str, version: int) -> LienthongError:
    return LienthongError(
        "store.deleted",
        N_(
            "{record_type} {record_id} was deleted (version {version}). Create it again to"
            " restore it, or read an earlier version."
        ),
        field="record_id",
        record_type=record_type,
        record_id=record_id,
        version=version,
    )


def _conflict(record_type: str, record_id: str, expected: int, actual: int) -> LienthongError:
    return LienthongError(
        "store.version_conflict",
        N_(
            "{record_type} {record_id} is at version {actual}, not {expected}: someone changed"
            " it. Read it again, reapply your change and retry."
        ),
        field="expected_version",
        record_type=record_type,
        record_id=record_id,
        expected=expected,
        actual=actual,
    )


def _not_owner(record_type: str, record_id: str, owner: str, node: str) -> LienthongError:
    return LienthongError(
        "store.not_owner",
        N_(
            "{record_type} {record_id} is owned by node {owner}; node {node} cannot write it."
            " Send the change to the owner as a change request."
        ),
        field="owner_node",
        record_type=record_type,
        record_id=record_id,
        owner=owner,
        node=node,
    )


def _already_exists(record_type: str, record_id: str) -> LienthongError:
    return LienthongError(
        "store.already_exists",
        N_("{record_type} {record_id} already exists. Update it instead of creating it."),
        field="record_id",
        record_type=record_type,
        record_id=record_id,
    )


class RecordStore:
    """Read and write the records of known record types, as one node, on one connection."""

    def __init__(
        self,
        connection: Connection,
        *,
        node: str,
        record_types: Mapping[str, RecordType],
        clock: Clock = utc_now,
        events: list[Event] | None = None,
        fence: SequenceFence | None = None,
    ) -> None:
        self._connection = connection
        self.node = node
        self._types = record_types
        self._clock = clock
        #: Where the node's own sequence numbers are fenced (None: nowhere, a bare store).
        self._fence = fence
        #: Events of the writes made so far; the unit of work publishes them after commit.
        self.events: list[Event] = events if events is not None else []

    # -- reads ---------------------------------------------------------------------------

    def get(
        self,
        *,
        record_type: str,
        record_id: str,
        version: int | None = None,
        as_of: datetime | None = None,
    ) -> Record:
        """Return the current version of a record, a given version, or the one valid at a time."""
        rt = self._type(record_type)
        record_id = _nfc(record_id)
        if version is not None and as_of is not None:
            raise LienthongError(
                "store.bad_read",
                N_("Ask for a version or for a time, not both."),
                field="as_of",
            )
        key = {"record_type": rt.name, "record_id": record_id}
        if version is not None:
            row = self._connection.execute(_GET_VERSION, {**key, "version": version}).first()
            if row is None:
                raise _not_found(rt.name, record_id, version)
            return record_of(row)
        if as_of is not None:
            moment = _aware(as_of, "as_of")
            row = self._connection.execute(_GET_AS_OF, {**key, "as_of": moment}).first()
        else:
            row = self._connection.execute(_GET_CURRENT, key).first()
        if row is None:
            raise _not_found(rt.name, record_id)
        if row.deleted:
            raise _deleted(rt.name, record_id, row.version)
        return record_of(row)

    def history(self, *, record_type: str, record_id: str) -> list[Record]:
        """Return every version of a record, oldest first, tombstones included."""
        rt = self._type(record_type)
        record_id = _nfc(record_id)
        rows = self._connection.execute(
            select(_records)
            .where(_records.c.record_type == rt.name, _records.c.record_id == record_id)
            .order_by(_records.c.version)
        ).all()
        if not rows:
            raise _not_found(rt.name, record_id)
        return [record_of(row) for row in rows]

    def search(
        self,
        *,
        record_type: str,
        where: Mapping[str, str | Sequence[str]] | None = None,
        limit: int = 50,
        cursor: str | None = None,
    ) -> Page:
        """Return one page of the live records matching every search parameter.

        Results are ordered by when each record was first created, and a cursor continues
        after the last record of its page: records created meanwhile show up on later
        pages, and no record repeats or is skipped.
        """
        rt = self._type(record_type)
        where = where or {}
        if not 1 <= limit <= MAX_PAGE:
            raise LienthongError(
                "store.bad_limit",
                N_("Ask for between 1 and {maximum} records per page, not {limit}."),
                field="limit",
                maximum=MAX_PAGE,
                limit=limit,
            )
        conditions = search.parse_query(rt, where)
        fingerprint = search.query_fingerprint(rt.name, where)
        after = search.decode_cursor(cursor, fingerprint=fingerprint) if cursor else 0
        shape, values = search.bind_conditions(rt, conditions)
        statement = _SEARCHES.get(shape)
        if statement is None:
            statement = _search_statement(shape)
        values.update(record_type=rt.name, after=after, limit=limit + 1)
        rows = self._connection.execute(statement, values).all()
        next_cursor = None
        if len(rows) > limit:
            rows = rows[:limit]
            next_cursor = search.encode_cursor(after=rows[-1].id, fingerprint=fingerprint)
        return Page(tuple(record_of(row) for row in rows), next_cursor)

    # -- writes --------------------------------------------------------------------------

    def create(self, *, record_type: str, content: Mapping[str, Any]) -> Record:
        """Create a record (or create a deleted one again); this node must be its owner."""
        return self.create_many(record_type=record_type, contents=[content])[0]

    def create_many(
        self, *, record_type: str, contents: Iterable[Mapping[str, Any]]
    ) -> list[Record]:
        """Create many records of one type with few statements, all or none."""
        rt = self._type(record_type)
        validated = [rt.validate(content) for content in contents]
        ids = [rt.record_id(content) for content in validated]
        repeated = next((rid for rid, count in Counter(ids).items() if count > 1), None)
        if repeated is not None:
            raise LienthongError(
                "store.duplicate_in_batch",
                N_("The batch holds {record_type} {record_id} more than once. Keep one."),
                field="record_id",
                record_type=rt.name,
                record_id=repeated,
            )
        existing = self._current_rows(rt.name, ids)
        writes: list[_Write] = []
        for record_id, content in zip(ids, validated, strict=True):
            current = existing.get(record_id)
            if current is not None and not current.deleted:
                raise _already_exists(rt.name, record_id)
            if current is not None and current.owner_node != self.node:
                raise _not_owner(rt.name, record_id, current.owner_node, self.node)
            partition = rt.partition_of(content)
            owner = rt.owner(content=content, partition=partition, node=self.node)
            if owner != self.node:
                raise _not_owner(rt.name, record_id, owner, self.node)
            writes.append(
                _Write(
                    record_type=rt,
                    record_id=record_id,
                    version=current.version + 1 if current is not None else 1,
                    content=content,
                    owner=owner,
                    partition=partition,
                    deleted=False,
                    event=RecordCreated,
                    current_id=current.id if current is not None else None,
                    previous_at=current.recorded_at if current is not None else None,
                )
            )
        return self._persist(writes)

    def write_many(
        self, *, record_type: str, contents: Sequence[Mapping[str, Any]], update: bool = False
    ) -> list[ItemOutcome]:
        """Write the good items of a batch and return what became of each, in order.

        Unlike ``create_many``, a bad item does not stop the batch: it is rejected with
        the error it would have raised (invalid, not owned here, unindexable, dangling
        reference), and the others are written together. An item whose record already
        holds the same content is left alone; one with other content is a conflict, or
        its next version when ``update`` is set. Bulk imports are built on this.
        """
        rt = self._type(record_type)
        return self.write_prepared(
            record_type=rt.name, items=[prepare(rt, raw) for raw in contents], update=update
        )

    def write_prepared(
        self, *, record_type: str, items: Sequence[Prepared], update: bool = False
    ) -> list[ItemOutcome]:
        """Write a batch whose items went through ``prepare``; otherwise as ``write_many``."""
        rt = self._type(record_type)
        outcomes: list[ItemOutcome | None] = [None] * len(items)
        first: dict[str, int] = {}
        repeats: list[tuple[int, int]] = []
        for position, item in enumerate(items):
            if item.error is not None or item.record_id is None:
                outcomes[position] = ItemOutcome("rejected", error=item.error)
                continue
            if item.record_id in first:
                repeats.append((position, first[item.record_id]))
                continue
            first[item.record_id] = position
        existing = self._current_rows(rt.name, list(first))
        writes: list[_Write] = []
        positions: list[int] = []
        indexes: list[IndexRows] = []
        for record_id, position in first.items():
            item = items[position]
            current = existing.get(record_id)
            try:
                write = self._import_write(rt, record_id, item, current, update)
                if write is None:
                    outcomes[position] = ItemOutcome("unchanged", record_id, item.content_hash)
                    continue
                if isinstance(write, ItemOutcome):
                    outcomes[position] = write
                    continue
                if item.index_error is not None:
                    raise item.index_error
                assert item.index is not None
            except LienthongError as error:
                outcomes[position] = ItemOutcome("rejected", record_id, error=error)
                continue
            writes.append(write)
            positions.append(position)
            indexes.append(item.index)
        # A rejected item may be what another item of the batch refers to: drop items
        # until every remaining reference holds.
        known: dict[tuple[str, str], bool] = {}
        while dangling := self._dangling(writes, known):
            kept = [offset for offset in range(len(writes)) if offset not in dangling]
            for offset, refusal in dangling.items():
                outcomes[positions[offset]] = ItemOutcome(
                    "rejected", writes[offset].record_id, error=refusal
                )
            writes = [writes[offset] for offset in kept]
            positions = [positions[offset] for offset in kept]
            indexes = [indexes[offset] for offset in kept]
        records = self._persist(writes, indexes)
        for position, write, record in zip(positions, writes, records, strict=True):
            status: ItemStatus = "updated" if write.event is RecordUpdated else "created"
            outcomes[position] = ItemOutcome(status, record.record_id, record.content_hash)
        for position, original in repeats:
            repeat = items[position]
            earlier = outcomes[original]
            assert earlier is not None
            # The earlier item's hash is what the store holds once the batch is written.
            if earlier.status == "rejected":
                outcomes[position] = ItemOutcome("rejected", repeat.record_id, error=earlier.error)
            elif earlier.content_hash == repeat.content_hash:
                outcomes[position] = ItemOutcome("unchanged", repeat.record_id, repeat.content_hash)
            else:
                outcomes[position] = ItemOutcome("conflict", repeat.record_id, earlier.content_hash)
        return [outcome for outcome in outcomes if outcome is not None]

    def _import_write(
        self,
        rt: RecordType,
        record_id: str,
        item: Prepared,
        current: Row[Any] | None,
        update: bool,
    ) -> _Write | ItemOutcome | None:
        """Return the write an imported item needs, None when unchanged, or its conflict."""
        if item.partition_error is not None:
            raise item.partition_error
        assert item.content is not None and item.content_hash is not None
        content, digest, partition = item.content, item.content_hash, item.partition
        if current is not None and not current.deleted:
            if current.content_hash == digest:
                return None
            if not update:
                return ItemOutcome("conflict", record_id, current.content_hash)
            if current.owner_node != self.node:
                raise _not_owner(rt.name, record_id, current.owner_node, self.node)
            return _Write(
                record_type=rt,
                record_id=record_id,
                version=current.version + 1,
                content=content,
                owner=current.owner_node,
                partition=partition,
                deleted=False,
                event=RecordUpdated,
                current_id=current.id,
                previous_at=current.recorded_at,
                content_hash=digest,
            )
        if current is not None and current.owner_node != self.node:
            raise _not_owner(rt.name, record_id, current.owner_node, self.node)
        owner = rt.owner(content=content, partition=partition, node=self.node)
        if owner != self.node:
            raise _not_owner(rt.name, record_id, owner, self.node)
        return _Write(
            record_type=rt,
            record_id=record_id,
            version=current.version + 1 if current is not None else 1,
            content=content,
            owner=owner,
            partition=partition,
            deleted=False,
            event=RecordCreated,
            current_id=current.id if current is not None else None,
            previous_at=current.recorded_at if current is not None else None,
            content_hash=digest,
        )

    def update(
        self,
        *,
        record_type: str,
        record_id: str,
        content: Mapping[str, Any],
        expected_version: int,
    ) -> Record:
        """Write a new version of a record that is still at ``expected_version``."""
        rt = self._type(record_type)
        record_id = _nfc(record_id)
        current = self._writable(rt, record_id, expected_version)
        stored = self._connection.execute(
            _GET_VERSION,
            {"record_type": rt.name, "record_id": record_id, "version": current.version},
        ).one()
        schema_version: int | None = None
        if stored.schema_version > rt.schema_version:
            # Written on a newer schema (the record came from another node): the fields
            # this node does not know are kept as they are, not dropped, and the version
            # stays on the newer schema.
            known = set(rt.model.model_fields)
            extra = {key: value for key, value in stored.content.items() if key not in known}
            extra.update((key, value) for key, value in content.items() if key not in known)
            known_part = {key: value for key, value in content.items() if key in known}
            validated = {**self._same_record(rt, record_id, known_part), **extra}
            schema_version = stored.schema_version
        else:
            validated = self._same_record(rt, record_id, content)
        write = _Write(
            record_type=rt,
            record_id=record_id,
            version=current.version + 1,
            content=validated,
            owner=current.owner_node,
            partition=rt.partition_of(validated),
            deleted=False,
            event=RecordUpdated,
            current_id=current.id,
            previous_at=current.recorded_at,
            schema_version=schema_version,
        )
        return self._persist([write])[0]

    def delete(self, *, record_type: str, record_id: str, expected_version: int) -> Record:
        """Delete a record by writing a tombstone version; its history stays readable."""
        rt = self._type(record_type)
        record_id = _nfc(record_id)
        current = self._writable(rt, record_id, expected_version)
        write = _Write(
            record_type=rt,
            record_id=record_id,
            version=current.version + 1,
            content={},
            owner=current.owner_node,
            partition=current.partition_key,
            deleted=True,
            event=RecordDeleted,
            current_id=current.id,
            previous_at=current.recorded_at,
        )
        return self._persist([write])[0]

    def transfer(
        self,
        *,
        record_type: str,
        record_id: str,
        expected_version: int,
        to_node: str,
        content: Mapping[str, Any] | None = None,
    ) -> Record:
        """Hand a record to another owner node, in a new version.

        ``content`` is the record as it moves (a person's new residence, which puts
        them in the new owner's partition); without it the content stays as it is.
        """
        rt = self._type(record_type)
        record_id = _nfc(record_id)
        if content is None:
            current = self._writable(rt, record_id, expected_version)
            moved = self.get(record_type=rt.name, record_id=record_id).content
        else:
            moved = self._same_record(rt, record_id, content)
            current = self._writable(rt, record_id, expected_version)
        write = _Write(
            record_type=rt,
            record_id=record_id,
            version=current.version + 1,
            content=moved,
            owner=to_node,
            partition=rt.partition_of(moved),
            deleted=False,
            event=RecordTransferred,
            current_id=current.id,
            previous_at=current.recorded_at,
        )
        return self._persist([write])[0]

    # -- internals -----------------------------------------------------------------------

    def _same_record(
        self, rt: RecordType, record_id: str, content: Mapping[str, Any]
    ) -> dict[str, Any]:
        """Validate new content of an existing record, which must keep its identifier."""
        validated = rt.validate(content)
        found = rt.record_id(validated)
        if found != record_id:
            raise LienthongError(
                "store.invalid_record",
                N_(
                    "The content identifies {record_type} {found}, not {record_id}. A record's"
                    " identifier never changes; create a new record instead."
                ),
                field=rt.identifier,
                record_type=rt.name,
                found=found,
                record_id=record_id,
            )
        return validated

    def _type(self, name: str) -> RecordType:
        try:
            return self._types[name]
        except KeyError:
            raise LienthongError(
                "store.unknown_record_type",
                N_("This node knows no record type {name}. Register the system that defines it."),
                field="record_type",
                name=name,
            ) from None

    def _current_rows(self, record_type: str, ids: Sequence[str]) -> dict[str, Row[Any]]:
        found: dict[str, Row[Any]] = {}
        for chunk in _chunks(ids):
            rows = self._connection.execute(
                select(_current).where(
                    _current.c.record_type == record_type, _current.c.record_id.in_(chunk)
                )
            )
            found.update((row.record_id, row) for row in rows)
        return found

    def _writable(self, rt: RecordType, record_id: str, expected_version: int) -> Row[Any]:
        current = self._current_rows(rt.name, [record_id]).get(record_id)
        if current is None:
            raise _not_found(rt.name, record_id)
        if current.owner_node != self.node:
            raise _not_owner(rt.name, record_id, current.owner_node, self.node)
        if current.deleted:
            raise _deleted(rt.name, record_id, current.version)
        if current.version != expected_version:
            raise _conflict(rt.name, record_id, expected_version, current.version)
        return current

    def _check_references(self, writes: Sequence[_Write]) -> None:
        dangling = self._dangling(writes, {})
        if dangling:
            raise dangling[min(dangling)]

    def _dangling(
        self, writes: Sequence[_Write], known: dict[tuple[str, str], bool]
    ) -> dict[int, LienthongError]:
        """Return, by position, the writes with a reference to no live record (the first one).

        ``known`` remembers which targets the store holds, across calls on one batch.
        """
        # Records written in the same batch count: an import may bring both ends at once.
        present = {
            (write.record_type.name, write.record_id) for write in writes if not write.deleted
        }
        wanted: dict[str, set[str]] = {}
        for write in writes:
            if write.deleted:
                continue
            for reference in write.record_type.references:
                wanted.setdefault(reference.target, set()).update(
                    rid
                    for rid in reference.values(write.content)
                    if (reference.target, rid) not in present
                    and (reference.target, rid) not in known
                )
        for target, ids in wanted.items():
            for chunk in _chunks(sorted(ids)):
                rows = self._connection.execute(
                    select(_current.c.record_id).where(
                        _current.c.record_type == target,
                        _current.c.record_id.in_(chunk),
                        _current.c.deleted == false(),
                    )
                )
                found = set(rows.scalars())
                known.update(((target, rid), rid in found) for rid in chunk)
        dangling: dict[int, LienthongError] = {}
        for offset, write in enumerate(writes):
            if write.deleted:
                continue
            for reference in write.record_type.references:
                missing = next(
                    (
                        target_id
                        for target_id in reference.values(write.content)
                        if (reference.target, target_id) not in present
                        and not known.get((reference.target, target_id), False)
                    ),
                    None,
                )
                if missing is not None:
                    dangling[offset] = LienthongError(
                        "store.dangling_reference",
                        N_(
                            "{record_type} {record_id} refers in {path} to {target}"
                            " {target_id}, which does not exist here. Create or sync"
                            " that {target} first."
                        ),
                        field=reference.path,
                        record_type=write.record_type.name,
                        record_id=write.record_id,
                        path=reference.path,
                        target=reference.target,
                        target_id=missing,
                    )
                    break
        return dangling

    def _persist(
        self,
        writes: Sequence[_Write],
        indexes: Sequence[IndexRows] | None = None,
    ) -> list[Record]:
        """Write versions; ``indexes`` given means references and index rows are checked."""
        if not writes:
            return []
        if indexes is None:
            self._check_references(writes)
            # Index rows are computed before anything is written: content that cannot be
            # indexed is refused like invalid content.
            indexes = [
                search.index_tuples(write.record_type, write.content)
                if not write.deleted
                else _NO_INDEX
                for write in writes
            ]
        # A savepoint makes a write that fails half-way (a lost race) vanish entirely, so
        # the unit of work's other writes stay whole whatever the caller does next.
        with self._connection.begin_nested():
            first = changelog.reserve(
                self._connection, origin=self.node, count=len(writes), fence=self._fence
            )
            # The clock is read once the sequence numbers are ours: writers of this node
            # hold them in turn, so recorded times follow the change log's order.
            records = self._versions(writes, now=_aware(self._clock(), "clock"))
            entries = [
                changelog.ChangeEntry(
                    origin_node=self.node,
                    sequence=first + offset,
                    record_type=record.record_type,
                    record_id=record.record_id,
                    version=record.version,
                    content_hash=record.content_hash,
                    recorded_at=record.recorded_at,
                )
                for offset, record in enumerate(records)
            ]
            resource_ids = self._move_pointers(writes, records)
            dialects.insert_rows(
                self._connection,
                _records,
                VERSION_COLUMNS,
                [version_row(record) for record in records],
            )
            self._replace_index(writes, resource_ids, indexes)
            changelog.append(self._connection, entries)
        self.events.extend(
            event_of(write.event, record, origin_node=entry.origin_node, sequence=entry.sequence)
            for write, record, entry in zip(writes, records, entries, strict=True)
        )
        return records

    def _versions(self, writes: Sequence[_Write], *, now: datetime) -> list[Record]:
        return [
            Record(
                record_type=write.record_type.name,
                record_id=write.record_id,
                version=write.version,
                schema_version=write.schema_version or write.record_type.schema_version,
                owner_node=write.owner,
                partition=write.partition,
                content=write.content,
                content_hash=write.content_hash or content_hash(write.content),
                # Never earlier than the previous version, so "as of" reads stay ordered
                # even when the clock steps back.
                recorded_at=max(now, write.previous_at) if write.previous_at else now,
                deleted=write.deleted,
            )
            for write in writes
        ]

    def _move_pointers(self, writes: Sequence[_Write], records: Sequence[Record]) -> list[int]:
        """Point each record at its new version and return the records' surrogate keys."""
        resource_ids: list[int | None] = [write.current_id for write in writes]
        new_rows: list[dict[str, Any]] = []
        for write, record in zip(writes, records, strict=True):
            values = pointer_of(record)
            if write.current_id is None:
                new_rows.append(
                    {"record_type": record.record_type, "record_id": record.record_id, **values}
                )
                continue
            # The version check in the WHERE clause is what makes the optimistic lock
            # hold under concurrency: a writer that lost the race updates no row.
            moved = self._connection.execute(
                _current.update()
                .where(_current.c.id == write.current_id, _current.c.version == write.version - 1)
                .values(values)
            ).rowcount
            if moved != 1:
                actual = self._connection.execute(
                    select(_current.c.version).where(_current.c.id == write.current_id)
                ).scalar_one()
                raise _conflict(record.record_type, record.record_id, write.version - 1, actual)
        if new_rows:
            # Keys are taken first and written with the rows, so the whole batch goes in
            # with one bulk statement instead of an INSERT … RETURNING per page of rows.
            created = dialects.allocate_keys(self._connection, _current, "id", len(new_rows))
            for row, key in zip(new_rows, created, strict=True):
                row["id"] = key
            try:
                dialects.bulk_insert(self._connection, _current, new_rows)
            except IntegrityError as exc:
                # Another transaction created one of these records since we looked.
                first = new_rows[0]
                raise _already_exists(first["record_type"], first["record_id"]) from exc
            slots = iter(created)
            resource_ids = [rid if rid is not None else next(slots) for rid in resource_ids]
        return [rid for rid in resource_ids if rid is not None]

    def _replace_index(
        self,
        writes: Sequence[_Write],
        resource_ids: Sequence[int],
        indexes: Sequence[IndexRows],
    ) -> None:
        replaced = [
            rid for write, rid in zip(writes, resource_ids, strict=True) if write.current_id
        ]
        for table in models.SEARCH_TABLES:
            for chunk in _chunks(replaced):
                self._connection.execute(table.delete().where(table.c.resource_id.in_(chunk)))
        insert_index_rows(self._connection, list(zip(resource_ids, indexes, strict=True)))


_INDEX_COLUMNS: Final = tuple(
    ("resource_id", *search.INDEX_COLUMNS[table]) for table in models.SEARCH_TABLES
)


def insert_index_rows(connection: Connection, indexed: Sequence[tuple[int, IndexRows]]) -> None:
    """Insert the search rows of current records (by resource id), table by table."""
    for slot, table in enumerate(models.SEARCH_TABLES):
        rows = [(resource_id, *row) for resource_id, index in indexed for row in index[slot]]
        if rows:
            dialects.insert_rows(connection, table, _INDEX_COLUMNS[slot], rows)
