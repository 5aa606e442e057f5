"""The demo's consolidation: TP. Hồ Chí Minh's land system and An Giang's licence list retired."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select

from lienthong.demo import consolidation as co
from lienthong.demo import network as net
from lienthong.linkage import service
from lienthong.linkage.provenance import LINK, links_for
from lienthong.linkage.review import Comparison
from lienthong.store.models import current_records

PEOPLE = 1500
SEED = 2


@pytest.fixture(scope="module")
def state(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("demo-consolidation") / "demo"


@pytest.fixture(scope="module")
def network(state: Path) -> Iterator[net.Network]:
    opened = net.open_network(state_dir=state, people=PEOPLE, seed=SEED)
    try:
        yield opened
    finally:
        opened.close()


@pytest.fixture(scope="module")
def shown() -> list[Comparison]:
    return []


@pytest.fixture(scope="module")
def done(network: net.Network, state: Path, shown: list[Comparison]) -> list[co.Consolidated]:
    return co.run_consolidation(network, state_dir=state, show_pair=shown.append)


def test_both_legacy_systems_are_consolidated_on_their_own_nodes(
    done: list[co.Consolidated],
) -> None:
    land, driving = done
    assert (land.node_id, Path(land.source).suffix) == ("VN-79", ".dbf")
    assert (driving.node_id, Path(driving.source).suffix) == ("VN-91", ".xlsx")
    for system in done:
        assert system.rows > 0
        assert sum(system.by_decision.values()) == system.rows
        assert system.accuracy.precision > 0.95
        assert system.accuracy.recall > 0.85
        assert system.readiness > 0.6
        assert {Path(path).name for path in system.report} >= {"report.md", "scores.png"}


def test_the_reviewer_empties_the_queue(
    network: net.Network, done: list[co.Consolidated], shown: list[Comparison]
) -> None:
    for system in done:
        with network.nodes[system.node_id].unit_of_work(read_only=True) as uow:
            assert service.review_queue(uow=uow, run_id=system.run_id) == []
    if any(system.reviewed for system in done):
        assert len(shown) == 1
        assert shown[0].candidates


def test_every_merged_link_is_a_provenance_record_on_the_province(
    network: net.Network, done: list[co.Consolidated]
) -> None:
    for system in done:
        node = network.nodes[system.node_id]
        with node.engine.connect() as connection:
            count = connection.execute(
                select(func.count())
                .select_from(current_records)
                .where(current_records.c.record_type == LINK, current_records.c.deleted.is_(False))
            ).scalar_one()
        assert count == system.linked + system.created


def test_a_registry_record_knows_the_legacy_record_it_was_linked_from(
    network: net.Network, done: list[co.Consolidated]
) -> None:
    driving = done[1]
    node = network.nodes[driving.node_id]
    with node.unit_of_work(read_only=True) as uow:
        item = next(
            item
            for item in _items(uow, driving.run_id)
            if item.status == "merged" and item.registry_id is not None
        )
        links = links_for(uow=uow, record_type="Person", record_id=item.registry_id)
    # Duplicates within the legacy file link to the same person: each keeps its own link.
    (link,) = [link for link in links if link.legacy_id == item.legacy_id]
    assert link.source_system and link.run_id == driving.run_id
    assert link.merged_by == co.REVIEWER


def _items(uow: object, run_id: str) -> list[service.Item]:
    from lienthong.linkage.models import consolidation_items
    from lienthong.store import UnitOfWork

    assert isinstance(uow, UnitOfWork)
    ids = uow.connection.execute(
        select(consolidation_items.c.legacy_id).where(consolidation_items.c.run_id == run_id)
    ).scalars()
    return [service.get_item(uow=uow, run_id=run_id, legacy_id=legacy_id) for legacy_id in ids]


def test_running_again_shows_what_was_done_without_doing_it_twice(
    network: net.Network, state: Path, done: list[co.Consolidated]
) -> None:
    again = co.run_consolidation(network, state_dir=state)
    assert again == done
    with network.nodes["VN-79"].unit_of_work(read_only=True) as uow:
        assert len(service.list_runs(uow=uow)) == 1
