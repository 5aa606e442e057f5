"""An existing system is put behind a gateway unchanged: reached at its URL, bodies streamed."""

from __future__ import annotations

import asyncio
import hashlib
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from tests.support.gateway import World, http_scope, run_app
from tests.support.network import AN_GIANG, REGISTRY, SampleNetwork, build_network

from lienthong.exchange.gateway.bodies import MEMORY_BYTES
from lienthong.exchange.gateway.provider import ProviderGateway
from lienthong.exchange.gateway.upstream import HttpUpstream, Upstreams
from lienthong.exchange.identifiers import ServiceId

LEGACY = "VN/GOV/BCA/population/registry"


@pytest.fixture(scope="module")
def network(tmp_path_factory: pytest.TempPathFactory) -> SampleNetwork:
    return build_network(tmp_path_factory.mktemp("network"))


class Legacy:
    """A province's old application: it knows nothing of the exchange, only HTTP."""

    def __init__(self) -> None:
        self.seen: list[dict[str, Any]] = []

    async def handle(self, request: web.Request) -> web.Response:
        body = await request.read()
        self.seen.append(
            {
                "method": request.method,
                "path": request.path_qs,
                "client": request.headers.get("X-Road-Client"),
                "purpose": request.headers.get("X-Lienthong-Purpose"),
                "authorization": request.headers.get("Authorization"),
                "size": len(body),
                "sha256": hashlib.sha256(body).hexdigest(),
            }
        )
        return web.json_response({"echo": len(body)}, headers={"ETag": '"7"', "X-Internal": "1"})


async def _served(legacy: Legacy, world: World, scope: dict[str, Any], chunks: list[bytes]) -> Any:
    app = web.Application(client_max_size=64 * MEMORY_BYTES)
    app.router.add_route("*", "/{tail:.*}", legacy.handle)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    upstreams = Upstreams(api=None, systems=set(), urls={LEGACY: f"http://127.0.0.1:{port}/legacy"})
    gateway = ProviderGateway(world.gateway, upstreams=upstreams)
    try:
        return await run_app(gateway, scope, chunks)
    finally:
        await upstreams.close()
        await runner.cleanup()


def test_a_granted_call_reaches_the_legacy_system_at_its_url_with_the_protocol_headers(
    network: SampleNetwork,
) -> None:
    world = World(network)
    legacy = Legacy()
    path = f"/r1/{REGISTRY}/Person/001090000001"
    scope = http_scope(
        method="GET", path=path, headers=world.signed(path=path), peer=world.certificate(AN_GIANG)
    )
    answer = asyncio.run(_served(legacy, world, scope, [b""]))
    assert answer.status == 200, answer.body
    [seen] = legacy.seen
    assert seen["path"] == "/legacy/Person/001090000001"
    assert (seen["client"], seen["purpose"], seen["authorization"]) == (
        "VN/GOV/AGG/driving",
        "driver-licence",
        None,
    )
    # The system's own headers come back only when they are part of the protocol.
    assert answer.headers["etag"] == '"7"' and "x-internal" not in answer.headers


def test_a_body_larger_than_memory_is_spooled_and_arrives_whole(
    network: SampleNetwork, tmp_path: Path
) -> None:
    world = World(network)
    world.gateway.max_body = 8 * MEMORY_BYTES
    world.network.grants[0] = world.network.grants[0].model_copy(
        update={"method": None, "path": None}
    )
    world.source.directory = world.network.directory()
    legacy = Legacy()
    body = bytes(range(256)) * (3 * MEMORY_BYTES // 256)  # 3 MiB, past the memory spool
    path = f"/r1/{REGISTRY}/Person/_bulk"
    headers = world.signed(path=path, method="POST", body=body)
    scope = http_scope(method="POST", path=path, headers=headers, peer=world.certificate(AN_GIANG))
    chunks = [body[start : start + 65536] for start in range(0, len(body), 65536)]
    answer = asyncio.run(_served(legacy, world, scope, chunks))
    assert answer.status == 200, answer.body
    [seen] = legacy.seen
    assert (seen["size"], seen["sha256"]) == (len(body), hashlib.sha256(body).hexdigest())


def test_a_legacy_system_that_does_not_answer_is_a_clear_gateway_error(
    network: SampleNetwork,
) -> None:
    world = World(network)
    upstream = HttpUpstream("http://127.0.0.1:9")  # discard port: nothing listens
    gateway = ProviderGateway(
        world.gateway,
        upstreams=lambda service: upstream if str(service) == REGISTRY else None,
    )
    path = f"/r1/{REGISTRY}/Person/001090000001"
    scope = http_scope(
        method="GET", path=path, headers=world.signed(path=path), peer=world.certificate(AN_GIANG)
    )

    async def run() -> Any:
        try:
            return await run_app(gateway, scope, [b""])
        finally:
            await upstream.close()

    answer = asyncio.run(run())
    assert answer.status == 502
    assert answer.headers["x-road-error"] == "Server.ServerProxy.exchange.upstream.failed"
    assert [call.outcome for call in world.audit.calls] == ["exchange.upstream.failed"]


def test_a_registry_the_node_hosts_is_reached_in_process_and_nothing_else_is() -> None:
    upstreams = Upstreams(api=object(), systems={"population"}, urls={})
    assert upstreams(ServiceId.parse(REGISTRY)) is not None
    assert upstreams(ServiceId.parse("VN/GOV/BCA/population/other")) is None
    assert upstreams(ServiceId.parse("VN/GOV/BTC/tax/registry")) is None
