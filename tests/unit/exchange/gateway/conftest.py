"""One sample network for the gateway's unit tests: building its keys takes a while."""

from __future__ import annotations

import pytest
from tests.support.network import SampleNetwork, build_network


@pytest.fixture(scope="module")
def network(tmp_path_factory: pytest.TempPathFactory) -> SampleNetwork:
    return build_network(tmp_path_factory.mktemp("network"))
