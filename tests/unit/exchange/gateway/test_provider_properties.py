"""No input makes a gateway answer 5xx; a bad one is refused with its own code, audited, and
kept from the provider system.

Requests are run through the ASGI apps by a fake server that checks what they send as
uvicorn does, so a response it could not put on the wire fails as it would in production.
"""

from __future__ import annotations

import asyncio
import re
import string
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from urllib.parse import unquote

import pytest
import uvicorn
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from tests.support.gateway import Answer, ClientWorld, Relay, World
from tests.support.network import (
    AN_GIANG,
    CENTRAL,
    DRIVING,
    NOW,
    POPULATION,
    PURPOSE,
    REGISTRY,
    SampleNetwork,
)
from tests.support.ports import free_port

from lienthong.exchange import messages as m
from lienthong.exchange.directory.models import ServiceEntry
from lienthong.exchange.gateway.context import CallRecord
from lienthong.exchange.gateway.refusals import status_of

PROPERTY = settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
MUTATION = settings(PROPERTY, max_examples=25)

# -- what requests are made of ---------------------------------------------------------------


def mostly(usual: st.SearchStrategy[Any], other: st.SearchStrategy[Any]) -> Any:
    """Draw from ``usual`` seven times in eight: calls get past the first checks."""
    return st.integers(0, 7).flatmap(lambda pick: usual if pick else other)


#: Any character a header value or a raw path can carry (ASGI gives them as latin-1).
LATIN1 = st.characters(min_codepoint=0, max_codepoint=255)
PRINTABLE = st.characters(min_codepoint=32, max_codepoint=126)
CONTROL = st.sampled_from([chr(code) for code in (*range(32), 127)])
METHODS = st.one_of(
    st.sampled_from(["GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS", "TRACE"]),
    st.text(string.ascii_uppercase, min_size=1, max_size=12),
)
#: Around and far past the 255 characters a protocol header may hold.
HUGE = st.integers(200, 70_000).map(lambda size: "é" * size)
TEXT = st.one_of(st.text(LATIN1, max_size=40), st.text(PRINTABLE, max_size=300), HUGE)
HEADER_VALUES = st.one_of(
    TEXT,
    st.sampled_from(
        [
            DRIVING,
            POPULATION,
            "VN/GOV/AGG",
            "VN/XXX/AGG/driving",
            AN_GIANG,
            CENTRAL,
            PURPOSE,
            m.format_timestamp(NOW),
            "2026-13-45T99:99:99.999Z",
            "0",
            "1025",
            "²",
            "٣",
            "-1",
            "9" * 5000,
            "AAAA",
            "=" * 88,
        ]
    ),
)
HEADER_NAMES = st.one_of(
    st.sampled_from(
        [
            m.CLIENT,
            m.MESSAGE_ID,
            m.USER_ID,
            m.ISSUE,
            m.PURPOSE,
            m.SENDER,
            m.TIMESTAMP,
            m.BODY_HASH,
            m.SIGNATURE,
            "content-length",
            "content-type",
            "accept",
        ]
    ),
    st.text(string.ascii_lowercase + "-", min_size=1, max_size=20),
)
HEADERS = st.dictionaries(HEADER_NAMES, HEADER_VALUES, max_size=12)
SEGMENTS = st.one_of(
    st.sampled_from(
        [
            "VN",
            "GOV",
            "BCA",
            "AGG",
            "population",
            "driving",
            "registry",
            "listMethods",
            "allowedMethods",
            "getOpenAPI",
            "Person",
            "001090000001",
            "",
            ".",
            "..",
            "%2e%2e",
            "%2E",
            "%2f",
            "a%2Fb",
            "%5c",
            "%00",
            "%zz",
            "%ff",
            "%",
            "~",
        ]
    ),
    st.text(LATIN1, max_size=12),
)
PATHS = st.one_of(
    st.lists(SEGMENTS, max_size=9).map(lambda parts: "/r1/" + "/".join(parts)),
    st.lists(SEGMENTS, max_size=9).map(lambda parts: "/" + "/".join(parts)),
    st.text(LATIN1, max_size=60),
)
QUERIES = st.one_of(
    st.just(b""),
    st.just(b"serviceCode=registry"),
    st.text(LATIN1, max_size=40).map(lambda text: text.encode("latin-1")),
)
BODIES = st.lists(st.binary(max_size=700), min_size=1, max_size=3)
PEERS = st.sampled_from([AN_GIANG, CENTRAL, None])


# -- what holds of every answer ---------------------------------------------------------------


def refusal_code(answer: Answer, *, side: str) -> str | None:
    """Assert the shape of an answer; return the refusal's code (None when accepted)."""
    assert answer.status < 500, (answer.status, answer.body[:400])
    if answer.error is None:
        return None
    prefix = f"Client.{side}."
    assert answer.error.startswith(prefix)
    code = answer.error.removeprefix(prefix)
    if answer.body or answer.method != "HEAD":  # HTTP sends no body in answer to HEAD
        body = answer.json()
        assert body["error"]["code"] == code
        assert body["type"] == answer.error
        assert set(body["error"]) == {"code", "field", "message_vi", "message_en"}
    assert answer.status == status_of(code)
    assert answer.headers["content-type"] == "application/json"
    assert [name for name, _ in answer.raw_headers].count("x-road-id") == 1
    return code


def audited_once(audit: list[CallRecord], answer: Answer, code: str | None) -> CallRecord:
    """Assert that the call left exactly one audit entry, matching the answer."""
    [record] = audit
    assert (record.outcome, record.status) == (code or "ok", answer.status)
    assert record.response_size == len(answer.body)
    return record


def printable(value: str) -> bool:
    """Tell whether a protocol header would pass the gateways' check."""
    return len(value) <= m.HEADER_LIMIT and all(32 <= ord(char) != 127 for char in value)


def delivered(value: str) -> bool:
    """Tell whether an HTTP server hands a header value to the app (httptools refuses CTLs)."""
    return all(char == "\t" or 32 <= ord(char) != 127 for char in value)


def climbs(rest: str) -> bool:
    """Tell whether a service path hides a . or .. segment, or a separator behind %-codes."""
    for segment in rest.split("/"):
        decoded = unquote(segment)
        if decoded in (".", "..") or any(mark in decoded for mark in "/\\\0"):
            return True
    return False


def granted(method: str, rest: str) -> bool:
    """Tell whether the sample grant (GET /Person/{id} of the registry) covers an endpoint."""
    return method == "GET" and re.fullmatch(r"/Person/[^/]+", rest) is not None


# -- the provider side ------------------------------------------------------------------------


@PROPERTY
@given(
    method=METHODS,
    path=PATHS,
    headers=HEADERS,
    query=QUERIES,
    peer=PEERS,
    chunks=BODIES,
)
def test_no_request_makes_the_provider_side_fail(
    network: SampleNetwork,
    method: str,
    path: str,
    headers: dict[str, str],
    query: bytes,
    peer: str | None,
    chunks: list[bytes],
) -> None:
    world = World(network)
    answer = world.call(
        method=method, path=path, headers=headers, query=query, peer=peer, body_chunks=chunks
    )
    code = refusal_code(answer, side="ServerProxy")
    assert code is not None, "nobody signed this request"
    audited_once(world.audit.calls, answer, code)
    assert world.provider.reached == []


REST = st.lists(SEGMENTS, max_size=4).map(lambda parts: "".join(f"/{part}" for part in parts))
SERVICES = st.one_of(
    st.sampled_from(
        [
            REGISTRY,
            f"{POPULATION}/listMethods",
            f"{POPULATION}/allowedMethods",
            f"{POPULATION}/getOpenAPI",
            f"{POPULATION}/nothing",
            f"{DRIVING}/registry",
            "VN/GOV/BCA/nobody/registry",
            "XX/GOV/BCA/population/registry",
        ]
    ),
    st.lists(SEGMENTS, min_size=1, max_size=6).map("/".join),
)
CLIENTS = st.one_of(
    st.sampled_from([DRIVING, POPULATION, "VN/GOV/AGG/unknown", "VN/GOV/AGG"]), TEXT
)
PURPOSES = st.one_of(st.sampled_from([PURPOSE, "marketing", ""]), TEXT)
WORDS = st.one_of(st.text(PRINTABLE, max_size=30), TEXT)


@PROPERTY
@given(
    method=mostly(st.just("GET"), METHODS),
    service=mostly(st.just(REGISTRY), SERVICES),
    rest=mostly(st.builds("/Person/{}".format, st.text(LATIN1, max_size=20)), REST),
    query=st.text(LATIN1, max_size=30),
    body=mostly(st.binary(max_size=300), st.binary(max_size=1100)),
    client=mostly(st.just(DRIVING), CLIENTS),
    purpose=mostly(st.just(PURPOSE), PURPOSES),
    user_id=mostly(st.text(PRINTABLE, max_size=30), WORDS),
    issue=mostly(st.text(PRINTABLE, max_size=30), WORDS),
    message_id=mostly(st.text(PRINTABLE, max_size=30), WORDS),
    skew=mostly(st.integers(-60, 60), st.integers(-120, 120)),
)
def test_a_signed_request_reaches_the_provider_system_exactly_when_every_check_passes(
    network: SampleNetwork,
    method: str,
    service: str,
    rest: str,
    query: str,
    body: bytes,
    client: str,
    purpose: str,
    user_id: str,
    issue: str,
    message_id: str,
    skew: int,
) -> None:
    world = World(network)
    path = f"/r1/{service}{rest}"
    headers = world.signed(
        path=path,
        method=method,
        query=query,
        body=body,
        client=client,
        purpose=purpose,
        user_id=user_id,
        issue=issue,
        message_id=message_id,
        stamp=NOW + timedelta(seconds=skew),
    )
    answer = world.call(
        method=method,
        path=path,
        headers=headers,
        query=query.encode("latin-1"),
        body_chunks=[body],
    )
    code = refusal_code(answer, side="ServerProxy")
    record = audited_once(world.audit.calls, answer, code)
    valid = (
        service == REGISTRY
        and client == DRIVING
        and purpose == PURPOSE
        and all(printable(value) for value in (user_id, issue, message_id))
        and abs(skew) <= world.gateway.window.total_seconds()
        and len(body) <= world.gateway.max_body
        and not climbs(rest)
        and granted(method, rest)
    )
    assert (code is None and service == REGISTRY) == valid, code
    if valid:
        [(reached_method, reached_path, caller)] = world.provider.reached
        assert (reached_method, reached_path) == (method, rest)
        assert (caller.client, caller.purpose, caller.grant_id) == (DRIVING, PURPOSE, "g-1")
        assert world.provider.bodies == [body]
        assert record.request_hash == answer.headers["x-road-request-hash"]
    else:
        assert world.provider.reached == []


@dataclass(frozen=True)
class Mutation:
    """One way a valid call goes wrong, and how the provider side must refuse it."""

    name: str
    code: str
    status: int
    send: Callable[[World, st.DataObject], Answer]

    def __str__(self) -> str:
        return self.name


def _ok_path(data: st.DataObject) -> str:
    pin = data.draw(st.text(string.ascii_letters + string.digits + "-_", min_size=1, max_size=20))
    return f"/r1/{REGISTRY}/Person/{pin}"


def _tweaked(name: str, value: Callable[[str], str] | str) -> Callable[[World, Any], Answer]:
    def send(world: World, data: st.DataObject) -> Answer:
        def tweak(headers: dict[str, str]) -> None:
            headers[name] = value if isinstance(value, str) else value(headers.get(name, ""))

        return world.request(path=_ok_path(data), tweak=tweak)

    return send


def _forged(world: World, data: st.DataObject) -> Answer:
    key = Ed25519PrivateKey.from_private_bytes(data.draw(st.binary(min_size=32, max_size=32)))
    return world.request(path=_ok_path(data), key=key)


def _not_a_signature(world: World, data: st.DataObject) -> Answer:
    value = data.draw(st.text(PRINTABLE, min_size=1, max_size=m.HEADER_LIMIT))
    return _tweaked(m.SIGNATURE, value)(world, data)


def _signed_then_changed(world: World, data: st.DataObject) -> Answer:
    path = _ok_path(data)
    headers = world.signed(path=path)
    change = data.draw(st.sampled_from(["method", "path", "query", m.USER_ID, m.ISSUE]))
    method, query = "GET", b""
    if change == "method":
        method = data.draw(METHODS.filter(lambda value: value != "GET"))
    elif change == "path":
        other = _ok_path(data)
        assume(other != path)
        path = other
    elif change == "query":
        query = data.draw(st.binary(min_size=1, max_size=30))
    else:
        headers[change] = data.draw(
            st.text(PRINTABLE, min_size=1, max_size=40).filter(lambda v: v != headers.get(change))
        )
    return world.call(method=method, path=path, headers=headers, query=query)


def _stamped(direction: int) -> Callable[[World, st.DataObject], Answer]:
    def send(world: World, data: st.DataObject) -> Answer:
        seconds = data.draw(st.integers(61, 10**8)) * direction
        return world.request(path=_ok_path(data), stamp=NOW + timedelta(seconds=seconds))

    return send


def _unparseable(text: str) -> bool:
    try:
        m.parse_timestamp(text)
    except Exception:
        return True
    return False


def _malformed_stamp(world: World, data: st.DataObject) -> Answer:
    stamp = data.draw(st.text(PRINTABLE, min_size=1, max_size=60).filter(_unparseable))
    path = _ok_path(data)
    return world.call(method="GET", path=path, headers=world.signed(path=path, stamp=stamp))


def _altered_body(world: World, data: st.DataObject) -> Answer:
    signed = data.draw(st.binary(max_size=500))
    sent = data.draw(st.binary(max_size=500).filter(lambda value: value != signed))
    return world.request(path=_ok_path(data), body=signed, body_chunks=[sent])


PROTOCOL_HEADERS = [m.CLIENT, m.MESSAGE_ID, m.USER_ID, m.ISSUE, m.PURPOSE, m.SENDER]
PROTOCOL = st.sampled_from(PROTOCOL_HEADERS)


def _control_character(world: World, data: st.DataObject) -> Answer:
    name = data.draw(st.sampled_from([*PROTOCOL_HEADERS, m.TIMESTAMP, m.SIGNATURE]))
    value = data.draw(
        st.tuples(st.text(LATIN1, max_size=20), CONTROL, st.text(LATIN1, max_size=20))
    )
    return _tweaked(name, "".join(value))(world, data)


def _overlong(world: World, data: st.DataObject) -> Answer:
    name = data.draw(PROTOCOL)
    size = data.draw(st.integers(m.HEADER_LIMIT + 1, 100_000))
    return _tweaked(name, lambda value: (value or "x") * (size // max(len(value), 1) + 1))(
        world, data
    )


def _missing(world: World, data: st.DataObject) -> Answer:
    name = data.draw(st.sampled_from([m.CLIENT, m.MESSAGE_ID, m.TIMESTAMP, m.SIGNATURE, m.SENDER]))

    def tweak(headers: dict[str, str]) -> None:
        del headers[name]

    return world.request(path=_ok_path(data), tweak=tweak)


def _traversal(world: World, data: st.DataObject) -> Answer:
    before = data.draw(st.lists(st.text(string.ascii_letters, min_size=1, max_size=5), max_size=2))
    bad = data.draw(
        st.sampled_from(["..", ".", "%2e%2e", "%2E%2e", "%2e", "a%2Fb", "a%2fb", "a%5Cb", "%00"])
    )
    rest = "/".join(["Person", *before, bad])
    return world.request(path=f"/r1/{REGISTRY}/{rest}")


def _part() -> st.SearchStrategy[str]:
    return st.from_regex(r"[A-Za-z0-9][A-Za-z0-9._-]{0,10}", fullmatch=True)


def _client_of_shape(world: World, data: st.DataObject) -> Answer:
    count = data.draw(st.sampled_from([1, 2, 3, 5, 6]))
    client = "/".join(data.draw(st.lists(_part(), min_size=count, max_size=count)))
    return world.request(path=_ok_path(data), client=client)


def _client_with_bad_part(world: World, data: st.DataObject) -> Answer:
    bad = data.draw(
        st.one_of(
            st.just(""),
            st.text(PRINTABLE.filter(lambda c: c != "/"), min_size=1, max_size=8).filter(
                lambda part: re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}", part) is None
            ),
            st.just("a" * 65),
        )
    )
    parts = ["VN", "GOV", "AGG", "driving"]
    parts[data.draw(st.sampled_from([0, 2, 3]))] = bad
    return world.request(path=_ok_path(data), client="/".join(parts))


def _client_of_bad_class(world: World, data: st.DataObject) -> Answer:
    member_class = data.draw(_part().filter(lambda value: value not in ("GOV", "COM", "ORG")))
    return world.request(path=_ok_path(data), client=f"VN/{member_class}/AGG/driving")


def _client_not_of_the_sender(world: World, data: st.DataObject) -> Answer:
    client = data.draw(
        st.one_of(
            st.just(POPULATION),
            st.builds("VN/GOV/{}/{}".format, _part(), _part()).filter(lambda c: c != DRIVING),
        )
    )
    return world.request(path=_ok_path(data), client=client)


def _sender_not_the_peer(world: World, data: st.DataObject) -> Answer:
    if data.draw(st.booleans()):
        return world.request(path=_ok_path(data), peer=CENTRAL)
    claimed = data.draw(st.text(PRINTABLE, min_size=1, max_size=40).filter(lambda v: v != AN_GIANG))
    return _tweaked(m.SENDER, claimed)(world, data)


def _without_certificate(world: World, data: st.DataObject) -> Answer:
    return world.request(path=_ok_path(data), peer=None)


def _replayed(world: World, data: st.DataObject) -> Answer:
    message_id = data.draw(st.text(PRINTABLE, min_size=1, max_size=m.HEADER_LIMIT))
    first = world.request(path=_ok_path(data), message_id=message_id)
    assert first.status == 200
    world.audit.calls.clear()
    world.provider.reached.clear()
    return world.request(path=_ok_path(data), message_id=message_id)


def _purpose_not_granted(world: World, data: st.DataObject) -> Answer:
    purpose = data.draw(st.text(PRINTABLE, max_size=40).filter(lambda value: value != PURPOSE))
    return world.request(path=_ok_path(data), purpose=purpose)


def _endpoint_not_granted(world: World, data: st.DataObject) -> Answer:
    if data.draw(st.booleans()):
        method = data.draw(st.sampled_from(["POST", "PUT", "DELETE", "PATCH"]))
        return world.request(path=_ok_path(data), method=method)
    rest = data.draw(
        st.lists(st.text(string.ascii_letters, min_size=1, max_size=6), max_size=4).filter(
            lambda parts: len(parts) != 2 or parts[0] != "Person"
        )
    )
    return world.request(path="/".join([f"/r1/{REGISTRY}", *rest]))


def _unknown_service(world: World, data: st.DataObject) -> Answer:
    code = data.draw(
        _part().filter(
            lambda value: value not in ("registry", "listMethods", "allowedMethods", "getOpenAPI")
        )
    )
    return world.request(path=f"/r1/{POPULATION}/{code}/Person/1")


def _service_elsewhere(world: World, data: st.DataObject) -> Answer:
    code = data.draw(_part())
    return world.request(path=f"/r1/{DRIVING}/{code}/Person/1")


def _too_large(world: World, data: st.DataObject) -> Answer:
    sizes = data.draw(st.lists(st.integers(1, 700), min_size=2, max_size=4))
    if sum(sizes) <= world.gateway.max_body:
        sizes.append(world.gateway.max_body)
    return world.request(path=_ok_path(data), body_chunks=[b"x" * size for size in sizes])


def _declared_too_large(world: World, data: st.DataObject) -> Answer:
    size = data.draw(st.integers(1025, 10**40).map(str) | st.just("9" * 5000))
    return _tweaked("content-length", size)(world, data)


def _length_not_a_number(world: World, data: st.DataObject) -> Answer:
    value = data.draw(
        st.one_of(
            st.sampled_from(["²", "¹²", "٣", "-1", "1e3", " 1", "0x10", "١٢"]),
            st.text(PRINTABLE, min_size=1, max_size=20).filter(lambda v: not v.isdigit()),
        )
    )
    return _tweaked("content-length", value)(world, data)


MUTATIONS = [
    Mutation("forged signature", "exchange.signature.invalid", 401, _forged),
    Mutation("not a signature", "exchange.signature.invalid", 401, _not_a_signature),
    Mutation("changed after signing", "exchange.signature.invalid", 401, _signed_then_changed),
    Mutation("stale timestamp", "exchange.timestamp.stale", 401, _stamped(-1)),
    Mutation("future timestamp", "exchange.timestamp.future", 401, _stamped(1)),
    Mutation("malformed timestamp", "exchange.timestamp.malformed", 400, _malformed_stamp),
    Mutation("altered body", "exchange.signature.body", 401, _altered_body),
    Mutation("control character", "exchange.header.malformed", 400, _control_character),
    Mutation("overlong header", "exchange.header.malformed", 400, _overlong),
    Mutation("missing header", "exchange.header.missing", 400, _missing),
    Mutation("path traversal", "exchange.path.traversal", 400, _traversal),
    Mutation("client of another shape", "exchange.identifier.shape", 400, _client_of_shape),
    Mutation("client with a bad part", "exchange.identifier.part", 400, _client_with_bad_part),
    Mutation(
        "client of a bad class", "exchange.identifier.member_class", 400, _client_of_bad_class
    ),
    Mutation("client not of the sender", "exchange.client.unknown", 403, _client_not_of_the_sender),
    Mutation("sender not the peer", "exchange.sender.mismatch", 401, _sender_not_the_peer),
    Mutation("no certificate", "exchange.tls.no_certificate", 401, _without_certificate),
    Mutation("replayed message id", "exchange.replay", 409, _replayed),
    Mutation("purpose not granted", "exchange.grant.purpose", 403, _purpose_not_granted),
    Mutation("endpoint not granted", "exchange.grant.endpoint", 403, _endpoint_not_granted),
    Mutation("unknown service", "exchange.service.unknown", 404, _unknown_service),
    Mutation("service of another node", "exchange.service.not_here", 404, _service_elsewhere),
    Mutation("body too large", "exchange.body.too_large", 413, _too_large),
    Mutation("declared too large", "exchange.body.too_large", 413, _declared_too_large),
    Mutation("length not a number", "exchange.header.content_length", 400, _length_not_a_number),
]


@pytest.mark.parametrize("mutation", MUTATIONS, ids=str)
@MUTATION
@given(data=st.data())
def test_each_bad_call_is_refused_with_its_own_code_audited_and_kept_from_the_provider(
    network: SampleNetwork, mutation: Mutation, data: st.DataObject
) -> None:
    world = World(network)
    answer = mutation.send(world, data)
    assert (answer.status, refusal_code(answer, side="ServerProxy")) == (
        mutation.status,
        mutation.code,
    ), answer.body
    audited_once(world.audit.calls, answer, mutation.code)
    assert world.provider.reached == []


def test_the_description_of_a_service_that_published_none_is_refused_not_failed(
    network: SampleNetwork,
) -> None:
    world = World(network)
    directory = network.directory()
    plain = ServiceEntry(id=f"{POPULATION}/plain")  # no OpenAPI description
    world.source.directory = directory.model_copy(update={"services": (*directory.services, plain)})
    path = f"/r1/{POPULATION}/getOpenAPI"
    answer = world.call(
        method="GET",
        path=path,
        query=b"serviceCode=plain",
        headers=world.signed(path=path, query="serviceCode=plain"),
    )
    assert (answer.status, refusal_code(answer, side="ServerProxy")) == (
        404,
        "exchange.service.undescribed",
    )
    audited_once(world.audit.calls, answer, "exchange.service.undescribed")


# -- the client side --------------------------------------------------------------------------


@dataclass
class Central:
    """Central's provider side served over HTTP on a loop the tests drive, and what reached it."""

    runner: asyncio.Runner
    relay: Relay
    address: str
    requests: int = 0

    def world(self, network: SampleNetwork) -> World:
        """Put a fresh central behind the server; count the requests that reach it."""
        world = World(network)

        async def counted(scope: dict[str, Any], receive: Any, send: Any) -> None:
            self.requests += 1
            await world.app(scope, receive, send)

        self.requests = 0
        self.relay.app = counted
        return world


@pytest.fixture(scope="module")
def central(network: SampleNetwork) -> Iterator[Central]:
    world = World(network)
    relay = Relay(world.certificate(AN_GIANG))
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(
            relay,
            host="127.0.0.1",
            port=port,
            log_level="warning",
            lifespan="off",
            http="httptools",
        )
    )
    with asyncio.Runner() as runner:

        async def start() -> asyncio.Task[None]:
            task = asyncio.create_task(server.serve())
            while not server.started:
                await asyncio.sleep(0.01)
            return task

        task = runner.run(start())
        try:
            yield Central(runner, relay, f"http://127.0.0.1:{port}")
        finally:
            server.should_exit = True

            async def stop() -> None:
                await task

            runner.run(stop())


def client_call(
    central: Central,
    network: SampleNetwork,
    **request: Any,
) -> tuple[Answer, ClientWorld, World]:
    """Send a local system's request to An Giang's client side, with central behind it."""
    provider = central.world(network)
    client = ClientWorld(network, address=central.address)
    answer = central.runner.run(client.call(**request))
    return answer, client, provider


#: What an HTTP server lets through in a path segment (httptools refuses spaces, controls,
#: bytes past ASCII; ``?`` and ``#`` end the path).
TARGET = st.text(
    st.sampled_from(string.ascii_letters + string.digits + "-._~!$&'()*+,;=:@%\"{}|^`<>[]"),
    max_size=12,
)
CLIENT_PATHS = mostly(
    st.builds(
        "/r1/{}{}".format,
        mostly(st.just(REGISTRY), SERVICES),
        mostly(
            st.builds("/Person/{}".format, TARGET),
            st.lists(TARGET, max_size=4).map(lambda parts: "".join(f"/{p}" for p in parts)),
        ),
    ),
    st.one_of(PATHS, st.sampled_from(["/listClients", "/health", "/metrics", "/openapi.json"])),
)
CLIENT_HEADERS = st.fixed_dictionaries(
    {m.CLIENT: mostly(st.just(DRIVING), CLIENTS), m.PURPOSE: mostly(st.just(PURPOSE), PURPOSES)},
    optional={
        m.MESSAGE_ID: WORDS,
        m.USER_ID: WORDS,
        m.ISSUE: WORDS,
        "content-length": HEADER_VALUES.filter(delivered),
        "content-type": HEADER_VALUES.filter(delivered),
    },
)


@settings(PROPERTY, max_examples=200)
@given(
    method=mostly(st.just("GET"), METHODS),
    path=CLIENT_PATHS,
    headers=CLIENT_HEADERS,
    query=st.one_of(st.just(b"serviceCode=registry"), TARGET.map(str.encode)),
    chunks=BODIES,
)
def test_no_request_makes_the_client_side_fail(
    central: Central,
    network: SampleNetwork,
    method: str,
    path: str,
    headers: dict[str, str],
    query: bytes,
    chunks: list[bytes],
) -> None:
    answer, client, provider = client_call(
        central,
        network,
        method=method,
        path=path,
        headers=headers,
        query=query,
        body_chunks=chunks,
    )
    error = answer.error or ""
    side = "ServerProxy" if ".ServerProxy." in error else "ClientProxy"
    code = refusal_code(answer, side=side)
    call = unquote(path).startswith("/r1/")  # the client side routes by the decoded path
    if call:
        audited_once(client.audit.calls, answer, code)
    else:
        assert client.audit.calls == []
    if ".ClientProxy." in error or not call:
        assert central.requests == 0, "refused calls never leave the node"
    if provider.provider.reached:
        assert answer.error is None and answer.status == 200


@dataclass(frozen=True)
class LocalMistake:
    """A mistake of a local system that its own gateway refuses before anything is sent."""

    name: str
    code: str
    status: int
    request: Callable[[st.DataObject], dict[str, Any]]

    def __str__(self) -> str:
        return self.name


def _local(
    *,
    path: str = f"/r1/{REGISTRY}/Person/001090000001",
    method: str = "GET",
    body_chunks: tuple[bytes, ...] = (b"",),
    headers: dict[str, str | None] | None = None,
) -> dict[str, Any]:
    """Return a granted call of An Giang's driving system, with ``headers`` changed."""
    sent = {m.CLIENT: DRIVING, m.PURPOSE: PURPOSE} | (headers or {})
    return {
        "method": method,
        "path": path,
        "headers": {name: value for name, value in sent.items() if value is not None},
        "body_chunks": body_chunks,
    }


def _header_with(name: str) -> Callable[[st.DataObject], dict[str, Any]]:
    def request(data: st.DataObject) -> dict[str, Any]:
        value = data.draw(
            st.one_of(
                # After a printable character: the server drops leading whitespace.
                st.tuples(st.text(LATIN1, max_size=9), CONTROL, st.text(LATIN1, max_size=9)).map(
                    lambda parts: "x" + "".join(parts)
                ),
                st.integers(m.HEADER_LIMIT + 1, 20_000).map(lambda size: "u" * size),
            )
        )
        return _local(headers={name: value})

    return request


def _not_ascii(data: st.DataObject) -> dict[str, Any]:
    name = data.draw(st.sampled_from([m.MESSAGE_ID, m.USER_ID, m.ISSUE, m.PURPOSE]))
    value = data.draw(
        st.tuples(
            st.text(PRINTABLE, max_size=9),
            st.characters(min_codepoint=128, max_codepoint=0x10FFFF, exclude_categories=["Cs"]),
            st.text(PRINTABLE, max_size=9),
        ).map("".join)
    )
    return _local(headers={name: value})


LOCAL_MISTAKES = [
    LocalMistake(
        "client hosted elsewhere",
        "exchange.client.unknown",
        403,
        lambda data: _local(
            headers={
                m.CLIENT: data.draw(
                    st.one_of(
                        st.just(POPULATION), st.builds("VN/COM/{}/{}".format, _part(), _part())
                    )
                )
            }
        ),
    ),
    LocalMistake(
        "client of another shape",
        "exchange.identifier.shape",
        400,
        lambda data: _local(
            headers={m.CLIENT: "/".join(data.draw(st.lists(_part(), min_size=1, max_size=3)))}
        ),
    ),
    LocalMistake(
        "no client", "exchange.header.missing", 400, lambda data: _local(headers={m.CLIENT: None})
    ),
    LocalMistake(
        "another instance",
        "exchange.identifier.instance",
        400,
        lambda data: _local(
            path=f"/r1/{data.draw(_part().filter(lambda v: v != 'VN'))}/GOV/BCA/population/registry"
        ),
    ),
    LocalMistake(
        "unknown service",
        "exchange.service.unknown",
        404,
        lambda data: _local(
            path=data.draw(
                st.one_of(
                    st.builds("/r1/VN/GOV/BCA/{}/registry/Person/1".format, _part()).filter(
                        lambda p: "/population/" not in p
                    ),
                    st.builds("/r1/VN/GOV/BCA/population/{}".format, _part()).filter(
                        lambda p: (
                            p.rsplit("/", 1)[1]
                            not in ("registry", "listMethods", "allowedMethods", "getOpenAPI")
                        )
                    ),
                )
            )
        ),
    ),
    LocalMistake(
        "purpose not granted",
        "exchange.grant.purpose",
        403,
        lambda data: _local(
            headers={
                m.PURPOSE: data.draw(st.text(PRINTABLE, max_size=30).filter(lambda v: v != PURPOSE))
            }
        ),
    ),
    LocalMistake(
        "endpoint not granted",
        "exchange.grant.endpoint",
        403,
        lambda data: _local(
            method=data.draw(st.sampled_from(["POST", "PUT", "DELETE", "PATCH", "OPTIONS"]))
        ),
    ),
    LocalMistake(
        "path traversal",
        "exchange.path.traversal",
        400,
        lambda data: _local(
            path=f"/r1/{REGISTRY}/Person/"
            + data.draw(st.sampled_from(["..", "%2e%2e", ".", "a%2Fb", "a%5cb", "%00"]))
        ),
    ),
    LocalMistake("bad X-Road-Id", "exchange.header.malformed", 400, _header_with("x-road-id")),
    LocalMistake(
        "bad X-Road-UserId", "exchange.header.malformed", 400, _header_with("x-road-userid")
    ),
    LocalMistake(
        "bad X-Road-Issue", "exchange.header.malformed", 400, _header_with("x-road-issue")
    ),
    LocalMistake(
        "bad purpose", "exchange.header.malformed", 400, _header_with("x-lienthong-purpose")
    ),
    LocalMistake("not ASCII", "exchange.header.encoding", 400, _not_ascii),
    LocalMistake(
        "declared too large",
        "exchange.body.too_large",
        413,
        lambda data: _local(headers={"content-length": str(data.draw(st.integers(1025, 10**30)))}),
    ),
    LocalMistake(
        "body too large",
        "exchange.body.too_large",
        413,
        lambda data: _local(body_chunks=(b"x" * data.draw(st.integers(1025, 5000)),)),
    ),
]


@pytest.mark.parametrize("mistake", LOCAL_MISTAKES, ids=str)
@MUTATION
@given(data=st.data())
def test_a_call_bound_to_be_refused_never_leaves_the_node(
    central: Central, network: SampleNetwork, mistake: LocalMistake, data: st.DataObject
) -> None:
    answer, client, provider = client_call(central, network, **mistake.request(data))
    assert (answer.status, refusal_code(answer, side="ClientProxy")) == (
        mistake.status,
        mistake.code,
    ), answer.body
    audited_once(client.audit.calls, answer, mistake.code)
    assert central.requests == 0
    assert provider.audit.calls == []


@PROPERTY
@given(
    pin=st.text(string.ascii_letters + string.digits + "-._~", min_size=1, max_size=30).filter(
        lambda pin: pin not in (".", "..")
    ),
    query=st.text(string.ascii_letters + string.digits + "=&%", max_size=30),
    user_id=st.text(PRINTABLE, max_size=40).map(lambda value: value.lstrip(" ")),
    issue=st.text(PRINTABLE, max_size=40).map(lambda value: value.lstrip(" ")),
    message_id=st.uuids().map(str),
)
def test_a_granted_call_crosses_both_gateways_with_any_ids_and_is_audited_on_both_sides(
    central: Central,
    network: SampleNetwork,
    pin: str,
    query: str,
    user_id: str,
    issue: str,
    message_id: str,
) -> None:
    answer, client, provider = client_call(
        central,
        network,
        method="GET",
        path=f"/r1/{REGISTRY}/Person/{pin}",
        query=query.encode(),
        headers=_local(headers={m.MESSAGE_ID: message_id, m.USER_ID: user_id, m.ISSUE: issue})[
            "headers"
        ],
    )
    assert (answer.status, answer.error) == (200, None), answer.body
    assert answer.headers["x-road-id"] == message_id
    [(method, path, caller)] = provider.provider.reached
    # White space around a header value does not survive HTTP: the value signed and read is
    # the one without it.
    assert (method, path, caller.user_id) == ("GET", f"/Person/{pin}", user_id.strip(" \t"))
    [sent] = client.audit.calls
    [received] = provider.audit.calls
    assert sent.request_hash == received.request_hash == answer.headers["x-road-request-hash"]
    assert sent.response_hash == received.response_hash


@PROPERTY
@given(
    value=st.text(
        st.characters(min_codepoint=32, max_codepoint=0x10FFFF, exclude_categories=["Cs", "Cc"]),
        min_size=1,
        max_size=30,
    ).filter(lambda value: value == value.strip(" \t")),  # HTTP drops the spaces around
    header=st.sampled_from([b"etag", b"location", b"content-language", b"cache-control"]),
)
def test_whatever_header_the_provider_system_answers_with_reaches_the_caller_unchanged(
    central: Central, network: SampleNetwork, value: str, header: bytes
) -> None:
    provider = central.world(network)
    provider.provider.headers.append((header, value.encode("utf-8")))
    client = ClientWorld(network, address=central.address)
    answer = central.runner.run(client.call(**_local()))
    assert (answer.status, answer.error) == (200, None), answer.body
    raw = answer.headers[header.decode()].encode("latin-1")
    assert raw == value.encode("utf-8")
    [record] = client.audit.calls
    assert record.outcome == "ok"


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        ("HEAD", f"/r1/{POPULATION}/listMethods", 200),
        ("GET", f"/r1/{REGISTRY}/Person/001090000001", 204),
        ("GET", f"/r1/{REGISTRY}/Person/001090000001", 304),
    ],
)
def test_an_answer_http_sends_without_its_body_still_verifies(
    central: Central, network: SampleNetwork, method: str, path: str, status: int
) -> None:
    provider = central.world(network)
    provider.provider.status = status  # and the system sends a body all the same
    client = ClientWorld(network, address=central.address)
    answer = central.runner.run(client.call(**_local(method=method, path=path)))
    assert (answer.status, answer.error, answer.body) == (status, None, b"")
    [sent] = client.audit.calls
    [received] = provider.audit.calls
    assert sent.response_hash == received.response_hash
