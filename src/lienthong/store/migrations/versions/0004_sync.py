"""Create sync's cursors (receiver side) and peers (sender side).

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-26
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Types are spelled out here rather than imported from the models, so that this
# revision keeps creating the same schema whatever the models become.
TIMESTAMP = sa.DateTime(timezone=True)


def upgrade() -> None:
    """Create the sync tables."""
    op.create_table(
        "sync_cursors",
        sa.Column("peer_node", sa.String(255), nullable=False),
        sa.Column("origin_node", sa.String(255), nullable=False),
        sa.Column("last_sequence", sa.BigInteger(), nullable=False),
        sa.Column("updated_at", TIMESTAMP, nullable=False),
        sa.PrimaryKeyConstraint("peer_node", "origin_node", name="pk_sync_cursors"),
    )
    op.create_table(
        "sync_peers",
        sa.Column("peer_node", sa.String(255), nullable=False),
        sa.Column("origin_node", sa.String(255), nullable=False),
        sa.Column("acknowledged", sa.BigInteger(), nullable=False),
        sa.Column("contact_at", TIMESTAMP, nullable=False),
        sa.PrimaryKeyConstraint("peer_node", "origin_node", name="pk_sync_peers"),
    )


def downgrade() -> None:
    """Drop the sync tables."""
    op.drop_table("sync_peers")
    op.drop_table("sync_cursors")
