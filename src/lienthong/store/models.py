"""The tables of the record store and the change log (SQLAlchemy Core).

Alembic migrations under ``migrations/versions`` create exactly these tables; a test
compares the two on every backend.
"""

from __future__ import annotations

from typing import Final

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Double,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    PrimaryKeyConstraint,
    String,
    Table,
    UniqueConstraint,
)

from lienthong.store.dialects import FoldedText, JSONType, KeyType, UTCDateTime

#: Deterministic constraint names, identical on every backend and in the migrations.
NAMING_CONVENTION: Final = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_N_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

TYPE_LENGTH: Final = 64
ID_LENGTH: Final = 128
NODE_LENGTH: Final = 255
HASH_LENGTH: Final = 64
CODE_LENGTH: Final = 255

metadata = MetaData(naming_convention=NAMING_CONVENTION)

#: Every version of every record, never updated: the history and the source of as-of reads.
records = Table(
    "records",
    metadata,
    Column("record_type", String(TYPE_LENGTH), nullable=False),
    Column("record_id", String(ID_LENGTH), nullable=False),
    Column("version", Integer, nullable=False),
    Column("schema_version", Integer, nullable=False),
    Column("owner_node", String(NODE_LENGTH), nullable=False),
    Column("partition_key", String(TYPE_LENGTH), nullable=True),
    Column("content", JSONType, nullable=False),
    Column("content_hash", String(HASH_LENGTH), nullable=False),
    Column("recorded_at", UTCDateTime, nullable=False),
    Column("deleted", Boolean, nullable=False),
    PrimaryKeyConstraint("record_type", "record_id", "version"),
)

#: One row per record pointing at its current version; its surrogate ``id`` keys the
#: search index and orders search results (it never changes once assigned).
current_records = Table(
    "current_records",
    metadata,
    Column("id", KeyType, primary_key=True, autoincrement=True),
    Column("record_type", String(TYPE_LENGTH), nullable=False),
    Column("record_id", String(ID_LENGTH), nullable=False),
    Column("version", Integer, nullable=False),
    Column("owner_node", String(NODE_LENGTH), nullable=False),
    Column("partition_key", String(TYPE_LENGTH), nullable=True),
    Column("content_hash", String(HASH_LENGTH), nullable=False),
    Column("recorded_at", UTCDateTime, nullable=False),
    Column("deleted", Boolean, nullable=False),
    UniqueConstraint("record_type", "record_id"),
    Index(None, "record_type", "id"),
    Index(None, "record_type", "partition_key"),
)


def _resource() -> Column[int]:
    return Column(
        "resource_id",
        KeyType,
        ForeignKey(current_records.c.id, ondelete="CASCADE"),
        nullable=False,
    )


search_string = Table(
    "search_string",
    metadata,
    _resource(),
    Column("record_type", String(TYPE_LENGTH), nullable=False),
    Column("param", String(TYPE_LENGTH), nullable=False),
    Column("value", FoldedText, nullable=False),
    PrimaryKeyConstraint("resource_id", "param", "value"),
    Index(None, "record_type", "param", "value"),
)

search_token = Table(
    "search_token",
    metadata,
    _resource(),
    Column("record_type", String(TYPE_LENGTH), nullable=False),
    Column("param", String(TYPE_LENGTH), nullable=False),
    # "" when the code has no system: a primary key column cannot be NULL.
    Column("system", String(CODE_LENGTH), nullable=False),
    Column("code", String(CODE_LENGTH), nullable=False),
    PrimaryKeyConstraint("resource_id", "param", "system", "code"),
    Index(None, "record_type", "param", "code"),
)

search_date = Table(
    "search_date",
    metadata,
    _resource(),
    Column("record_type", String(TYPE_LENGTH), nullable=False),
    Column("param", String(TYPE_LENGTH), nullable=False),
    Column("low", UTCDateTime, nullable=False),
    Column("high", UTCDateTime, nullable=False),
    PrimaryKeyConstraint("resource_id", "param", "low", "high"),
    Index(None, "record_type", "param", "low"),
    Index(None, "record_type", "param", "high"),
)

search_number = Table(
    "search_number",
    metadata,
    _resource(),
    Column("record_type", String(TYPE_LENGTH), nullable=False),
    Column("param", String(TYPE_LENGTH), nullable=False),
    Column("value", Double, nullable=False),
    PrimaryKeyConstraint("resource_id", "param", "value"),
    Index(None, "record_type", "param", "value"),
)

search_reference = Table(
    "search_reference",
    metadata,
    _resource(),
    Column("record_type", String(TYPE_LENGTH), nullable=False),
    Column("param", String(TYPE_LENGTH), nullable=False),
    Column("target_type", String(TYPE_LENGTH), nullable=False),
    Column("target_id", String(ID_LENGTH), nullable=False),
    PrimaryKeyConstraint("resource_id", "param", "target_type", "target_id"),
    Index(None, "target_type", "target_id"),
)

#: The search index tables, in the order writes fill them.
SEARCH_TABLES: Final = (search_string, search_token, search_date, search_number, search_reference)

#: The outbox: one entry per committed write, appended in the write's transaction.
change_log = Table(
    "change_log",
    metadata,
    Column("origin_node", String(NODE_LENGTH), nullable=False),
    Column("sequence", BigInteger, nullable=False),
    Column("record_type", String(TYPE_LENGTH), nullable=False),
    Column("record_id", String(ID_LENGTH), nullable=False),
    Column("version", Integer, nullable=False),
    Column("content_hash", String(HASH_LENGTH), nullable=False),
    Column("recorded_at", UTCDateTime, nullable=False),
    PrimaryKeyConstraint("origin_node", "sequence"),
)

#: The last sequence number given out per origin node; its row lock serializes writers.
change_log_heads = Table(
    "change_log_heads",
    metadata,
    Column("origin_node", String(NODE_LENGTH), nullable=False),
    Column("last_sequence", BigInteger, nullable=False),
    PrimaryKeyConstraint("origin_node"),
)

#: Own sequence numbers handed out that the store no longer holds (it was restored from an
#: older copy): sync asks the peers for those entries back.
change_log_gaps = Table(
    "change_log_gaps",
    metadata,
    Column("origin_node", String(NODE_LENGTH), nullable=False),
    Column("after_sequence", BigInteger, nullable=False),
    Column("through_sequence", BigInteger, nullable=False),
    Column("found_at", UTCDateTime, nullable=False),
    PrimaryKeyConstraint("origin_node", "after_sequence"),
)
