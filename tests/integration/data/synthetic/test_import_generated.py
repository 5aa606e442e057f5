"""A generated national set imports into a node with the six registries, file by file, whole."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import func, select

from lienthong.data import read_rows
from lienthong.data.synthetic import generate
from lienthong.store import UnitOfWork, create_engine, sqlite_url, upgrade
from lienthong.store.models import records
from lienthong.systems.core import core_registry

HANOI = "VN/GOV/01/node"
BATCH = 1000


def test_a_generated_set_imports_in_file_order_with_no_reject(tmp_path: Path) -> None:
    summary = generate(people=300, seed=21, out=tmp_path / "data")
    engine = create_engine(sqlite_url(tmp_path / "node.db"))
    upgrade(engine)
    record_types = core_registry().record_types()
    for file in summary.files:
        rows = [row for _, row in read_rows(file.path)]
        for start in range(0, len(rows), BATCH):
            # create_many is all or nothing: one bad row or dangling reference would raise.
            with UnitOfWork(engine, node=HANOI, record_types=record_types) as uow:
                uow.records.create_many(
                    record_type=file.record_type, contents=rows[start : start + BATCH]
                )
                uow.commit()
    with engine.connect() as connection:
        stored = connection.execute(
            select(records.c.record_type, func.count()).group_by(records.c.record_type)
        ).all()
    engine.dispose()
    assert dict(stored) == summary.counts
