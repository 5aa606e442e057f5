"""Record the network's figures now and then, and read them back as series over time.

The sync status and Prometheus give the figures of *now*; an operator looking at the
console also wants to see how a link fell behind during an outage and caught up after
it. ``record_samples`` writes each sync link's lag and the audit log's head (a counter:
its differences are the audited traffic) in one transaction, and deletes what is older
than the history kept; ``series`` and ``rates`` read them back for the charts.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from itertools import pairwise
from typing import Final

from sqlalchemy import delete, insert, select

from lienthong.exchange.audit.log import log_size
from lienthong.monitoring.models import metric_samples
from lienthong.node import Node
from lienthong.sync.status import by_peer, sync_status

#: Entries a peer has not acknowledged, summed over the origins it receives; label: the peer.
LAG_ENTRIES: Final = "sync.lag.entries"
#: Age of the oldest entry a peer has not acknowledged, in seconds; label: the peer.
LAG_SECONDS: Final = "sync.lag.seconds"
#: Seconds since a peer was last heard from; label: the peer. It climbs through an outage.
SILENCE: Final = "sync.silence.seconds"
#: The audit log's last sequence number. It only grows, so its differences are the traffic.
AUDIT_HEAD: Final = "audit.head"


@dataclass(frozen=True)
class Sample:
    """One figure at one time."""

    metric: str
    label: str
    value: float


@dataclass(frozen=True)
class Point:
    """One value of a series."""

    at: datetime
    value: float


def record_samples(node: Node, *, now: datetime, keep: timedelta) -> int:
    """Record the node's figures now, each peer's lag and silence and the audit log's head,
    and forget those older than ``keep``; return how many were recorded."""
    samples: list[Sample] = []
    for lag in by_peer(sync_status(node, now=now).sending):
        samples.append(Sample(LAG_ENTRIES, lag.peer, float(lag.entries)))
        samples.append(Sample(LAG_SECONDS, lag.peer, lag.seconds))
        silence = max((now - lag.contact_at).total_seconds(), 0.0)
        samples.append(Sample(SILENCE, lag.peer, silence))
    with node.unit_of_work() as uow:
        head = log_size(connection=uow.connection)
        samples.append(Sample(AUDIT_HEAD, "", float(head)))
        uow.connection.execute(
            insert(metric_samples),
            [
                {"sampled_at": now, "metric": s.metric, "label": s.label, "value": s.value}
                for s in samples
            ],
        )
        uow.connection.execute(
            delete(metric_samples).where(metric_samples.c.sampled_at < now - keep)
        )
        uow.commit()
    return len(samples)


def series(node: Node, *, metric: str, since: datetime) -> dict[str, list[Point]]:
    """Return one metric's points since a time, by label, oldest first."""
    found: dict[str, list[Point]] = {}
    with node.unit_of_work(read_only=True) as uow:
        rows = uow.connection.execute(
            select(metric_samples.c.label, metric_samples.c.sampled_at, metric_samples.c.value)
            .where(metric_samples.c.metric == metric, metric_samples.c.sampled_at >= since)
            .order_by(metric_samples.c.sampled_at)
        )
        for row in rows:
            found.setdefault(row.label, []).append(Point(row.sampled_at, row.value))
    return found


def rates(points: Sequence[Point], *, per: timedelta = timedelta(minutes=1)) -> list[Point]:
    """Return a counter's rate between consecutive points, each at the later point's time.

    A counter that went down (a store restored from an older copy) starts afresh: that
    step has no rate rather than a negative one.
    """
    found: list[Point] = []
    for before, after in pairwise(points):
        elapsed = (after.at - before.at) / per
        if elapsed > 0 and after.value >= before.value:
            found.append(Point(after.at, (after.value - before.value) / elapsed))
    return found
