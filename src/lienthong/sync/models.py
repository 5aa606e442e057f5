"""The tables sync keeps beside the record store (SQLAlchemy Core, on the store's metadata).

``sync_cursors`` is the receiver's side of every link: how far it has applied each
origin's entries, committed in the transaction that applied them. ``sync_peers`` is the
sender's side: what each peer has acknowledged (nothing before that may be discarded)
and when it was last heard from.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, PrimaryKeyConstraint, String, Table

from lienthong.store.dialects import UTCDateTime
from lienthong.store.models import NODE_LENGTH, metadata

sync_cursors = Table(
    "sync_cursors",
    metadata,
    Column("peer_node", String(NODE_LENGTH), nullable=False),
    Column("origin_node", String(NODE_LENGTH), nullable=False),
    Column("last_sequence", BigInteger, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    PrimaryKeyConstraint("peer_node", "origin_node"),
)

sync_peers = Table(
    "sync_peers",
    metadata,
    Column("peer_node", String(NODE_LENGTH), nullable=False),
    Column("origin_node", String(NODE_LENGTH), nullable=False),
    Column("acknowledged", BigInteger, nullable=False),
    Column("contact_at", UTCDateTime, nullable=False),
    PrimaryKeyConstraint("peer_node", "origin_node"),
)
