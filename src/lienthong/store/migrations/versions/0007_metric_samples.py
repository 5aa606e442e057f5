"""Create the samples of lag and traffic the console charts over time.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-06
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Types are spelled out here rather than imported from the models, so that this
# revision keeps creating the same schema whatever the models become.
TIMESTAMP = sa.DateTime(timezone=True)
KEY = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    """Create the metric samples table and its index by metric and time."""
    op.create_table(
        "metric_samples",
        sa.Column("id", KEY, autoincrement=True, nullable=False),
        sa.Column("sampled_at", TIMESTAMP, nullable=False),
        sa.Column("metric", sa.String(64), nullable=False),
        sa.Column("label", sa.String(255), nullable=False),
        sa.Column("value", sa.Double(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_metric_samples"),
    )
    op.create_index(
        "ix_metric_samples_metric_sampled_at", "metric_samples", ["metric", "sampled_at"]
    )


def downgrade() -> None:
    """Drop the metric samples table."""
    op.drop_table("metric_samples")
