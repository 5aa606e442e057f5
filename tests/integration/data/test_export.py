"""An export holds the current records and imports into an empty node with the same hashes."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.engine import Engine
from tests.integration.data.conftest import make_node
from tests.integration.store.example import person, vehicle

from lienthong.data import export_records, import_file, read_rows
from lienthong.data.exporting import ExportProgress
from lienthong.node import Node
from lienthong.store import create_engine, sqlite_url, upgrade
from lienthong.store.models import current_records


def hashes(engine: Engine) -> dict[tuple[str, str], str]:
    with engine.connect() as connection:
        rows = connection.execute(
            select(
                current_records.c.record_type,
                current_records.c.record_id,
                current_records.c.content_hash,
            ).where(current_records.c.deleted.is_(False))
        )
        return {(row.record_type, row.record_id): row.content_hash for row in rows}


@pytest.fixture
def filled(node: Node) -> Node:
    with node.unit_of_work() as uow:
        uow.records.create_many(
            record_type="Person",
            contents=[
                person("001090000001", full_name="Nguyễn Thị Hồng", height_cm=158.5),
                person(
                    "001090000002",
                    identifiers=[{"system": "cccd", "value": "001090000002"}],
                    parent_pins=["001090000001"],
                ),
                person("001090000003", full_name="Đỗ Văn Bé"),
            ],
        )
        uow.records.create(record_type="Vehicle", content=vehicle(registered_at="2024-01-02"))
        gone = uow.records.create(record_type="Person", content=person("001090000004"))
        uow.records.delete(record_type="Person", record_id=gone.record_id, expected_version=1)
        uow.commit()
    return node


@pytest.mark.parametrize("kind", ["jsonl", "csv", "parquet"])
def test_an_export_imports_into_an_empty_node_with_the_same_content_hashes(
    filled: Node, engine: Engine, tmp_path: Path, kind: str
) -> None:
    out = tmp_path / f"example.{kind}"
    summary = export_records(node=filled, system="example", path=out)
    assert (summary.rows_written, summary.record_types) == (4, ("Person", "Vehicle"))

    empty_engine = create_engine(sqlite_url(tmp_path / "empty.db"))
    upgrade(empty_engine)
    empty = make_node(empty_engine, tmp_path / "empty-state")
    imported = import_file(node=empty, system="example", path=out)

    assert (imported.imported, imported.rejected) == (4, 0)
    assert hashes(empty_engine) == hashes(engine)
    empty_engine.dispose()


def test_one_record_type_can_be_exported_alone(filled: Node, tmp_path: Path) -> None:
    seen: list[ExportProgress] = []
    out = tmp_path / "vehicles.csv"
    export_records(
        node=filled, system="example", path=out, record_type="Vehicle", progress=seen.append
    )
    rows = [row for _, row in read_rows(out)]
    assert [(row["record_type"], row["plate"]) for row in rows] == [("Vehicle", "29A-123.45")]
    assert seen[-1].rows_written == seen[-1].rows_total == 1


def test_an_export_pages_through_many_records(node: Node, tmp_path: Path) -> None:
    with node.unit_of_work() as uow:
        uow.records.create_many(
            record_type="Person", contents=[person(f"001090{n:06d}") for n in range(2500)]
        )
        uow.commit()
    out = tmp_path / "people.parquet"
    export_records(node=node, system="example", path=out, record_type="Person")
    assert [row["pin"] for _, row in read_rows(out)] == [f"001090{n:06d}" for n in range(2500)]
