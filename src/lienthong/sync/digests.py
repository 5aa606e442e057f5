"""Digests: prove two nodes hold the same records, locate where they do not, and repair it.

A node's digest of one record type and partition is a Merkle tree over its current
records. Each record is a leaf ``(record_id, version, content_hash, deleted,
owner_node)``. Leaves fall into 256 buckets by the first byte of the SHA-256 of the
record identifier; within a bucket, ordered by identifier, they are hashed as an RFC
6962 Merkle tree (leaf ``SHA-256(0x00 || canonical JSON)``, node ``SHA-256(0x01 || left
|| right)``, empty ``SHA-256()``); the 256 bucket hashes are the leaves of a perfect
binary tree of interior nodes whose top is the digest's root. Equal roots: the two
nodes hold the same current versions. Different roots: the bucket hashes say which
buckets differ, and only the records of those buckets are listed and compared.

A repair writes the source's version at the other node through the replica write
path, keyed on the version's change-log entry like any version sync delivers. The
source is the record's owner when it is one of the two nodes, otherwise central: the
owner's copy is the truth. What the write path must not do — replace a newer version,
or a version held under another change-log entry, or a stored version whose content
differs — is reported, never forced.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final, Literal

from sqlalchemy import select, tuple_
from sqlalchemy.engine import Connection

from lienthong.errors import LienthongError
from lienthong.i18n import N_, translate
from lienthong.store import UnitOfWork, dialects
from lienthong.store.models import change_log, current_records, records
from lienthong.store.records import CHUNK, Record
from lienthong.store.replicas import Replicated
from lienthong.sync.feed import CURRENT_ENTRIES, replicated
from lienthong.sync.service import SyncNode
from lienthong.sync.subscriptions import Subscription

#: The digest format this code writes and reads.
FORMAT: Final = 1
#: How the tree is built, named in the JSON so that a node never compares unlike trees.
ALGORITHM: Final = "sha256-rfc6962-256-buckets"
#: Buckets per digest: the first byte of SHA-256 of the record identifier.
BUCKETS: Final = 256
#: The hash of an empty tree (RFC 6962: the SHA-256 of nothing).
EMPTY: Final = hashlib.sha256(b"").digest()
#: Rows fetched at a time while a digest streams through a table.
STREAM: Final = 2000

_LEAF_PREFIX: Final = b"\x00"
_NODE_PREFIX: Final = b"\x01"
_HEX: Final = re.compile(r"[0-9a-f]{64}")
#: A string as JSON with ``ensure_ascii=False``, as canonical JSON writes it.
_string: Final = json.encoder.encode_basestring

#: A record: its type and identifier.
RecordKey = tuple[str, str]
#: What one digest covers: a record type and a partition (``None``: no partition).
PartKey = tuple[str, str | None]
#: How the records of one identifier differ between here and there.
Kind = Literal["missing_here", "missing_there", "version", "content"]

_current = current_records


def bad_digest(reason: str) -> LienthongError:
    """Return the refusal of digest data that is malformed or does not add up."""
    return LienthongError(
        "sync.bad_digest",
        N_(
            "The sync digest is invalid: {reason}. Compute it again on the sending node;"
            " if this repeats, check that both nodes run the same version."
        ),
        field="digest",
        reason=reason,
    )


# -- the tree ---------------------------------------------------------------------------


def bucket_of(record_id: str) -> int:
    """Return the bucket of a record identifier: the first byte of its SHA-256."""
    return hashlib.sha256(record_id.encode("utf-8")).digest()[0]


def node_hash(left: bytes, right: bytes) -> bytes:
    """Return the hash of an interior node of the tree (RFC 6962)."""
    return hashlib.sha256(_NODE_PREFIX + left + right).digest()


def merkle_root(hashes: Sequence[bytes]) -> bytes:
    """Return the RFC 6962 tree hash over leaf hashes, in their order."""
    if not hashes:
        return EMPTY
    if len(hashes) == 1:
        return hashes[0]
    split = 1 << ((len(hashes) - 1).bit_length() - 1)  # the largest power of two below
    return node_hash(merkle_root(hashes[:split]), merkle_root(hashes[split:]))


class _Tree:
    """An RFC 6962 tree built one leaf at a time, holding only its perfect subtrees."""

    __slots__ = ("_peaks", "count")

    def __init__(self) -> None:
        self.count = 0
        self._peaks: list[bytes] = []

    def add(self, leaf: bytes) -> None:
        self.count += 1
        node, size = leaf, self.count
        while size % 2 == 0:  # the new leaf completes subtrees: fold them in
            node = node_hash(self._peaks.pop(), node)
            size //= 2
        self._peaks.append(node)

    def root(self) -> bytes:
        if not self._peaks:
            return EMPTY
        node = self._peaks[-1]
        for peak in reversed(self._peaks[:-1]):
            node = node_hash(peak, node)
        return node


@dataclass(frozen=True, slots=True)
class Leaf:
    """One current record as a digest sees it."""

    record_id: str
    version: int
    content_hash: str
    deleted: bool
    owner_node: str

    @property
    def bucket(self) -> int:
        """The bucket the record falls in."""
        return bucket_of(self.record_id)

    def canonical(self) -> bytes:
        """Return the leaf's canonical JSON, the bytes ``canonical_json(leaf.to_json())`` gives."""
        # Written out (keys in sorted order) because a digest hashes every row of a
        # table: this is several times faster than going through json.dumps.
        return (
            f'{{"deleted":{"true" if self.deleted else "false"},'
            f'"hash":{_string(self.content_hash)},"id":{_string(self.record_id)},'
            f'"owner":{_string(self.owner_node)},"version":{self.version:d}}}'
        ).encode()

    def hash(self) -> bytes:
        """Return the leaf's hash: SHA-256 of 0x00 and its canonical JSON."""
        return hashlib.sha256(_LEAF_PREFIX + self.canonical()).digest()

    def to_json(self) -> dict[str, Any]:
        """Return the leaf as JSON data."""
        return {
            "id": self.record_id,
            "version": self.version,
            "hash": self.content_hash,
            "deleted": self.deleted,
            "owner": self.owner_node,
        }

    @classmethod
    def from_json(cls, data: Any) -> Leaf:
        """Read a leaf, refusing anything but its documented shape."""
        if not isinstance(data, dict) or set(data) != {"id", "version", "hash", "deleted", "owner"}:
            raise bad_digest(N_("a record is not an object of id, version, hash, deleted, owner"))
        record_id, version, hashed = data["id"], data["version"], data["hash"]
        deleted, owner = data["deleted"], data["owner"]
        if not (
            _name(record_id)
            and _count(version)
            and isinstance(hashed, str)
            and _HEX.fullmatch(hashed)
            and isinstance(deleted, bool)
            and _name(owner)
        ):
            raise bad_digest(N_("a record has a field of the wrong type"))
        return cls(record_id, version, hashed, deleted, owner)


def _name(value: Any) -> bool:
    return isinstance(value, str) and bool(value)


def _count(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


@dataclass(frozen=True)
class Digest:
    """The Merkle digest of the current records of one record type and partition."""

    record_type: str
    partition: str | None
    count: int
    #: The root, in lower-case hex.
    root: str
    #: The 256 bucket hashes, in lower-case hex.
    buckets: tuple[str, ...]
    #: The records in each bucket.
    counts: tuple[int, ...]

    @classmethod
    def of(cls, record_type: str, partition: str | None, leaves: Iterable[Leaf]) -> Digest:
        """Return the digest of a set of leaves, given in any order."""
        return _fold(record_type, partition, sorted(leaves, key=lambda leaf: leaf.record_id))

    @classmethod
    def empty(cls, record_type: str, partition: str | None) -> Digest:
        """Return the digest of no records."""
        return _fold(record_type, partition, ())

    @property
    def key(self) -> PartKey:
        """The record type and partition the digest covers."""
        return (self.record_type, self.partition)

    def differing_buckets(self, other: Digest) -> tuple[int, ...]:
        """Return the buckets whose hashes differ from another digest's."""
        if self.root == other.root:
            return ()
        return tuple(
            bucket
            for bucket, (mine, theirs) in enumerate(zip(self.buckets, other.buckets, strict=True))
            if mine != theirs
        )

    def to_json(self) -> dict[str, Any]:
        """Return the digest as JSON data; empty buckets are left out."""
        return {
            "type": self.record_type,
            "partition": self.partition,
            "count": self.count,
            "root": self.root,
            "buckets": [
                [bucket, count, hashed]
                for bucket, (count, hashed) in enumerate(
                    zip(self.counts, self.buckets, strict=True)
                )
                if count
            ],
        }

    @classmethod
    def from_json(cls, data: Any) -> Digest:
        """Read a digest, refusing a malformed one and one whose root its buckets do not give."""
        if not isinstance(data, dict) or set(data) != {
            "type",
            "partition",
            "count",
            "root",
            "buckets",
        }:
            raise bad_digest(N_("it is not an object of type, partition, count, root and buckets"))
        record_type, partition, count = data["type"], data["partition"], data["count"]
        root, listed = data["root"], data["buckets"]
        if not _name(record_type) or not (partition is None or _name(partition)):
            raise bad_digest(N_("its record type or partition is not a name"))
        if not _count(count) or not isinstance(root, str) or not _HEX.fullmatch(root):
            raise bad_digest(N_("its count or root has the wrong type"))
        if not isinstance(listed, list):
            raise bad_digest(N_("its buckets are not a list"))
        hashes = [EMPTY.hex()] * BUCKETS
        counts = [0] * BUCKETS
        previous = -1
        for item in listed:
            if not (
                isinstance(item, list)
                and len(item) == 3
                and _count(item[0])
                and previous < item[0] < BUCKETS
                and _count(item[1])
                and item[1] > 0
                and isinstance(item[2], str)
                and _HEX.fullmatch(item[2])
            ):
                raise bad_digest(
                    N_("a bucket is not [number, count, hash] in increasing order below 256")
                )
            previous = item[0]
            counts[item[0]], hashes[item[0]] = item[1], item[2]
        if sum(counts) != count:
            raise bad_digest(N_("its bucket counts do not add up to its count"))
        if merkle_root([bytes.fromhex(hashed) for hashed in hashes]).hex() != root:
            raise bad_digest(N_("its buckets do not give its root"))
        return cls(record_type, partition, count, root, tuple(hashes), tuple(counts))


def _fold(record_type: str, partition: str | None, leaves: Iterable[Leaf]) -> Digest:
    """Return the digest of leaves given in increasing order of identifier, one at a time."""
    trees = [_Tree() for _ in range(BUCKETS)]
    last: str | None = None
    for leaf in leaves:
        if last is not None and leaf.record_id <= last:
            raise ValueError(f"leaves out of order or repeated: {leaf.record_id!r} after {last!r}")
        last = leaf.record_id
        trees[leaf.bucket].add(leaf.hash())
    roots = [tree.root() for tree in trees]
    return Digest(
        record_type,
        partition,
        sum(tree.count for tree in trees),
        merkle_root(roots).hex(),
        tuple(root.hex() for root in roots),
        tuple(tree.count for tree in trees),
    )


def to_json(held: Mapping[PartKey, Digest]) -> dict[str, Any]:
    """Return a node's digests as JSON data."""
    return {
        "format": FORMAT,
        "algorithm": ALGORITHM,
        "digests": [held[key].to_json() for key in sorted(held, key=_order)],
    }


def from_json(data: Any) -> dict[PartKey, Digest]:
    """Read a node's digests, refusing anything but their documented shape."""
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise bad_digest(N_("it is not a set of digests of a known format"))
    if data.get("algorithm") != ALGORITHM:
        raise bad_digest(N_("it was computed with another algorithm"))
    listed = data.get("digests")
    if not isinstance(listed, list):
        raise bad_digest(N_("its digests are not a list"))
    held: dict[PartKey, Digest] = {}
    for item in listed:
        digest_ = Digest.from_json(item)
        if digest_.key in held:
            raise bad_digest(N_("a record type and partition appear twice"))
        held[digest_.key] = digest_
    return held


def _order(key: PartKey) -> tuple[str, bool, str]:
    return (key[0], key[1] is not None, key[1] or "")


# -- reading a store --------------------------------------------------------------------


def _leaves(connection: Connection, record_type: str, partition: str | None) -> Iterator[Leaf]:
    """Yield the leaves of one record type and partition in increasing identifier order.

    Identifiers are ordered by code point, as Python compares them: SQLite's default
    collation does; PostgreSQL's "C" collation does (byte order of UTF-8).
    """
    identifier: Any = _current.c.record_id
    if dialects.backend_of(connection.dialect) == "postgresql":
        identifier = identifier.collate("C")
    where_partition = (
        _current.c.partition_key.is_(None)
        if partition is None
        else _current.c.partition_key == partition
    )
    statement = (
        select(
            _current.c.record_id,
            _current.c.version,
            _current.c.content_hash,
            _current.c.deleted,
            _current.c.owner_node,
        )
        .where(_current.c.record_type == record_type, where_partition)
        .order_by(identifier)
    )
    result = connection.execute(statement, execution_options={"yield_per": STREAM})
    try:
        for row in result:
            yield Leaf(row.record_id, row.version, row.content_hash, row.deleted, row.owner_node)
    finally:
        result.close()


def digest(connection: Connection, *, record_type: str, partition: str | None) -> Digest:
    """Return the digest of a node's current records of one type and partition.

    ``partition=None`` covers the records with no partition (the subscriptions' "-").
    The rows stream through; memory stays small whatever the table's size.
    """
    return _fold(record_type, partition, _leaves(connection, record_type, partition))


def digests_where(
    connection: Connection, wants: Callable[[str, str | None], bool]
) -> dict[PartKey, Digest]:
    """Return the digest of every record type and partition a node holds that ``wants`` takes."""
    held = connection.execute(
        select(_current.c.record_type, _current.c.partition_key).distinct()
    ).all()
    keys = sorted({(row[0], row[1]) for row in held if wants(row[0], row[1])}, key=_order)
    return {
        (record_type, partition): digest(connection, record_type=record_type, partition=partition)
        for record_type, partition in keys
    }


def digests(connection: Connection, *, subscription: Subscription) -> dict[PartKey, Digest]:
    """Return the digest of every record type and partition a node holds that a subscription covers."""
    return digests_where(connection, subscription.wants)


def bucket_leaves(
    connection: Connection, *, record_type: str, partition: str | None, buckets: Iterable[int]
) -> list[Leaf]:
    """Return the leaves of some buckets of one record type and partition, by identifier."""
    wanted = frozenset(buckets)
    if not all(_count(bucket) and bucket < BUCKETS for bucket in wanted):
        raise bad_digest(N_("a bucket number is not between 0 and 255"))
    if not wanted:
        return []
    return [leaf for leaf in _leaves(connection, record_type, partition) if leaf.bucket in wanted]


# -- comparing --------------------------------------------------------------------------


@dataclass(frozen=True)
class Difference:
    """A record type and partition whose digests differ, and the buckets that do."""

    record_type: str
    partition: str | None
    buckets: tuple[int, ...]
    mine: int
    theirs: int

    def to_json(self) -> dict[str, Any]:
        """Return the difference as JSON data."""
        return {
            "type": self.record_type,
            "partition": self.partition,
            "buckets": list(self.buckets),
            "mine": self.mine,
            "theirs": self.theirs,
        }


def compared_count(mine: Mapping[PartKey, Digest], theirs: Mapping[PartKey, Digest]) -> int:
    """Return how many records two sets of digests compare: the larger side of each part."""
    return sum(
        max(mine[key].count if key in mine else 0, theirs[key].count if key in theirs else 0)
        for key in {*mine, *theirs}
    )


def compare(mine: Mapping[PartKey, Digest], theirs: Mapping[PartKey, Digest]) -> list[Difference]:
    """Return where two nodes' digests differ; a side without a digest holds no records there."""
    found: list[Difference] = []
    for key in sorted({*mine, *theirs}, key=_order):
        here = mine.get(key) or Digest.empty(*key)
        there = theirs.get(key) or Digest.empty(*key)
        buckets = here.differing_buckets(there)
        if buckets:
            found.append(Difference(key[0], key[1], buckets, here.count, there.count))
    return found


@dataclass(frozen=True)
class RecordDifference:
    """One record held differently here and there (``None``: not held on that side)."""

    record_id: str
    kind: Kind
    mine: Leaf | None
    theirs: Leaf | None

    @property
    def bucket(self) -> int:
        """The bucket the record falls in."""
        return bucket_of(self.record_id)

    def to_json(self) -> dict[str, Any]:
        """Return the difference as JSON data."""
        return {
            "id": self.record_id,
            "kind": self.kind,
            "bucket": self.bucket,
            "mine": None if self.mine is None else self.mine.to_json(),
            "theirs": None if self.theirs is None else self.theirs.to_json(),
        }


def differences(my_leaves: Iterable[Leaf], their_leaves: Iterable[Leaf]) -> list[RecordDifference]:
    """Return the records held differently in two lists of leaves, by identifier."""
    mine = {leaf.record_id: leaf for leaf in my_leaves}
    theirs = {leaf.record_id: leaf for leaf in their_leaves}
    found: list[RecordDifference] = []
    for record_id in sorted({*mine, *theirs}):
        here, there = mine.get(record_id), theirs.get(record_id)
        if here == there:
            continue
        kind: Kind
        if here is None:
            kind = "missing_here"
        elif there is None:
            kind = "missing_there"
        elif here.version != there.version:
            kind = "version"
        else:
            kind = "content"
        found.append(RecordDifference(record_id, kind, here, there))
    return found


# -- repairing --------------------------------------------------------------------------


def versions_for(connection: Connection, keys: Iterable[RecordKey]) -> dict[RecordKey, Replicated]:
    """Return the current version of records with its change-log entry, as sync would send it.

    A record whose current version has no change-log entry here is left out.
    """
    wanted = sorted(set(keys))
    statement = CURRENT_ENTRIES.order_by(None).order_by(
        change_log.c.origin_node, change_log.c.sequence
    )
    found: dict[RecordKey, Replicated] = {}
    for start in range(0, len(wanted), CHUNK):
        chunk = wanted[start : start + CHUNK]
        rows = connection.execute(
            statement.where(tuple_(change_log.c.record_type, change_log.c.record_id).in_(chunk))
        )
        for row in rows:
            found.setdefault((row.record_type, row.record_id), replicated(row))
    return found


#: Why a record was left as it is, by stable code.
REASONS: Final[Mapping[str, str]] = {
    "not_at_source": N_(
        "The source node holds no current version of this record with its change-log entry"
        " to send. Verify the source against central."
    ),
    "no_source": N_(
        "Neither node owns this record nor is central, so neither copy can be taken as the"
        " truth. Verify each node against central or the owner."
    ),
    "newer_here": N_(
        "This node holds a newer version than the source. Verify the source against the"
        " record's owner; nothing was overwritten."
    ),
    "other_entry": N_(
        "This node holds this version, or this change-log entry, under another change-log"
        " entry than the source's. Compare the two change logs; nothing was overwritten."
    ),
    "history_differs": N_(
        "This node stores this version with other content than the source. Stored versions"
        " are never rewritten: restore this node's store or compare it by hand."
    ),
    "source_inconsistent": N_(
        "This node already holds the source's version; the source's own current record"
        " disagrees with its history. Verify the source against the record's owner."
    ),
    "owned_here": N_(
        "This node owns the record, so its copy is not replaced from another node. Verify"
        " it against central."
    ),
    "fix_upstream": N_(
        "This node owns the record and its upstream holds another copy: the upstream is"
        " repaired from this node, by its operator (lienthong sync verify --repair with both"
        " stores). Nothing was changed here."
    ),
    "not_repaired": N_(
        "The record still differs from the source's version after the repair. Run the"
        " verification again; if this repeats, report it."
    ),
}


@dataclass(frozen=True)
class Left:
    """A record a repair left as it is, where, and why (a code of ``REASONS``)."""

    node: str | None
    record_type: str
    record_id: str
    reason: str

    def message(self, language: str = "vi") -> str:
        """Return the explanation in a language."""
        return translate(REASONS[self.reason], language=language)

    def to_json(self) -> dict[str, Any]:
        """Return it as JSON data."""
        return {
            "node": self.node,
            "type": self.record_type,
            "id": self.record_id,
            "reason": self.reason,
            "message_vi": self.message("vi"),
            "message_en": self.message("en"),
        }


@dataclass(frozen=True)
class Located:
    """One record that differs between two nodes, in its record type and partition."""

    record_type: str
    partition: str | None
    difference: RecordDifference

    def to_json(self) -> dict[str, Any]:
        """Return it as JSON data."""
        return {"type": self.record_type, "partition": self.partition, **self.difference.to_json()}


@dataclass(frozen=True)
class Report:
    """What a verification or a repair found and did.

    ``compared``: records compared; ``differing``: records found different;
    ``repaired``: records brought to the source's version; ``left``: records left as
    they are, with the reason. ``converged``: the digests (of a verification) are equal
    at the end.
    """

    compared: int
    differing: int
    repaired: int
    left: tuple[Left, ...] = ()
    located: tuple[Located, ...] = ()
    converged: bool = False

    def to_json(self) -> dict[str, Any]:
        """Return the report as JSON data."""
        return {
            "compared": self.compared,
            "differing": self.differing,
            "repaired": self.repaired,
            "converged": self.converged,
            "left": [item.to_json() for item in self.left],
            "located": [item.to_json() for item in self.located],
        }


@dataclass(frozen=True)
class _Pointer:
    version: int
    content_hash: str
    deleted: bool
    owner_node: str
    partition: str | None

    def holds(self, record: Record) -> bool:
        return (
            self.version == record.version
            and self.content_hash == record.content_hash
            and self.deleted == record.deleted
            and self.owner_node == record.owner_node
            and self.partition == record.partition
        )


def _pointers(connection: Connection, keys: Sequence[RecordKey]) -> dict[RecordKey, _Pointer]:
    found: dict[RecordKey, _Pointer] = {}
    for start in range(0, len(keys), CHUNK):
        rows = connection.execute(
            select(
                _current.c.record_type,
                _current.c.record_id,
                _current.c.version,
                _current.c.content_hash,
                _current.c.deleted,
                _current.c.owner_node,
                _current.c.partition_key,
            ).where(
                tuple_(_current.c.record_type, _current.c.record_id).in_(
                    keys[start : start + CHUNK]
                )
            )
        )
        found.update(
            (
                (row.record_type, row.record_id),
                _Pointer(
                    row.version, row.content_hash, row.deleted, row.owner_node, row.partition_key
                ),
            )
            for row in rows
        )
    return found


def _history(
    connection: Connection, keys: Sequence[tuple[str, str, int]]
) -> tuple[dict[tuple[str, str, int], set[tuple[str, int]]], dict[tuple[str, str, int], str]]:
    """Return, for record versions, their change-log entries and their stored content hashes."""
    entries: dict[tuple[str, str, int], set[tuple[str, int]]] = {}
    stored: dict[tuple[str, str, int], str] = {}
    for start in range(0, len(keys), CHUNK):
        chunk = keys[start : start + CHUNK]
        for row in connection.execute(
            select(
                change_log.c.record_type,
                change_log.c.record_id,
                change_log.c.version,
                change_log.c.origin_node,
                change_log.c.sequence,
            ).where(
                tuple_(change_log.c.record_type, change_log.c.record_id, change_log.c.version).in_(
                    chunk
                )
            )
        ):
            entries.setdefault((row[0], row[1], row[2]), set()).add((row[3], row[4]))
        for version in connection.execute(
            select(
                records.c.record_type,
                records.c.record_id,
                records.c.version,
                records.c.content_hash,
            ).where(
                tuple_(records.c.record_type, records.c.record_id, records.c.version).in_(chunk)
            )
        ):
            stored[(version[0], version[1], version[2])] = version[3]
    return entries, stored


def repair(
    sync: SyncNode, *, keys: Sequence[RecordKey], versions: Mapping[RecordKey, Replicated]
) -> Report:
    """Bring records at a node to the source's current versions, in one transaction.

    ``versions`` are the source's (``versions_for`` on the owner's or central's store).
    A version this node lacks is written through the replica write path, keyed on its
    change-log entry; a version it holds under that same entry but no longer points at
    (its current record was lost or altered) becomes current again. A record the node
    no longer subscribes to (it moved) is retired, as sync retires it. Whatever would
    overwrite a newer version or another history is left, with the reason.
    """
    return _repair(sync, keys=keys, versions=versions)


def _repair(
    sync: SyncNode, *, keys: Sequence[RecordKey], versions: Mapping[RecordKey, Replicated]
) -> Report:
    wanted = sorted(set(keys))
    node_id = sync.node_id
    left: dict[RecordKey, Left] = {}

    def leave(key: RecordKey, reason: str) -> None:
        left.setdefault(key, Left(node_id, key[0], key[1], reason))

    with sync.node.unit_of_work() as uow:
        connection = uow.connection
        held = _pointers(connection, wanted)
        entries, stored = _history(
            connection,
            [(key[0], key[1], versions[key].record.version) for key in wanted if key in versions],
        )
        differing = 0
        fresh: list[Replicated] = []
        logged: list[Replicated] = []
        for key in wanted:
            item = versions.get(key)
            current = held.get(key)
            if item is not None and current is not None and current.holds(item.record):
                leave(key, "source_inconsistent")
                continue
            differing += 1
            if item is None:
                leave(key, "not_at_source")
                continue
            version = (key[0], key[1], item.record.version)
            if current is not None and current.version > item.record.version:
                leave(key, "newer_here")
            elif version in entries and (item.origin_node, item.sequence) not in entries[version]:
                leave(key, "other_entry")
            elif version in stored and stored[version] != item.record.content_hash:
                leave(key, "history_differs")
            elif version in entries:
                logged.append(item)
            else:
                fresh.append(item)
        applied = {(item.origin_node, item.sequence) for item in uow.replicas.apply(fresh)}
        for item in fresh:
            if (item.origin_node, item.sequence) in applied:
                logged.append(item)  # its pointer is checked below like the others'
            else:  # the entry's key belongs to another record here
                leave(_key(item), "other_entry")
        _repoint(uow, [item for item in logged if _key(item) not in left], leave)
        after = _pointers(connection, wanted)
        repaired = 0
        for item in logged:
            key, record = _key(item), item.record
            if key in left:
                continue
            pointer = after.get(key)
            if pointer is None or not pointer.holds(record):
                leave(key, "not_repaired")
                continue
            repaired += 1
            if record.owner_node != node_id and not sync.subscription.wants(
                key[0], record.partition
            ):
                uow.replicas.retire(record_type=key[0], record_id=key[1])
        uow.commit()
    return Report(
        compared=len(wanted),
        differing=differing,
        repaired=repaired,
        left=tuple(left[key] for key in sorted(left)),
        converged=repaired == differing,
    )


def _key(item: Replicated) -> RecordKey:
    return (item.record.record_type, item.record.record_id)


def _repoint(
    uow: UnitOfWork, items: Sequence[Replicated], leave: Callable[[RecordKey, str], None]
) -> None:
    """Make versions this node already holds current where its current record is not them."""
    held = _pointers(uow.connection, [_key(item) for item in items])
    moving: list[Record] = []
    for item in items:
        key, record = _key(item), item.record
        current = held.get(key)
        if current is not None and current.holds(record):
            continue
        if current is not None and current.version >= record.version:
            # The same version, altered: drop the pointer and its index, then set it anew.
            if current.owner_node == uow.node:
                leave(key, "owned_here")
                continue
            uow.replicas.retire(record_type=key[0], record_id=key[1])
        moving.append(record)
    if moving:
        uow.replicas.restore(moving)


# -- two nodes in one process -----------------------------------------------------------


def _is_central(sync: SyncNode) -> bool:
    return sync.subscription == Subscription.everything()


def _source(a: SyncNode, b: SyncNode, versions: Mapping[str, Replicated]) -> SyncNode | None:
    """Return the node whose copy is the truth: the owner, else central; None if neither."""
    if not versions:
        return None
    newest = max(versions.values(), key=lambda item: item.record.version)
    for sync in (a, b):
        if sync.node_id == newest.record.owner_node and sync.node_id in versions:
            return sync
    for sync in (a, b):
        if _is_central(sync) and sync.node_id in versions:
            return sync
    return None


def verify_nodes(a: SyncNode, b: SyncNode, *, repair: bool) -> Report:
    """Compare two nodes on what both subscribe to; with ``repair``, fix what differs.

    Each differing record is repaired from its owner's copy, or central's where the
    owner is neither node, at the other node.
    """

    def both(record_type: str, partition: str | None) -> bool:
        return a.subscription.wants(record_type, partition) and b.subscription.wants(
            record_type, partition
        )

    with a.node.engine.connect() as raw_a, b.node.engine.connect() as raw_b:
        here, there = dialects.read_only(raw_a), dialects.read_only(raw_b)
        mine, theirs = digests_where(here, both), digests_where(there, both)
        found = compare(mine, theirs)
        located: list[Located] = []
        for difference in found:
            record_type, partition = difference.record_type, difference.partition
            located.extend(
                Located(record_type, partition, item)
                for item in differences(
                    *(
                        bucket_leaves(
                            side,
                            record_type=record_type,
                            partition=partition,
                            buckets=difference.buckets,
                        )
                        for side in (here, there)
                    )
                )
            )
        keys = sorted({(item.record_type, item.difference.record_id) for item in located})
        of_a, of_b = versions_for(here, keys), versions_for(there, keys)
    compared = compared_count(mine, theirs)
    if not repair or not located:
        return Report(compared, len(located), 0, (), tuple(located), converged=not located)
    to_a: list[RecordKey] = []
    to_b: list[RecordKey] = []
    left: list[Left] = []
    for key in keys:
        held = {
            sync.node_id: found_version
            for sync, found_version in ((a, of_a.get(key)), (b, of_b.get(key)))
            if found_version is not None
        }
        source = _source(a, b, held)
        if source is None:
            left.append(Left(None, key[0], key[1], "no_source"))
        elif source is a:
            to_b.append(key)
        else:
            to_a.append(key)
    done_a = _repair(a, keys=to_a, versions=of_b) if to_a else None
    done_b = _repair(b, keys=to_b, versions=of_a) if to_b else None
    repaired = 0
    for done in (done_a, done_b):
        if done is not None:
            repaired += done.repaired
            left.extend(done.left)
    with a.node.engine.connect() as raw_a, b.node.engine.connect() as raw_b:
        here, there = dialects.read_only(raw_a), dialects.read_only(raw_b)
        converged = not compare(
            {key: digest(here, record_type=key[0], partition=key[1]) for key in _keys(found)},
            {key: digest(there, record_type=key[0], partition=key[1]) for key in _keys(found)},
        )
    return Report(compared, len(located), repaired, tuple(left), tuple(located), converged)


def _keys(found: Sequence[Difference]) -> list[PartKey]:
    return [(item.record_type, item.partition) for item in found]
