"""Two nodes on one machine exchange signed, authorized, audited calls over mutual TLS."""

from __future__ import annotations

import asyncio
import json
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator
from concurrent.futures import Future
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from lienthong.access.models import access_log
from lienthong.exchange.audit.models import audit_log
from lienthong.exchange.audit.verify import verify_log
from lienthong.exchange.directory.models import Level
from lienthong.exchange.gateway.server import build_gateway, serve_gateway
from lienthong.exchange.gateway.witness import checkpoint_and_witness, witness_node
from lienthong.exchange.keys import NodePaths, load_signing_key
from lienthong.exchange.local import LocalGrant, LocalMember, LocalNetwork, LocalNode, provision
from lienthong.node import Node, open_node
from lienthong.settings import load_settings
from lienthong.systems.core import samples
from tests.support.ports import free_port

POPULATION = "VN/GOV/BCA/population"
REGISTRY = f"{POPULATION}/registry"
DRIVING = "VN/GOV/AGG/driving"


class Loop:
    """An event loop in a thread, where the gateways run while the test calls them."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        self.stops: list[asyncio.Event] = []
        self.served: list[Future[None]] = []

    def run(self, coroutine: Any) -> Any:
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(timeout=60)

    def serve(self, node: Node) -> None:
        async def start() -> None:
            ready, stop = asyncio.Event(), asyncio.Event()
            self.stops.append(stop)
            self.served.append(
                asyncio.run_coroutine_threadsafe(
                    serve_gateway(node, ready=ready, stop=stop), self.loop
                )
            )
            await asyncio.wait_for(ready.wait(), 30)

        self.run(start())

    def close(self) -> None:
        async def stop() -> None:
            for event in self.stops:
                event.set()

        self.run(stop())
        for served in self.served:
            served.result(timeout=30)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(timeout=10)


@dataclass
class Pair:
    central: Node
    an_giang: Node
    loop: Loop
    pin: str

    def call(self, path: str, **headers: str) -> tuple[int, dict[str, str], Any]:
        port = self.an_giang.settings.gateway_port
        request = urllib.request.Request(f"http://127.0.0.1:{port}{path}", headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return response.status, _lower(response.headers), json.loads(response.read())
        except urllib.error.HTTPError as error:
            return error.code, _lower(error.headers), json.loads(error.read())


def _lower(headers: Any) -> dict[str, str]:
    return {name.lower(): value for name, value in headers.items()}


def _settings(state: Path, node_id: str, tls: int, **extra: Any) -> Any:
    return load_settings(
        state_dir=state,
        node_id=node_id,
        database_url=None,
        gateway_port=free_port(),
        gateway_tls_port=tls,
        **extra,
    )


@pytest.fixture(scope="module")
def pair(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Pair]:
    root = tmp_path_factory.mktemp("exchange")
    central_tls, an_giang_tls = free_port(), free_port()
    provision(
        LocalNetwork(
            authority_dir=root / "central",
            instance="VN",
            name="Mạng thử",
            members=[
                LocalMember("VN/GOV/BCA", "Bộ Công an", Level.CENTRAL),
                LocalMember("VN/GOV/AGG", "UBND tỉnh An Giang", Level.PROVINCE, "91"),
            ],
            nodes=[
                LocalNode("VN-central", "VN/GOV/BCA", root / "central", central_tls, (POPULATION,)),
                LocalNode("VN-91", "VN/GOV/AGG", root / "an-giang", an_giang_tls, (DRIVING,)),
            ],
            services=[
                (
                    REGISTRY,
                    {
                        "openapi": "3.1.0",
                        "info": {"title": "population", "version": "1"},
                        "paths": {},
                    },
                )
            ],
            grants=[
                LocalGrant(
                    DRIVING, REGISTRY, ("driver-licence",), method="GET", path="/Person/{id}"
                )
            ],
        )
    )
    central = open_node(_settings(root / "central", "VN-central", central_tls))
    an_giang = open_node(
        _settings(
            root / "an-giang",
            "VN-91",
            an_giang_tls,
            directory_url=f"https://127.0.0.1:{central_tls}/directory",
        )
    )
    person = samples.sample_person()
    with central.unit_of_work() as unit:
        unit.records.create(record_type="Person", content=person)
        unit.commit()
    loop = Loop()
    try:
        loop.serve(central)
        loop.serve(an_giang)
        yield Pair(central, an_giang, loop, person["pin"])
    finally:
        loop.close()
        central.close()
        an_giang.close()


def _audit(node: Node) -> list[Any]:
    with node.engine.connect() as connection:
        return list(connection.execute(select(audit_log).order_by(audit_log.c.sequence)))


def test_a_granted_call_reads_the_person_across_nodes_and_both_sides_audit_it(pair: Pair) -> None:
    status, headers, body = pair.call(
        f"/r1/{REGISTRY}/Person/{pair.pin}",
        **{
            "X-Road-Client": DRIVING,
            "X-Road-Id": "call-1",
            "X-Lienthong-Purpose": "driver-licence",
        },
    )
    assert status == 200, body
    assert body["content"]["pin"] == pair.pin
    assert headers["x-road-id"] == "call-1"
    request_hash = headers["x-road-request-hash"]
    client_side = [row for row in _audit(pair.an_giang) if row.message_id == "call-1"]
    provider_side = [row for row in _audit(pair.central) if row.message_id == "call-1"]
    assert [(row.kind, row.outcome, row.status) for row in client_side] == [
        ("exchange.client", "ok", 200)
    ]
    assert [(row.kind, row.outcome) for row in provider_side] == [("exchange.provider", "ok")]
    assert client_side[0].request_hash == provider_side[0].request_hash == request_hash
    assert client_side[0].response_hash == provider_side[0].response_hash
    # The registry itself logged the personal read, with the caller and purpose.
    with pair.central.engine.connect() as connection:
        reads = list(
            connection.execute(select(access_log).where(access_log.c.record_id == pair.pin))
        )
    assert [(row.client, row.purpose) for row in reads] == [(DRIVING, "driver-licence")]


def test_a_call_for_a_purpose_not_granted_never_leaves_the_clients_node(pair: Pair) -> None:
    status, headers, body = pair.call(
        f"/r1/{REGISTRY}/Person/{pair.pin}",
        **{"X-Road-Client": DRIVING, "X-Road-Id": "call-2", "X-Lienthong-Purpose": "marketing"},
    )
    assert status == 403
    assert headers["x-road-error"] == "Client.ClientProxy.exchange.grant.purpose"
    assert body["error"]["code"] == "exchange.grant.purpose"
    assert [row.outcome for row in _audit(pair.an_giang) if row.message_id == "call-2"] == [
        "exchange.grant.purpose"
    ]
    assert [row for row in _audit(pair.central) if row.message_id == "call-2"] == []


def test_a_client_the_node_does_not_host_is_refused(pair: Pair) -> None:
    status, headers, _ = pair.call(
        f"/r1/{REGISTRY}/Person/{pair.pin}",
        **{"X-Road-Client": POPULATION, "X-Lienthong-Purpose": "driver-licence"},
    )
    assert status == 403
    assert headers["x-road-error"].endswith("exchange.client.unknown")


def test_metaservices_list_clients_and_the_callers_allowed_methods(pair: Pair) -> None:
    status, _, clients = pair.call("/listClients")
    assert status == 200
    subsystems = {
        entry["id"].get("subsystem_code")
        for entry in clients["member"]
        if entry["id"]["object_type"] == "SUBSYSTEM"
    }
    assert subsystems == {"population", "driving"}
    status, _, allowed = pair.call(f"/r1/{POPULATION}/allowedMethods", **{"X-Road-Client": DRIVING})
    assert status == 200
    assert allowed["service"][0]["endpoint_list"] == [{"method": "GET", "path": "/Person/{id}"}]
    status, _, described = pair.call(
        f"/r1/{POPULATION}/getOpenAPI?serviceCode=registry", **{"X-Road-Client": DRIVING}
    )
    assert status == 200 and described["info"]["title"] == "population"


def test_central_witnesses_the_provinces_audit_checkpoint_and_the_log_verifies(pair: Pair) -> None:
    pair.call(
        f"/r1/{REGISTRY}/Person/{pair.pin}",
        **{"X-Road-Client": DRIVING, "X-Lienthong-Purpose": "driver-licence"},
    )
    gateway = build_gateway(pair.an_giang).gateway
    central = witness_node(gateway, pair.an_giang.settings.directory_url)
    assert central is not None and central.node_id == "VN-central"
    checkpoint = pair.loop.run(_witness(pair.an_giang, gateway, central))
    assert checkpoint.witness == "VN-central"
    node_key = load_signing_key(
        NodePaths(pair.an_giang.settings.state_dir).signing_key
    ).public_key()
    with pair.an_giang.engine.connect() as connection:
        report = verify_log(
            connection=connection, node_key=node_key, witness_key=central.public_key
        )
    assert report.ok, report


async def _witness(node: Node, gateway: Any, central: Any) -> Any:
    import aiohttp

    from lienthong.exchange.pki import client_ssl_context

    context = client_ssl_context(NodePaths(node.settings.state_dir))
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(ssl=context)) as session:
        return await checkpoint_and_witness(
            node=node, gateway=gateway, session=session, central=central
        )
