"""Two nodes on one machine exchange signed, authorized, audited calls over mutual TLS."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from tests.support.pair import DRIVING, POPULATION, REGISTRY, Pair

from lienthong.access.models import access_log
from lienthong.exchange.audit.models import audit_log
from lienthong.exchange.audit.verify import verify_log
from lienthong.exchange.gateway.server import build_gateway
from lienthong.exchange.gateway.witness import checkpoint_and_witness, witness_node
from lienthong.exchange.keys import NodePaths, load_signing_key
from lienthong.node import Node


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
