"""The exchange's integration tests call real gateways: two nodes served on this machine."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from tests.support.pair import Pair, running_pair


@pytest.fixture(scope="module")
def pair(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Pair]:
    with running_pair(tmp_path_factory.mktemp("exchange")) as running:
        yield running
