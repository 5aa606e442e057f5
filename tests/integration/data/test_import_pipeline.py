"""Rows checked in a worker process import exactly as rows checked in the importer; CSV cells
are read by the types of the fields they fill, so a generated CSV set imports whole."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import Engine
from tests.integration.data.conftest import make_node
from tests.integration.store.example import person

from lienthong.data import import_file, open_writer
from lienthong.data.importing import can_prepare_in_parallel
from lienthong.data.synthetic import generate
from lienthong.errors import LienthongError
from lienthong.node import Node
from lienthong.settings import Settings
from lienthong.store.models import current_records, records
from lienthong.systems.core import core_registry

HANOI = "VN/GOV/01/node"

parallel_only = pytest.mark.skipif(
    not can_prepare_in_parallel(), reason="needs fork and a second CPU"
)


def core_node(engine: Engine, state_dir: Path) -> Node:
    settings = Settings(
        node_id=HANOI,
        database_url=engine.url.render_as_string(hide_password=False),
        state_dir=state_dir,
    )
    return Node(settings=settings, engine=engine, systems=core_registry())


def test_a_generated_csv_set_imports_with_no_reject(engine: Engine, tmp_path: Path) -> None:
    summary = generate(people=200, seed=5, out=tmp_path / "data", format="csv")
    node = core_node(engine, tmp_path / "state")
    for file in summary.files:
        imported = import_file(
            node=node, system=file.system, path=file.path, record_type=file.record_type
        )
        assert (imported.rejected, imported.imported) == (0, file.rows), file.path.name
    with engine.connect() as connection:
        stored = connection.execute(
            select(records.c.record_type, func.count()).group_by(records.c.record_type)
        ).all()
    assert dict(stored) == summary.counts


def test_a_csv_set_stores_the_same_content_as_its_jsonl_twin(tmp_path: Path) -> None:
    from lienthong.store import create_engine, sqlite_url, upgrade

    hashes = []
    for kind in ("jsonl", "csv"):
        summary = generate(people=60, seed=9, out=tmp_path / kind, format=kind)
        engine = create_engine(sqlite_url(tmp_path / f"{kind}.db"))
        upgrade(engine)
        node = core_node(engine, tmp_path / f"state-{kind}")
        for file in summary.files:
            import_file(node=node, system=file.system, path=file.path, record_type=file.record_type)
        with engine.connect() as connection:
            hashes.append(
                connection.execute(
                    select(current_records.c.record_id, current_records.c.content_hash).order_by(
                        current_records.c.record_type, current_records.c.record_id
                    )
                ).all()
            )
        engine.dispose()
    assert hashes[0] == hashes[1]


def _mixed(path: Path) -> Path:
    rows = [{"record_type": "Person", **person(f"001090{n:06d}")} for n in range(35)]
    rows[3]["pin"] = "12345"
    rows[17] = {"record_type": "Nobody", "x": 1}
    rows[20] = dict(rows[5])  # the same record twice: skipped
    rows[21] = {**rows[6], "full_name": "Lê Văn Khác"}  # the same record, other content
    with open_writer(path, columns=list(dict.fromkeys(k for row in rows for k in row))) as out:
        out.write_many(rows)
    with path.open("a", encoding="utf-8") as stream:
        stream.write("{not json\n")
    return path


@parallel_only
def test_the_worker_process_gives_the_same_results_as_the_importer_alone(
    tmp_path: Path,
) -> None:
    from lienthong.store import create_engine, sqlite_url, upgrade

    results = []
    source = _mixed(tmp_path / "people.jsonl")
    for parallel in (False, True):
        where = tmp_path / str(parallel)
        where.mkdir()
        engine = create_engine(sqlite_url(where / "node.db"))
        upgrade(engine)
        node = make_node(engine, where / "state")
        summary = import_file(
            node=node,
            system="example",
            path=source,
            batch_size=10,
            parallel=parallel,
            reject_path=tmp_path / f"rejects-{parallel}.jsonl",
        )
        with engine.connect() as connection:
            stored = connection.execute(
                select(records.c.record_id, records.c.version, records.c.content_hash).order_by(
                    records.c.record_id
                )
            ).all()
        engine.dispose()
        assert summary.reject_path is not None
        counts = (summary.rows_read, summary.imported, summary.skipped, summary.rejected)
        results.append((counts, stored, summary.reject_path.read_bytes()))
    assert results[0] == results[1]
    assert results[1][0] == (36, 31, 1, 4)


@parallel_only
def test_an_error_in_the_worker_reaches_the_importer_with_its_code(
    node: Node, tmp_path: Path
) -> None:
    broken = tmp_path / "people.parquet"
    broken.write_bytes(b"PAR1 not really parquet")
    with pytest.raises(LienthongError) as raised:
        import_file(node=node, system="example", path=broken, parallel=True)
    assert raised.value.code == "data.truncated"


def test_csv_text_becomes_a_number_only_where_the_model_wants_one() -> None:
    from lienthong.data.importing import text_fields
    from lienthong.systems.core import ENTERPRISES, FINANCE, LAND, VEHICLES

    assert "charter_capital" in text_fields(ENTERPRISES.record_type("Enterprise"))
    assert "map_sheet" in text_fields(LAND.record_type("Parcel"))
    assert "year_of_manufacture" in text_fields(VEHICLES.record_type("Vehicle"))
    payments = text_fields(FINANCE.record_type("FeePayment"))
    assert "amount" in payments
    # Codes written with digits stay text: "01" is a province, "1.005461" a procedure.
    assert not {"province", "procedure_code", "collecting_unit"} & set(payments)
