"""Nodes with the example system on SQLite and, where a server answers, on PostgreSQL."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from tests.integration.store.example import HANOI, REGISTRY

from lienthong.node import Node
from lienthong.settings import Settings


def make_node(engine: Engine, state_dir: Path, node_id: str = HANOI) -> Node:
    """Return a node of the example system on a store."""
    settings = Settings(
        node_id=node_id,
        database_url=engine.url.render_as_string(hide_password=False),
        state_dir=state_dir,
    )
    return Node(settings=settings, engine=engine, systems=REGISTRY)


@pytest.fixture
def node(engine: Engine, tmp_path: Path) -> Node:
    """The Hà Nội node of the example system, its state in the test's directory."""
    return make_node(engine, tmp_path / "state")
