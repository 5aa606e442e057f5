"""The provider side refuses every bad call before the provider system sees it, and audits it."""

from __future__ import annotations

from datetime import timedelta

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from tests.support.gateway import Answer, World, replace_node
from tests.support.network import AN_GIANG, CENTRAL, DRIVING, NOW, PURPOSE, REGISTRY, SampleNetwork

from lienthong.errors import LienthongError
from lienthong.exchange import messages as m


def refused(world: World, answer: Answer, code: str, status: int) -> None:
    """Assert a refusal: its status, its X-Road-Error, its audit entry, nothing reached."""
    assert answer.status == status, answer.body
    assert answer.error is not None and answer.error.endswith(f".ServerProxy.{code}")
    assert answer.json()["error"]["code"] == code
    assert world.provider.reached == []
    assert [call.outcome for call in world.audit.calls] == [code]


def test_a_granted_signed_call_reaches_the_provider_and_its_answer_is_signed(
    network: SampleNetwork,
) -> None:
    world = World(network)
    answer = world.request()
    assert answer.status == 200
    assert answer.json() == {"pin": "001090000001"}
    [(method, path, caller)] = world.provider.reached
    assert (method, path) == ("GET", "/Person/001090000001")
    assert (caller.client, caller.purpose, caller.grant_id) == (DRIVING, PURPOSE, "g-1")
    response = m.Envelope(
        kind="response",
        sender=CENTRAL,
        recipient=AN_GIANG,
        method="GET",
        path=f"/r1/{REGISTRY}/Person/001090000001",
        query="",
        client=DRIVING,
        message_id=answer.headers["x-road-id"],
        user_id="VN12345",
        issue="",
        purpose=PURPOSE,
        body_hash=m.body_digest(answer.body),
        timestamp=answer.headers[m.TIMESTAMP],
        status=200,
        request_hash=answer.headers["x-road-request-hash"],
    )
    response.verify(answer.headers[m.SIGNATURE], network.nodes[CENTRAL].entry.public_key)
    [call] = world.audit.calls
    assert (call.outcome, call.client, call.purpose, call.status) == ("ok", DRIVING, PURPOSE, 200)
    assert call.request_hash == answer.headers["x-road-request-hash"]
    assert call.response_hash


def test_a_forged_signature_is_refused(network: SampleNetwork) -> None:
    world = World(network)
    answer = world.request(key=Ed25519PrivateKey.generate())
    refused(world, answer, "exchange.signature.invalid", 401)


def test_a_missing_signature_is_refused(network: SampleNetwork) -> None:
    world = World(network)
    answer = world.request(tweak=lambda headers: headers.pop(m.SIGNATURE))
    refused(world, answer, "exchange.header.missing", 400)


def test_a_key_that_is_not_the_senders_is_refused(network: SampleNetwork) -> None:
    world = World(network)
    # Signed by central's own key while claiming to be An Giang.
    answer = world.request(key=network.nodes[CENTRAL].signing_key)
    refused(world, answer, "exchange.signature.invalid", 401)


def test_a_sender_that_is_not_the_tls_peer_is_refused(network: SampleNetwork) -> None:
    world = World(network)
    answer = world.request(peer=CENTRAL)
    refused(world, answer, "exchange.sender.mismatch", 401)


def test_a_replayed_message_id_is_refused(network: SampleNetwork) -> None:
    world = World(network)
    assert world.request(message_id="once").status == 200
    world.audit.calls.clear()
    world.provider.reached.clear()
    answer = world.request(message_id="once")
    refused(world, answer, "exchange.replay", 409)


@pytest.mark.parametrize(
    ("offset", "code"),
    [
        (timedelta(seconds=-61), "exchange.timestamp.stale"),
        (timedelta(seconds=61), "exchange.timestamp.future"),
    ],
)
def test_a_timestamp_outside_the_window_is_refused(
    network: SampleNetwork, offset: timedelta, code: str
) -> None:
    world = World(network)
    answer = world.request(stamp=NOW + offset)
    refused(world, answer, code, 401)
    assert "NTP" in answer.json()["error"]["message_en"]


def test_an_unknown_client_is_refused(network: SampleNetwork) -> None:
    world = World(network)
    answer = world.request(client="VN/GOV/AGG/unknown")
    refused(world, answer, "exchange.client.unknown", 403)


def test_a_connection_without_a_certificate_is_refused(network: SampleNetwork) -> None:
    world = World(network)
    answer = world.request(peer=None)
    refused(world, answer, "exchange.tls.no_certificate", 401)


def test_a_revoked_node_is_refused(network: SampleNetwork) -> None:
    world = World(network)
    directory = world.source.current()
    revoked = replace_node(directory, AN_GIANG, revoked_at=NOW - timedelta(hours=1))
    world.source.directory = revoked
    answer = world.request()
    refused(world, answer, "exchange.node.revoked", 403)


def test_an_expired_node_certificate_is_refused(network: SampleNetwork) -> None:
    world = World(network, clock=NOW + timedelta(days=400))
    world.source.directory = network.directory(expires=NOW + timedelta(days=500))
    answer = world.request()
    refused(world, answer, "exchange.pki.expired", 403)


def test_an_expired_directory_stops_calls_with_a_clear_error(network: SampleNetwork) -> None:
    world = World(network)
    world.source.error = LienthongError("exchange.directory.expired", "The directory expired.")
    answer = world.request()
    refused(world, answer, "exchange.directory.expired", 503)


def test_a_call_without_a_grant_is_refused(network: SampleNetwork) -> None:
    world = World(network)
    world.source.directory = network.directory().model_copy(update={"grants": ()})
    answer = world.request()
    refused(world, answer, "exchange.grant.missing", 403)


def test_a_grant_for_another_purpose_is_refused(network: SampleNetwork) -> None:
    world = World(network)
    answer = world.request(purpose="marketing")
    refused(world, answer, "exchange.grant.purpose", 403)


def test_an_endpoint_outside_the_grant_is_refused(network: SampleNetwork) -> None:
    world = World(network)
    answer = world.request(path=f"/r1/{REGISTRY}/Person/001090000001/_history")
    refused(world, answer, "exchange.grant.endpoint", 403)


def test_an_oversized_body_is_refused(network: SampleNetwork) -> None:
    world = World(network)
    answer = world.request(method="GET", body_chunks=[b"x" * 600, b"y" * 600])
    refused(world, answer, "exchange.body.too_large", 413)


def test_a_body_that_never_finishes_is_refused(network: SampleNetwork) -> None:
    world = World(network)
    answer = world.request(body_chunks=[b"{"], hang=True)
    refused(world, answer, "exchange.body.timeout", 408)


@pytest.mark.parametrize(
    "path",
    [
        f"/r1/{REGISTRY}/../../admin",
        f"/r1/{REGISTRY}/Person/%2e%2e/x",
        f"/r1/{REGISTRY}/Person/a%2Fb",
    ],
)
def test_path_traversal_in_the_service_path_is_refused(network: SampleNetwork, path: str) -> None:
    world = World(network)
    answer = world.request(path=path)
    refused(world, answer, "exchange.path.traversal", 400)


@pytest.mark.parametrize(
    ("client", "code"),
    [
        ("VN/GOV/AGG", "exchange.identifier.shape"),
        ("VN/GOV/AGG/dri ving", "exchange.identifier.part"),
        ("VN/XXX/AGG/driving", "exchange.identifier.member_class"),
    ],
)
def test_malformed_identifiers_are_refused(network: SampleNetwork, client: str, code: str) -> None:
    world = World(network)
    answer = world.request(client=client)
    refused(world, answer, code, 400)


def test_a_header_with_control_characters_is_refused(network: SampleNetwork) -> None:
    world = World(network)
    answer = world.request(tweak=lambda headers: headers.update({"x-road-issue": "a\x07b"}))
    refused(world, answer, "exchange.header.malformed", 400)


def test_a_body_altered_on_the_way_is_refused(network: SampleNetwork) -> None:
    world = World(network)
    answer = world.request(
        method="POST", body=b"{}", tweak=lambda headers: None, body_chunks=[b"{1}"]
    )
    refused(world, answer, "exchange.signature.body", 401)


def test_metaservices_answer_from_the_directory_without_a_grant(network: SampleNetwork) -> None:
    world = World(network)
    world.source.directory = network.directory().model_copy(update={"grants": ()})
    answer = world.request(path="/r1/VN/GOV/BCA/population/listMethods")
    assert answer.status == 200
    [service] = answer.json()["service"]
    assert service["service_code"] == "registry"
    assert world.provider.reached == []


def test_allowed_methods_lists_the_callers_granted_endpoints(network: SampleNetwork) -> None:
    world = World(network)
    answer = world.request(path="/r1/VN/GOV/BCA/population/allowedMethods")
    [service] = answer.json()["service"]
    assert service["endpoint_list"] == [{"method": "GET", "path": "/Person/{id}"}]
