"""Access tests run on SQLite and, where a server is reachable, on PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from tests.integration.web.apitest import BACKENDS, engine_for


@pytest.fixture(params=BACKENDS)
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """A fresh store at head on one backend."""
    yield from engine_for(request.param, tmp_path)
