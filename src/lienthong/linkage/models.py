"""The tables a consolidation run keeps on the node (SQLAlchemy Core, on the store's metadata).

``consolidation_runs`` holds one row per run of the linkage: what was linked to what, with
which model and thresholds. ``consolidation_items`` holds one row per legacy record: its
repaired linkage fields, the model's decision and candidates, and where review and merge
have taken it. ``consolidation_merges`` holds one row per merge, so that it can be undone.
"""

from __future__ import annotations

from typing import Final

from sqlalchemy import (
    Column,
    Double,
    ForeignKey,
    Index,
    Integer,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
)

from lienthong.store.dialects import JSONType, UTCDateTime
from lienthong.store.models import ID_LENGTH, NODE_LENGTH, TYPE_LENGTH, metadata

RUN_ID_LENGTH: Final = 32
LEGACY_ID_LENGTH: Final = 255
NAME_LENGTH: Final = 255
STATE_LENGTH: Final = 16

#: One row per run of the linkage of a legacy source to a registry record type. The
#: counts are what the linkage decided, set as items are added; statuses move on review.
consolidation_runs = Table(
    "consolidation_runs",
    metadata,
    Column("run_id", String(RUN_ID_LENGTH), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("created_by", String(NAME_LENGTH), nullable=False),
    Column("system", String(TYPE_LENGTH), nullable=False),
    Column("record_type", String(TYPE_LENGTH), nullable=False),
    Column("source_system", String(NAME_LENGTH), nullable=False),
    Column("source", Text, nullable=False),
    Column("mapping", Text, nullable=False),
    Column("model_version", String(NAME_LENGTH), nullable=False),
    Column("match_threshold", Double, nullable=False),
    Column("review_threshold", Double, nullable=False),
    Column("total", Integer, nullable=False),
    Column("matched", Integer, nullable=False),
    Column("to_review", Integer, nullable=False),
    Column("new", Integer, nullable=False),
    Column("rejected", Integer, nullable=False),
    PrimaryKeyConstraint("run_id"),
)

#: One row per legacy record of a run. ``merged_version`` is the version of the registry
#: record a merge created (null when it linked an existing one), which undo checks.
consolidation_items = Table(
    "consolidation_items",
    metadata,
    Column(
        "run_id",
        String(RUN_ID_LENGTH),
        ForeignKey("consolidation_runs.run_id", ondelete="CASCADE"),
        nullable=False,
    ),
    Column("legacy_id", String(LEGACY_ID_LENGTH), nullable=False),
    Column("row_number", Integer, nullable=False),
    Column("fields", JSONType, nullable=False),
    Column("content", JSONType, nullable=True),
    Column("registry_id", String(ID_LENGTH), nullable=True),
    Column("match_probability", Double, nullable=False),
    Column("decision", String(STATE_LENGTH), nullable=False),
    Column("candidates", JSONType, nullable=False),
    Column("problem", JSONType, nullable=True),
    Column("cluster", String(LEGACY_ID_LENGTH), nullable=True),
    Column("status", String(STATE_LENGTH), nullable=False),
    Column("reviewer", String(NAME_LENGTH), nullable=True),
    Column("reviewed_at", UTCDateTime, nullable=True),
    Column("merge_id", String(RUN_ID_LENGTH), nullable=True),
    Column("merged_record_id", String(ID_LENGTH), nullable=True),
    Column("merged_version", Integer, nullable=True),
    Column("merge_problem", JSONType, nullable=True),
    PrimaryKeyConstraint("run_id", "legacy_id"),
    # The review queue: a run's pending items, highest probability first.
    Index(None, "run_id", "status", "match_probability"),
    # A run's counts by decision and status, read from the index without the wide rows.
    Index(None, "run_id", "decision", "status"),
    Index(None, "merge_id"),
)

#: One row per merge of a run; ``undone_at`` is set once it has been undone.
consolidation_merges = Table(
    "consolidation_merges",
    metadata,
    Column("merge_id", String(RUN_ID_LENGTH), nullable=False),
    Column(
        "run_id",
        String(RUN_ID_LENGTH),
        ForeignKey("consolidation_runs.run_id", ondelete="CASCADE"),
        nullable=False,
    ),
    Column("node", String(NODE_LENGTH), nullable=False),
    Column("merged_at", UTCDateTime, nullable=False),
    Column("merged_by", String(NAME_LENGTH), nullable=False),
    Column("linked", Integer, nullable=False),
    Column("created", Integer, nullable=False),
    Column("skipped", Integer, nullable=False),
    Column("undone_at", UTCDateTime, nullable=True),
    Column("undone_by", String(NAME_LENGTH), nullable=True),
    PrimaryKeyConstraint("merge_id"),
    Index(None, "run_id"),
)
