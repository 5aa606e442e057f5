"""The record store: versioned records with a typed search index and a change log.

SQLite (WAL, one file per node) and PostgreSQL through SQLAlchemy 2; schema by Alembic;
writes through a unit of work that commits the record version, its search index rows
and its change-log entry together.
"""

from lienthong.store.canonical import canonical_json, content_hash
from lienthong.store.changelog import ChangeEntry, ChangeLog, read_changes
from lienthong.store.engine import create_engine, sqlite_url
from lienthong.store.events import (
    Event,
    MessageBus,
    RecordCreated,
    RecordDeleted,
    RecordEvent,
    RecordTransferred,
    RecordUpdated,
)
from lienthong.store.migrate import (
    current_revision,
    downgrade,
    head_revision,
    schema_differences,
    upgrade,
)
from lienthong.store.records import Clock, Page, Record, RecordStore, utc_now
from lienthong.store.service import call_service
from lienthong.store.unit_of_work import UnitOfWork

__all__ = [
    "ChangeEntry",
    "ChangeLog",
    "Clock",
    "Event",
    "MessageBus",
    "Page",
    "Record",
    "RecordCreated",
    "RecordDeleted",
    "RecordEvent",
    "RecordStore",
    "RecordTransferred",
    "RecordUpdated",
    "UnitOfWork",
    "call_service",
    "canonical_json",
    "content_hash",
    "create_engine",
    "current_revision",
    "downgrade",
    "head_revision",
    "read_changes",
    "schema_differences",
    "sqlite_url",
    "upgrade",
    "utc_now",
]
