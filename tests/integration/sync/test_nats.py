"""Sync over NATS JetStream: the same invariants as the in-process link, through a real broker.

Pushes wait in a JetStream stream for central's durable consumer; pulls are requests.
Exactly-once comes from the idempotent apply, so the tests redeliver, publish again
after lost answers and damage batches on the way, and count what central holds.
"""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import nats.js.errors
import pytest
from nats.js import JetStreamContext
from tests.support.ports import free_port
from tests.support.sync import CENTRAL, Network, held, log_size, national, person_in, write
from tests.support.sync_nats import (
    NATS_SERVER,
    Tampering,
    backlog,
    connected,
    nats_server,
    run,
    serving,
    stream_state,
    until,
)

from lienthong.errors import LienthongError
from lienthong.sync import cursors as link_state
from lienthong.sync.service import SyncNode, accept_push
from lienthong.sync.transports.nats import (
    NatsCentral,
    NatsNames,
    NatsTransport,
    prepare,
    remove,
    sync_round,
)
from lienthong.systems.core.samples import sample_budget_unit

pytestmark = pytest.mark.nats

AN_GIANG_COMMUNE = "30292"
HCM_COMMUNE = "25747"
AG_PIN = "091090000001"


@pytest.fixture
def network(tmp_path: Path) -> Iterator[Network]:
    yield from national(tmp_path)


@pytest.fixture
def names(nats_url: str) -> Iterator[NatsNames]:
    """Subjects, stream and bucket of this test's own, deleted afterwards."""
    names = NatsNames.namespaced(f"test_{uuid.uuid4().hex[:12]}")
    yield names

    async def clean() -> None:
        async with connected(nats_url) as nc:
            await remove(JetStreamContext(nc), names)

    run(clean())


def acknowledged(sync: SyncNode) -> int:
    """How much of its own change log a node knows central holds."""
    with sync.node.engine.connect() as connection:
        return {
            (state.peer, state.origin): state.acknowledged for state in link_state.peers(connection)
        }.get((CENTRAL, sync.node_id), 0)


def transport(
    nc: Any, names: NatsNames, node_id: str, *, timeout: float = 10.0, **options: Any
) -> NatsTransport:
    cls = Tampering if "tamper" in options else NatsTransport
    return cls(nc, node=node_id, peer=CENTRAL, names=names, timeout=timeout, **options)


def write_people(sync: SyncNode, count: int) -> None:
    for number in range(1, count + 1):
        write(sync, "Person", person_in(AN_GIANG_COMMUNE, f"0910900000{number:02d}"))


def test_a_province_write_reaches_central_exactly_once(
    network: Network, names: NatsNames, nats_url: str
) -> None:
    an_giang, central = network.nodes["VN-91"], network.nodes[CENTRAL]
    write_people(an_giang, 5)

    async def scenario() -> tuple[int, int, int]:
        async with connected(nats_url) as nc, serving(central, nc, names):
            first = await sync_round(an_giang, transport(nc, names, "VN-91"))
            second = await sync_round(an_giang, transport(nc, names, "VN-91"))
            await sync_round(network.nodes["VN-79"], transport(nc, names, "VN-79"))
            return first.pushed, second.pushed, await backlog(nc, names)

    pushed, again, left = run(scenario())

    assert (pushed, again) == (5, 0)
    assert log_size(central) == 5
    assert held(central, "Person", "091090000005") == (1, "VN-91")
    assert acknowledged(an_giang) == 5
    assert held(network.nodes["VN-79"], "Person", "091090000001") is None
    assert left == 0  # every push was acknowledged, so the work queue is empty


def test_what_central_holds_reaches_the_subscribed_provinces_only(
    network: Network, names: NatsNames, nats_url: str
) -> None:
    central = network.nodes[CENTRAL]
    ministry = sample_budget_unit(code="1000009", name="Bộ Tài chính", level="central", parent=None)
    del ministry["commune"]
    write(central, "BudgetUnit", ministry)
    # An Giang registers someone resident in TP. Hồ Chí Minh: central relays it there.
    write(network.nodes["VN-91"], "Person", person_in(HCM_COMMUNE, AG_PIN))

    async def scenario() -> int:
        async with connected(nats_url) as nc, serving(central, nc, names) as service:
            for node_id in ("VN-91", "VN-79", "VN-01"):
                await sync_round(network.nodes[node_id], transport(nc, names, node_id))
            return service.served.pulls

    pulls = run(scenario())

    for province in ("VN-01", "VN-79", "VN-91"):
        assert held(network.nodes[province], "BudgetUnit", "1000009") == (1, CENTRAL)
    assert held(network.nodes["VN-79"], "Person", AG_PIN) == (1, "VN-91")
    assert held(network.nodes["VN-01"], "Person", AG_PIN) is None
    assert pulls >= 3


def test_a_redelivered_message_changes_nothing(
    network: Network, names: NatsNames, nats_url: str
) -> None:
    an_giang, central = network.nodes["VN-91"], network.nodes[CENTRAL]
    write_people(an_giang, 3)

    async def scenario() -> tuple[int, int, int, int]:
        async with connected(nats_url) as nc:
            js = JetStreamContext(nc)
            await prepare(js, names, ack_wait=1.0)
            # The province publishes; nobody answers yet.
            with pytest.raises(LienthongError) as unanswered:
                await sync_round(an_giang, transport(nc, names, "VN-91", timeout=0.5))
            assert unanswered.value.code == "sync.unreachable"
            # Central takes the message and commits it, then dies before acknowledging.
            consumer = await js.pull_subscribe_bind(consumer=names.consumer, stream=names.stream)
            (message,) = await consumer.fetch(1, timeout=5)
            accept_push(central, data=message.data, caller="VN-91")
            await consumer.unsubscribe()
            entries = log_size(central)
            # Restarted, it is handed the same message again after the ack wait.
            async with serving(central, nc, names, ack_wait=1.0) as service:
                await until(lambda: service.served.redelivered == 1)
                redelivered_applied = service.served.applied
                done = await sync_round(an_giang, transport(nc, names, "VN-91"))
            return entries, redelivered_applied, done.pushed, await backlog(nc, names)

    entries, redelivered_applied, pushed, left = run(scenario())

    assert entries == 3
    assert redelivered_applied == 0  # applying the redelivered batch found nothing new
    assert pushed == 0
    assert log_size(central) == 3
    assert acknowledged(an_giang) == 3
    assert left == 0


def test_a_province_that_pushed_while_central_was_away_is_caught_up_when_it_returns(
    network: Network, names: NatsNames, nats_url: str
) -> None:
    an_giang, central = network.nodes["VN-91"], network.nodes[CENTRAL]

    async def scenario() -> tuple[tuple[int, int, int], int, int]:
        async with connected(nats_url) as nc:
            js = JetStreamContext(nc)
            await prepare(js, names)
            write_people(an_giang, 2)
            for number in range(2):  # two rounds while central is away, a write after each
                with pytest.raises(LienthongError) as unanswered:
                    await sync_round(an_giang, transport(nc, names, "VN-91", timeout=0.5))
                assert unanswered.value.code == "sync.unreachable"
                write(an_giang, "Person", person_in(AN_GIANG_COMMUNE, f"09109000010{number}"))
            waiting = await stream_state(js, names)
            assert log_size(central) == 0
            async with serving(central, nc, names) as service:
                # Central applies what waited in the stream before the province calls again.
                await until(lambda: service.served.pushes == 2)
                caught_up = log_size(central)
                await sync_round(an_giang, transport(nc, names, "VN-91"))
            return waiting, caught_up, await backlog(nc, names)

    waiting, caught_up, left = run(scenario())

    assert waiting == (2, 2, 0)  # both batches stored, neither delivered yet
    assert caught_up == 3  # the overlapping second batch added only its new entry
    assert log_size(central) == 4  # and the next round brought the last one, once
    assert acknowledged(an_giang) == 4
    assert left == 0


def test_a_damaged_batch_is_refused_whole_and_the_next_good_one_goes_through(
    network: Network, names: NatsNames, nats_url: str
) -> None:
    an_giang, central = network.nodes["VN-91"], network.nodes[CENTRAL]
    write(an_giang, "Person", person_in(AN_GIANG_COMMUNE, AG_PIN))

    def flip(data: bytes) -> bytes:
        return data.replace("Nguyễn".encode(), b"Nguyen")

    def cut(data: bytes) -> bytes:
        return data[: len(data) // 2]

    async def scenario() -> tuple[list[str], int, int]:
        refusals: list[str] = []
        async with connected(nats_url) as nc, serving(central, nc, names) as service:
            for tamper in (flip, cut):
                with pytest.raises(LienthongError) as refused:
                    await sync_round(an_giang, transport(nc, names, "VN-91", tamper=tamper))
                refusals.append(refused.value.code)
            assert log_size(central) == 0
            await sync_round(an_giang, transport(nc, names, "VN-91"))
            return refusals, service.served.refused, await backlog(nc, names)

    refusals, refused, left = run(scenario())

    assert refusals == ["sync.batch.corrupt", "sync.batch.corrupt"]
    assert refused == 2
    assert left == 0  # the damaged messages are not delivered again
    assert held(central, "Person", AG_PIN) == (1, "VN-91")
    assert log_size(central) == 1


def test_a_damaged_pull_is_refused_and_nothing_of_it_applied(
    network: Network, names: NatsNames, nats_url: str
) -> None:
    central, hcm = network.nodes[CENTRAL], network.nodes["VN-79"]
    write(network.nodes["VN-91"], "Person", person_in(HCM_COMMUNE, AG_PIN))

    def flip(data: bytes) -> bytes:
        return data.replace("Nguyễn".encode(), b"Nguyen")

    async def scenario() -> str:
        async with connected(nats_url) as nc, serving(central, nc, names):
            await sync_round(network.nodes["VN-91"], transport(nc, names, "VN-91"))
            with pytest.raises(LienthongError) as refused:
                await sync_round(hcm, transport(nc, names, "VN-79", tamper=flip))
            assert log_size(hcm) == 0
            await sync_round(hcm, transport(nc, names, "VN-79"))
            return refused.value.code

    assert run(scenario()) == "sync.batch.corrupt"
    assert held(hcm, "Person", AG_PIN) == (1, "VN-91")


def test_no_entry_goes_back_to_its_origin(
    network: Network, names: NatsNames, nats_url: str
) -> None:
    an_giang, central = network.nodes["VN-91"], network.nodes[CENTRAL]
    write(an_giang, "Person", person_in(AN_GIANG_COMMUNE, AG_PIN))

    async def scenario() -> tuple[int, int, int]:
        async with connected(nats_url) as nc, serving(central, nc, names):
            first = await sync_round(an_giang, transport(nc, names, "VN-91"))
            entries = log_size(an_giang)
            again = await sync_round(an_giang, transport(nc, names, "VN-91"))
            return first.pulled, again.pushed + again.pulled, entries

    pulled, moved, entries = run(scenario())

    assert pulled == 0  # its own entry did not come back down
    assert moved == 0
    assert log_size(an_giang) == entries == 1
    assert log_size(central) == 1


def test_a_node_may_not_push_in_another_nodes_name(
    network: Network, names: NatsNames, nats_url: str
) -> None:
    write(network.nodes["VN-91"], "Person", person_in(AN_GIANG_COMMUNE, AG_PIN))

    async def scenario() -> str:
        async with connected(nats_url) as nc, serving(network.nodes[CENTRAL], nc, names):
            # An Giang's batch on Hồ Chí Minh's subject (which only VN-79 may publish to).
            with pytest.raises(LienthongError) as refused:
                await sync_round(network.nodes["VN-91"], transport(nc, names, "VN-79"))
            return refused.value.code

    assert run(scenario()) == "sync.not_sender"
    assert log_size(network.nodes[CENTRAL]) == 0


def test_through_a_provincial_leaf_node_pushes_wait_in_the_province_while_central_is_cut_off(
    network: Network, tmp_path: Path
) -> None:
    # The deployment of the design: a hub at central, and in the province a leaf node
    # with its own JetStream domain that keeps the province's stream. The province pushes
    # while the link to central is down (the hub is not even running); its batch waits in
    # its own domain, and central applies it once the link is up.
    if not Path(NATS_SERVER).exists():
        pytest.skip(f"{NATS_SERVER} is not installed")
    an_giang, central = network.nodes["VN-91"], network.nodes[CENTRAL]
    names = NatsNames.namespaced("leaf")
    ministry = sample_budget_unit(code="1000009", name="Bộ Tài chính", level="central", parent=None)
    del ministry["commune"]
    write(central, "BudgetUnit", ministry)
    write_people(an_giang, 2)
    hub_port = free_port()

    async def cut_off(leaf_url: str) -> int:
        async with connected(leaf_url) as nc:
            await prepare(JetStreamContext(nc), names)  # in the province's own domain
            with pytest.raises(LienthongError) as unanswered:
                await sync_round(an_giang, transport(nc, names, "VN-91", timeout=0.5))
            assert unanswered.value.code == "sync.unreachable"
            return (await stream_state(JetStreamContext(nc), names))[0]

    async def linked(leaf_url: str, hub_url: str) -> tuple[int, int, int]:
        async with connected(hub_url) as hub, connected(leaf_url) as leaf:
            service = NatsCentral(central, hub, names=names, domain="vn91", idle=0.2)
            for _ in range(100):  # until the leaf node has reconnected to the hub
                try:
                    await service.start()
                    break
                except (TimeoutError, nats.js.errors.ServiceUnavailableError):
                    await asyncio.sleep(0.1)
            task = asyncio.create_task(service.serve())
            try:
                await until(lambda: service.served.pushes == 1)
                caught_up = log_size(central)
                done = await sync_round(an_giang, transport(leaf, names, "VN-91"))
            finally:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
                await service.close()
            return caught_up, done.pushed, done.pulled

    with nats_server(tmp_path / "nats", "vn91", domain="vn91", hub=hub_port) as leaf:
        stored = run(cut_off(leaf.url))
        with nats_server(tmp_path / "nats", "central", domain="central", leaf_port=hub_port) as hub:
            caught_up, pushed, pulled = run(linked(leaf.url, hub.url))

    assert stored == 1
    assert caught_up == 3  # its two people, and central's own reference data
    assert (pushed, pulled) == (0, 1)
    assert held(an_giang, "BudgetUnit", "1000009") == (1, CENTRAL)
    assert acknowledged(an_giang) == 2
