"""Index consolidation items by run, decision and status, for the runs' counts.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-06
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Create the index the counts of every run read instead of the items' wide rows."""
    op.create_index(
        "ix_consolidation_items_run_id_decision_status",
        "consolidation_items",
        ["run_id", "decision", "status"],
    )


def downgrade() -> None:
    """Drop the index."""
    op.drop_index("ix_consolidation_items_run_id_decision_status", "consolidation_items")
