"""A small generated registry shared by the legacy-extract tests (generated once per session)."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from lienthong.data.synthetic import Summary, generate

#: A national run: about 2,000 population rows, and a few dozen parcels and licences in
#: TP. Hồ Chí Minh and An Giang.
PEOPLE = 2000
SEED = 5


@pytest.fixture(scope="session")
def registry(tmp_path_factory: pytest.TempPathFactory) -> Summary:
    """A national run of 2,000 people written as JSONL."""
    return generate(people=PEOPLE, seed=SEED, out=tmp_path_factory.mktemp("registry"))


@pytest.fixture(scope="session")
def registry_csv(tmp_path_factory: pytest.TempPathFactory) -> Summary:
    """A smaller run of TP. Hồ Chí Minh and An Giang written as CSV."""
    return generate(
        people=4000,
        seed=SEED,
        out=tmp_path_factory.mktemp("registry_csv"),
        format="csv",
        provinces=["79", "91"],
    )


def read_truth(path: Path) -> list[dict[str, str]]:
    """Return the rows of a truth file."""
    with path.open(encoding="utf-8", newline="") as stream:
        return list(csv.DictReader(stream))


def read_csv_bytes(path: Path) -> list[dict[str, bytes]]:
    """Return the rows of an extract in CSV as the raw bytes of each cell."""
    with path.open(encoding="latin-1", newline="") as stream:
        return [
            {key: value.encode("latin-1") for key, value in row.items()}
            for row in csv.DictReader(stream)
        ]
