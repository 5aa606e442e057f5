"""Where a node's sync links stand: lag per peer and origin, last contact, pending requests."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from lienthong.node import Node
from lienthong.store import changelog
from lienthong.store.models import change_log
from lienthong.sync import cursors as link_state
from lienthong.sync import requests


@dataclass(frozen=True)
class SendingLag:
    """How far a peer is behind this node on one origin's entries (this node sends)."""

    peer: str
    origin: str
    last: int
    acknowledged: int
    #: Age of the first entry the peer has not acknowledged (0 when caught up).
    seconds: float
    contact_at: datetime

    @property
    def entries(self) -> int:
        """Entries the peer has not acknowledged."""
        return max(self.last - self.acknowledged, 0)


@dataclass(frozen=True)
class PeerLag:
    """How far one peer is behind this node over every origin it receives."""

    peer: str
    entries: int
    #: The largest of its origins' lags in seconds.
    seconds: float
    contact_at: datetime
    origins: tuple[str, ...]


def by_peer(sending: Iterable[SendingLag]) -> list[PeerLag]:
    """Return the lag of each peer, its origins' entries summed, ordered by peer."""
    grouped: dict[str, list[SendingLag]] = {}
    for lag in sending:
        grouped.setdefault(lag.peer, []).append(lag)
    return [
        PeerLag(
            peer=peer,
            entries=sum(lag.entries for lag in lags),
            seconds=max(lag.seconds for lag in lags),
            contact_at=max(lag.contact_at for lag in lags),
            origins=tuple(sorted(lag.origin for lag in lags)),
        )
        for peer, lags in sorted(grouped.items())
    ]


@dataclass(frozen=True)
class Status:
    """A node's view of its sync."""

    node: str
    own_last: int
    sending: tuple[SendingLag, ...]
    receiving: tuple[link_state.CursorState, ...]
    #: This node's change requests still without a decision here.
    waiting: int
    #: Change requests addressed to this node it has not decided yet.
    to_decide: int
    #: Own sequence numbers a restore of the store lost (its peers are asked for them).
    lost: tuple[changelog.Gap, ...]


def sync_status(node: Node, *, now: datetime) -> Status:
    """Return where the node's links stand, read in one short read transaction."""
    with node.unit_of_work(read_only=True) as uow:
        connection = uow.connection
        peers = link_state.peers(connection)
        # One index lookup per origin, never a scan of the log: this runs on every page
        # view of the console and every Prometheus scrape, whatever the log's length.
        last_by_origin = {
            origin: uow.changes.last_sequence(origin=origin)
            for origin in {node.node_id, *(state.origin for state in peers)}
        }
        sending: list[SendingLag] = []
        for state in peers:
            last = last_by_origin[state.origin]
            # The first entry the peer lacks, by sequence: the oldest its origin wrote.
            oldest = connection.execute(
                select(change_log.c.recorded_at)
                .where(
                    change_log.c.origin_node == state.origin,
                    change_log.c.sequence > state.acknowledged,
                )
                .order_by(change_log.c.sequence)
                .limit(1)
            ).scalar()
            seconds = (now - oldest).total_seconds() if oldest is not None else 0.0
            sending.append(
                SendingLag(
                    state.peer,
                    state.origin,
                    last,
                    state.acknowledged,
                    max(seconds, 0.0),
                    state.contact_at,
                )
            )
        status = Status(
            node=node.node_id,
            own_last=last_by_origin[node.node_id],
            sending=tuple(sending),
            receiving=tuple(link_state.cursor_states(connection)),
            waiting=len(requests.waiting(uow)),
            to_decide=len(requests.pending_for(uow)),
            lost=tuple(changelog.gaps(connection, origin=node.node_id)),
        )
    return status
