"""In a real browser, on the live demo network (every node a process): An Giang goes offline,
keeps working, and the console shows it offline, then caught up, with the outage in its charts.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, select
from tests.e2e.conftest import screenshot, serious_violations
from tests.support.live_demo import Demo, eventually, seed, starter
from tests.support.ports import free_port

from lienthong.demo import live
from lienthong.demo import network as net
from lienthong.store.models import current_records

pytestmark = pytest.mark.browser

PEOPLE = "300"
AN_GIANG = "VN-91"
#: The first outage starts this long after the network is up, and lasts this long (seconds).
OUTAGE_EVERY = 40
OUTAGE_FOR = 30
DOWN = "An Giang's line to central is down"
BACK = "An Giang's line to central is back"


@pytest.fixture(scope="module")
def running(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, Demo, str]]:
    """The live demo, seeded then started at a terminal with a short outage schedule."""
    root = tmp_path_factory.mktemp("demo-catch-up")
    seed(root, people=PEOPLE)
    port = free_port()
    with starter(root, tmp_path_factory.mktemp("demo-output"), people=PEOPLE) as start:
        demo = start(
            "--port",
            str(port),
            "--outage-every",
            str(OUTAGE_EVERY),
            "--outage-for",
            str(OUTAGE_FOR),
        )
        demo.wait_for("Ctrl-C stops every process")
        yield root, demo, f"http://127.0.0.1:{port}"


def _written(root: Path, node_id: str, owner: str, since: datetime, until: datetime) -> set[Any]:
    """Return (type, id, version) of the records an owner wrote between two times, at a node."""
    engine = create_engine(f"sqlite:///{root / 'demo' / node_id / 'node.sqlite'}")
    try:
        with engine.connect() as connection:
            rows = connection.execute(
                select(
                    current_records.c.record_type,
                    current_records.c.record_id,
                    current_records.c.version,
                ).where(
                    current_records.c.owner_node == owner,
                    current_records.c.recorded_at >= since,
                    current_records.c.recorded_at <= until,
                )
            )
            return {tuple(row) for row in rows}
    finally:
        engine.dispose()


def _missing_at_central(root: Path, records: set[Any]) -> list[Any]:
    """Return the records (type, id, version) central does not hold at that version or later."""
    engine = create_engine(f"sqlite:///{root / 'demo' / net.CENTRAL / 'node.sqlite'}")
    try:
        with engine.connect() as connection:
            held = {
                (row.record_type, row.record_id): row.version
                for row in connection.execute(
                    select(
                        current_records.c.record_type,
                        current_records.c.record_id,
                        current_records.c.version,
                    ).where(current_records.c.record_id.in_({key for _kind, key, _v in records}))
                )
            }
    finally:
        engine.dispose()
    return sorted(item for item in records if held.get(item[:2], 0) < item[2])


def _an_giang_rows(page: Any) -> tuple[str, str]:
    """Return the texts of An Giang's rows in the nodes table and in the links table."""
    # By the first cell: other peers' rows name An Giang too, among the origins they receive.
    row = f"/tbody/tr[td[1][normalize-space()='{AN_GIANG}']]"
    node = page.locator(f"xpath=//table[@id='nodes']{row}").inner_text()
    link = page.locator(f"xpath=//h2[@id='links']/following-sibling::table[1]{row}").inner_text()
    return node, link


def _reload_until(page: Any, check: Any, timeout: float) -> bool:
    def again() -> bool:
        page.reload()
        page.wait_for_load_state()
        return bool(check())

    return eventually(again, timeout=timeout, every=1.0)


def test_an_offline_province_shows_offline_then_catches_up_with_what_it_wrote_meanwhile(
    running: tuple[Path, Demo, str],
    browser: Any,
    axe_script: Path,
    request: pytest.FixtureRequest,
) -> None:
    root, demo, console = running
    login, password = (root / "demo" / live.LOGIN_FILE).read_text().split()[:2]
    context = browser.new_context(bypass_csp=True)
    context.add_cookies([{"name": "lienthong_console_lang", "value": "en", "url": console}])
    page = context.new_page()
    page.set_default_timeout(15_000)
    try:
        page.goto(console + "/signin")
        page.fill("#login", login)
        page.fill("#password", password)
        page.click("main button[type=submit]")
        page.wait_for_load_state()
        page.goto(console + "/network?window=15")
        # Until An Giang's sync loop has made its first round, central last heard from it
        # when the network was seeded, which may be long enough ago to count as offline.
        assert _reload_until(page, lambda: "syncing" in _an_giang_rows(page)[0], timeout=30)
        node, link = _an_giang_rows(page)
        assert "offline" not in link
        screenshot(page, request, "1-online")

        demo.wait_for(DOWN, timeout=OUTAGE_EVERY + 30)
        down_at = datetime.now(UTC)
        # Central stops hearing from An Giang: after six sync intervals the link is offline.
        assert _reload_until(page, lambda: "offline" in _an_giang_rows(page)[1], timeout=25)
        node, _link = _an_giang_rows(page)
        assert "offline: last heard from" in node
        screenshot(page, request, "2-offline")
        assert serious_violations(page, axe_script) == []

        demo.wait_for(BACK, timeout=OUTAGE_FOR + 30)
        back_at = datetime.now(UTC)
        # Meanwhile An Giang kept registering births and new addresses on its own node.
        written = _written(root, AN_GIANG, AN_GIANG, down_at, back_at)
        assert written, "An Giang wrote nothing while its line was down"

        assert _reload_until(page, lambda: "offline" not in _an_giang_rows(page)[1], timeout=20)
        assert eventually(lambda: not _missing_at_central(root, written), timeout=30), (
            _missing_at_central(root, written)
        )
        node, link = _an_giang_rows(page)
        assert "syncing: last heard from" in node
        # The outage stays in the chart: An Giang's silence climbed past six sync intervals.
        legend = page.locator("#silence-history").text_content() or ""
        largest = re.search(rf"{AN_GIANG}: now \d+ s, at most (\d+) s", legend)
        assert largest is not None, legend
        assert int(largest.group(1)) >= 6 * live.SYNC_INTERVAL
        page.locator("#history").scroll_into_view_if_needed()
        screenshot(page, request, "3-caught-up")
        assert serious_violations(page, axe_script) == []
    finally:
        context.close()
