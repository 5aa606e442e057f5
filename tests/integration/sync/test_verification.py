"""A province verifies itself against central through the gateways, and repairs itself from there."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import update
from tests.support.sync import CENTRAL, Network, current, person_in, run_round, write
from tests.support.sync_wire import over_gateways
from typer.testing import CliRunner

from lienthong.cli.main import app
from lienthong.errors import LienthongError
from lienthong.settings import CONFIG_ENV, ENV_PREFIX, Settings
from lienthong.store.models import current_records
from lienthong.sync import digests as convergence
from lienthong.sync.digests import Report, bucket_of
from lienthong.sync.runner import upstream_link
from lienthong.sync.verification import VerifyRequest, serve_verify, verify_upstream

AN_GIANG_COMMUNE = "30292"
HCM_COMMUNE = "25747"
AG_PIN = "091090000001"  # An Giang's, resident in An Giang
HCM_PIN = "079090000001"  # TP. HCM's, resident in TP. HCM
CENTRAL_PIN = "001090000001"  # central's, resident in TP. HCM


@pytest.fixture
def network(tmp_path: Path) -> Iterator[Network]:
    """Central and three provinces through their gateways; An Giang and TP. HCM each registered
    someone, and everyone synced."""
    for network in over_gateways(tmp_path):
        write(network.nodes["VN-91"], "Person", person_in(AN_GIANG_COMMUNE, AG_PIN))
        write(network.nodes["VN-79"], "Person", person_in(HCM_COMMUNE, HCM_PIN))
        for node_id in ("VN-91", "VN-79", "VN-01", "VN-91"):
            run_round(network, node_id)
        yield network


def verify(network: Network, node_id: str, *, repair: bool) -> Report:
    """Run ``sync verify --upstream`` of a province, as the command does."""
    sync, transport = upstream_link(network.nodes[node_id].node)

    async def run() -> Report:
        try:
            return await verify_upstream(sync, transport, repair=repair)
        finally:
            await transport.close()

    return asyncio.run(run())


def damage(network: Network, node_id: str, record_id: str) -> None:
    """Alter a current record's content hash behind sync's back."""
    with network.nodes[node_id].node.engine.begin() as connection:
        connection.execute(
            update(current_records)
            .where(current_records.c.record_id == record_id)
            .values(content_hash="0" * 64)
        )


def test_a_synced_province_is_equal_to_central_on_what_it_subscribes_to(network: Network) -> None:
    report = verify(network, "VN-91", repair=False)
    assert (report.differing, report.converged) == (0, True)
    assert report.compared >= 1


def test_a_damaged_replica_is_located_through_the_gateways_and_repaired_from_central(
    network: Network,
) -> None:
    hcm = network.nodes["VN-79"]
    true = current(hcm, "Person", HCM_PIN)
    write(network.nodes[CENTRAL], "Person", person_in(HCM_COMMUNE, CENTRAL_PIN))
    run_round(network, "VN-79")
    registered = current(hcm, "Person", CENTRAL_PIN)
    assert registered is not None
    damage(network, "VN-79", CENTRAL_PIN)  # a replica of central's record

    found = verify(network, "VN-79", repair=False)
    assert (found.differing, found.converged) == (1, False)
    [located] = found.located
    assert (located.record_type, located.partition) == ("Person", "79")
    assert (located.difference.record_id, located.difference.kind) == (CENTRAL_PIN, "content")
    assert located.difference.bucket == bucket_of(CENTRAL_PIN)

    repaired = verify(network, "VN-79", repair=True)

    assert (repaired.differing, repaired.repaired, repaired.left) == (1, 1, ())
    assert repaired.converged
    assert current(hcm, "Person", CENTRAL_PIN) == registered
    assert current(hcm, "Person", HCM_PIN) == true
    assert verify(network, "VN-79", repair=False).converged
    run_round(network, "VN-79")  # sync goes on as before
    assert verify(network, "VN-79", repair=False).converged


def test_a_record_the_province_owns_is_not_replaced_from_central(network: Network) -> None:
    true = current(network.nodes["VN-91"], "Person", AG_PIN)
    damage(network, CENTRAL, AG_PIN)  # central's copy is the wrong one

    report = verify(network, "VN-91", repair=True)

    assert (report.differing, report.repaired, report.converged) == (1, 0, False)
    [left] = report.left
    assert (left.node, left.record_id, left.reason) == (CENTRAL, AG_PIN, "fix_upstream")
    assert "lienthong sync verify --repair" in left.message("en")
    assert current(network.nodes["VN-91"], "Person", AG_PIN) == true


def test_central_answers_only_about_what_the_asker_subscribes_to(network: Network) -> None:
    central = network.nodes[CENTRAL]
    an_giang = network.nodes["VN-91"].subscription
    asked = VerifyRequest("VN-91", an_giang, "digests")
    held = convergence.from_json(
        json.loads(serve_verify(central, data=asked.encode(), caller="VN-91"))["digests"]
    )
    assert ("Person", "91") in held and ("Person", "79") not in held

    leaves = VerifyRequest("VN-91", an_giang, "leaves", "Person", "79", (bucket_of(HCM_PIN),))
    with pytest.raises(LienthongError) as refused:
        serve_verify(central, data=leaves.encode(), caller="VN-91")
    assert refused.value.code == "sync.verify.out_of_scope"

    versions = VerifyRequest(
        "VN-91", an_giang, "versions", records=(("Person", HCM_PIN), ("Person", AG_PIN))
    )
    answer = serve_verify(central, data=versions.encode(), caller="VN-91")
    sent = json.loads(answer.split(b"\n", 1)[1])["entries"]
    assert [entry["id"] for entry in sent] == [AG_PIN]


@pytest.mark.parametrize(
    ("question", "code"),
    [
        ("not json", "sync.verify.bad_request"),
        ("[]", "sync.verify.bad_request"),
        ('{"subscriber": "VN-91", "subscription": SUB, "ask": "all"}', "sync.verify.bad_request"),
        ('{"subscriber": "VN-91", "subscription": {}, "ask": "digests"}', "sync.bad_subscription"),
        (
            '{"subscriber": "VN-91", "subscription": SUB, "ask": "leaves", "type": "Person",'
            ' "partition": "91", "buckets": [256]}',
            "sync.verify.bad_request",
        ),
        (
            '{"subscriber": "VN-91", "subscription": SUB, "ask": "versions", "records": [["x"]]}',
            "sync.verify.bad_request",
        ),
        ('{"subscriber": "VN-79", "subscription": SUB, "ask": "digests"}', "sync.not_sender"),
    ],
)
def test_a_malformed_or_misattributed_question_is_refused(
    network: Network, question: str, code: str
) -> None:
    subscription = json.dumps(network.nodes["VN-91"].subscription.to_json())
    body = question.replace("SUB", subscription).encode()
    with pytest.raises(LienthongError) as refused:
        serve_verify(network.nodes[CENTRAL], data=body, caller="VN-91")
    assert refused.value.code == code


runner = CliRunner()


def _environment(settings: Settings) -> dict[str, str]:
    """Return a node's settings as the environment variables the command reads."""
    return {
        ENV_PREFIX + name.upper(): value if isinstance(value, str) else json.dumps(value)
        for name, value in settings.model_dump(mode="json", exclude_defaults=True).items()
        if value is not None
    } | {"LIENTHONG_LANGUAGE": "en"}


@pytest.fixture
def isolated(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in [CONFIG_ENV, *(ENV_PREFIX + field.upper() for field in Settings.model_fields)]:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)


def test_sync_verify_upstream_repairs_the_province_from_the_command_line(
    network: Network, isolated: None
) -> None:
    write(network.nodes[CENTRAL], "Person", person_in(HCM_COMMUNE, CENTRAL_PIN))
    run_round(network, "VN-79")
    damage(network, "VN-79", CENTRAL_PIN)
    env = _environment(network.nodes["VN-79"].node.settings)

    found = runner.invoke(app, ["sync", "verify", "--upstream", "--format", "json"], env=env)
    repaired = runner.invoke(app, ["sync", "verify", "--upstream", "--repair"], env=env)
    again = runner.invoke(app, ["sync", "verify", "--upstream"], env=env)

    assert found.exit_code == 1, found.output
    located = json.loads(found.output)["located"]
    assert [(item["id"], item["kind"]) for item in located] == [(CENTRAL_PIN, "content")]
    assert repaired.exit_code == 0, repaired.output
    assert again.exit_code == 0 and "converged: yes" in again.output


def test_sync_verify_takes_the_upstream_or_a_store_not_both(isolated: None, tmp_path: Path) -> None:
    env = {"LIENTHONG_STATE_DIR": str(tmp_path), "LIENTHONG_LANGUAGE": "en"}
    both = ["sync", "verify", "--upstream", "--peer-node", "VN-central"]
    result = runner.invoke(app, both, env=env)
    assert result.exit_code == 1 and "sync.verify.two_peers" in result.output
    result = runner.invoke(app, ["sync", "verify"], env=env)
    assert result.exit_code == 1 and "--upstream" in result.output
