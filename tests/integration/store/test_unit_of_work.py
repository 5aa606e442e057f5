"""A unit of work commits a write whole or not at all, and publishes events only after commit."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import Engine
from tests.integration.store.backends import Published, UowFactory
from tests.integration.store.example import HANOI, RECORD_TYPES, person, vehicle

from lienthong.errors import LienthongError
from lienthong.store import (
    MessageBus,
    RecordCreated,
    RecordDeleted,
    RecordEvent,
    RecordUpdated,
    UnitOfWork,
)
from lienthong.store.models import metadata


def row_counts(engine: Engine) -> dict[str, int]:
    with engine.connect() as connection:
        return {
            table.name: connection.execute(select(func.count()).select_from(table)).scalar_one()
            for table in metadata.sorted_tables
        }


def nothing_in(engine: Engine) -> bool:
    return not any(row_counts(engine).values())


def test_leaving_without_commit_writes_nothing(uow: UowFactory, engine: Engine) -> None:
    with uow() as work:
        work.records.create(record_type="Person", content=person())
    assert nothing_in(engine)


def test_an_exception_rolls_back_every_write_of_the_unit(uow: UowFactory, engine: Engine) -> None:
    with pytest.raises(ZeroDivisionError), uow() as work:
        work.records.create(record_type="Person", content=person("001090000001"))
        work.records.create(record_type="Person", content=person("001090000002"))
        _ = 1 / 0
    assert nothing_in(engine)


@pytest.mark.parametrize(
    ("content", "code"),
    [
        (vehicle(owner_pin="001090999999"), "store.dangling_reference"),
        (vehicle(weight_kg=-1), "store.invalid_record"),
        (vehicle(owner_pin="001090000001", registered_at="not a date"), "store.invalid_record"),
    ],
)
def test_a_failed_write_leaves_no_version_no_index_row_and_no_change_log_entry(
    uow: UowFactory, engine: Engine, content: dict[str, object], code: str
) -> None:
    with uow() as work:
        work.records.create(record_type="Person", content=person("001090000001"))
        work.commit()
    before = row_counts(engine)

    with uow() as work:
        with pytest.raises(LienthongError) as caught:
            work.records.create(record_type="Vehicle", content=content)
        work.commit()

    assert caught.value.code == code
    assert row_counts(engine) == before


def test_earlier_writes_of_a_unit_survive_a_refused_one_when_the_caller_commits(
    uow: UowFactory,
) -> None:
    with uow() as work:
        work.records.create(record_type="Person", content=person("001090000001"))
        with pytest.raises(LienthongError):
            work.records.create(record_type="Person", content=person("001090000001"))
        work.commit()
    with uow() as work:
        assert [e.sequence for e in work.changes.after(origin=HANOI)] == [1]


def test_events_are_published_after_commit_in_order(uow: UowFactory, published: Published) -> None:
    with uow() as work:
        work.records.create(record_type="Person", content=person())
        work.records.update(
            record_type="Person", record_id="001090000001", content=person(), expected_version=1
        )
        work.records.delete(record_type="Person", record_id="001090000001", expected_version=2)
        assert published.events == []
        work.commit()

    assert [type(event) for event in published.events] == [
        RecordCreated,
        RecordUpdated,
        RecordDeleted,
    ]
    positions = [
        (event.version, event.sequence, event.origin_node)
        for event in published.events
        if isinstance(event, RecordEvent)
    ]
    assert positions == [
        (1, 1, HANOI),
        (2, 2, HANOI),
        (3, 3, HANOI),
    ]


def test_no_event_is_published_when_the_unit_rolls_back(
    uow: UowFactory, published: Published
) -> None:
    with uow() as work:
        work.records.create(record_type="Person", content=person())
    with pytest.raises(RuntimeError), uow() as work:
        work.records.create(record_type="Person", content=person())
        raise RuntimeError("the caller failed after writing")
    with uow() as work:
        work.records.create(record_type="Person", content=person())
        work.rollback()
        work.commit()
    assert published.events == []


def test_a_failing_subscriber_does_not_undo_or_block_the_commit(
    uow: UowFactory, bus: MessageBus, published: Published, engine: Engine
) -> None:
    def broken(event: RecordCreated) -> None:
        raise RuntimeError("subscriber is down")

    bus.subscribe(RecordCreated, broken)
    later = Published(bus)
    with uow() as work:
        work.records.create(record_type="Person", content=person())
        work.commit()

    assert len(published.events) == len(later.events) == 1
    assert row_counts(engine)["records"] == 1


def test_subscribers_receive_only_the_event_types_they_asked_for(
    uow: UowFactory, bus: MessageBus
) -> None:
    deleted: list[RecordDeleted] = []
    bus.subscribe(RecordDeleted, deleted.append)
    with uow() as work:
        work.records.create(record_type="Person", content=person())
        work.records.delete(record_type="Person", record_id="001090000001", expected_version=1)
        work.commit()
    assert [event.version for event in deleted] == [2]


def test_a_read_only_unit_cannot_commit_writes(engine: Engine) -> None:
    with UnitOfWork(engine, node=HANOI, record_types=RECORD_TYPES, read_only=True) as work:
        assert work.records.search(record_type="Person").records == ()
        work.records.create(record_type="Person", content=person())
        with pytest.raises(LienthongError) as caught:
            work.commit()
    assert caught.value.code == "store.read_only"
    assert nothing_in(engine)
