"""Every API test runs on SQLite and, where a server is reachable, on PostgreSQL."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from tests.integration.web.apitest import Api, make_api


@pytest.fixture
def api(engine: Engine, tmp_path: Path) -> Api:
    """A client of the example node's API."""
    return make_api(engine, tmp_path)
