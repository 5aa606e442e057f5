"""Create the table of own sequence numbers a restored store no longer holds.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-06
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Types are spelled out here rather than imported from the models, so that this
# revision keeps creating the same schema whatever the models become.
TIMESTAMP = sa.DateTime(timezone=True)
NODE_LENGTH = 255


def upgrade() -> None:
    """Create the change log's gaps table."""
    op.create_table(
        "change_log_gaps",
        sa.Column("origin_node", sa.String(NODE_LENGTH), nullable=False),
        sa.Column("after_sequence", sa.BigInteger(), nullable=False),
        sa.Column("through_sequence", sa.BigInteger(), nullable=False),
        sa.Column("found_at", TIMESTAMP, nullable=False),
        sa.PrimaryKeyConstraint("origin_node", "after_sequence", name="pk_change_log_gaps"),
    )


def downgrade() -> None:
    """Drop the change log's gaps table."""
    op.drop_table("change_log_gaps")
