"""Both ends of a link's state: the receiver's cursors and the sender's acknowledgements.

The receiver moves its cursor in the transaction that applies the entries, so a crash
leaves either both or neither. The sender learns the cursor on the next exchange (a
pull carries it; a push is answered with it) and records it as acknowledged: entries
acknowledged by every peer that receives them are the only ones it may ever discard.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.engine import Connection

from lienthong.store import dialects
from lienthong.sync.models import sync_cursors, sync_peers


def cursors(connection: Connection, *, peer: str) -> dict[str, int]:
    """Return how far this node has applied each origin's entries received from a peer."""
    rows = connection.execute(
        select(sync_cursors.c.origin_node, sync_cursors.c.last_sequence).where(
            sync_cursors.c.peer_node == peer
        )
    )
    return {row.origin_node: row.last_sequence for row in rows}


def advance(
    connection: Connection, *, peer: str, positions: Mapping[str, int], now: datetime
) -> None:
    """Move the cursors of a peer's origins forward (never back), in the caller's transaction."""
    for origin, sequence in positions.items():
        dialects.raise_counter(
            connection,
            sync_cursors,
            key={"peer_node": peer, "origin_node": origin},
            column="last_sequence",
            to=sequence,
            also={"updated_at": now},
        )


def acknowledge(
    connection: Connection, *, peer: str, positions: Mapping[str, int], now: datetime
) -> None:
    """Record what a peer says it holds of each origin, and that it was heard from now.

    The peer's word is taken as it is, even when lower than before: a peer restored
    from an older copy of its store must be sent again what it lost.
    """
    for origin, sequence in positions.items():
        values = {"acknowledged": sequence, "contact_at": now}
        statement = dialects.insert(sync_peers, connection.dialect).values(
            peer_node=peer, origin_node=origin, **values
        )
        connection.execute(
            statement.on_conflict_do_update(
                index_elements=["peer_node", "origin_node"], set_=values
            )
        )


def acknowledged(connection: Connection, *, peer: str, origin: str) -> int:
    """Return what a peer last said it holds of one origin's entries (0 before it said)."""
    value = connection.execute(
        select(sync_peers.c.acknowledged).where(
            sync_peers.c.peer_node == peer, sync_peers.c.origin_node == origin
        )
    ).scalar()
    return int(value or 0)


@dataclass(frozen=True)
class PeerState:
    """What a sender knows of one peer and origin: acknowledged position, last contact."""

    peer: str
    origin: str
    acknowledged: int
    contact_at: datetime


def peers(connection: Connection) -> list[PeerState]:
    """Return the sender's view of every peer that has acknowledged something."""
    rows = connection.execute(
        select(sync_peers).order_by(sync_peers.c.peer_node, sync_peers.c.origin_node)
    )
    return [
        PeerState(row.peer_node, row.origin_node, row.acknowledged, row.contact_at) for row in rows
    ]


@dataclass(frozen=True)
class CursorState:
    """What a receiver has applied of one origin from one peer, and when it last moved."""

    peer: str
    origin: str
    sequence: int
    updated_at: datetime


def cursor_states(connection: Connection) -> list[CursorState]:
    """Return every cursor this node keeps."""
    rows = connection.execute(
        select(sync_cursors).order_by(sync_cursors.c.peer_node, sync_cursors.c.origin_node)
    )
    return [
        CursorState(row.peer_node, row.origin_node, row.last_sequence, row.updated_at)
        for row in rows
    ]
