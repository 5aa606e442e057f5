"""The Sync page: change requests decided by the owner's operators, digests compared and repaired."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from starlette.testclient import TestClient
from tests.integration.web.console.pages.test_pages import _csrf, _operator, client_for

from lienthong.access.policy import OperatorRole
from lienthong.node import Node, open_node
from lienthong.settings import load_settings
from lienthong.store import UnitOfWork, changelog
from lienthong.sync import requests as change_requests
from lienthong.systems.core import core_registry, samples
from lienthong.web.console.pages import queries


@pytest.fixture
def console(node: Node) -> Iterator[Node]:
    """Central with a central, a Hà Nội and an An Giang operator, and an auditor."""
    _operator(node, "lan", OperatorRole.CENTRAL)
    _operator(node, "minh", OperatorRole.PROVINCE, "01")
    _operator(node, "an", OperatorRole.PROVINCE, "91")
    _operator(node, "thu", OperatorRole.AUDITOR)
    yield node


def _request_from_hanoi(node: Node) -> str:
    """Hà Nội asks central to change the name of a Hà Nội person central owns."""
    with UnitOfWork(node.engine, node="VN-01", record_types=node.record_types()) as uow:
        person = uow.records.get(record_type="Person", record_id=samples.PERSON_PIN)
        made = change_requests.request_change(
            uow,
            record_type="Person",
            record_id=samples.PERSON_PIN,
            operation="update",
            content={**person.content, "full_name": "Nguyễn Văn Ân"},
            base_version=person.version,
            reason="Sửa dấu trong họ tên",
            now=node.clock(),
        )
        uow.commit()
    return made.request_id


def _decision(node: Node, request_id: str) -> change_requests.ChangeDecisionContent | None:
    with node.unit_of_work(read_only=True) as uow:
        return change_requests.decision_of(uow, request_id)


def _actions(node: Node, login: str) -> list[tuple[str, str]]:
    audited = queries.audit_entries(node=node, where=queries.AuditFilter(client=f"console:{login}"))
    return [(e.entry.service, e.entry.outcome) for e in audited.entries]


def _decide(client: TestClient, request_id: str, verdict: str) -> int:
    page = client.get("/sync")
    response = client.post(
        f"/sync/requests/{request_id}",
        data={"verdict": verdict, "csrf_token": _csrf(page.text)},
        follow_redirects=False,
    )
    return response.status_code


def test_a_pending_request_is_listed_and_accepting_it_carries_it_out(console: Node) -> None:
    request_id = _request_from_hanoi(console)
    client = client_for(console, "minh")
    page = client.get("/sync")
    assert page.status_code == 200 and page.text.count("<h1") == 1
    requests = page.text[page.text.index('id="requests"') : page.text.index('id="waiting"')]
    assert request_id[:12] in requests and "VN-01" in requests
    assert f'action="/sync/requests/{request_id}"' in requests
    assert _decide(client, request_id, "accept") == 303
    decision = _decision(console, request_id)
    assert decision is not None and decision.outcome == "accepted" and decision.version == 2
    with console.unit_of_work(read_only=True) as uow:
        person = uow.records.get(record_type="Person", record_id=samples.PERSON_PIN)
    assert person.content["full_name"] == "Nguyễn Văn Ân"
    assert ("sync.decide", "ok") in _actions(console, "minh")
    after = client.get("/sync")
    assert f'action="/sync/requests/{request_id}"' not in after.text


def test_rejecting_records_a_decision_and_writes_nothing(console: Node) -> None:
    request_id = _request_from_hanoi(console)
    client = client_for(console, "lan")
    assert _decide(client, request_id, "reject") == 303
    decision = _decision(console, request_id)
    assert decision is not None and decision.outcome == "rejected"
    assert decision.code == "console.sync.rejected"
    with console.unit_of_work(read_only=True) as uow:
        assert uow.records.get(record_type="Person", record_id=samples.PERSON_PIN).version == 1
    assert ("sync.decide", "ok") in _actions(console, "lan")


def test_deciding_twice_says_it_was_decided_already(console: Node) -> None:
    request_id = _request_from_hanoi(console)
    client = client_for(console, "lan")
    assert _decide(client, request_id, "accept") == 303
    page = client.get("/sync")
    again = client.post(
        f"/sync/requests/{request_id}",
        data={"verdict": "accept", "csrf_token": _csrf(page.text)},
    )
    assert again.status_code == 400 and 'href="#requests"' in again.text
    assert ("sync.decide", "console.sync.not_pending") in _actions(console, "lan")


def test_deciding_is_refused_without_csrf_to_an_auditor_and_to_another_province(
    console: Node,
) -> None:
    request_id = _request_from_hanoi(console)
    central = client_for(console, "lan")
    assert (
        central.post(f"/sync/requests/{request_id}", data={"verdict": "accept"}).status_code == 403
    )
    auditor = client_for(console, "thu")
    assert auditor.get("/sync").status_code == 403
    assert (
        auditor.post(f"/sync/requests/{request_id}", data={"verdict": "accept"}).status_code == 403
    )
    an_giang = client_for(console, "an")
    page = an_giang.get("/sync")
    assert page.status_code == 200
    assert f'action="/sync/requests/{request_id}"' not in page.text
    assert _decide(an_giang, request_id, "accept") == 403
    assert _decision(console, request_id) is None
    assert ("sync.decide", "console.sync.other_province") in _actions(console, "an")


def test_a_verdict_other_than_accept_or_reject_is_refused(console: Node) -> None:
    request_id = _request_from_hanoi(console)
    assert _decide(client_for(console, "lan"), request_id, "maybe") == 400
    assert _decision(console, request_id) is None


# -- digests ---------------------------------------------------------------------------------


@pytest.fixture
def hanoi(tmp_path: Path) -> Iterator[Path]:
    """An empty Hà Nội node on this machine, receiving partition 01; its state directory."""
    state = tmp_path / "ha-noi"
    settings = load_settings(
        state_dir=state, node_id="VN-01", database_url=None, sync_partitions=["01"]
    )
    open_node(settings, systems=core_registry()).close()
    yield state


def _compare(client: TestClient, state: Path | str, *, repair: bool = False) -> str:
    page = client.get("/sync")
    response = client.post(
        "/sync/repair" if repair else "/sync/compare",
        data={
            "peer_state": str(state),
            "peer_node": "VN-01",
            "peer_partitions": "01",
            "csrf_token": _csrf(page.text),
        },
    )
    assert response.status_code == 200, response.text
    return response.text


def test_compare_finds_the_difference_repair_removes_it_and_a_change_brings_it_back(
    console: Node, hanoi: Path
) -> None:
    client = client_for(console, "lan")
    client.cookies.set("lienthong_console_lang", "en")
    differ = _compare(client, hanoi)
    assert "The nodes differ" in differ and samples.PERSON_PIN in differ
    repaired = _compare(client, hanoi, repair=True)
    assert "The digests are equal" in repaired
    equal = _compare(client, hanoi)
    assert "The digests are equal" in equal and "Records that differ" not in equal
    with console.unit_of_work() as uow:
        person = uow.records.get(record_type="Person", record_id=samples.PERSON_PIN)
        uow.records.update(
            record_type="Person",
            record_id=samples.PERSON_PIN,
            content={**person.content, "full_name": "Nguyễn Văn Ấn"},
            expected_version=person.version,
        )
        uow.commit()
    changed = _compare(client, hanoi)
    assert "The nodes differ" in changed and samples.PERSON_PIN in changed
    actions = _actions(console, "lan")
    assert ("sync.compare", "ok") in actions and ("sync.repair", "ok") in actions


def test_a_path_that_holds_no_node_is_refused_by_its_field(console: Node, tmp_path: Path) -> None:
    client = client_for(console, "lan")
    client.cookies.set("lienthong_console_lang", "en")
    page = client.get("/sync")
    refused = client.post(
        "/sync/compare",
        data={
            "peer_state": str(tmp_path / "nothing"),
            "peer_node": "VN-01",
            "csrf_token": _csrf(page.text),
        },
    )
    assert refused.status_code == 400
    assert 'href="#peer_state"' in refused.text and "does not hold a node" in refused.text
    assert not (tmp_path / "nothing").exists()
    no_node = client.post(
        "/sync/compare",
        data={"peer_state": str(tmp_path), "peer_node": "", "csrf_token": _csrf(page.text)},
    )
    assert no_node.status_code == 400 and 'href="#peer_node"' in no_node.text


def test_repair_is_refused_without_csrf_and_to_a_province_at_central(
    console: Node, hanoi: Path
) -> None:
    central = client_for(console, "lan")
    assert central.post("/sync/repair", data={"peer_state": str(hanoi)}).status_code == 403
    province = client_for(console, "minh")
    page = province.get("/sync")
    assert 'formaction="/sync/repair"' not in page.text
    refused = province.post(
        "/sync/repair",
        data={"peer_state": str(hanoi), "peer_node": "VN-01", "csrf_token": _csrf(page.text)},
    )
    assert refused.status_code == 403
    assert ("sync.repair", "console.sync.other_province") in _actions(console, "minh")


def test_numbers_a_restore_lost_are_shown_as_a_warning(console: Node) -> None:
    client = client_for(console, "lan")
    client.cookies.set("lienthong_console_lang", "en")
    assert "were lost here" not in client.get("/sync").text
    with console.engine.begin() as connection:
        last = changelog.last_handed_out(connection, origin=console.node_id)
    console.fence.raise_to(last + 3)  # as if an older store had been put back
    with console.engine.begin() as connection:
        changelog.settle(connection, origin=console.node_id, fence=console.fence)

    page = client.get("/sync")

    assert page.status_code == 200
    assert f"Own entries {last + 1}–{last + 3} were lost here" in page.text
