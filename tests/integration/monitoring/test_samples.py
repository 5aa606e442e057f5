"""The console's memory of the network: each link's lag and silence, and the audited traffic."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import Engine

from lienthong.exchange.audit.log import AuditEntry, append_entries
from lienthong.monitoring import samples
from lienthong.monitoring.models import metric_samples
from lienthong.monitoring.samples import Point, rates, record_samples, series
from lienthong.node import Node
from lienthong.settings import load_settings
from lienthong.sync import cursors
from lienthong.systems.core import core_registry

NOW = datetime(2026, 12, 6, 10, 0, tzinfo=UTC)
KEEP = timedelta(hours=24)


@pytest.fixture
def node(engine: Engine, tmp_path: Path) -> Node:
    """Central on an empty store."""
    settings = load_settings(state_dir=tmp_path, node_id="VN-central", database_url=None)
    return Node(settings=settings, engine=engine, systems=core_registry())


def _audit(node: Node, count: int, at: datetime) -> None:
    entry = AuditEntry(
        recorded_at=at, kind="exchange.provider", client="VN/GOV/AGG/driving", outcome="ok"
    )
    with node.engine.begin() as connection:
        append_entries(connection=connection, entries=[entry] * count)


def _heard(node: Node, peer: str, *, acknowledged: int, at: datetime) -> None:
    with node.engine.begin() as connection:
        cursors.acknowledge(connection, peer=peer, positions={"VN-central": acknowledged}, now=at)


def test_a_sample_holds_each_peers_lag_and_silence_and_the_audit_head(node: Node) -> None:
    _heard(node, "VN-91", acknowledged=0, at=NOW - timedelta(minutes=5))
    _heard(node, "VN-79", acknowledged=0, at=NOW - timedelta(seconds=3))
    _audit(node, 7, NOW - timedelta(minutes=1))

    written = record_samples(node, now=NOW, keep=KEEP)

    silence = series(node, metric=samples.SILENCE, since=NOW - timedelta(hours=1))
    assert silence == {"VN-79": [Point(NOW, 3.0)], "VN-91": [Point(NOW, 300.0)]}
    entries = series(node, metric=samples.LAG_ENTRIES, since=NOW - timedelta(hours=1))
    assert set(entries) == {"VN-79", "VN-91"}
    assert series(node, metric=samples.AUDIT_HEAD, since=NOW - timedelta(hours=1)) == {
        "": [Point(NOW, 7.0)]
    }
    # Three figures for each of the two peers, and the audit head.
    assert written == 7


def test_the_audit_heads_differences_are_the_traffic_per_minute(node: Node) -> None:
    record_samples(node, now=NOW, keep=KEEP)
    _audit(node, 30, NOW)
    record_samples(node, now=NOW + timedelta(seconds=30), keep=KEEP)
    _audit(node, 10, NOW)
    record_samples(node, now=NOW + timedelta(seconds=90), keep=KEEP)

    heads = series(node, metric=samples.AUDIT_HEAD, since=NOW)[""]
    assert rates(heads) == [
        Point(NOW + timedelta(seconds=30), 60.0),
        Point(NOW + timedelta(seconds=90), 10.0),
    ]


def test_a_counter_that_went_back_has_no_rate_for_that_step() -> None:
    points = [Point(NOW, 100.0), Point(NOW + timedelta(minutes=1), 20.0)]
    points.append(Point(NOW + timedelta(minutes=2), 50.0))
    assert rates(points) == [Point(NOW + timedelta(minutes=2), 30.0)]


def test_samples_older_than_the_history_kept_are_deleted_as_new_ones_come(node: Node) -> None:
    record_samples(node, now=NOW - timedelta(hours=30), keep=KEEP)
    record_samples(node, now=NOW - timedelta(hours=2), keep=KEEP)
    record_samples(node, now=NOW, keep=KEEP)

    with node.engine.connect() as connection:
        times = connection.execute(select(func.min(metric_samples.c.sampled_at))).scalar()
    assert times == NOW - timedelta(hours=2)


def test_a_series_reads_only_its_window(node: Node) -> None:
    _heard(node, "VN-91", acknowledged=0, at=NOW - timedelta(hours=3))
    record_samples(node, now=NOW - timedelta(hours=2), keep=KEEP)
    record_samples(node, now=NOW, keep=KEEP)
    found = series(node, metric=samples.SILENCE, since=NOW - timedelta(hours=1))
    assert found == {"VN-91": [Point(NOW, 3 * 3600.0)]}
