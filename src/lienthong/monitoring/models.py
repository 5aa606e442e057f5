"""The samples the console records for its charts (SQLAlchemy Core, on the store's metadata).

One row per figure and time: a metric name (``sync.lag.entries``), a label (the peer
node, or empty) and a value. Narrow rows keep the table the same whatever is charted
next; the index serves the only read, one metric over a window of time.
"""

from __future__ import annotations

from typing import Final

from sqlalchemy import Column, Double, Index, String, Table

from lienthong.store.dialects import KeyType, UTCDateTime
from lienthong.store.models import NODE_LENGTH, metadata

METRIC_LENGTH: Final = 64

metric_samples = Table(
    "metric_samples",
    metadata,
    Column("id", KeyType, primary_key=True, autoincrement=True),
    Column("sampled_at", UTCDateTime, nullable=False),
    Column("metric", String(METRIC_LENGTH), nullable=False),
    Column("label", String(NODE_LENGTH), nullable=False),
    Column("value", Double, nullable=False),
    Index("ix_metric_samples_metric_sampled_at", "metric", "sampled_at"),
)
