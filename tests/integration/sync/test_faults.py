"""Sync under faults: after each, heal, then check the invariants of the whole network.

Every scenario is deterministic for its seed (``random.Random(seed)``) and bounded in
time; ``tests.support.sync_invariants`` says what is checked after each.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import itertools
import random
import shutil
import signal
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from tests.support.sync import CENTRAL, PROVINCES, Network, current
from tests.support.sync import write as create
from tests.support.sync_crash import (
    Crash,
    Outcome,
    StatementCount,
    dispose,
    piped,
    rounds,
    run_child,
    serve,
    serve_until_closed,
    until_child_ends,
    when_served,
)
from tests.support.sync_invariants import (
    LinkLedger,
    assert_invariants,
    converge,
    provinces,
    sync_round,
    violations,
)
from tests.support.sync_wire import WIRES, NatsWire, on_wire

from lienthong.errors import LienthongError
from lienthong.store.models import change_log, current_records, records
from lienthong.store.records import utc_now
from lienthong.sync import requests
from lienthong.sync.service import PullRequest, PushReply, SyncNode, Transport, sync_once
from lienthong.systems.core.samples import sample_person
from lienthong.vn.units import communes
from lienthong.vn.units import provinces as vn_provinces

# -- writing -------------------------------------------------------------------------------


@functools.cache
def commune_in(province: str) -> str:
    """A commune of a province (post-2025 codes): where a person's residence puts them."""
    return communes(province=province)[0].code


def province_of(node_id: str) -> str:
    return node_id.removeprefix("VN-")


def pin(serial: int) -> str:
    """A valid personal number (born 1990 in An Giang, male), unique per serial."""
    return f"091090{serial:06d}"


def person(serial: int, province: str, **overrides: Any) -> dict[str, Any]:
    return sample_person(
        pin=pin(serial),
        spouse_pin=None,
        birth_date="1990-03-15",
        permanent_residence={"commune": commune_in(province), "line": "Số 1"},
        **overrides,
    )


GIVEN = ("An", "Bình", "Cường", "Dũng", "Giang", "Hải", "Khánh", "Lâm", "Minh", "Nam", "Phong")


def name(number: int) -> str:
    """A full name (names have no digits) different for each number up to 121."""
    return f"Nguyễn Văn {GIVEN[number % 11]} {GIVEN[number // 11 % 11]}"


def national_unit(code: str, name: str) -> dict[str, Any]:
    """A budget unit of a ministry: national reference data, of no province."""
    return {"code": code, "name": name, "level": "central", "parent": None}


def update_person(sync: SyncNode, serial: int, **overrides: Any) -> int:
    """Rewrite a person the node owns under a new name; return the new version."""
    with sync.node.unit_of_work() as uow:
        found = uow.records.get(record_type="Person", record_id=pin(serial))
        content = {**found.content, **overrides}
        written = uow.records.update(
            record_type="Person",
            record_id=pin(serial),
            content=content,
            expected_version=found.version,
        )
        uow.commit()
    return written.version


def request_rename(sync: SyncNode, serial: int, name: str) -> requests.ChangeRequestContent:
    """Ask the owner of a person this node holds a replica of to rename them."""
    with sync.node.unit_of_work() as uow:
        found = uow.records.get(record_type="Person", record_id=pin(serial))
        request = requests.request_change(
            uow,
            record_type="Person",
            record_id=pin(serial),
            operation="update",
            content={**found.content, "full_name": name},
            base_version=found.version,
            now=sync.clock(),
        )
        uow.commit()
    return request


def decision(sync: SyncNode, request_id: str) -> requests.ChangeDecisionContent | None:
    with sync.node.unit_of_work(read_only=True) as uow:
        return requests.decision_of(uow, request_id)


class Unreachable:
    """A transport to a central that cannot be reached (the link is cut)."""

    peer = CENTRAL

    async def push(self, data: bytes) -> PushReply:
        raise ConnectionError("central cannot be reached")

    async def pull(self, request: PullRequest) -> bytes:
        raise ConnectionError("central cannot be reached")


def offline_round(sync: SyncNode) -> None:
    """A province tries its round while cut off: it fails, and nothing is lost."""
    with pytest.raises(ConnectionError):
        asyncio.run(sync_once(sync, Unreachable()))


@pytest.fixture(params=WIRES)
def network(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Network]:
    """Central and three provinces, linked in process, through the gateways or over NATS."""
    yield from on_wire(request, tmp_path)


#: For the scenarios that need to reach into the link itself (a child process, a count).
in_process_only = pytest.mark.parametrize("network", ["in-process"], indirect=True)


# -- kill -9 -------------------------------------------------------------------------------

#: Seeds of the kill -9 scenarios: each picks the victim, its work and when it dies.
KILL_SEEDS = range(24)
#: The child's statements to its victim's store, or seconds, within which it dies.
STATEMENTS = 260
DELAY = 0.25


@dataclass(frozen=True)
class KillPlan:
    """Who dies and when, drawn from a seed."""

    role: str  # "sender" (a province), "receiver" (central) or "relay" (central, 3 provinces)
    crash: Crash
    order: list[str]

    @classmethod
    def draw(cls, seed: int, *, delay: float = DELAY) -> KillPlan:
        rng = random.Random(seed)
        role = ("sender", "receiver", "relay")[seed % 3]
        if (seed // 3) % 2 == 0:
            crash = Crash("statement", rng.randint(1, STATEMENTS))
        else:
            crash = Crash("delay", round(rng.uniform(0.0, delay), 3))
        names = sorted(PROVINCES)
        order = names if role == "relay" else [rng.choice(names)]
        return cls(role, crash, order)


def crash_write(network: Network) -> Callable[[SyncNode, int], None]:
    """What a province writes at each step of a crash run: people here and elsewhere, requests."""
    names = sorted(PROVINCES)

    def write(sync: SyncNode, step: int) -> None:
        index = names.index(sync.node_id)
        serial = 1000 * (index + 1) + 100 + step
        neighbour = names[(index + 1) % len(names)]
        if step % 4 == 3:
            # A change to the person the previous province registered here before the run.
            owner = names[(index - 1) % len(names)]
            request_rename(sync, 1000 * (names.index(owner) + 1), name(step))
        elif step % 4 == 2:
            update_person(sync, 1000 * (index + 1) + 1, full_name=name(50 + step))
        else:
            where = PROVINCES[neighbour] if step % 2 else PROVINCES[sync.node_id]
            create(sync, "Person", person(serial, where))

    return write


def seed_network(network: Network) -> None:
    """Before the run: each province registers one person in its neighbour, one at home."""
    names = sorted(PROVINCES)
    for index, node_id in enumerate(names):
        neighbour = names[(index + 1) % len(names)]
        sync = network.nodes[node_id]
        create(sync, "Person", person(1000 * (index + 1), PROVINCES[neighbour]))
        create(sync, "Person", person(1000 * (index + 1) + 1, PROVINCES[node_id]))
    create(network.nodes[CENTRAL], "BudgetUnit", national_unit("1000009", "Bộ Tài chính"))
    converge(network)


def heal_and_check(network: Network, plan: KillPlan, outcome: Outcome) -> None:
    """After the kill: the stores reopened as they were left, the next rounds heal them."""
    assert outcome.exitcode in (0, -signal.SIGKILL), f"the child failed: {outcome}"
    if plan.crash.trigger == "statement":  # calibrated below to land inside the work
        assert outcome.killed, f"the child finished before statement {plan.crash.at}"
    dispose(network)
    ledger = LinkLedger(network)
    converge(network, ledger=ledger, limit=5)
    assert_invariants(network, ledger=ledger)


@in_process_only
@pytest.mark.parametrize("seed", KILL_SEEDS)
def test_a_node_killed_mid_sync_loses_nothing_acknowledged_once_healed(
    network: Network, seed: int
) -> None:
    started = time.monotonic()
    plan = KillPlan.draw(seed)
    seed_network(network)
    write = crash_write(network)
    central = network.nodes[CENTRAL]

    def province_rounds(net: Network, connection: Connection) -> None:
        rounds(net, piped(connection), order=plan.order, write=write, writes=12, limit=3)

    if plan.role == "sender":
        outcome = run_child(
            network,
            province_rounds,
            parent_side=lambda connection: serve(central, connection),
            crash=plan.crash,
            victim=plan.order[0],
        )
    else:
        outcome = run_child(
            network,
            lambda net, connection: serve(net.nodes[CENTRAL], connection),
            parent_side=lambda connection: province_rounds(network, connection),
            crash=plan.crash,
            victim=CENTRAL,
        )
    heal_and_check(network, plan, outcome)
    assert time.monotonic() - started < 15


#: Seeds of the kill -9 scenarios over the gateways and NATS, and the longest delay: a
#: node serving over a wire takes longer to start than one in process.
WIRE_KILL_SEEDS = range(20)
WIRE_DELAY = 1.5
over_the_wire = pytest.mark.parametrize(
    "network", ["http", pytest.param("nats", marks=pytest.mark.nats)], indirect=True
)


def quick(network: Network) -> Callable[[str], Transport]:
    """Links that take central for gone after 3 s without an answer (a NATS push waits)."""

    def link(node_id: str) -> Transport:
        transport = network.transport(node_id)
        if isinstance(transport, NatsWire):
            transport.timeout = 3.0
        return transport

    return link


@over_the_wire
@pytest.mark.parametrize("seed", WIRE_KILL_SEEDS)
def test_a_node_killed_mid_sync_over_the_wire_loses_nothing_acknowledged_once_healed(
    network: Network, seed: int
) -> None:
    """The province writing and syncing, or central serving its gateway or NATS, is killed."""
    started = time.monotonic()
    plan = KillPlan.draw(seed, delay=WIRE_DELAY)
    seed_network(network)
    write = crash_write(network)

    def province_rounds(net: Network) -> None:
        with contextlib.suppress(LienthongError):  # central went away: the link is down
            rounds(net, quick(net), order=plan.order, write=write, writes=12, limit=3)

    if plan.role == "sender":
        outcome = run_child(
            network,
            lambda net, _: province_rounds(net),
            parent_side=until_child_ends,
            crash=plan.crash,
            victim=plan.order[0],
        )
    else:
        central = network.services[CENTRAL]
        central.stop()  # it serves in the child, which is killed
        outcome = run_child(
            network,
            lambda _, connection: serve_until_closed(central, connection),
            parent_side=lambda connection: when_served(connection) and province_rounds(network),
            crash=plan.crash,
            victim=CENTRAL,
        )
        central.start()
    heal_and_check(network, plan, outcome)
    assert time.monotonic() - started < 40


@in_process_only
def test_the_statement_kills_land_inside_the_work(network: Network) -> None:
    """Each side executes more statements than a kill plan may wait for: none dies idle."""
    seed_network(network)
    write = crash_write(network)
    sender = StatementCount(network.nodes["VN-01"].node.engine)
    receiver = StatementCount(network.nodes[CENTRAL].node.engine)
    ledger = LinkLedger(network)

    rounds(network, ledger.link, order=["VN-01"], write=write, writes=12, limit=3)

    assert min(sender.count, receiver.count) > STATEMENTS, (sender.count, receiver.count)


@in_process_only
def test_the_invariants_catch_a_lost_entry_and_a_diverged_record(network: Network) -> None:
    """The checker is not vacuous: damage a healed network and it says what is wrong."""
    seed_network(network)
    assert violations(network) == []
    hcm = network.nodes["VN-79"]
    with hcm.node.engine.begin() as connection:
        connection.execute(change_log.delete().where(change_log.c.origin_node == "VN-01"))
        connection.execute(
            current_records.update()
            .where(current_records.c.record_id == pin(1000))
            .values(content_hash="0" * 64)
        )

    found = violations(network)

    assert any("VN-79 lacks VN-01#1" in item for item in found), found
    assert any("digest of Person/79 differs" in item for item in found), found


# -- a long partition ------------------------------------------------------------------------


@dataclass
class SkewedClock:
    """A clock set off from the real one; tests move it forward or back."""

    offset: timedelta = timedelta(0)

    def __call__(self) -> datetime:
        return utc_now() + self.offset


def set_clock(sync: SyncNode, clock: Callable[[], datetime]) -> None:
    sync.clock = clock
    sync.node.clock = clock


def test_a_partition_of_days_with_writes_on_both_sides_heals_without_loss(
    network: Network,
) -> None:
    rng = random.Random(7)
    clock = SkewedClock()
    for sync in network.nodes.values():
        set_clock(sync, clock)
    seed_network(network)
    central = network.nodes[CENTRAL]
    names = sorted(PROVINCES)
    serial = 5000
    asked: list[tuple[str, str]] = []
    # Three days cut off, in six-hour steps: far past any broker's duplicate window
    # (NATS JetStream's defaults to two minutes).
    for step in range(12):
        clock.offset += timedelta(hours=6)
        for node_id in names:
            sync = network.nodes[node_id]
            for _ in range(rng.randint(1, 3)):
                serial += 1
                create(sync, "Person", person(serial, PROVINCES[node_id]))
            update_person(sync, 1000 * (names.index(node_id) + 1) + 1, full_name=name(step))
            if step % 5 == 2:
                # A change to the person the previous province registered here: queued.
                owner = names[(names.index(node_id) - 1) % len(names)]
                request = request_rename(sync, 1000 * (names.index(owner) + 1), name(70 + step))
                asked.append((node_id, request.request_id))
            offline_round(sync)
        # Central writes too: national reference data, and people in the provinces'
        # partitions that it registers itself (and so owns).
        create(central, "BudgetUnit", national_unit(f"{2000000 + step}", f"Bộ số {step}"))
        serial += 1
        create(central, "Person", person(serial, PROVINCES[rng.choice(names)]))

    clock.offset += timedelta(hours=6)
    ledger = LinkLedger(network)
    converge(network, ledger=ledger, limit=7)

    assert_invariants(network, ledger=ledger)
    assert ledger.resent() == []  # nothing was lost on the way: nothing sent twice
    for node_id in names:
        for step in range(12):
            assert current(network.nodes[node_id], "BudgetUnit", f"{2000000 + step}") is not None
    for requester, request_id in asked:
        found = decision(network.nodes[requester], request_id)
        assert found is not None


# -- owner and non-owner at once -------------------------------------------------------------


@pytest.mark.parametrize("seed", range(6))
def test_an_owner_and_a_non_owner_editing_one_record_give_exactly_one_outcome(
    network: Network, seed: int
) -> None:
    """HCM asks to rename a person An Giang owns while An Giang renames them itself."""
    rng = random.Random(seed)
    an_giang, hcm = network.nodes["VN-91"], network.nodes["VN-79"]
    create(an_giang, "Person", person(1, "79"))
    converge(network)
    ledger = LinkLedger(network)

    made: dict[str, Any] = {}

    def ask() -> None:
        made["request"] = request_rename(hcm, 1, "Nguyễn Văn Bình")

    def own_edit() -> None:
        with an_giang.node.unit_of_work() as uow:
            try:
                uow.records.update(
                    record_type="Person",
                    record_id=pin(1),
                    content=person(1, "79", full_name="Nguyễn Văn Cường"),
                    expected_version=1,  # the version An Giang's clerk opened
                )
            except LienthongError as error:
                made["own_error"] = error.code
            else:
                uow.commit()
                made["own_ok"] = True

    def sync(node_id: str) -> Callable[[], None]:
        def step() -> None:
            sync_round(network.nodes[node_id], ledger.link(node_id))

        return step

    push_request = sync("VN-79")
    moves: list[Callable[[], None]] = [push_request, sync("VN-91"), own_edit]
    # Each seed one order of the three moves (the request decided before the owner's
    # edit in one of them), the request written at a random point before it goes up.
    steps = [moves[index] for index in list(itertools.permutations(range(3)))[seed]]
    steps.insert(rng.randint(0, steps.index(push_request)), ask)  # written before it goes up
    for step in steps:
        step()
    converge(network, ledger=ledger)

    request = made["request"]
    found = decision(hcm, request.request_id)
    assert found is not None
    accepted = found.outcome == "accepted"
    assert accepted != bool(made.get("own_ok")), (found, made)  # exactly one went through
    if accepted:
        assert made["own_error"] == "store.version_conflict"
        winner = "Nguyễn Văn Bình"
    else:
        assert (found.code, bool(found.message)) == ("store.version_conflict", True)
        winner = "Nguyễn Văn Cường"
    expected = current(an_giang, "Person", pin(1))
    assert expected is not None and expected[:2] == (2, "VN-91")
    with an_giang.node.unit_of_work(read_only=True) as uow:
        assert uow.records.get(record_type="Person", record_id=pin(1)).content["full_name"] == (
            winner
        )
    for node_id in (CENTRAL, "VN-79"):
        assert current(network.nodes[node_id], "Person", pin(1)) == expected
    assert_invariants(network, ledger=ledger)


# -- clock skew ------------------------------------------------------------------------------


@pytest.mark.parametrize("seed", range(3))
def test_clocks_ten_minutes_apart_change_nothing(network: Network, seed: int) -> None:
    rng = random.Random(seed)
    skews = {CENTRAL: timedelta(minutes=rng.choice([-10, 10]))}
    for node_id in sorted(PROVINCES):
        skews[node_id] = timedelta(minutes=rng.choice([-10, 0, 10]))
    # The record below moves from a fast clock to a slow one: its newer version is
    # recorded earlier than the older.
    skews["VN-91"], skews["VN-79"] = timedelta(minutes=10), timedelta(minutes=-10)
    for node_id, skew in skews.items():
        set_clock(network.nodes[node_id], SkewedClock(skew))
    an_giang, hcm = network.nodes["VN-91"], network.nodes["VN-79"]
    ledger = LinkLedger(network)

    create(an_giang, "Person", person(1, "91"))
    create(an_giang, "Person", person(2, "79"))
    create(network.nodes[CENTRAL], "BudgetUnit", national_unit("1000009", "Bộ Tài chính"))
    for serial, node_id in enumerate(sorted(PROVINCES), start=10):
        create(network.nodes[node_id], "Person", person(serial, PROVINCES[node_id]))
    converge(network, ledger=ledger)
    with an_giang.node.unit_of_work() as uow:  # the person moves to TP. Hồ Chí Minh
        uow.records.transfer(
            record_type="Person",
            record_id=pin(1),
            expected_version=1,
            to_node="VN-79",
            content=person(1, "79"),
        )
        uow.commit()
    request = request_rename(hcm, 2, "Nguyễn Văn Bình")
    converge(network, ledger=ledger)
    update_person(hcm, 1, full_name="Nguyễn Văn Dũng")  # the new owner, on the slow clock
    converge(network, ledger=ledger)

    assert_invariants(network, ledger=ledger)
    central = network.nodes[CENTRAL]
    with central.node.engine.connect() as connection:
        times = dict(
            connection.execute(
                select(records.c.version, records.c.recorded_at).where(
                    records.c.record_type == "Person", records.c.record_id == pin(1)
                )
            ).all()
        )
    # Written on a slower clock: never recorded before the version it follows.
    assert times[3] >= times[2]
    assert current(central, "Person", pin(1)) == current(hcm, "Person", pin(1))
    assert current(central, "Person", pin(1)) is not None
    assert current(central, "Person", pin(1))[:2] == (3, "VN-79")  # type: ignore[index]
    found = decision(hcm, request.request_id)
    assert found is not None and found.outcome == "accepted"


# -- damaged batches and truncated stores --------------------------------------------------------


def test_damaged_and_cut_batches_are_refused_and_sent_again_whole(network: Network) -> None:
    rng = random.Random(3)
    seed_network(network)
    for step in range(6):
        create(network.nodes["VN-91"], "Person", person(9000 + step, "91"))
        create(network.nodes[CENTRAL], "BudgetUnit", national_unit(f"{3000000 + step}", "Bộ"))
    ledger = LinkLedger(network)

    def damage(data: bytes) -> bytes:
        if rng.random() < 0.5:
            return data[: rng.randint(1, len(data) - 1)]
        position = rng.randrange(len(data))
        return data[:position] + bytes([data[position] ^ 0x20]) + data[position + 1 :]

    refused = lost = 0
    for attempt in range(8):
        for node_id in ("VN-91", "VN-79"):
            if attempt % 2:  # the reply is lost: the batch was applied, it is sent again
                link = ledger.link(node_id, lose_replies=rng.randint(1, 3))
            else:
                link = ledger.link(node_id, tamper=damage)
            try:
                sync_round(network.nodes[node_id], link, limit=2)
            except LienthongError as error:
                assert error.code.startswith("sync."), error.code
                refused += 1
            except ConnectionError:
                lost += 1
    assert refused > 0 and lost > 0
    converge(network, ledger=ledger)
    assert_invariants(network, ledger=ledger)  # sent again, never applied twice
    assert ledger.resent() != []


def _backup(network: Network, node_id: str, to: Path) -> Path:
    """Copy a node's store, stopped meanwhile as an operator would stop it; return its path."""
    sync = network.nodes[node_id]
    store = Path(sync.node.settings.state_dir) / "node.sqlite"
    with network.stopped(node_id):
        sync.node.engine.dispose()
        shutil.copy(store, to)
    return store


def _restore(network: Network, node_id: str, store: Path, backup: Path) -> None:
    """Put an older copy of a node's store back in place, the node stopped meanwhile."""
    with network.stopped(node_id):
        network.nodes[node_id].node.engine.dispose()
        for suffix in ("-wal", "-shm"):
            Path(f"{store}{suffix}").unlink(missing_ok=True)
        shutil.copy(backup, store)


def test_a_province_restored_from_an_older_copy_recovers_its_entries(
    network: Network, tmp_path: Path
) -> None:
    seed_network(network)
    an_giang = network.nodes["VN-91"]
    store = _backup(network, "VN-91", tmp_path / "an-giang.sqlite")
    for step in range(5):
        create(an_giang, "Person", person(4000 + step, "91"))
        create(network.nodes["VN-79"], "Person", person(4100 + step, "91"))
    update_person(an_giang, 3001, full_name=name(1))
    converge(network)
    _restore(network, "VN-91", store, tmp_path / "an-giang.sqlite")  # all of that is lost locally

    ledger = LinkLedger(network)
    converge(network, ledger=ledger, limit=3)
    create(an_giang, "Person", person(4200, "91"))  # numbered after what it took back
    converge(network, ledger=ledger)

    assert_invariants(network, ledger=ledger)
    assert current(an_giang, "Person", pin(4004)) is not None
    assert current(an_giang, "Person", pin(4104)) is not None


def test_a_province_restored_and_written_to_before_it_syncs_numbers_after_what_it_lost(
    network: Network, tmp_path: Path
) -> None:
    seed_network(network)
    an_giang = network.nodes["VN-91"]
    store = _backup(network, "VN-91", tmp_path / "an-giang.sqlite")
    for step in range(4):
        create(an_giang, "Person", person(4400 + step, "91"))
    converge(network)
    _restore(network, "VN-91", store, tmp_path / "an-giang.sqlite")
    create(an_giang, "Person", person(4410, "91"))  # before any sync: after the fence

    ledger = LinkLedger(network)
    converge(network, ledger=ledger, limit=3)

    assert_invariants(network, ledger=ledger)
    for step in range(4):
        assert current(an_giang, "Person", pin(4400 + step)) is not None
    assert current(network.nodes[CENTRAL], "Person", pin(4410)) is not None


def test_a_province_restored_from_an_older_copy_recovers_its_writes_for_others(
    network: Network, tmp_path: Path
) -> None:
    seed_network(network)
    an_giang = network.nodes["VN-91"]
    store = _backup(network, "VN-91", tmp_path / "an-giang.sqlite")
    create(an_giang, "Person", person(4300, "01"))  # resident in Hà Nội, An Giang's
    request = request_rename(an_giang, 2000, "Nguyễn Văn Bình")  # VN-79's person, here
    converge(network)
    _restore(network, "VN-91", store, tmp_path / "an-giang.sqlite")

    converge(network, limit=3)

    assert_invariants(network)
    assert current(an_giang, "Person", pin(4300)) is not None
    assert decision(an_giang, request.request_id) is not None


def test_central_restored_from_an_older_copy_gets_the_provinces_entries_again(
    network: Network, tmp_path: Path
) -> None:
    seed_network(network)
    central = network.nodes[CENTRAL]
    store = _backup(network, CENTRAL, tmp_path / "central.sqlite")
    for step in range(4):
        for index, node_id in enumerate(sorted(PROVINCES)):
            neighbour = sorted(PROVINCES)[(index + 1) % len(PROVINCES)]
            create(
                network.nodes[node_id],
                "Person",
                person(6000 + 10 * index + step, PROVINCES[neighbour]),
            )
    converge(network)
    _restore(network, CENTRAL, store, tmp_path / "central.sqlite")  # central lost all of that

    ledger = LinkLedger(network)
    converge(network, ledger=ledger, limit=3)

    assert_invariants(network, ledger=ledger)
    assert current(central, "Person", pin(6023)) is not None


def test_central_restored_from_an_older_copy_recovers_its_own_writes(
    network: Network, tmp_path: Path
) -> None:
    seed_network(network)
    central = network.nodes[CENTRAL]
    store = _backup(network, CENTRAL, tmp_path / "central.sqlite")
    create(central, "BudgetUnit", national_unit("1000010", "Bộ Xây dựng"))
    create(central, "Person", person(7000, "79"))
    converge(network)  # the provinces hold both
    _restore(network, CENTRAL, store, tmp_path / "central.sqlite")
    create(central, "BudgetUnit", national_unit("1000011", "Bộ Y tế"))  # after the restore

    converge(network)

    found = violations(network)
    assert found == [], found
    assert current(central, "BudgetUnit", "1000010") is not None
    for node_id in PROVINCES:
        assert current(network.nodes[node_id], "BudgetUnit", "1000011") is not None


def test_a_change_request_to_a_record_central_owns_is_decided(network: Network) -> None:
    central, hcm = network.nodes[CENTRAL], network.nodes["VN-79"]
    create(central, "Person", person(8000, "79"))
    converge(network)
    request = request_rename(hcm, 8000, "Nguyễn Văn Bình")

    converge(network)

    assert decision(hcm, request.request_id) is not None
    assert_invariants(network)


# -- fan-out to 34 provinces -------------------------------------------------------------------


#: Every province of the country (post-2025 units): node -> province code.
ALL_PROVINCES = {f"VN-{unit.code}": unit.code for unit in vn_provinces()}


@pytest.fixture(params=WIRES)
def nation(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Network]:
    """Central and all 34 provinces, linked in process, through 35 gateways or over NATS."""
    yield from on_wire(request, tmp_path, ALL_PROVINCES)


def test_fan_out_to_34_provinces_with_a_tenth_offline(nation: Network) -> None:
    rng = random.Random(34)
    names = provinces(nation)
    assert len(names) == 34
    offline = set(rng.sample(names, 4))  # 10 % of 34, rounded up
    central = nation.nodes[CENTRAL]
    ledger = LinkLedger(nation)

    for number in range(3):
        create(central, "BudgetUnit", national_unit(f"{1000020 + number}", f"Bộ số {number}"))
    for index, node_id in enumerate(names):
        neighbour = province_of(names[(index + 1) % len(names)])
        create(nation.nodes[node_id], "Person", person(10 * index + 1, province_of(node_id)))
        create(nation.nodes[node_id], "Person", person(10 * index + 2, neighbour))
        if index % 5 == 0:  # central registers some people itself
            create(central, "Person", person(10 * index + 3, province_of(node_id)))

    converge(nation, ledger=ledger, offline=offline)
    for node_id in names:
        has = current(nation.nodes[node_id], "BudgetUnit", "1000020") is not None
        assert has == (node_id not in offline), node_id
    for node_id in sorted(offline):  # cut off, they go on writing
        index = names.index(node_id)
        create(nation.nodes[node_id], "Person", person(10 * index + 4, province_of(node_id)))
        offline_round(nation.nodes[node_id])
    create(central, "BudgetUnit", national_unit("1000029", "Bộ cuối"))

    converge(nation, ledger=ledger)

    assert_invariants(nation, ledger=ledger)
    assert ledger.resent() == []
    for node_id in names:
        assert current(nation.nodes[node_id], "BudgetUnit", "1000029") is not None
        index = names.index(node_id)
        left = names[(index - 1) % len(names)]
        assert current(nation.nodes[node_id], "Person", pin(10 * names.index(left) + 2)) is not None
