"""Sync in Prometheus: each link's lag, the cursors, pending change requests.

Read from the node's database at each scrape, so the figures are the same whichever
process syncs (the gateway serving provinces, or ``sync run`` on a province) and need
no state shared between processes.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime

from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from lienthong.node import Node
from lienthong.sync.status import sync_status


def _utc_now() -> datetime:
    return datetime.now(UTC)


class SyncCollector(Collector):
    """Collect a node's sync status as gauges."""

    def __init__(self, node: Node, *, clock: Callable[[], datetime] = _utc_now) -> None:
        self.node = node
        self.clock = clock

    def collect(self) -> Iterator[GaugeMetricFamily]:
        """Yield the gauges of the node's sync status."""
        status = sync_status(self.node, now=self.clock())
        entries = GaugeMetricFamily(
            "lienthong_sync_lag_entries",
            "Entries of an origin a peer has not acknowledged, by peer and origin.",
            labels=("peer", "origin"),
        )
        seconds = GaugeMetricFamily(
            "lienthong_sync_lag_seconds",
            "Age of the oldest entry a peer has not acknowledged, by peer and origin.",
            labels=("peer", "origin"),
        )
        contact = GaugeMetricFamily(
            "lienthong_sync_last_contact_timestamp_seconds",
            "When a peer last acknowledged entries of an origin (Unix time).",
            labels=("peer", "origin"),
        )
        for lag in status.sending:
            entries.add_metric((lag.peer, lag.origin), lag.entries)
            seconds.add_metric((lag.peer, lag.origin), lag.seconds)
            contact.add_metric((lag.peer, lag.origin), lag.contact_at.timestamp())
        cursors = GaugeMetricFamily(
            "lienthong_sync_cursor",
            "The last entry of an origin this node applied from a peer.",
            labels=("peer", "origin"),
        )
        for cursor in status.receiving:
            cursors.add_metric((cursor.peer, cursor.origin), cursor.sequence)
        requests = GaugeMetricFamily(
            "lienthong_sync_change_requests",
            "Change requests this node waits on (waiting) or has to decide (to_decide).",
            labels=("state",),
        )
        requests.add_metric(("waiting",), status.waiting)
        requests.add_metric(("to_decide",), status.to_decide)
        own = GaugeMetricFamily(
            "lienthong_sync_own_sequence",
            "The last sequence number of this node's own change log.",
            value=status.own_last,
        )
        lost = GaugeMetricFamily(
            "lienthong_sync_lost_sequence_numbers",
            "Own sequence numbers a restore of the store lost (see sync status).",
            value=sum(gap.through - gap.after for gap in status.lost),
        )
        yield from (entries, seconds, contact, cursors, requests, own, lost)
