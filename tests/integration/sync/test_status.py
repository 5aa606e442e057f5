"""Sync status: how far behind each link is, in entries and seconds, and pending requests."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from prometheus_client import CollectorRegistry, generate_latest
from sqlalchemy import update
from tests.support.sync import CENTRAL, Network, national, person_in, run_round, write
from typer.testing import CliRunner

from lienthong.cli.main import app
from lienthong.settings import CONFIG_ENV, ENV_PREFIX, Settings
from lienthong.store.models import current_records
from lienthong.sync import requests
from lienthong.sync.metrics import SyncCollector
from lienthong.sync.status import sync_status

PIN = "091090000001"


@pytest.fixture
def network(tmp_path: Path) -> Iterator[Network]:
    yield from national(tmp_path)


def register(network: Network, node_id: str, pin: str, commune: str = "30292") -> None:
    write(network.nodes[node_id], "Person", person_in(commune, pin))


def test_a_province_that_was_offline_shows_what_it_has_not_sent_and_for_how_long(
    network: Network,
) -> None:
    register(network, "VN-91", PIN)
    run_round(network, "VN-91")
    register(network, "VN-91", "091090000002")
    register(network, "VN-91", "091090000003")
    an_giang = network.nodes["VN-91"].node

    later = an_giang.clock() + timedelta(minutes=3)
    status = sync_status(an_giang, now=later)

    (lag,) = status.sending
    assert (lag.peer, lag.origin, lag.entries) == (CENTRAL, "VN-91", 2)
    assert 170 < lag.seconds < 190
    assert status.own_last == 3

    run_round(network, "VN-91")
    (caught_up,) = sync_status(an_giang, now=later).sending
    assert (caught_up.entries, caught_up.seconds) == (0, 0.0)


def test_central_sees_each_province_it_sends_to_and_the_cursors_it_keeps(
    network: Network,
) -> None:
    register(network, "VN-91", PIN)
    run_round(network, "VN-91")
    register(network, "VN-79", "079090000001", commune="25747")
    run_round(network, "VN-79")

    status = sync_status(network.nodes[CENTRAL].node, now=network.nodes[CENTRAL].clock())

    assert {(cursor.peer, cursor.origin, cursor.sequence) for cursor in status.receiving} == {
        ("VN-91", "VN-91", 1),
        ("VN-79", "VN-79", 1),
    }
    # What each province acknowledged of the other's entries when it last pulled.
    sent = {(lag.peer, lag.origin): lag.acknowledged for lag in status.sending}
    assert sent[("VN-79", "VN-91")] == 1


def test_pending_change_requests_are_counted_on_both_sides(network: Network) -> None:
    register(network, "VN-91", PIN, commune="25747")  # resident in TP. Hồ Chí Minh
    run_round(network, "VN-91")
    run_round(network, "VN-79")
    hcm = network.nodes["VN-79"]
    with hcm.node.unit_of_work() as uow:
        requests.request_change(
            uow,
            record_type="Person",
            record_id=PIN,
            operation="delete",
            base_version=1,
            now=hcm.clock(),
        )
        uow.commit()
    assert sync_status(hcm.node, now=hcm.clock()).waiting == 1

    run_round(network, "VN-79")  # up to central
    run_round(network, "VN-91")  # down to the owner, who decides it
    run_round(network, "VN-91")  # the decision goes up
    run_round(network, "VN-79")  # and comes down
    assert sync_status(hcm.node, now=hcm.clock()).waiting == 0
    assert sync_status(network.nodes["VN-91"].node, now=hcm.clock()).to_decide == 0


runner = CliRunner()


@pytest.fixture
def isolated(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in [CONFIG_ENV, *(ENV_PREFIX + field.upper() for field in Settings.model_fields)]:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)


def test_sync_status_prints_json_for_scripts(network: Network, isolated: None) -> None:
    register(network, "VN-91", PIN)
    run_round(network, "VN-91")
    env = {
        "LIENTHONG_STATE_DIR": str(network.root / "VN-91"),
        "LIENTHONG_NODE_ID": "VN-91",
        "LIENTHONG_LANGUAGE": "en",
    }

    result = runner.invoke(app, ["sync", "status", "--format", "json"], env=env)

    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["node"] == "VN-91"
    assert data["sending"][0]["lag_entries"] == 0
    assert data["change_requests"] == {"waiting": 0, "to_decide": 0}


def test_a_store_restored_behind_its_fence_shows_the_lost_numbers_everywhere(
    network: Network, isolated: None
) -> None:
    register(network, "VN-91", PIN)
    an_giang = network.nodes["VN-91"].node
    an_giang.fence.raise_to(4)  # as if 2 to 4 were written, then an older store put back
    register(network, "VN-91", "091090000002")
    env = {
        "LIENTHONG_STATE_DIR": str(network.root / "VN-91"),
        "LIENTHONG_NODE_ID": "VN-91",
        "LIENTHONG_LANGUAGE": "en",
    }
    registry = CollectorRegistry()
    registry.register(SyncCollector(an_giang))

    printed = runner.invoke(app, ["sync", "status"], env=env)
    data = json.loads(runner.invoke(app, ["sync", "status", "--format", "json"], env=env).output)

    assert "Own entries 2–4 were lost here" in printed.output
    assert [(gap["after"], gap["through"]) for gap in data["lost"]] == [(1, 4)]
    assert data["own_last_sequence"] == 5
    assert "lienthong_sync_lost_sequence_numbers 3.0" in generate_latest(registry).decode()


def test_sync_run_without_an_upstream_says_which_setting_to_give(
    network: Network, isolated: None
) -> None:
    env = {
        "LIENTHONG_STATE_DIR": str(network.root / "VN-91"),
        "LIENTHONG_NODE_ID": "VN-91",
        "LIENTHONG_LANGUAGE": "en",
    }

    result = runner.invoke(app, ["sync", "run", "--once"], env=env)

    assert result.exit_code == 1
    assert "sync.not_configured" in result.output and "sync_upstream" in result.output


def test_the_gateway_metrics_carry_each_links_lag(network: Network) -> None:
    register(network, "VN-91", PIN)
    run_round(network, "VN-91")
    register(network, "VN-91", "091090000002")
    registry = CollectorRegistry()
    registry.register(SyncCollector(network.nodes["VN-91"].node))

    text = generate_latest(registry).decode()

    assert 'lienthong_sync_lag_entries{origin="VN-91",peer="VN-central"} 1.0' in text
    assert "lienthong_sync_own_sequence 2.0" in text
    assert 'lienthong_sync_change_requests{state="waiting"} 0.0' in text


def test_sync_verify_finds_a_damaged_replica_and_repairs_it(
    network: Network, isolated: None
) -> None:
    register(network, "VN-91", PIN)
    run_round(network, "VN-91")
    with network.nodes[CENTRAL].node.engine.begin() as connection:
        connection.execute(
            update(current_records)
            .where(current_records.c.record_id == PIN)
            .values(content_hash="0" * 64)
        )
    env = {
        "LIENTHONG_STATE_DIR": str(network.root / CENTRAL),
        "LIENTHONG_NODE_ID": CENTRAL,
        "LIENTHONG_LANGUAGE": "en",
    }
    peer = ["--peer-state", str(network.root / "VN-91"), "--peer-node", "VN-91"]
    peer += ["--peer-partition", "91"]

    found = runner.invoke(app, ["sync", "verify", *peer, "--format", "json"], env=env)
    repaired = runner.invoke(app, ["sync", "verify", *peer, "--repair"], env=env)
    again = runner.invoke(app, ["sync", "verify", *peer], env=env)

    assert found.exit_code == 1, found.output
    report = json.loads(found.output)
    assert [(item["id"], item["kind"]) for item in report["located"]] == [(PIN, "content")]
    assert repaired.exit_code == 0, repaired.output
    assert again.exit_code == 0 and "converged: yes" in again.output


def test_sync_requests_lists_a_request_waiting_for_its_owner(
    network: Network, isolated: None
) -> None:
    register(network, "VN-91", PIN, commune="25747")
    run_round(network, "VN-91")
    run_round(network, "VN-79")
    hcm = network.nodes["VN-79"]
    with hcm.node.unit_of_work() as uow:
        request = requests.request_change(
            uow,
            record_type="Person",
            record_id=PIN,
            operation="delete",
            base_version=1,
            reason="died in 2026",
            now=hcm.clock(),
        )
        uow.commit()
    env = {
        "LIENTHONG_STATE_DIR": str(network.root / "VN-79"),
        "LIENTHONG_NODE_ID": "VN-79",
        "LIENTHONG_LANGUAGE": "en",
    }

    result = runner.invoke(app, ["sync", "requests", "--format", "json"], env=env)

    assert result.exit_code == 0, result.output
    (listed,) = json.loads(result.output)
    assert (listed["state"], listed["request_id"], listed["owner"]) == (
        "waiting",
        request.request_id,
        "VN-91",
    )
