"""A consolidation run on the node: kept whole, queued for review, decided one item at a time."""

from __future__ import annotations

import math
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.engine import Engine
from tests.integration.store.backends import FakeClock, UowFactory

from lienthong.errors import LienthongError
from lienthong.linkage import service
from lienthong.linkage.models import consolidation_runs
from lienthong.linkage.provenance import record_types as provenance_types
from lienthong.linkage.service import RunInfo, RunItem
from lienthong.store import UnitOfWork
from lienthong.systems.core import core_registry
from lienthong.systems.core import samples as s

HANOI = "VN/GOV/01/node"
RECORD_TYPES = {**core_registry().record_types(), **provenance_types()}


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(datetime(2025, 10, 15, 3, 0, tzinfo=UTC))


@pytest.fixture
def uow(engine: Engine, clock: FakeClock) -> UowFactory:
    """Open units of work on a store with the registries and provenance, as Hà Nội."""

    def open_uow(node: str = HANOI) -> UnitOfWork:
        return UnitOfWork(engine, node=node, record_types=RECORD_TYPES, clock=clock)

    return open_uow


def info(**overrides: Any) -> RunInfo:
    values: dict[str, Any] = {
        "system": "population",
        "record_type": "Person",
        "source_system": "HCM-land-1998",
        "source": "legacy/chu_so_huu.dbf",
        "mapping": "[columns]\nfull_name = 'HOTEN'\n",
        "model_version": "person-2025-10",
        "match_threshold": 0.95,
        "review_threshold": 0.5,
        "created_by": "can.bo@stnmt.hcm",
        **overrides,
    }
    return RunInfo(**values)


def candidate(registry_id: str, probability: float) -> dict[str, Any]:
    return {
        "registry_id": registry_id,
        "match_probability": probability,
        "evidence": [{"comparison": "full_name", "level": "exact", "bayes_factor": 120.0}],
    }


def item(legacy_id: str, decision: str, probability: float = 0.0, **overrides: Any) -> RunItem:
    values: dict[str, Any] = {
        "legacy_id": legacy_id,
        "row_number": int("".join(ch for ch in legacy_id if ch.isdigit()) or 0),
        "fields": {"full_name": "Nguyen Van An", "birth_date": "1988-03-15"},
        "content": None,
        "registry_id": None,
        "match_probability": probability,
        "decision": decision,
        "candidates": [],
        **overrides,
    }
    return RunItem(**values)


#: One item per decision, and three to review with the scores the queue orders them by.
ITEMS = [
    item("L1", "match", 0.99, registry_id=s.PERSON_PIN, candidates=[candidate(s.PERSON_PIN, 0.99)]),
    item(
        "L2",
        "review",
        0.7,
        registry_id=s.SPOUSE_PIN,
        candidates=[candidate(s.SPOUSE_PIN, 0.7), candidate(s.PERSON_PIN, 0.6)],
    ),
    item("L3", "review", 0.8, registry_id=s.PERSON_PIN, candidates=[candidate(s.PERSON_PIN, 0.8)]),
    item("L4", "review", 0.7, registry_id=s.PERSON_PIN, candidates=[candidate(s.PERSON_PIN, 0.7)]),
    item("L5", "new", 0.01, content=s.sample_person(pin="001088000001", spouse_pin=None)),
    item("L6", "reject", problem={"code": "linkage.repair.date", "message": "unreadable date"}),
    item("L7", "review", 0.6, cluster="c1"),
]


def make_run(uow: UowFactory, items: list[RunItem] = ITEMS, **overrides: Any) -> str:
    with uow() as unit:
        run_id = service.start_run(uow=unit, info=info(**overrides))
        service.add_items(uow=unit, run_id=run_id, items=items)
        unit.commit()
    return run_id


def refusal(uow: UowFactory, code: str, **arguments: Any) -> LienthongError:
    with uow() as unit, pytest.raises(LienthongError) as caught:
        service.decide(uow=unit, **{"reviewer": "reviewer@stnmt", **arguments})
    assert caught.value.code == code
    return caught.value


# -- a run is kept whole ---------------------------------------------------------------------


def test_a_run_keeps_its_items_with_the_status_each_decision_starts_in(uow: UowFactory) -> None:
    run_id = make_run(uow)
    with uow() as unit:
        run = service.get_run(uow=unit, run_id=run_id)
        items = {
            i.legacy_id: service.get_item(uow=unit, run_id=run_id, legacy_id=i.legacy_id)
            for i in ITEMS
        }
    assert (run.record_type, run.source_system, run.model_version) == (
        "Person",
        "HCM-land-1998",
        "person-2025-10",
    )
    assert (run.match_threshold, run.review_threshold) == (0.95, 0.5)
    assert run.created_at == datetime(2025, 10, 15, 3, 0, tzinfo=UTC)
    assert run.total == 7
    assert run.by_decision == {"match": 1, "review": 4, "new": 1, "reject": 1}
    assert run.by_status == {"pending": 4, "linked": 1, "new": 1, "rejected": 1, "merged": 0}
    assert {key: found.status for key, found in items.items()} == {
        "L1": "linked",
        "L2": "pending",
        "L3": "pending",
        "L4": "pending",
        "L5": "new",
        "L6": "rejected",
        "L7": "pending",
    }
    l2, l5, l6, l7 = items["L2"], items["L5"], items["L6"], items["L7"]
    assert l2.candidates == ITEMS[1].candidates
    assert l2.fields == {"full_name": "Nguyen Van An", "birth_date": "1988-03-15"}
    assert l2.record_type == "Person"
    assert l5.content is not None and l5.content["pin"] == "001088000001"
    assert l2.content is None
    assert l6.problem == {"code": "linkage.repair.date", "message": "unreadable date"}
    assert (l7.cluster, l7.registry_id, l7.reviewer, l7.merge_id) == ("c1", None, None, None)


def test_the_run_row_counts_what_the_linkage_decided(uow: UowFactory, engine: Engine) -> None:
    run_id = make_run(uow)
    with engine.connect() as connection:
        row = connection.execute(
            select(consolidation_runs).where(consolidation_runs.c.run_id == run_id)
        ).one()
    assert (row.total, row.matched, row.to_review, row.new, row.rejected) == (7, 1, 4, 1, 1)


def test_items_are_added_in_chunks_and_counted(uow: UowFactory) -> None:
    many = (item(f"X{n:05d}", "new", n / 2000) for n in range(1, 1201))
    with uow() as unit:
        run_id = service.start_run(uow=unit, info=info())
        assert service.add_items(uow=unit, run_id=run_id, items=many) == 1200
        assert service.add_items(uow=unit, run_id=run_id, items=[item("Y1", "reject")]) == 1
        unit.commit()
    with uow() as unit:
        run = service.get_run(uow=unit, run_id=run_id)
    assert (run.total, run.by_decision["new"], run.by_status["rejected"]) == (1201, 1200, 1)


def test_a_run_that_is_not_committed_leaves_nothing(uow: UowFactory) -> None:
    with uow() as unit:
        run_id = service.start_run(uow=unit, info=info())
        service.add_items(uow=unit, run_id=run_id, items=ITEMS)
    with uow() as unit:
        assert service.list_runs(uow=unit) == []
        with pytest.raises(LienthongError) as caught:
            service.get_run(uow=unit, run_id=run_id)
    assert caught.value.code == "linkage.run.not_found"


def test_runs_are_listed_newest_first_with_their_counts(uow: UowFactory) -> None:
    first = make_run(uow)
    second = make_run(uow, items=[item("A1", "new")], source_system="AG-gplx")
    with uow() as unit:
        runs = service.list_runs(uow=unit)
    assert [run.run_id for run in runs] == [second, first]
    assert [run.total for run in runs] == [1, 7]
    assert runs[0].by_status["new"] == 1
    assert runs[1].as_dict()["created_at"] == "2025-10-15T03:00:00+00:00"
    assert runs[1].as_dict()["by_decision"]["review"] == 4


@pytest.mark.parametrize(
    ("overrides", "code", "field"),
    [
        ({"record_type": "Dragon"}, "linkage.run.unknown_record_type", "record_type"),
        ({"review_threshold": 0.97}, "linkage.run.bad_thresholds", "match_threshold"),
        ({"match_threshold": 1.2}, "linkage.run.bad_thresholds", "match_threshold"),
        ({"review_threshold": -0.1}, "linkage.run.bad_thresholds", "match_threshold"),
        ({"created_by": "  "}, "linkage.missing_name", "created_by"),
    ],
)
def test_a_run_is_refused_when_its_description_is_wrong(
    uow: UowFactory, overrides: dict[str, Any], code: str, field: str
) -> None:
    with uow() as unit, pytest.raises(LienthongError) as caught:
        service.start_run(uow=unit, info=info(**overrides))
    assert (caught.value.code, caught.value.field) == (code, field)


@pytest.mark.parametrize(
    ("bad", "field"),
    [
        (item("B1", "maybe"), "decision"),
        (item("", "new"), "legacy_id"),
        (item("B" * 256, "new"), "legacy_id"),
        (item("B2", "review", 1.5), "match_probability"),
        (item("B3", "review", -0.01), "match_probability"),
        (item("B4", "review", math.nan), "match_probability"),
        (item("B5", "match", 0.99), "registry_id"),
    ],
)
def test_an_item_the_linkage_cannot_have_meant_is_refused_with_its_row(
    uow: UowFactory, bad: RunItem, field: str
) -> None:
    with uow() as unit:
        run_id = service.start_run(uow=unit, info=info())
        with pytest.raises(LienthongError) as caught:
            service.add_items(uow=unit, run_id=run_id, items=[ITEMS[0], bad])
    assert (caught.value.code, caught.value.field) == ("linkage.run.bad_item", field)
    assert caught.value.params["row_number"] == bad.row_number


def test_a_legacy_record_appears_once_per_run(uow: UowFactory) -> None:
    run_id = make_run(uow)
    with uow() as unit, pytest.raises(LienthongError) as caught:
        service.add_items(uow=unit, run_id=run_id, items=[item("N1", "new"), item("L3", "new")])
    assert (caught.value.code, caught.value.params["legacy_id"]) == (
        "linkage.run.duplicate_item",
        "L3",
    )
    with uow() as unit, pytest.raises(LienthongError) as caught:
        service.add_items(uow=unit, run_id=run_id, items=[item("N2", "new"), item("N2", "new")])
    assert caught.value.params["legacy_id"] == "N2"
    # Across chunks of one call too.
    repeated = [item(f"M{n}", "new") for n in range(600)] + [item("M3", "new")]
    with uow() as unit, pytest.raises(LienthongError) as caught:
        service.add_items(uow=unit, run_id=run_id, items=repeated)
    assert caught.value.params["legacy_id"] == "M3"
    with uow() as unit:
        assert service.get_run(uow=unit, run_id=run_id).total == 7


def test_items_of_an_unknown_run_are_refused(uow: UowFactory) -> None:
    with uow() as unit, pytest.raises(LienthongError) as caught:
        service.add_items(uow=unit, run_id="nope", items=ITEMS)
    assert caught.value.code == "linkage.run.not_found"
    with uow() as unit, pytest.raises(LienthongError) as caught:
        service.get_item(uow=unit, run_id="nope", legacy_id="L1")
    assert caught.value.code == "linkage.run.not_found"


# -- the review queue --------------------------------------------------------------------------


def queue_ids(uow: UowFactory, run_id: str, **arguments: Any) -> list[str]:
    with uow() as unit:
        return [i.legacy_id for i in service.review_queue(uow=unit, run_id=run_id, **arguments)]


def test_the_queue_holds_pending_items_highest_probability_first_in_a_stable_order(
    uow: UowFactory,
) -> None:
    run_id = make_run(uow)
    assert queue_ids(uow, run_id) == ["L3", "L2", "L4", "L7"]
    assert queue_ids(uow, run_id, limit=2) == ["L3", "L2"]
    assert queue_ids(uow, run_id, limit=2, after="L2") == ["L4", "L7"]
    assert queue_ids(uow, run_id, after="L4") == ["L7"]
    assert queue_ids(uow, run_id, after="L7") == []


def test_a_decided_item_leaves_the_queue_and_paging_goes_on_after_it(uow: UowFactory) -> None:
    run_id = make_run(uow)
    with uow() as unit:
        service.decide(
            uow=unit, run_id=run_id, legacy_id="L2", verdict="reject", reviewer="reviewer@stnmt"
        )
        unit.commit()
    assert queue_ids(uow, run_id) == ["L3", "L4", "L7"]
    assert queue_ids(uow, run_id, after="L2") == ["L4", "L7"]


def test_the_queue_refuses_a_bad_page(uow: UowFactory) -> None:
    run_id = make_run(uow)
    for limit in (0, 1001):
        with uow() as unit, pytest.raises(LienthongError) as caught:
            service.review_queue(uow=unit, run_id=run_id, limit=limit)
        assert caught.value.code == "linkage.review.bad_limit"
    with uow() as unit, pytest.raises(LienthongError) as caught:
        service.review_queue(uow=unit, run_id=run_id, after="L99")
    assert caught.value.code == "linkage.item.not_found"
    with uow() as unit, pytest.raises(LienthongError) as caught:
        service.review_queue(uow=unit, run_id="nope")
    assert caught.value.code == "linkage.run.not_found"


# -- decisions ---------------------------------------------------------------------------------


def decide(uow: UowFactory, run_id: str, legacy_id: str, verdict: Any, **extra: Any) -> Any:
    with uow() as unit:
        decided = service.decide(
            uow=unit,
            run_id=run_id,
            legacy_id=legacy_id,
            verdict=verdict,
            reviewer="reviewer@stnmt",
            **extra,
        )
        unit.commit()
    return decided


def test_accept_links_to_the_best_candidate_and_records_who_and_when(uow: UowFactory) -> None:
    run_id = make_run(uow)
    decided = decide(uow, run_id, "L2", "accept")
    assert (decided.status, decided.registry_id, decided.reviewer) == (
        "linked",
        s.SPOUSE_PIN,
        "reviewer@stnmt",
    )
    assert decided.reviewed_at is not None and decided.reviewed_at.tzinfo is not None
    with uow() as unit:
        assert service.get_item(uow=unit, run_id=run_id, legacy_id="L2") == decided
        run = service.get_run(uow=unit, run_id=run_id)
    assert (run.by_status["pending"], run.by_status["linked"]) == (3, 2)


def test_accept_may_choose_another_of_the_candidates(uow: UowFactory) -> None:
    run_id = make_run(uow)
    decided = decide(uow, run_id, "L2", "accept", registry_id=s.PERSON_PIN)
    assert (decided.status, decided.registry_id) == ("linked", s.PERSON_PIN)


def test_new_and_reject_move_a_pending_item_without_a_link(uow: UowFactory) -> None:
    run_id = make_run(uow)
    assert decide(uow, run_id, "L3", "new").status == "new"
    assert decide(uow, run_id, "L4", "reject").status == "rejected"
    with uow() as unit:
        run = service.get_run(uow=unit, run_id=run_id)
    assert run.by_status == {"pending": 2, "linked": 1, "new": 2, "rejected": 2, "merged": 0}


@pytest.mark.parametrize("legacy_id", ["L1", "L5", "L6"])
def test_only_a_pending_item_can_be_decided(uow: UowFactory, legacy_id: str) -> None:
    run_id = make_run(uow)
    error = refusal(
        uow, "linkage.review.not_pending", run_id=run_id, legacy_id=legacy_id, verdict="reject"
    )
    assert error.params["legacy_id"] == legacy_id


def test_an_item_is_decided_once(uow: UowFactory) -> None:
    run_id = make_run(uow)
    decide(uow, run_id, "L3", "accept")
    error = refusal(uow, "linkage.review.not_pending", run_id=run_id, legacy_id="L3", verdict="new")
    assert error.params["status"] == "linked"
    with uow() as unit:
        assert service.get_item(uow=unit, run_id=run_id, legacy_id="L3").status == "linked"


def test_accept_refuses_a_record_that_is_not_a_candidate(uow: UowFactory) -> None:
    run_id = make_run(uow)
    error = refusal(
        uow,
        "linkage.review.not_a_candidate",
        run_id=run_id,
        legacy_id="L3",
        verdict="accept",
        registry_id=s.SPOUSE_PIN,
    )
    assert error.field == "registry_id"
    assert error.params["candidates"] == s.PERSON_PIN


def test_accept_refuses_an_item_without_candidates(uow: UowFactory) -> None:
    run_id = make_run(uow)
    refusal(uow, "linkage.review.no_candidate", run_id=run_id, legacy_id="L7", verdict="accept")


def test_only_accept_names_a_registry_record(uow: UowFactory) -> None:
    run_id = make_run(uow)
    refusal(
        uow,
        "linkage.review.not_accept",
        run_id=run_id,
        legacy_id="L3",
        verdict="new",
        registry_id=s.PERSON_PIN,
    )


def test_decide_refuses_an_unknown_verdict_run_item_or_reviewer(uow: UowFactory) -> None:
    run_id = make_run(uow)
    refusal(uow, "linkage.review.bad_verdict", run_id=run_id, legacy_id="L3", verdict="maybe")
    refusal(uow, "linkage.run.not_found", run_id="nope", legacy_id="L3", verdict="accept")
    refusal(uow, "linkage.item.not_found", run_id=run_id, legacy_id="L99", verdict="accept")
    refusal(
        uow,
        "linkage.missing_name",
        run_id=run_id,
        legacy_id="L3",
        verdict="accept",
        reviewer="",
    )
    with uow() as unit:
        assert service.get_run(uow=unit, run_id=run_id).by_status["pending"] == 4
