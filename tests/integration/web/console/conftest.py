"""The console of a node on each backend, with an operator of each role."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from tests.integration.web.console.consoletest import Console, make_console


@pytest.fixture
def console(engine: Engine, tmp_path: Path) -> Console:
    """A console whose browser has not signed in yet."""
    return make_console(engine, tmp_path)
