"""Every committed write appends one change-log entry, numbered gap-free per origin node."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy.engine import Engine
from tests.integration.store.backends import UowFactory
from tests.integration.store.example import HANOI, HCMC, person

from lienthong.errors import LienthongError
from lienthong.store import read_changes


def test_each_write_appends_one_entry_with_its_version_and_hash(uow: UowFactory) -> None:
    with uow() as work:
        created = work.records.create(record_type="Person", content=person())
        updated = work.records.update(
            record_type="Person",
            record_id="001090000001",
            content=person(full_name="Nguyễn Văn Anh"),
            expected_version=1,
        )
        deleted = work.records.delete(
            record_type="Person", record_id="001090000001", expected_version=2
        )
        work.commit()
        entries = work.changes.after(origin=HANOI)

    assert [(e.sequence, e.version, e.content_hash, e.recorded_at) for e in entries] == [
        (1, 1, created.content_hash, created.recorded_at),
        (2, 2, updated.content_hash, updated.recorded_at),
        (3, 3, deleted.content_hash, deleted.recorded_at),
    ]
    assert {(e.origin_node, e.record_type, e.record_id) for e in entries} == {
        (HANOI, "Person", "001090000001")
    }


def test_entries_become_visible_only_when_their_write_commits(
    uow: UowFactory, engine: Engine
) -> None:
    with uow() as work:
        work.records.create(record_type="Person", content=person())
        assert read_changes(engine, origin=HANOI) == []
        work.commit()
    assert [entry.sequence for entry in read_changes(engine, origin=HANOI)] == [1]


def test_rolled_back_and_refused_writes_leave_no_gap(uow: UowFactory) -> None:
    with uow() as work:
        work.records.create(record_type="Person", content=person("001090000001"))
        work.commit()
    with uow() as work:
        work.records.create(record_type="Person", content=person("001090000002"))
        work.rollback()
    with uow() as work:
        with pytest.raises(LienthongError):
            work.records.update(
                record_type="Person",
                record_id="001090000001",
                content=person(),
                expected_version=5,
            )
        work.records.create(record_type="Person", content=person("001090000003"))
        work.commit()
        entries = work.changes.after(origin=HANOI)

    assert [(e.sequence, e.record_id) for e in entries] == [
        (1, "001090000001"),
        (2, "001090000003"),
    ]


def test_reading_after_a_sequence_returns_the_next_entries_in_order(uow: UowFactory) -> None:
    with uow() as work:
        for serial in range(1, 8):
            work.records.create(record_type="Person", content=person(f"001090{serial:06d}"))
        work.commit()
        assert [e.sequence for e in work.changes.after(origin=HANOI, sequence=2, limit=3)] == [
            3,
            4,
            5,
        ]
        assert work.changes.after(origin=HANOI, sequence=7) == []
        assert work.changes.last_sequence(origin=HANOI) == 7
        with pytest.raises(LienthongError) as caught:
            work.changes.after(origin=HANOI, limit=0)
    assert caught.value.code == "store.bad_limit"


def test_each_origin_node_numbers_its_own_entries(uow: UowFactory) -> None:
    with uow(HANOI) as work:
        work.records.create(record_type="Person", content=person("001090000001"))
        work.commit()
    with uow(HCMC) as work:
        work.records.create(record_type="Person", content=person("079090000001", province="79"))
        work.records.create(record_type="Person", content=person("079090000002", province="79"))
        work.commit()
        assert work.changes.origins() == [HANOI, HCMC]
        assert [e.sequence for e in work.changes.after(origin=HCMC)] == [1, 2]
        assert [e.sequence for e in work.changes.after(origin=HANOI)] == [1]


def test_concurrent_writers_get_gap_free_sequences_in_commit_order(uow: UowFactory) -> None:
    writers, writes = 4, 5
    failures: list[BaseException] = []

    def write(worker: int) -> None:
        try:
            for serial in range(writes):
                with uow() as work:
                    work.records.create(
                        record_type="Person", content=person(f"00109{worker:03d}{serial:04d}")
                    )
                    work.commit()
        except BaseException as exc:  # reported below, with the test's assertion
            failures.append(exc)

    threads = [threading.Thread(target=write, args=(worker,)) for worker in range(writers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert failures == []
    with uow() as work:
        entries = work.changes.after(origin=HANOI)
    assert [e.sequence for e in entries] == list(range(1, writers * writes + 1))
    assert len({e.record_id for e in entries}) == writers * writes
    assert [e.recorded_at for e in entries] == sorted(e.recorded_at for e in entries)
