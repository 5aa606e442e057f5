"""A file import writes good rows, rejects bad ones with their reasons, and never writes twice."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Table, func, select
from sqlalchemy.engine import Engine
from tests.integration.data.conftest import make_node
from tests.integration.store.example import (
    HANOI,
    PERSON,
    VEHICLE,
    Person,
    person,
    vehicle,
)

from lienthong.data import ImportProgress, import_file, open_writer, read_rows
from lienthong.data.importing import checkpoint_path
from lienthong.errors import LienthongError
from lienthong.node import Node
from lienthong.store.models import change_log, records, search_string
from lienthong.systems import RecordType, System, SystemRegistry


def count(engine: Engine, table: Table) -> int:
    with engine.connect() as connection:
        return int(connection.execute(select(func.count()).select_from(table)).scalar_one())


def write(path: Path, rows: list[dict[str, Any]]) -> Path:
    columns = list(dict.fromkeys(key for row in rows for key in row))
    with open_writer(path, columns=columns) as writer:
        writer.write_many(rows)
    return path


def people(total: int, start: int = 0) -> list[dict[str, Any]]:
    return [
        {"record_type": "Person", **person(f"001090{n:06d}", full_name=f"Lê Thị {n}")}
        for n in range(start, start + total)
    ]


def test_good_rows_go_in_and_bad_rows_go_to_the_reject_file_with_their_reasons(
    node: Node, engine: Engine, tmp_path: Path
) -> None:
    with node.unit_of_work() as uow:
        uow.records.create(record_type="Person", content=person("001090000099"))
        uow.commit()
    source = write(
        tmp_path / "mixed.jsonl",
        [
            {"record_type": "Person", **person("001090000001")},
            {"record_type": "Person", **person("12345")},
            {"record_type": "Vehicle", **vehicle("29A-111.11", owner_pin="001090000001")},
            {"record_type": "Vehicle", **vehicle("29A-222.22", owner_pin="001000000000")},
            {"record_type": "Person", **person("001090000002", province="79")},
            {"record_type": "Person", **person("001090000099", full_name="Tên Khác")},
            {"record_type": "Ship", "name": "Hạ Long"},
            {**person("001090000003")},
            {"record_type": "Person", **person("001090000099")},
        ],
    )
    with source.open("a", encoding="utf-8") as stream:
        stream.write('{"record_type": "Person", "pin": \n')

    summary = import_file(node=node, system="example", path=source)

    assert (summary.rows_read, summary.imported, summary.skipped, summary.rejected) == (10, 2, 1, 7)
    assert summary.reject_path == tmp_path / "mixed.rejects.jsonl"
    rejects = [row for _, row in read_rows(summary.reject_path)]
    assert [(r["row"], r["field"], r["code"]) for r in rejects] == [
        (2, "pin", "store.invalid_record"),
        (4, "owner_pin", "store.dangling_reference"),
        (5, "owner_node", "store.not_owner"),
        (6, "pin", "data.conflict"),
        (7, "record_type", "data.unknown_record_type"),
        (8, "record_type", "data.no_record_type"),
        (10, "34", "data.unreadable_row"),
    ]
    assert rejects[0]["original"] == {"record_type": "Person", **person("12345")}
    assert rejects[-1]["original"] == '{"record_type": "Person", "pin": '
    assert all(reject["reason"] for reject in rejects)
    assert count(engine, records) == 3


def test_running_the_same_file_again_adds_nothing(
    node: Node, engine: Engine, tmp_path: Path
) -> None:
    source = write(tmp_path / "people.csv", people(30))
    first = import_file(node=node, system="example", path=source, batch_size=7)
    entries = count(engine, change_log)

    again = import_file(node=node, system="example", path=source, batch_size=7)

    assert (first.imported, first.skipped) == (30, 0)
    assert (again.rows_read, again.imported, again.skipped, again.rejected) == (30, 0, 30, 0)
    assert count(engine, change_log) == entries == 30
    assert again.reject_path is None and not (tmp_path / "people.rejects.csv").exists()


def test_with_update_changed_rows_become_new_versions(node: Node, tmp_path: Path) -> None:
    import_file(node=node, system="example", path=write(tmp_path / "v1.jsonl", people(3)))
    changed = people(3)
    changed[1]["full_name"] = "Lê Thị Mới"

    summary = import_file(
        node=node, system="example", path=write(tmp_path / "v2.jsonl", changed), update=True
    )

    assert (summary.imported, summary.updated, summary.skipped) == (1, 1, 2)
    with node.unit_of_work(read_only=True) as uow:
        current = uow.records.get(record_type="Person", record_id="001090000001")
    assert (current.version, current.content["full_name"]) == (2, "Lê Thị Mới")


def test_the_type_option_names_the_type_of_every_row(node: Node, tmp_path: Path) -> None:
    source = write(tmp_path / "plain.jsonl", [person("001090000001"), person("001090000002")])
    summary = import_file(node=node, system="example", path=source, record_type="Person")
    assert summary.imported == 2


def test_a_row_may_refer_to_a_row_later_in_its_batch(
    node: Node, engine: Engine, tmp_path: Path
) -> None:
    source = write(
        tmp_path / "both.jsonl",
        [
            {"record_type": "Vehicle", **vehicle(owner_pin="001090000001")},
            {"record_type": "Person", **person("001090000001")},
        ],
    )
    assert import_file(node=node, system="example", path=source).imported == 2


def test_text_is_stored_in_nfc(node: Node, tmp_path: Path) -> None:
    source = tmp_path / "nfd.jsonl"
    row = {"record_type": "Person", **person(full_name="Nguyễn Văn An")}
    source.write_text(json.dumps(row, ensure_ascii=False).replace("ễ", "ê\u0303") + "\n")
    import_file(node=node, system="example", path=source)
    with node.unit_of_work(read_only=True) as uow:
        stored = uow.records.get(record_type="Person", record_id="001090000001")
    assert stored.content["full_name"] == "Nguyễn Văn An"


def test_progress_is_reported_after_every_batch(node: Node, tmp_path: Path) -> None:
    seen: list[ImportProgress] = []
    source = write(tmp_path / "people.jsonl", people(25))
    import_file(node=node, system="example", path=source, batch_size=10, progress=seen.append)
    assert [(step.rows_read, step.rows_total) for step in seen] == [(10, 25), (20, 25), (25, 25)]


def test_an_unknown_system_is_refused(node: Node, tmp_path: Path) -> None:
    with pytest.raises(LienthongError) as caught:
        import_file(node=node, system="nothing", path=write(tmp_path / "a.jsonl", people(1)))
    assert caught.value.code == "systems.unknown"


def _poisoned(content: Any) -> str:
    if content["pin"] == "001090000015":
        raise RuntimeError("the database went away")
    return str(content["province"])


POISONED = System(
    code="example",
    title="Example registry whose store fails on one record",
    record_types=(
        RecordType(
            name="Person",
            model=Person,
            identifier="pin",
            search=PERSON.search,
            references=PERSON.references,
            partition=_poisoned,
            owner=PERSON.owner,
        ),
        VEHICLE,
    ),
)


def test_a_failing_batch_leaves_nothing_of_itself_and_the_import_resumes_after_the_last_good_one(
    engine: Engine, tmp_path: Path
) -> None:
    source = write(tmp_path / "people.jsonl", people(30))
    failing = make_node(engine, tmp_path / "state")
    failing.systems = SystemRegistry([POISONED])

    with pytest.raises(RuntimeError):
        import_file(node=failing, system="example", path=source, batch_size=10)

    # Rows 1-10 are in with their index and change log; nothing of rows 11-20 is.
    assert count(engine, records) == count(engine, search_string) == count(engine, change_log) == 10
    healthy = make_node(engine, tmp_path / "state")
    summary = import_file(node=healthy, system="example", path=source, batch_size=10)
    assert (summary.resumed_from, summary.imported, summary.rows_read) == (10, 30, 30)
    assert count(engine, change_log) == 30
    assert not checkpoint_path(healthy, source, "example", None).exists()


def test_a_changed_file_is_imported_from_the_top(
    node: Node, engine: Engine, tmp_path: Path
) -> None:
    source = write(tmp_path / "people.jsonl", people(10))
    state = checkpoint_path(node, source, "example", None)
    state.parent.mkdir(parents=True)
    state.write_text(json.dumps({"path": str(source), "rows_done": 10}), encoding="utf-8")

    summary = import_file(node=node, system="example", path=source)

    assert (summary.resumed_from, summary.imported) == (0, 10)


def test_rejects_of_a_csv_file_go_to_a_csv_file(node: Node, tmp_path: Path) -> None:
    source = write(tmp_path / "people.csv", [*people(2), {"record_type": "Person", "pin": "x"}])
    summary = import_file(node=node, system="example", path=source)
    assert summary.reject_path == tmp_path / "people.rejects.csv"
    ((row, reject),) = read_rows(summary.reject_path)
    assert (reject["row"], reject["code"]) == ("3", "store.invalid_record")
    assert reject["original"] == {"record_type": "Person", "pin": "x"}
    assert row == 1


@pytest.mark.parametrize("kind", ["jsonl", "csv", "parquet"])
def test_every_format_imports(node: Node, engine: Engine, tmp_path: Path, kind: str) -> None:
    rows = people(5)
    rows[0]["identifiers"] = [{"system": "cccd", "value": "001090000000"}]
    rows[1]["height_cm"] = 171.5
    rows[2]["parent_pins"] = ["001090000001"]
    summary = import_file(node=node, system="example", path=write(tmp_path / f"p.{kind}", rows))
    assert (summary.imported, summary.rejected) == (5, 0)
    assert count(engine, change_log) == 5


def test_an_owner_elsewhere_is_not_this_nodes_to_import(engine: Engine, tmp_path: Path) -> None:
    hcmc = make_node(engine, tmp_path / "state", node_id="VN/GOV/79/node")
    summary = import_file(node=hcmc, system="example", path=write(tmp_path / "a.jsonl", people(2)))
    assert (summary.imported, summary.rejected) == (0, 2)
    assert HANOI in (tmp_path / "a.rejects.jsonl").read_text(encoding="utf-8")
