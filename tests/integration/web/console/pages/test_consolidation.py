"""The Consolidation pages: runs, a run's report and queue, an item's review, and the merge."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient
from tests.integration.web.console.pages.conftest import AN_GIANG_PIN
from tests.integration.web.console.pages.test_pages import _csrf, _operator, client_for

from lienthong.access import access_log_for
from lienthong.access.policy import OperatorRole
from lienthong.linkage import service
from lienthong.linkage.provenance import links_for
from lienthong.linkage.service import RunInfo, RunItem
from lienthong.node import Node
from lienthong.settings import load_settings
from lienthong.systems.core import samples as s
from lienthong.web.console.pages import queries


@pytest.fixture
def console(node: Node) -> Iterator[Node]:
    """Central with a central operator, a Hà Nội and an An Giang operator, and an auditor."""
    _operator(node, "lan", OperatorRole.CENTRAL)
    _operator(node, "minh", OperatorRole.PROVINCE, "01")
    _operator(node, "an", OperatorRole.PROVINCE, "91")
    _operator(node, "thu", OperatorRole.AUDITOR)
    yield node


def _candidate(registry_id: str, probability: float) -> dict[str, Any]:
    return {
        "registry_id": registry_id,
        "match_probability": probability,
        "evidence": [{"comparison": "full_name", "level": "exact", "bayes_factor": 120.0}],
    }


def _item(legacy_id: str, decision: str, probability: float = 0.0, **overrides: Any) -> RunItem:
    values: dict[str, Any] = {
        "legacy_id": legacy_id,
        "row_number": int(legacy_id[1:]),
        "fields": {"full_name": "Nguyen Van An", "birth_date": "1988-03-15"},
        "content": None,
        "registry_id": None,
        "match_probability": probability,
        "decision": decision,
        "candidates": [],
        **overrides,
    }
    return RunItem(**values)


#: A match, three pairs to review (L3 scores highest), a new record and a rejected row.
ITEMS = [
    _item(
        "L1", "match", 0.99, registry_id=s.PERSON_PIN, candidates=[_candidate(s.PERSON_PIN, 0.99)]
    ),
    _item(
        "L2",
        "review",
        0.7,
        registry_id=s.SPOUSE_PIN,
        candidates=[_candidate(s.SPOUSE_PIN, 0.7), _candidate(s.PERSON_PIN, 0.6)],
    ),
    _item(
        "L3", "review", 0.8, registry_id=s.PERSON_PIN, candidates=[_candidate(s.PERSON_PIN, 0.8)]
    ),
    _item(
        "L4", "review", 0.75, registry_id=AN_GIANG_PIN, candidates=[_candidate(AN_GIANG_PIN, 0.75)]
    ),
    _item("L5", "new", 0.01, content=s.sample_person(pin="001088000001", spouse_pin=None)),
    _item("L6", "reject", problem={"code": "linkage.repair.date", "message": "unreadable date"}),
]


def make_run(node: Node) -> str:
    """Record a run of a legacy Hà Nội register against the people the node holds."""
    with node.unit_of_work() as uow:
        run_id = service.start_run(
            uow=uow,
            info=RunInfo(
                system="population",
                record_type="Person",
                source_system="HN-ho-khau-2001",
                source="legacy/ho_khau.dbf",
                mapping="[columns]\nfull_name = 'HOTEN'\n",
                model_version="person-2025-10",
                match_threshold=0.95,
                review_threshold=0.5,
                created_by="can.bo@ha-noi",
            ),
        )
        service.add_items(uow=uow, run_id=run_id, items=ITEMS)
        uow.commit()
    return run_id


def _item_now(node: Node, run_id: str, legacy_id: str) -> service.Item:
    with node.unit_of_work(read_only=True) as uow:
        return service.get_item(uow=uow, run_id=run_id, legacy_id=legacy_id)


def _actions(node: Node, login: str) -> list[tuple[str, str]]:
    audited = queries.audit_entries(node=node, where=queries.AuditFilter(client=f"console:{login}"))
    return [(e.entry.service, e.entry.outcome) for e in audited.entries]


def _decide(client: TestClient, run_id: str, legacy_id: str, decision: str) -> Any:
    page = client.get(f"/consolidation/{run_id}/items/{legacy_id}")
    return client.post(
        f"/consolidation/{run_id}/items/{legacy_id}",
        data={"decision": decision, "csrf_token": _csrf(page.text)},
        follow_redirects=False,
    )


def _english(node: Node, login: str) -> TestClient:
    client = client_for(node, login)
    client.cookies.set("lienthong_console_lang", "en")
    return client


def test_the_list_shows_each_run_with_its_counts_and_readiness(console: Node) -> None:
    run_id = make_run(console)
    page = _english(console, "lan").get("/consolidation")
    assert page.status_code == 200 and page.text.count("<h1") == 1
    runs = page.text[page.text.index('id="runs"') :]
    assert f'href="/consolidation/{run_id}"' in runs
    assert "HN-ho-khau-2001" in runs and "review: 3" in runs and "pending: 3" in runs
    assert "0.0 %" in runs
    assert re.search(r"\d\d/\d\d/\d{4} \d\d:\d\d", runs)


def test_the_run_page_shows_the_report_its_charts_and_the_queue_highest_first(
    console: Node,
) -> None:
    run_id = make_run(console)
    page = _english(console, "lan").get(f"/consolidation/{run_id}")
    assert page.status_code == 200 and page.text.count("<h1") == 1
    assert page.text.count("<svg") == 3 and "<script" not in page.text
    assert "pairs waiting for review" in page.text
    queue = page.text[page.text.index('id="queue"') :]
    assert queue.index(">L3<") < queue.index(">L4<") < queue.index(">L2<")
    assert ">L1<" not in queue
    assert f'action="/consolidation/{run_id}/merge"' in page.text


def test_the_item_page_compares_field_by_field_and_logs_the_read_of_the_candidates(
    console: Node,
) -> None:
    run_id = make_run(console)
    page = _english(console, "lan").get(f"/consolidation/{run_id}/items/L2")
    assert page.status_code == 200 and page.text.count("<h1") == 1
    comparison = page.text[page.text.index('id="comparison"') :]
    assert f"Candidate {s.SPOUSE_PIN}" in comparison and f"Candidate {s.PERSON_PIN}" in comparison
    assert "[agree]" in comparison and "[differ]" in comparison
    assert "Bayes factor" in page.text and "120.0" in page.text
    for key in ("a", "r", "n"):
        assert f'accesskey="{key}"' in page.text
    assert f'value="accept:{s.PERSON_PIN}"' in page.text
    with console.engine.connect() as connection:
        reads = access_log_for(connection=connection, record_type="Person", record_id=s.SPOUSE_PIN)
    assert any(r.client == "console:lan" and r.purpose == "consolidation" for r in reads)


def test_accepting_the_best_candidate_links_it_and_moves_to_the_next_pending_item(
    console: Node,
) -> None:
    run_id = make_run(console)
    client = client_for(console, "lan")
    response = _decide(client, run_id, "L3", "accept")
    assert response.status_code == 303
    assert response.headers["location"].startswith(f"/consolidation/{run_id}/items/L4?")
    decided = _item_now(console, run_id, "L3")
    assert decided.status == "linked" and decided.registry_id == s.PERSON_PIN
    assert decided.reviewer == "lan"
    assert ("consolidation.decide", "ok") in _actions(console, "lan")


def test_accepting_a_chosen_candidate_links_that_one(console: Node) -> None:
    run_id = make_run(console)
    assert (
        _decide(client_for(console, "lan"), run_id, "L2", f"accept:{s.PERSON_PIN}").status_code
        == 303
    )
    decided = _item_now(console, run_id, "L2")
    assert decided.status == "linked" and decided.registry_id == s.PERSON_PIN


def test_reject_and_new_record_their_status_and_the_last_goes_back_to_the_run(
    console: Node,
) -> None:
    run_id = make_run(console)
    client = client_for(console, "lan")
    assert _decide(client, run_id, "L3", "reject").status_code == 303
    assert _decide(client, run_id, "L4", "new").status_code == 303
    last = _decide(client, run_id, "L2", "reject")
    assert last.headers["location"].startswith(f"/consolidation/{run_id}?done=decided")
    assert _item_now(console, run_id, "L3").status == "rejected"
    assert _item_now(console, run_id, "L4").status == "new"
    assert {_item_now(console, run_id, i).reviewer for i in ("L2", "L3", "L4")} == {"lan"}
    assert _actions(console, "lan").count(("consolidation.decide", "ok")) == 3


def test_a_refused_decision_is_shown_with_its_reason_and_audited(console: Node) -> None:
    run_id = make_run(console)
    client = _english(console, "lan")
    assert _decide(client, run_id, "L3", "accept").status_code == 303
    again = _decide(client, run_id, "L3", "reject")
    assert again.status_code == 400 and 'href="#decision"' in again.text
    assert _item_now(console, run_id, "L3").status == "linked"
    stranger = _decide(client, run_id, "L4", f"accept:{s.SPOUSE_PIN}")
    assert stranger.status_code == 400 and "is not a candidate" in stranger.text
    nonsense = _decide(client, run_id, "L4", "maybe")
    assert nonsense.status_code == 400
    outcomes = [
        outcome for action, outcome in _actions(console, "lan") if action == "consolidation.decide"
    ]
    assert "linkage.review.not_pending" in outcomes
    assert "linkage.review.not_a_candidate" in outcomes
    assert "console.consolidation.bad_decision" in outcomes


def test_deciding_is_refused_without_csrf_and_to_an_auditor(console: Node) -> None:
    run_id = make_run(console)
    path = f"/consolidation/{run_id}/items/L3"
    assert client_for(console, "lan").post(path, data={"decision": "accept"}).status_code == 403
    auditor = client_for(console, "thu")
    assert auditor.get("/consolidation").status_code == 403
    assert auditor.get(path).status_code == 403
    assert auditor.post(path, data={"decision": "accept"}).status_code == 403
    assert _item_now(console, run_id, "L3").status == "pending"


def test_merge_writes_provenance_shows_the_summary_and_is_audited(console: Node) -> None:
    run_id = make_run(console)
    client = _english(console, "lan")
    page = client.get(f"/consolidation/{run_id}")
    merged = client.post(f"/consolidation/{run_id}/merge", data={"csrf_token": _csrf(page.text)})
    assert merged.status_code == 200
    assert "Merged: 1 links to existing records" in merged.text
    assert _item_now(console, run_id, "L1").status == "merged"
    with console.unit_of_work(read_only=True) as uow:
        links = links_for(uow=uow, record_type="Person", record_id=s.PERSON_PIN)
    assert [link.legacy_id for link in links if link.run_id == run_id] == ["L1"]
    assert ("consolidation.merge", "ok") in _actions(console, "lan")
    nothing = client.post(f"/consolidation/{run_id}/merge", data={"csrf_token": _csrf(page.text)})
    assert nothing.status_code == 400 and 'href="#merge"' in nothing.text
    assert ("consolidation.merge", "linkage.merge.nothing") in _actions(console, "lan")


def test_merge_is_refused_without_csrf(console: Node) -> None:
    run_id = make_run(console)
    assert client_for(console, "lan").post(f"/consolidation/{run_id}/merge").status_code == 403
    assert _item_now(console, run_id, "L1").status == "linked"


def test_at_central_a_province_operator_sees_no_run_and_is_told_why(console: Node) -> None:
    run_id = make_run(console)
    client = _english(console, "minh")
    page = client.get("/consolidation")
    assert page.status_code == 200 and run_id not in page.text
    assert "reviewed by central operators" in page.text
    assert client.get(f"/consolidation/{run_id}").status_code == 403
    assert client.get(f"/consolidation/{run_id}/items/L3").status_code == 403


def test_a_province_nodes_runs_are_reviewed_by_its_own_operators(
    console: Node, tmp_path: Path
) -> None:
    settings = load_settings(state_dir=tmp_path / "ha-noi", node_id="VN-01", database_url=None)
    hanoi = Node(settings=settings, engine=console.engine, systems=console.systems)
    run_id = make_run(hanoi)
    own = client_for(hanoi, "minh")
    assert f'href="/consolidation/{run_id}"' in own.get("/consolidation").text
    assert _decide(own, run_id, "L3", "accept").status_code == 303
    other = _english(hanoi, "an")
    page = other.get("/consolidation")
    assert run_id not in page.text and "This node serves province 01" in page.text
    assert other.get(f"/consolidation/{run_id}").status_code == 403


def test_an_unknown_run_or_item_is_a_404_page(console: Node) -> None:
    run_id = make_run(console)
    client = client_for(console, "lan")
    assert client.get("/consolidation/0000").status_code == 404
    assert client.get(f"/consolidation/{run_id}/items/L99").status_code == 404
