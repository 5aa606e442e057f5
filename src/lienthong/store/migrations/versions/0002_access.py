"""Create the API access tables: client tokens and the append-only access log.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-27
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Types are spelled out here rather than imported from the models, so that this
# revision keeps creating the same schema whatever the models become.
KEY = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
TIMESTAMP = sa.DateTime(timezone=True)


def upgrade() -> None:
    """Create the token and access-log tables."""
    op.create_table(
        "api_tokens",
        sa.Column("token_id", sa.String(16), nullable=False),
        sa.Column("client", sa.String(128), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.Column("revoked_at", TIMESTAMP, nullable=True),
        sa.PrimaryKeyConstraint("token_id", name="pk_api_tokens"),
        sa.UniqueConstraint("token_hash", name="uq_api_tokens_token_hash"),
    )
    op.create_index("ix_api_tokens_client", "api_tokens", ["client"])
    op.create_table(
        "access_log",
        sa.Column("id", KEY, autoincrement=True, nullable=False),
        sa.Column("request_id", sa.String(32), nullable=False),
        sa.Column("at", TIMESTAMP, nullable=False),
        sa.Column("client", sa.String(128), nullable=False),
        sa.Column("user_id", sa.String(255), nullable=True),
        sa.Column("purpose", sa.String(500), nullable=True),
        sa.Column("action", sa.String(32), nullable=False),
        sa.Column("record_type", sa.String(64), nullable=True),
        sa.Column("record_id", sa.String(128), nullable=True),
        sa.Column("version", sa.Integer(), nullable=True),
        sa.Column("outcome", sa.String(64), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_access_log"),
    )
    op.create_index(
        "ix_access_log_record_type_record_id", "access_log", ["record_type", "record_id"]
    )


def downgrade() -> None:
    """Drop the token and access-log tables."""
    op.drop_table("access_log")
    op.drop_table("api_tokens")
