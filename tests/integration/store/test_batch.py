"""A batch write imports many records of one type at once, all or none, change log included."""

from __future__ import annotations

import pytest
from sqlalchemy import Table, func, select
from sqlalchemy.engine import Engine
from tests.integration.store.backends import Published, UowFactory
from tests.integration.store.example import HANOI, person

from lienthong.errors import LienthongError
from lienthong.store.models import change_log, records, search_string


def count(engine: Engine, table: Table) -> int:
    with engine.connect() as connection:
        return int(connection.execute(select(func.count()).select_from(table)).scalar_one())


def people(total: int) -> list[dict[str, object]]:
    return [person(f"001090{serial:06d}", full_name=f"Lê Thị {serial}") for serial in range(total)]


def test_a_batch_writes_every_record_its_index_and_consecutive_entries(
    uow: UowFactory, engine: Engine, published: Published
) -> None:
    total = 1234  # more than one statement's worth of rows
    with uow() as work:
        created = work.records.create_many(record_type="Person", contents=people(total))
        work.commit()
        entries = work.changes.after(origin=HANOI, limit=total)
        page = work.records.search(record_type="Person", where={"name": "le thi 12"}, limit=100)

    assert [record.version for record in created] == [1] * total
    assert [entry.sequence for entry in entries] == list(range(1, total + 1))
    assert [entry.record_id for entry in entries] == [record.record_id for record in created]
    assert count(engine, records) == count(engine, search_string) == total
    assert len(published.events) == total
    # "12" and "120" to "129" and "1200" to "1233".
    assert len(page.records) == 1 + 10 + 34


def test_a_batch_may_refer_to_records_in_the_same_batch(uow: UowFactory) -> None:
    with uow() as work:
        work.records.create_many(
            record_type="Person",
            contents=[
                person("001090000002", parent_pins=["001060000001"]),
                person("001060000001"),
            ],
        )
        work.commit()


@pytest.mark.parametrize(
    ("bad", "code"),
    [
        (person("001090000005"), "store.duplicate_in_batch"),
        (person("bad"), "store.invalid_record"),
        (person("001090000099", parent_pins=["001000000000"]), "store.dangling_reference"),
        (person("001090000099", province="79"), "store.not_owner"),
    ],
)
def test_one_bad_record_refuses_the_whole_batch(
    uow: UowFactory, engine: Engine, bad: dict[str, object], code: str
) -> None:
    with uow() as work:
        with pytest.raises(LienthongError) as caught:
            work.records.create_many(record_type="Person", contents=[*people(10), bad])
        work.commit()

    assert caught.value.code == code
    assert count(engine, records) == count(engine, change_log) == 0


def test_a_batch_refuses_records_that_already_exist(uow: UowFactory) -> None:
    with uow() as work:
        work.records.create(record_type="Person", content=person("001090000003"))
        with pytest.raises(LienthongError) as caught:
            work.records.create_many(record_type="Person", contents=people(5))
    assert caught.value.code == "store.already_exists"
    assert caught.value.params["record_id"] == "001090000003"
