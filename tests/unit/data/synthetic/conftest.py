"""Small generated runs shared by the synthetic-data tests (generated once per session)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from lienthong.data.synthetic import Summary, generate, records

#: A national run small enough to validate every record, large enough to hold every kind.
PEOPLE = 3000
SEED = 11


@pytest.fixture(scope="session")
def national(tmp_path_factory: pytest.TempPathFactory) -> Summary:
    """A national run of 3,000 people written as JSONL."""
    return generate(people=PEOPLE, seed=SEED, out=tmp_path_factory.mktemp("national"))


@pytest.fixture(scope="session")
def national_records() -> list[tuple[str, dict[str, Any]]]:
    """The same run as a record stream."""
    return list(records(people=PEOPLE, seed=SEED))


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    """Return the rows of a JSONL file."""
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
