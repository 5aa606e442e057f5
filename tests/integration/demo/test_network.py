"""The demo network: four real nodes, each seeded once with its share, every read audited."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from lienthong.demo import network as net
from lienthong.errors import LienthongError
from lienthong.node import Node
from lienthong.vn.text import fold

PEOPLE = 600


def last_sequence(node: Node) -> int:
    with node.unit_of_work(read_only=True) as uow:
        return uow.changes.last_sequence(origin=node.node_id)


@pytest.fixture(scope="module")
def state(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("demo")


@pytest.fixture
def network(state: Path) -> Iterator[net.Network]:
    opened = net.open_network(state_dir=state, people=PEOPLE, seed=7)
    try:
        yield opened
    finally:
        opened.close()


def test_the_network_is_central_and_the_three_provinces_of_the_seed(network: net.Network) -> None:
    assert list(network.nodes) == ["VN-central", "VN-01", "VN-79", "VN-91"]


def test_each_province_node_holds_only_its_own_residents(network: net.Network) -> None:
    for node_id, province in (("VN-01", "01"), ("VN-79", "79"), ("VN-91", "91")):
        with network.nodes[node_id].unit_of_work(read_only=True) as uow:
            page = uow.records.search(record_type="Person", limit=200)
        assert page.records
        assert {record.partition for record in page.records} == {province}
        assert {record.owner_node for record in page.records} == {node_id}


def test_the_nodes_together_hold_the_whole_country(network: net.Network) -> None:
    people = sum(net.record_counts(node).get("Person", 0) for node in network.nodes.values())
    assert people == PEOPLE


def test_reopening_adds_nothing_twice(network: net.Network, state: Path) -> None:
    before = {node_id: last_sequence(node) for node_id, node in network.nodes.items()}
    again = net.open_network(state_dir=state, people=PEOPLE, seed=7)
    try:
        after = {node_id: last_sequence(node) for node_id, node in again.nodes.items()}
    finally:
        again.close()
    assert after == before


def test_every_personal_read_is_in_the_access_log_with_its_purpose(network: net.Network) -> None:
    person = net.first(network, node_id="VN-79", record_type="Person")
    assert person is not None
    found = list(
        net.search(network, record_type="Person", where={"name": fold(person.content["full_name"])})
    )
    assert ("VN-79", person.record_id) in {(node_id, r.record_id) for node_id, r in found}
    located = net.get(network, record_type="Person", record_id=person.record_id)
    assert located is not None and located[0] == "VN-79"
    entries = net.accesses(
        network, node_id="VN-79", record_type="Person", record_id=person.record_id
    )
    assert [entry.action.value for entry in entries[:3]] == ["read", "search", "search"]
    assert {entry.purpose for entry in entries} == {net.PURPOSE}
    assert {entry.client for entry in entries} == {net.CLIENT}


def test_a_record_no_node_holds_is_none(network: net.Network) -> None:
    assert net.get(network, record_type="Person", record_id="001099999999") is None


def test_customs_gets_an_enterprise_tax_status_from_its_province(network: net.Network) -> None:
    enterprise = net.first(network, node_id="VN-79", record_type="Enterprise")
    assert enterprise is not None
    status = net.operation(
        network, node_id="VN-79", system="tax", name="taxStatus", tax_code=enterprise.record_id
    )
    assert status["tax_code"] == enterprise.record_id
    assert isinstance(status["over_90_days"], bool)


def test_too_few_people_is_refused(tmp_path: Path) -> None:
    with pytest.raises(LienthongError) as raised:
        net.open_network(state_dir=tmp_path, people=10, seed=1)
    assert raised.value.code == "demo.people"
    assert not (tmp_path / "VN-central").exists()


def test_fresh_starts_again_from_nothing(tmp_path: Path) -> None:
    first = net.open_network(state_dir=tmp_path, people=200, seed=1)
    first.close()
    (tmp_path / "VN-01" / "stray").write_text("left over", encoding="utf-8")
    again = net.open_network(state_dir=tmp_path, people=200, seed=1, fresh=True)
    again.close()
    assert not (tmp_path / "VN-01" / "stray").exists()
