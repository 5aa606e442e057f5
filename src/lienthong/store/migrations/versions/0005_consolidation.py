"""Create consolidation's runs, their items (the review queue) and their merges.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Types are spelled out here rather than imported from the models, so that this
# revision keeps creating the same schema whatever the models become.
TIMESTAMP = sa.DateTime(timezone=True)
JSON = sa.JSON(none_as_null=True).with_variant(postgresql.JSONB(none_as_null=True), "postgresql")


def _run_reference(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["run_id"],
        ["consolidation_runs.run_id"],
        name=f"fk_{table}_run_id_consolidation_runs",
        ondelete="CASCADE",
    )


def upgrade() -> None:
    """Create the consolidation tables."""
    op.create_table(
        "consolidation_runs",
        sa.Column("run_id", sa.String(32), nullable=False),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.Column("created_by", sa.String(255), nullable=False),
        sa.Column("system", sa.String(64), nullable=False),
        sa.Column("record_type", sa.String(64), nullable=False),
        sa.Column("source_system", sa.String(255), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("mapping", sa.Text(), nullable=False),
        sa.Column("model_version", sa.String(255), nullable=False),
        sa.Column("match_threshold", sa.Double(), nullable=False),
        sa.Column("review_threshold", sa.Double(), nullable=False),
        sa.Column("total", sa.Integer(), nullable=False),
        sa.Column("matched", sa.Integer(), nullable=False),
        sa.Column("to_review", sa.Integer(), nullable=False),
        sa.Column("new", sa.Integer(), nullable=False),
        sa.Column("rejected", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("run_id", name="pk_consolidation_runs"),
    )
    op.create_table(
        "consolidation_items",
        sa.Column("run_id", sa.String(32), nullable=False),
        sa.Column("legacy_id", sa.String(255), nullable=False),
        sa.Column("row_number", sa.Integer(), nullable=False),
        sa.Column("fields", JSON, nullable=False),
        sa.Column("content", JSON, nullable=True),
        sa.Column("registry_id", sa.String(128), nullable=True),
        sa.Column("match_probability", sa.Double(), nullable=False),
        sa.Column("decision", sa.String(16), nullable=False),
        sa.Column("candidates", JSON, nullable=False),
        sa.Column("problem", JSON, nullable=True),
        sa.Column("cluster", sa.String(255), nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("reviewer", sa.String(255), nullable=True),
        sa.Column("reviewed_at", TIMESTAMP, nullable=True),
        sa.Column("merge_id", sa.String(32), nullable=True),
        sa.Column("merged_record_id", sa.String(128), nullable=True),
        sa.Column("merged_version", sa.Integer(), nullable=True),
        sa.Column("merge_problem", JSON, nullable=True),
        sa.PrimaryKeyConstraint("run_id", "legacy_id", name="pk_consolidation_items"),
        _run_reference("consolidation_items"),
    )
    op.create_index(
        "ix_consolidation_items_run_id_status_match_probability",
        "consolidation_items",
        ["run_id", "status", "match_probability"],
    )
    op.create_index("ix_consolidation_items_merge_id", "consolidation_items", ["merge_id"])
    op.create_table(
        "consolidation_merges",
        sa.Column("merge_id", sa.String(32), nullable=False),
        sa.Column("run_id", sa.String(32), nullable=False),
        sa.Column("node", sa.String(255), nullable=False),
        sa.Column("merged_at", TIMESTAMP, nullable=False),
        sa.Column("merged_by", sa.String(255), nullable=False),
        sa.Column("linked", sa.Integer(), nullable=False),
        sa.Column("created", sa.Integer(), nullable=False),
        sa.Column("skipped", sa.Integer(), nullable=False),
        sa.Column("undone_at", TIMESTAMP, nullable=True),
        sa.Column("undone_by", sa.String(255), nullable=True),
        sa.PrimaryKeyConstraint("merge_id", name="pk_consolidation_merges"),
        _run_reference("consolidation_merges"),
    )
    op.create_index("ix_consolidation_merges_run_id", "consolidation_merges", ["run_id"])


def downgrade() -> None:
    """Drop the consolidation tables."""
    op.drop_index("ix_consolidation_merges_run_id", table_name="consolidation_merges")
    op.drop_table("consolidation_merges")
    op.drop_index("ix_consolidation_items_merge_id", table_name="consolidation_items")
    op.drop_index(
        "ix_consolidation_items_run_id_status_match_probability",
        table_name="consolidation_items",
    )
    op.drop_table("consolidation_items")
    op.drop_table("consolidation_runs")
