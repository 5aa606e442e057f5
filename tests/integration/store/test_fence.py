"""A restored store never hands out an own sequence number twice: its fence says which it did."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from tests.integration.store.backends import FakeClock
from tests.integration.store.example import HANOI, RECORD_TYPES, person

from lienthong.store import UnitOfWork, changelog, read_changes
from lienthong.store.fence import SequenceFence


@pytest.fixture
def fence(tmp_path: Path) -> SequenceFence:
    return SequenceFence(tmp_path / "state" / "sequence.fence")


def fenced(engine: Engine, fence: SequenceFence) -> UnitOfWork:
    return UnitOfWork(engine, node=HANOI, record_types=RECORD_TYPES, clock=FakeClock(), fence=fence)


def register(engine: Engine, fence: SequenceFence, *pins: str) -> None:
    with fenced(engine, fence) as work:
        for pin in pins:
            work.records.create(record_type="Person", content=person(pin))
        work.commit()


def sequences(engine: Engine) -> list[int]:
    return [entry.sequence for entry in read_changes(engine, origin=HANOI)]


def lost(engine: Engine) -> list[tuple[int, int]]:
    with engine.connect() as connection:
        return [(gap.after, gap.through) for gap in changelog.gaps(connection, origin=HANOI)]


def test_a_write_raises_the_fence_before_it_commits(engine: Engine, fence: SequenceFence) -> None:
    with fenced(engine, fence) as work:
        work.records.create(record_type="Person", content=person("001090000001"))
        work.records.create(record_type="Person", content=person("001090000002"))
        assert fence.read() == 2  # written before anybody can see the entries
        work.commit()

    register(engine, fence, "001090000003")

    assert fence.read() == 3
    assert sequences(engine) == [1, 2, 3]
    assert lost(engine) == []


def test_a_store_behind_its_fence_numbers_after_it_and_keeps_the_gap(
    engine: Engine, fence: SequenceFence
) -> None:
    register(engine, fence, "001090000001", "001090000002")
    fence.raise_to(5)  # as after a restore: 3 to 5 were handed out, this store lost them

    register(engine, fence, "001090000003")

    assert sequences(engine) == [1, 2, 6]
    assert lost(engine) == [(2, 5)]
    assert fence.read() == 6


def test_settling_records_the_gap_once_and_moves_the_counter_past_it(
    engine: Engine, fence: SequenceFence
) -> None:
    register(engine, fence, "001090000001")
    fence.raise_to(4)

    with engine.begin() as connection:
        first = changelog.settle(connection, origin=HANOI, fence=fence)
    with engine.begin() as connection:
        again = changelog.settle(connection, origin=HANOI, fence=fence)

    assert (first, again) == (4, 4)
    assert lost(engine) == [(1, 4)]
    register(engine, fence, "001090000002")
    assert sequences(engine) == [1, 5]


def test_numbers_a_rolled_back_write_took_are_not_handed_out_again(
    engine: Engine, fence: SequenceFence
) -> None:
    register(engine, fence, "001090000001")
    with fenced(engine, fence) as work:
        work.records.create(record_type="Person", content=person("001090000002"))
        work.rollback()

    register(engine, fence, "001090000003")

    # The fence cannot tell a rollback from a restore: it keeps the number as lost, which
    # costs a question to the peers and never a number reused.
    assert sequences(engine) == [1, 3]
    assert lost(engine) == [(1, 2)]


def test_a_store_without_a_fence_numbers_from_its_counter(engine: Engine) -> None:
    with UnitOfWork(engine, node=HANOI, record_types=RECORD_TYPES, clock=FakeClock()) as work:
        work.records.create(record_type="Person", content=person("001090000001"))
        work.commit()

    assert sequences(engine) == [1]
    assert lost(engine) == []


def test_an_unreadable_fence_is_reported_and_not_used(
    fence: SequenceFence, caplog: pytest.LogCaptureFixture
) -> None:
    fence.path.parent.mkdir(parents=True)
    fence.path.write_text("not a number\n")

    with caplog.at_level(logging.WARNING, logger="lienthong.store.fence"):
        assert fence.read() == 0
    assert "not a number" in caplog.text
    fence.raise_to(7)
    assert fence.read() == 7
    fence.raise_to(3)  # never lowered
    assert fence.read() == 7
