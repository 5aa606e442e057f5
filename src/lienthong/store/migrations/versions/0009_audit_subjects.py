"""Create the audit log's index of what each entry names, and fill it from the entries.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-06
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator, Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

NAME_LENGTH = 255
#: Entries read at a time while the index is filled.
CHUNK = 5000


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


def _subjects(row: Any) -> set[str]:
    # As lienthong.exchange.audit.log.subjects_of named them when this revision was
    # written; spelled out so that this revision fills the same rows whatever that becomes.
    found: set[str] = set()
    if row.user_id:
        found.add(row.user_id)
    if row.details:
        with contextlib.suppress(ValueError):
            found.update(_strings(json.loads(row.details)))
    if row.service and row.kind in ("exchange.client", "exchange.provider"):
        found.add(row.service.rstrip("/").rsplit("/", 1)[-1])
    return {subject for subject in found if 0 < len(subject) <= NAME_LENGTH}


def upgrade() -> None:
    """Create the audit subjects table and index every entry already in the log."""
    subjects = op.create_table(
        "audit_subjects",
        sa.Column("sequence", sa.BigInteger(), nullable=False),
        sa.Column("subject", sa.String(NAME_LENGTH), nullable=False),
        sa.PrimaryKeyConstraint("sequence", "subject", name="pk_audit_subjects"),
    )
    assert subjects is not None
    op.create_index("ix_audit_subjects_subject_sequence", "audit_subjects", ["subject", "sequence"])
    log = sa.table(
        "audit_log",
        sa.column("sequence", sa.BigInteger()),
        sa.column("kind", sa.String()),
        sa.column("service", sa.String()),
        sa.column("user_id", sa.String()),
        sa.column("details", sa.Text()),
    )
    connection = op.get_bind()
    after = 0
    while True:
        rows = connection.execute(
            sa.select(log).where(log.c.sequence > after).order_by(log.c.sequence).limit(CHUNK)
        ).all()
        if not rows:
            break
        found = [
            {"subject": subject, "sequence": row.sequence}
            for row in rows
            for subject in sorted(_subjects(row))
        ]
        if found:
            connection.execute(subjects.insert(), found)
        after = rows[-1].sequence


def downgrade() -> None:
    """Drop the audit subjects table."""
    op.drop_table("audit_subjects")
