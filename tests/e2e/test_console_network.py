"""In a real browser, on the demo's network: find a person by a name typed without diacritics,
open the record, and see An Giang's read through the gateways in who accessed it, and why.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from tests.e2e.conftest import (
    PASSWORD,
    add_operator,
    screenshot,
    serious_violations,
    serve_console,
)

from lienthong.access.policy import OperatorRole
from lienthong.demo import exchange as ex
from lienthong.demo import network as net
from lienthong.vn.text import fold

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[net.Network, ex.Call]]:
    """The demo network after its exchange step, and An Giang's read of a person at central."""
    state = tmp_path_factory.mktemp("console-network") / "demo"
    network = net.open_network(state_dir=state, people=300, seed=1)
    try:
        result = ex.run_exchange(network, state_dir=state)
        read = next(
            call
            for call in result.calls
            if not call.refused and "/Person/" in call.path and call.provider_node == net.CENTRAL
        )
        yield network, read
    finally:
        network.close()


@pytest.fixture(scope="module")
def console(demo: tuple[net.Network, ex.Call]) -> Iterator[str]:
    """Central's console on a free port, with one central operator."""
    network, _read = demo
    central = network.nodes[net.CENTRAL]
    add_operator(central, "trung.uong", OperatorRole.CENTRAL)
    with serve_console(central) as url:
        yield url


def test_a_person_found_without_diacritics_shows_the_cross_node_read_and_its_purpose(
    demo: tuple[net.Network, ex.Call],
    console: str,
    page: Any,
    axe_script: Path,
    request: pytest.FixtureRequest,
) -> None:
    network, read = demo
    pin = read.path.rstrip("/").rsplit("/", 1)[-1]
    with network.nodes[net.CENTRAL].unit_of_work(read_only=True) as uow:
        name = uow.records.get(record_type="Person", record_id=pin).content["full_name"]
    typed = fold(name).lower()
    assert typed != name.lower()

    page.goto(console + "/")
    page.fill("#login", "trung.uong")
    page.fill("#password", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_load_state()
    page.goto(console + "/registries")
    page.fill("input[name=q]", typed)
    page.locator("main form button[type=submit]").first.click()
    page.wait_for_load_state()
    assert name in page.locator("main").inner_text()
    screenshot(page, request, "1-search")
    assert serious_violations(page, axe_script) == []

    page.click(f"main a[href$='/Person/{pin}']")
    page.wait_for_load_state()
    text = page.locator("main").inner_text()
    assert pin in text and name in text
    # An Giang's driving office read this person through the gateways, with its purpose.
    assert read.client in text
    assert read.purpose in text
    screenshot(page, request, "2-record")
    assert serious_violations(page, axe_script) == []
