"""A node opens its database from its settings and writes through its unit of work."""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.integration.store.backends import fresh_postgres_database
from tests.integration.store.example import HANOI, REGISTRY, person

from lienthong.node import open_node
from lienthong.settings import load_settings
from lienthong.store import current_revision, head_revision


def test_a_new_node_creates_its_sqlite_file_at_the_current_schema(tmp_path: Path) -> None:
    settings = load_settings(state_dir=tmp_path / "state", node_id=HANOI)
    node = open_node(settings, systems=REGISTRY)
    try:
        assert (tmp_path / "state" / "node.sqlite").is_file()
        assert current_revision(node.engine) == head_revision()
    finally:
        node.close()


def test_records_written_through_the_node_are_owned_by_it(tmp_path: Path) -> None:
    node = open_node(load_settings(state_dir=tmp_path, node_id=HANOI), systems=REGISTRY)
    try:
        with node.unit_of_work() as uow:
            created = uow.records.create(record_type="Person", content=person("001085012345"))
            uow.commit()
        assert created.owner_node == HANOI
        with node.unit_of_work(read_only=True) as uow:
            assert uow.records.get(record_type="Person", record_id="001085012345").version == 1
    finally:
        node.close()


def test_reopening_a_node_keeps_its_records(tmp_path: Path) -> None:
    settings = load_settings(state_dir=tmp_path, node_id=HANOI)
    for _ in range(2):
        node = open_node(settings, systems=REGISTRY)
        with node.unit_of_work() as uow:
            count = len(uow.records.search(record_type="Person").records)
            if count == 0:
                uow.records.create(record_type="Person", content=person("001085012346"))
                uow.commit()
        node.close()
    assert count == 1


@pytest.mark.postgres
def test_a_node_runs_on_postgresql() -> None:
    with fresh_postgres_database() as engine:
        url = engine.url.render_as_string(hide_password=False)
        node = open_node(load_settings(database_url=url, node_id=HANOI), systems=REGISTRY)
        try:
            assert current_revision(node.engine) == head_revision()
        finally:
            node.close()
