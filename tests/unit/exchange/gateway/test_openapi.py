"""The client side describes itself in OpenAPI 3.1, refusals included, and serves it."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from jsonschema import Draft202012Validator  # type: ignore[import-untyped]
from openapi_spec_validator import validate
from tests.support.gateway import ClientWorld
from tests.support.network import DRIVING, REGISTRY, SampleNetwork

from lienthong.exchange import messages as m
from lienthong.exchange.gateway.refusals import STATUS

SERVICE = "/r1/{xRoadInstance}/{memberClass}/{memberCode}/{subsystemCode}/{serviceCode}"


@pytest.fixture(scope="module")
def document(network: SampleNetwork) -> dict[str, Any]:
    client = ClientWorld(network, address="http://127.0.0.1:9")
    answer = asyncio.run(client.call(method="GET", path="/openapi.json", headers={}))
    assert (answer.status, answer.headers["content-type"]) == (200, "application/json")
    assert client.audit.calls == [], "only calls to services are audited"
    document: dict[str, Any] = answer.json()
    return document


def conforms(document: dict[str, Any], schema: str, instance: Any) -> None:
    """Assert that an instance is valid against one of the document's schemas."""
    validator = Draft202012Validator(
        {"$ref": f"#/components/schemas/{schema}", "components": document["components"]}
    )
    validator.validate(instance)


def test_the_description_is_valid_openapi_3_1(document: dict[str, Any]) -> None:
    assert document["openapi"] == "3.1.0"
    validate(document)


def test_services_are_called_with_every_method_at_the_service_and_beneath_it(
    document: dict[str, Any],
) -> None:
    for path in (SERVICE, SERVICE + "/{servicePath}"):
        assert set(document["paths"][path]) - {"parameters"} == {"get", "post", "put", "delete"}
    for name in ("listMethods", "allowedMethods", "getOpenAPI"):
        assert "get" in document["paths"][SERVICE.replace("{serviceCode}", name)]
    for path in ("/listClients", "/health", "/metrics", "/openapi.json"):
        assert "get" in document["paths"][path]


def test_the_x_road_headers_are_described_and_the_client_is_required(
    document: dict[str, Any],
) -> None:
    headers = {
        parameter["name"]: parameter for parameter in document["components"]["parameters"].values()
    }
    assert set(headers) == {
        "X-Road-Client",
        "X-Road-Id",
        "X-Road-UserId",
        "X-Road-Issue",
        "X-Lienthong-Purpose",
    }
    assert [name for name, header in headers.items() if header["required"]] == ["X-Road-Client"]
    assert all(header["schema"]["maxLength"] == m.HEADER_LIMIT for header in headers.values())


def test_every_status_a_call_can_be_refused_with_is_described_with_x_road_error(
    document: dict[str, Any],
) -> None:
    responses = document["paths"][SERVICE]["get"]["responses"]
    for status in {str(status) for status in STATUS.values()}:
        refused = document["components"]["responses"][f"Refused{status}"]
        assert responses[status] == {"$ref": f"#/components/responses/Refused{status}"}
        assert refused["headers"]["X-Road-Error"] == {"$ref": "#/components/headers/XRoadError"}
        schema = refused["content"]["application/json"]["schema"]
        assert schema == {"$ref": "#/components/schemas/Error"}
    assert document["components"]["headers"]["XRoadError"]["required"] is True


def test_a_real_refusal_matches_the_described_error(
    network: SampleNetwork, document: dict[str, Any]
) -> None:
    client = ClientWorld(network, address="http://127.0.0.1:9")
    answer = asyncio.run(
        client.call(
            method="GET",
            path=f"/r1/{REGISTRY}/Person/001090000001",
            headers={m.CLIENT: DRIVING, m.PURPOSE: "marketing"},
        )
    )
    assert answer.error == "Client.ClientProxy.exchange.grant.purpose"
    conforms(document, "Error", answer.json())
    header = document["components"]["headers"]["XRoadError"]["schema"]
    Draft202012Validator(header).validate(answer.error)


def test_the_answers_of_the_node_itself_match_their_schemas(
    network: SampleNetwork, document: dict[str, Any]
) -> None:
    client = ClientWorld(network, address="http://127.0.0.1:9")
    clients = asyncio.run(client.call(method="GET", path="/listClients", headers={}))
    conforms(document, "ClientList", clients.json())
    health = asyncio.run(client.call(method="GET", path="/health", headers={}))
    conforms(document, "Health", health.json())
