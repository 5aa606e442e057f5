"""In a real browser, on the demo's network: central's operator revokes the grant that lets
An Giang's driving office read the population registry; once the running gateways hold the
new directory version, the same read that went through a moment before is refused at An
Giang's own gateway, and An Giang's operator finds the refusal in the node's audit log.
"""

from __future__ import annotations

import dataclasses
import re
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
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
from lienthong.exchange.audit.log import EXCHANGE_CLIENT, EXCHANGE_PROVIDER
from lienthong.exchange.directory import authority
from lienthong.exchange.directory.cache import cache_path
from lienthong.exchange.directory.signing import read_signed_directory
from lienthong.exchange.keys import NodePaths
from lienthong.exchange.pki import load_directory_key
from lienthong.node import Node
from lienthong.web.console.pages.queries import AuditFilter, audit_entries
from lienthong.web.console.templating import LANGUAGE_COOKIE

pytestmark = pytest.mark.browser

AN_GIANG = "VN-91"
SERVICE = f"{ex.POPULATION}/registry"
#: What An Giang's gateway answers a call whose grant was revoked.
REFUSED = "exchange.grant.expired"
#: Seconds between the gateways' polls of central's directory (a minute in production).
POLL = 0.2
#: How long the gateways may take to hold a newly published directory version, in seconds.
PROPAGATION = 15.0


@dataclass(frozen=True)
class Demo:
    """The demo network after its exchange step, and the read through the gateways it made."""

    network: net.Network
    tls_ports: dict[str, int]
    #: An Giang's driving office reading a person held on central, as the demo asked it.
    read: ex.Call


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Demo]:
    state = tmp_path_factory.mktemp("console-grants") / "demo"
    network = net.open_network(state_dir=state, people=300, seed=1)
    try:
        result = ex.run_exchange(network, state_dir=state)
        read = next(
            call
            for call in result.calls
            if call.client == ex.DRIVING
            and call.provider_node == net.CENTRAL
            and call.purpose == ex.DRIVER_LICENCE
            and "/Person/" in call.path
        )
        # The grant about to be revoked is one the demo's call really went through.
        assert not read.refused and read.status == 200
        yield Demo(network, result.tls_ports, read)
    finally:
        network.close()


@contextmanager
def _console(node: Node, login: str, role: OperatorRole, province: str | None) -> Iterator[str]:
    """Serve a node's console on a free port, with one operator; yield its address."""
    add_operator(node, login, role, province)
    with serve_console(node) as url:
        yield url


@pytest.fixture(scope="module")
def consoles(demo: Demo) -> Iterator[dict[str, str]]:
    """Central's console with a central operator, An Giang's with a province operator."""
    nodes = demo.network.nodes
    with ExitStack() as stack:
        yield {
            net.CENTRAL: stack.enter_context(
                _console(nodes[net.CENTRAL], "trung.uong", OperatorRole.CENTRAL, None)
            ),
            AN_GIANG: stack.enter_context(
                _console(nodes[AN_GIANG], "an.giang", OperatorRole.PROVINCE, "91")
            ),
        }


@pytest.fixture
def gateways(demo: Demo) -> Iterator[dict[str, Node]]:
    """Central's and An Giang's gateways, served as the demo serves them, polling often."""
    client_ports = ex.free_ports(2, besides=list(demo.tls_ports.values()))
    directory_url = f"https://{ex.HOST}:{demo.tls_ports[net.CENTRAL]}/directory"
    nodes: dict[str, Node] = {}
    for node_id, client_port in zip((net.CENTRAL, AN_GIANG), client_ports, strict=True):
        node = demo.network.nodes[node_id]
        update = ex.gateway_settings(
            node_id,
            client_port=client_port,
            tls_port=demo.tls_ports[node_id],
            directory_url=None if node_id == net.CENTRAL else directory_url,
        )
        update["directory_poll_seconds"] = POLL
        nodes[node_id] = dataclasses.replace(node, settings=node.settings.model_copy(update=update))
    served = ex.Gateways()
    try:
        # Central first: An Giang's gateway fetches the directory from it as it starts.
        for node in nodes.values():
            served.serve(node)
        yield nodes
    finally:
        served.close()


def _held_version(node: Node) -> int | None:
    """Return the version of the directory a node's gateway holds (its verified copy on disk)."""
    state_dir = node.settings.state_dir
    try:
        data = cache_path(state_dir).read_bytes()
    except FileNotFoundError:
        return None
    key = load_directory_key(NodePaths(state_dir))
    return read_signed_directory(data, key=key, instance=ex.INSTANCE).version


def _wait_until_held(nodes: dict[str, Node], version: int) -> None:
    deadline = time.monotonic() + PROPAGATION
    held = {node_id: _held_version(node) for node_id, node in nodes.items()}
    while any(v != version for v in held.values()):
        assert time.monotonic() < deadline, f"the gateways hold {held}, not version {version}"
        time.sleep(0.05)
        held = {node_id: _held_version(node) for node_id, node in nodes.items()}


def _sign_in(page: Any, console: str, login: str) -> None:
    page.context.add_cookies([{"name": LANGUAGE_COOKIE, "value": "en", "url": console}])
    page.goto(console + "/")
    page.fill("#login", login)
    page.fill("#password", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_load_state()


def _grant_row(page: Any, client: str, service: str) -> Any:
    """Return the row of the grants table that lets ``client`` call ``service``."""
    rows = page.locator("#grants tbody tr")
    found = [
        rows.nth(i)
        for i in range(rows.count())
        if [cell.strip() for cell in rows.nth(i).locator("td").all_inner_texts()[1:3]]
        == [client, service]
    ]
    assert len(found) == 1, f"{len(found)} grants of {client} on {service}"
    return found[0]


def test_a_revoked_grant_refuses_the_next_call_at_the_clients_gateway_and_is_audited(
    demo: Demo,
    consoles: dict[str, str],
    gateways: dict[str, Node],
    browser: Any,
    page: Any,
    axe_script: Path,
    request: pytest.FixtureRequest,
) -> None:
    central = demo.network.nodes[net.CENTRAL]
    pin = demo.read.path.rsplit("/", 1)[1]
    asked = ex._Request(
        demo.read.caption,
        ex.DRIVING,
        AN_GIANG,
        SERVICE,
        f"/Person/{pin}",
        ex.DRIVER_LICENCE,
        "Person",
    )

    # Before: the running gateways let An Giang's driving office read the person at central.
    before = ex._call(asked, nodes=gateways, provider_node=net.CENTRAL)
    assert before.path == demo.read.path
    assert not before.refused and before.status == 200
    assert ("PIN", pin) in before.answer
    assert [line.outcome for line in before.provider_entries if line.kind == EXCHANGE_PROVIDER] == [
        "ok"
    ]
    version = authority.latest_version(central.settings.state_dir)
    assert version is not None
    assert {node_id: _held_version(node) for node_id, node in gateways.items()} == {
        net.CENTRAL: version,
        AN_GIANG: version,
    }

    # Central's operator finds the grant in the directory and revokes it.
    _sign_in(page, consoles[net.CENTRAL], "trung.uong")
    page.goto(consoles[net.CENTRAL] + "/directory")
    row = _grant_row(page, ex.DRIVING, SERVICE)
    grant_id = row.locator("code").inner_text().strip()
    assert ex.DRIVER_LICENCE in row.inner_text()
    screenshot(page, request, "1-directory")
    assert serious_violations(page, axe_script) == []

    row.get_by_role("button", name=f"Revoke {grant_id}").click()
    page.wait_for_url(re.compile(r"/directory\?done=revoked&grant="))
    banner = page.locator(".govuk-notification-banner--success")
    assert (
        f"The grant {grant_id[:40]} was revoked and a new directory version published."
        in banner.inner_text()
    )
    assert f"Version {version + 1} of the directory" in page.locator("main").inner_text()
    row = _grant_row(page, ex.DRIVING, SERVICE)
    assert row.locator("button").count() == 0
    assert row.locator("td").last.inner_text().startswith("revoked ")
    screenshot(page, request, "2-revoked")
    assert serious_violations(page, axe_script) == []

    assert authority.latest_version(central.settings.state_dir) == version + 1
    [revoked] = [
        g
        for g in authority.list_grants(state_dir=central.settings.state_dir)
        if g.grant_id == grant_id
    ]
    assert revoked.revoked_at is not None
    [action] = audit_entries(node=central, where=AuditFilter(service="directory.revoke")).entries
    assert (action.entry.client, action.entry.outcome) == ("console:trung.uong", "ok")
    assert grant_id in (action.entry.details or "")

    # After: once the gateways hold the new version, the same call is refused at An Giang's
    # own gateway, and never reaches central.
    _wait_until_held(gateways, version + 1)
    after = ex._call(asked, nodes=gateways, provider_node=net.CENTRAL)
    assert (after.path, after.purpose) == (before.path, before.purpose)
    assert after.refused and after.status == 403
    assert after.error_type == f"Client.ClientProxy.{REFUSED}"
    assert after.error_code == REFUSED
    assert after.error_en is not None and "revoked" in after.error_en
    assert after.answer == ()
    assert after.provider_entries == ()
    [logged] = [line for line in after.client_entries if line.kind == EXCHANGE_CLIENT]
    assert (logged.node_id, logged.client, logged.outcome, logged.status) == (
        AN_GIANG,
        ex.DRIVING,
        REFUSED,
        403,
    )

    # An Giang's operator filters the node's audit log and sees that refusal, and only it.
    context = browser.new_context(bypass_csp=True, locale="vi-VN")
    try:
        province = context.new_page()
        province.set_default_timeout(15_000)
        _sign_in(province, consoles[AN_GIANG], "an.giang")
        province.goto(consoles[AN_GIANG] + "/audit")
        province.fill("#filter-client", ex.DRIVING)
        province.fill("#filter-outcome", REFUSED)
        province.get_by_role("button", name="Apply filters").click()
        province.wait_for_url(re.compile(r"/audit\?.*outcome=exchange\.grant\.expired"))
        rows = province.locator("main table.govuk-table tbody tr")
        assert rows.count() == 1
        cells = [cell.strip() for cell in rows.first.locator("td").all_inner_texts()]
        assert cells[0] == str(logged.sequence)
        assert cells[2:] == [
            EXCHANGE_CLIENT,
            AN_GIANG,
            ex.DRIVING,
            f"{SERVICE}/Person/{pin}",
            ex.DRIVER_LICENCE,
            REFUSED,
        ]
        assert rows.first.locator(f"a[href='/audit/{logged.sequence}']").count() == 1
        screenshot(province, request, "3-audit")
        assert serious_violations(province, axe_script) == []
    finally:
        context.close()
