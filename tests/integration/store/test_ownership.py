"""Only a record's owner node may write it; ownership moves only by an explicit transfer."""

from __future__ import annotations

import pytest
from tests.integration.store.backends import UowFactory
from tests.integration.store.example import HANOI, HCMC, person, vehicle

from lienthong.errors import LienthongError


def test_a_new_record_belongs_to_the_node_its_owner_rule_names(uow: UowFactory) -> None:
    with uow(HCMC) as work:
        record = work.records.create(record_type="Person", content=person(province="79"))
        work.commit()
    assert record.owner_node == HCMC and record.partition == "79"


def test_creating_a_record_another_node_owns_is_refused(uow: UowFactory) -> None:
    with uow(HANOI) as work:
        with pytest.raises(LienthongError) as caught:
            work.records.create(record_type="Person", content=person(province="79"))
        work.commit()

    assert caught.value.code == "store.not_owner"
    assert caught.value.params["owner"] == HCMC
    with uow() as work:
        assert work.records.search(record_type="Person").records == ()
        assert work.changes.after(origin=HANOI) == []


def test_updating_or_deleting_a_replica_is_refused(uow: UowFactory) -> None:
    with uow(HCMC) as work:
        work.records.create(record_type="Person", content=person(province="79"))
        work.commit()

    with uow(HANOI) as work:
        with pytest.raises(LienthongError) as update:
            work.records.update(
                record_type="Person",
                record_id="001090000001",
                content=person(province="79", full_name="Changed in Hà Nội"),
                expected_version=1,
            )
        with pytest.raises(LienthongError) as delete:
            work.records.delete(record_type="Person", record_id="001090000001", expected_version=1)
    assert update.value.code == delete.value.code == "store.not_owner"


def test_the_owner_is_checked_before_the_version(uow: UowFactory) -> None:
    with uow(HCMC) as work:
        work.records.create(record_type="Person", content=person(province="79"))
        work.commit()

    with uow(HANOI) as work, pytest.raises(LienthongError) as caught:
        work.records.update(
            record_type="Person", record_id="001090000001", content=person(), expected_version=9
        )
    assert caught.value.code == "store.not_owner"


def test_a_record_without_a_partition_rule_belongs_to_its_creator(uow: UowFactory) -> None:
    with uow(HCMC) as work:
        work.records.create(record_type="Person", content=person(province="79"))
        record = work.records.create(record_type="Vehicle", content=vehicle("51F-000.01"))
        work.commit()
    assert record.owner_node == HCMC


def test_a_transfer_hands_the_record_to_its_new_owner(uow: UowFactory) -> None:
    with uow(HANOI) as work:
        work.records.create(record_type="Person", content=person())
        moved = work.records.transfer(
            record_type="Person", record_id="001090000001", expected_version=1, to_node=HCMC
        )
        work.commit()

    assert moved.version == 2 and moved.owner_node == HCMC
    with uow(HANOI) as work, pytest.raises(LienthongError) as caught:
        work.records.update(
            record_type="Person", record_id="001090000001", content=person(), expected_version=2
        )
    assert caught.value.code == "store.not_owner"
    with uow(HCMC) as work:
        updated = work.records.update(
            record_type="Person",
            record_id="001090000001",
            content=person(province="79"),
            expected_version=2,
        )
        work.commit()
    assert updated.owner_node == HCMC and updated.partition == "79"
