"""The demo's exchange: real calls between the demo nodes' gateways, audited on both sides."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from lienthong.cli.main import app
from lienthong.demo import exchange as ex
from lienthong.demo import network as net
from lienthong.exchange.audit.models import audit_checkpoints, audit_log
from lienthong.exchange.keys import NodePaths
from lienthong.node import Node
from lienthong.settings import CONFIG_ENV, ENV_PREFIX, Settings

PEOPLE = 300
SEED = 1


@pytest.fixture(scope="module")
def root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("demo-exchange")


@pytest.fixture(scope="module")
def state(root: Path) -> Path:
    # Where ``lienthong demo`` keeps the network when LIENTHONG_STATE_DIR is ``root``.
    return root / "demo"


@pytest.fixture(scope="module")
def network(state: Path) -> Iterator[net.Network]:
    opened = net.open_network(state_dir=state, people=PEOPLE, seed=SEED)
    try:
        yield opened
    finally:
        opened.close()


@pytest.fixture(scope="module")
def result(network: net.Network, state: Path) -> ex.ExchangeDemo:
    return ex.run_exchange(network, state_dir=state)


def _rows(node: Node, message_id: str) -> list[Any]:
    with node.engine.connect() as connection:
        return list(
            connection.execute(
                select(audit_log)
                .where(audit_log.c.message_id == message_id)
                .order_by(audit_log.c.sequence)
            )
        )


def _granted(result: ex.ExchangeDemo) -> list[ex.Call]:
    return [call for call in result.calls if not call.refused]


def _bound(port: int) -> bool:
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return True
    return False


def test_the_directory_lists_the_three_grants_and_the_provinces_sync(
    result: ex.ExchangeDemo,
) -> None:
    assert {(g.client, g.service, g.method, g.path, g.purposes) for g in result.grants} == {
        (ex.DRIVING, f"{ex.POPULATION}/registry", "GET", "/Person/{id}", ("driver-licence",)),
        (
            ex.PROCUREMENT,
            f"{ex.TAX}/registry",
            "GET",
            "/Taxpayer/{id}",
            ("procurement-eligibility",),
        ),
        (
            ex.LICENSING,
            f"{ex.ENTERPRISES}/registry",
            "GET",
            "/Enterprise/{id}",
            ("business-licence",),
        ),
        *((client, ex.SYNC_SERVICE, None, None, ("sync",)) for client in ex.PROVINCE_SYNC.values()),
    }
    assert result.provisioned and result.directory_version > 1


def test_an_giang_keeps_working_offline_and_catches_up(result: ex.ExchangeDemo) -> None:
    synced = result.sync
    offline = next(line for line in synced.rounds if line.done is None)
    assert offline.node_id == "VN-91" and offline.error is not None
    assert "sync.unreachable" in offline.error
    assert sum(line.done.pushed for line in synced.rounds if line.done is not None) > 1
    assert (synced.behind_before, synced.behind_after) == (1, 0)
    assert synced.central_has_newborn and synced.an_giang_has_ministry


def test_an_giang_reads_a_person_and_ha_noi_a_taxpayer_from_central(
    result: ex.ExchangeDemo, network: net.Network
) -> None:
    calls = {call.client: call for call in _granted(result)}
    assert set(calls) == {ex.DRIVING, ex.PROCUREMENT, ex.LICENSING}
    person, taxpayer = calls[ex.DRIVING], calls[ex.PROCUREMENT]
    assert (person.client_node, person.purpose, person.status) == ("VN-91", "driver-licence", 200)
    assert (taxpayer.client_node, taxpayer.purpose, taxpayer.status) == (
        "VN-01",
        "procurement-eligibility",
        200,
    )
    pin = person.path.rsplit("/", 1)[1]
    assert dict(person.answer)["PIN"] == pin
    with network.nodes["VN-central"].unit_of_work(read_only=True) as uow:
        held = uow.records.get(record_type="Person", record_id=pin)
    assert dict(person.answer)["Full name"] == held.content["full_name"]
    assert dict(taxpayer.answer)["Tax code"] == taxpayer.path.rsplit("/", 1)[1]


def test_every_granted_call_is_in_both_nodes_audit_logs(
    result: ex.ExchangeDemo, network: net.Network
) -> None:
    central = network.nodes["VN-central"]
    for call in _granted(result):
        ours = _rows(network.nodes[call.client_node], call.message_id)
        theirs = _rows(central, call.message_id)
        assert [(r.kind, r.outcome, r.status) for r in ours] == [("exchange.client", "ok", 200)]
        assert [(r.kind, r.outcome, r.status) for r in theirs] == [("exchange.provider", "ok", 200)]
        assert ours[0].request_hash == theirs[0].request_hash
        assert ours[0].response_hash == theirs[0].response_hash
        assert (theirs[0].client, theirs[0].purpose) == (call.client, call.purpose)
        # What the demo shows is what the logs hold.
        shown = [(line.node_id, line.kind, line.request_hash) for line in call.client_entries]
        assert shown == [(call.client_node, "exchange.client", ours[0].request_hash)]
        assert ("VN-central", "exchange.provider", theirs[0].request_hash) in [
            (line.node_id, line.kind, line.request_hash) for line in call.provider_entries
        ]


def test_the_registries_log_the_personal_reads_with_the_callers_purpose(
    result: ex.ExchangeDemo,
) -> None:
    for call in _granted(result):
        reads = [line for line in call.provider_entries if line.kind == "record.read"]
        if call.client == ex.LICENSING:
            assert reads == []  # an enterprise is not personal data
        else:
            assert [(r.client, r.purpose, r.outcome) for r in reads] == [
                (call.client, call.purpose, "ok")
            ]


def test_a_purpose_no_grant_lists_is_refused_and_reaches_no_provider(
    result: ex.ExchangeDemo, network: net.Network
) -> None:
    refused = [call for call in result.calls if call.refused]
    assert len(refused) == 1
    call = refused[0]
    assert (call.client, call.purpose, call.status) == (ex.DRIVING, "marketing", 403)
    assert call.error_type == "Client.ClientProxy.exchange.grant.purpose"
    assert call.error_code == "exchange.grant.purpose"
    assert call.error_vi and call.error_en and "driver-licence" in call.error_en
    ours = _rows(network.nodes["VN-91"], call.message_id)
    assert [(r.outcome, r.status) for r in ours] == [("exchange.grant.purpose", 403)]
    assert _rows(network.nodes["VN-central"], call.message_id) == []
    assert call.provider_entries == ()


def test_central_witnesses_an_giangs_checkpoint_and_the_log_verifies(
    result: ex.ExchangeDemo, network: net.Network
) -> None:
    witnessed = result.witnessed
    assert (witnessed.node_id, witnessed.witness) == ("VN-91", "VN-central")
    assert witnessed.verified, witnessed.problems
    assert witnessed.cosignatures >= 1
    with network.nodes["VN-91"].engine.connect() as connection:
        latest = connection.execute(
            select(audit_checkpoints).order_by(audit_checkpoints.c.tree_size.desc()).limit(1)
        ).one()
    assert (latest.tree_size, latest.witness) == (witnessed.tree_size, "VN-central")


def test_the_gateways_are_stopped_afterwards(result: ex.ExchangeDemo) -> None:
    assert not any(_bound(port) for port in result.tls_ports.values())


def test_running_again_reuses_the_network(
    result: ex.ExchangeDemo, network: net.Network, state: Path
) -> None:
    again = ex.run_exchange(network, state_dir=state)
    assert not again.provisioned
    assert again.tls_ports == result.tls_ports
    assert [call.status for call in again.calls] == [200, 200, 200, 403]
    assert again.witnessed.verified, again.witnessed.problems
    assert again.witnessed.tree_size > result.witnessed.tree_size
    assert again.witnessed.checkpoints > result.witnessed.checkpoints


def test_a_taken_port_sets_the_network_up_again_with_the_nodes_own_keys(
    result: ex.ExchangeDemo, network: net.Network, state: Path
) -> None:
    signing_key = NodePaths(state / "VN-91").signing_key.read_bytes()
    with socket.socket() as squatter:
        squatter.bind(("127.0.0.1", result.tls_ports["VN-central"]))
        squatter.listen()
        again = ex.run_exchange(network, state_dir=state)
    assert again.provisioned
    assert again.tls_ports["VN-central"] != result.tls_ports["VN-central"]
    assert [call.status for call in again.calls] == [200, 200, 200, 403]
    # The checkpoints of the earlier runs are signed with the same key, so they verify.
    assert NodePaths(state / "VN-91").signing_key.read_bytes() == signing_key
    assert again.witnessed.verified, again.witnessed.problems
    assert again.witnessed.cosignatures > result.witnessed.cosignatures


def test_lienthong_demo_shows_the_calls_and_runs_twice(
    network: net.Network, root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in [CONFIG_ENV, *(ENV_PREFIX + field.upper() for field in Settings.model_fields)]:
        monkeypatch.delenv(name, raising=False)
    env = {"LIENTHONG_LANGUAGE": "en", "LIENTHONG_STATE_DIR": str(root), "COLUMNS": "200"}
    runner = CliRunner()
    args = ["demo", "--no-input", "--people", str(PEOPLE), "--seed", str(SEED)]
    for _run in range(2):
        outcome = runner.invoke(app, args, env=env)
        assert outcome.exit_code == 0, outcome.output
        output = outcome.output
        assert "Agencies exchange data through their gateways" in output
        assert output.count("X-Road-Id") == 4
        assert output.count("→ HTTP 200") == 3 and "→ HTTP 403" in output
        assert "Client.ClientProxy.exchange.grant.purpose" in output
        assert "exchange.provider" in output and "exchange.client" in output
        assert "verify_log: the audit log of VN-91 is intact" in output


def test_fresh_sets_the_exchange_up_again_from_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in [CONFIG_ENV, *(ENV_PREFIX + field.upper() for field in Settings.model_fields)]:
        monkeypatch.delenv(name, raising=False)
    env = {"LIENTHONG_LANGUAGE": "en", "LIENTHONG_STATE_DIR": str(tmp_path), "COLUMNS": "200"}
    runner = CliRunner()
    args = ["demo", "--no-input", "--people", "100"]
    first = runner.invoke(app, args, env=env)
    assert first.exit_code == 0, first.output
    key = NodePaths(tmp_path / "demo" / "VN-91").signing_key.read_bytes()
    again = runner.invoke(app, [*args, "--fresh"], env=env)
    assert again.exit_code == 0, again.output
    assert "→ HTTP 403" in again.output
    assert "verify_log: the audit log of VN-91 is intact" in again.output
    assert NodePaths(tmp_path / "demo" / "VN-91").signing_key.read_bytes() != key
