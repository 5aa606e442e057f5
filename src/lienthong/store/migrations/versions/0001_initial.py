"""Create the record store: versioned records, current pointers, search index, change log.

Revision ID: 0001
Revises:
Create Date: 2026-11-26
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Types are spelled out here rather than imported from the models, so that this
# revision keeps creating the same schema whatever the models become.
KEY = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
TIMESTAMP = sa.DateTime(timezone=True)
JSON = sa.JSON(none_as_null=True).with_variant(postgresql.JSONB(none_as_null=True), "postgresql")
FOLDED = sa.Text().with_variant(sa.Text(collation="C"), "postgresql")


def _type_column() -> sa.Column[str]:
    return sa.Column("record_type", sa.String(64), nullable=False)


def _resource_column(table: str) -> list[sa.Column[int] | sa.ForeignKeyConstraint]:
    return [
        sa.Column("resource_id", KEY, nullable=False),
        sa.ForeignKeyConstraint(
            ["resource_id"],
            ["current_records.id"],
            name=f"fk_{table}_resource_id_current_records",
            ondelete="CASCADE",
        ),
    ]


def upgrade() -> None:
    """Create every table of the store."""
    op.create_table(
        "records",
        _type_column(),
        sa.Column("record_id", sa.String(128), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("schema_version", sa.Integer(), nullable=False),
        sa.Column("owner_node", sa.String(255), nullable=False),
        sa.Column("partition_key", sa.String(64), nullable=True),
        sa.Column("content", JSON, nullable=False),
        sa.Column("content_hash", sa.String(64), nullable=False),
        sa.Column("recorded_at", TIMESTAMP, nullable=False),
        sa.Column("deleted", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("record_type", "record_id", "version", name="pk_records"),
    )
    op.create_table(
        "current_records",
        sa.Column("id", KEY, autoincrement=True, nullable=False),
        _type_column(),
        sa.Column("record_id", sa.String(128), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("owner_node", sa.String(255), nullable=False),
        sa.Column("partition_key", sa.String(64), nullable=True),
        sa.Column("content_hash", sa.String(64), nullable=False),
        sa.Column("recorded_at", TIMESTAMP, nullable=False),
        sa.Column("deleted", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_current_records"),
        sa.UniqueConstraint(
            "record_type", "record_id", name="uq_current_records_record_type_record_id"
        ),
    )
    op.create_index("ix_current_records_record_type_id", "current_records", ["record_type", "id"])
    op.create_index(
        "ix_current_records_record_type_partition_key",
        "current_records",
        ["record_type", "partition_key"],
    )

    op.create_table(
        "search_string",
        *_resource_column("search_string"),
        _type_column(),
        sa.Column("param", sa.String(64), nullable=False),
        sa.Column("value", FOLDED, nullable=False),
        sa.PrimaryKeyConstraint("resource_id", "param", "value", name="pk_search_string"),
    )
    op.create_index(
        "ix_search_string_record_type_param_value",
        "search_string",
        ["record_type", "param", "value"],
    )
    op.create_table(
        "search_token",
        *_resource_column("search_token"),
        _type_column(),
        sa.Column("param", sa.String(64), nullable=False),
        sa.Column("system", sa.String(255), nullable=False),
        sa.Column("code", sa.String(255), nullable=False),
        sa.PrimaryKeyConstraint("resource_id", "param", "system", "code", name="pk_search_token"),
    )
    op.create_index(
        "ix_search_token_record_type_param_code", "search_token", ["record_type", "param", "code"]
    )
    op.create_table(
        "search_date",
        *_resource_column("search_date"),
        _type_column(),
        sa.Column("param", sa.String(64), nullable=False),
        sa.Column("low", TIMESTAMP, nullable=False),
        sa.Column("high", TIMESTAMP, nullable=False),
        sa.PrimaryKeyConstraint("resource_id", "param", "low", "high", name="pk_search_date"),
    )
    op.create_index(
        "ix_search_date_record_type_param_low", "search_date", ["record_type", "param", "low"]
    )
    op.create_index(
        "ix_search_date_record_type_param_high", "search_date", ["record_type", "param", "high"]
    )
    op.create_table(
        "search_number",
        *_resource_column("search_number"),
        _type_column(),
        sa.Column("param", sa.String(64), nullable=False),
        sa.Column("value", sa.Double(), nullable=False),
        sa.PrimaryKeyConstraint("resource_id", "param", "value", name="pk_search_number"),
    )
    op.create_index(
        "ix_search_number_record_type_param_value",
        "search_number",
        ["record_type", "param", "value"],
    )
    op.create_table(
        "search_reference",
        *_resource_column("search_reference"),
        _type_column(),
        sa.Column("param", sa.String(64), nullable=False),
        sa.Column("target_type", sa.String(64), nullable=False),
        sa.Column("target_id", sa.String(128), nullable=False),
        sa.PrimaryKeyConstraint(
            "resource_id", "param", "target_type", "target_id", name="pk_search_reference"
        ),
    )
    op.create_index(
        "ix_search_reference_target_type_target_id",
        "search_reference",
        ["target_type", "target_id"],
    )

    op.create_table(
        "change_log",
        sa.Column("origin_node", sa.String(255), nullable=False),
        sa.Column("sequence", sa.BigInteger(), nullable=False),
        _type_column(),
        sa.Column("record_id", sa.String(128), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("content_hash", sa.String(64), nullable=False),
        sa.Column("recorded_at", TIMESTAMP, nullable=False),
        sa.PrimaryKeyConstraint("origin_node", "sequence", name="pk_change_log"),
    )
    op.create_table(
        "change_log_heads",
        sa.Column("origin_node", sa.String(255), nullable=False),
        sa.Column("last_sequence", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("origin_node", name="pk_change_log_heads"),
    )


def downgrade() -> None:
    """Drop every table of the store."""
    for table in (
        "change_log_heads",
        "change_log",
        "search_reference",
        "search_number",
        "search_date",
        "search_token",
        "search_string",
        "current_records",
        "records",
    ):
        op.drop_table(table)
