"""Merging a run writes links and new records through the normal write path, audited, undoable."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import Engine
from tests.integration.store.backends import FakeClock, UowFactory

from lienthong.access.models import access_log
from lienthong.errors import LienthongError
from lienthong.exchange.audit.models import audit_log
from lienthong.linkage import service
from lienthong.linkage.models import consolidation_merges
from lienthong.linkage.provenance import LINK, link_id, links_for, province_of
from lienthong.linkage.provenance import record_types as provenance_types
from lienthong.linkage.report import build_report, write_report
from lienthong.linkage.service import MergeSummary, RunInfo, RunItem
from lienthong.store import UnitOfWork
from lienthong.store.models import change_log
from lienthong.systems.core import core_registry
from lienthong.systems.core import samples as s

HANOI = "VN/GOV/01/node"
RECORD_TYPES = {**core_registry().record_types(), **provenance_types()}
SOURCE = "HCM-land-1998"
ACTOR = "can.bo@stnmt.hcm"
NEW_PIN = "001088000001"
OTHER_NEW_PIN = "001088000002"


class BreakingClock(FakeClock):
    """A fake clock that fails on a chosen reading, to break a merge half-way."""

    def __init__(self) -> None:
        super().__init__(datetime(2025, 10, 15, 3, 0, tzinfo=UTC))
        self.readings_left: int | None = None

    def __call__(self) -> datetime:
        if self.readings_left is not None:
            if self.readings_left == 0:
                raise RuntimeError("the clock stopped")
            self.readings_left -= 1
        return super().__call__()


@pytest.fixture
def clock() -> BreakingClock:
    return BreakingClock()


@pytest.fixture
def uow(engine: Engine, clock: BreakingClock) -> UowFactory:
    """Open units of work on a store with the registries and provenance, as Hà Nội."""

    def open_uow(node: str = HANOI) -> UnitOfWork:
        return UnitOfWork(engine, node=node, record_types=RECORD_TYPES, clock=clock)

    return open_uow


def new_person(pin: str, **overrides: Any) -> dict[str, Any]:
    return s.sample_person(
        **{"pin": pin, "full_name": "Lê Văn Bình", "spouse_pin": None, **overrides}
    )


def candidate(registry_id: str, probability: float) -> dict[str, Any]:
    return {"registry_id": registry_id, "match_probability": probability, "evidence": []}


def item(legacy_id: str, decision: str, probability: float = 0.0, **overrides: Any) -> RunItem:
    values: dict[str, Any] = {
        "legacy_id": legacy_id,
        "row_number": int(legacy_id[1:]),
        "fields": {"full_name": "Nguyen Van An"},
        "content": None,
        "registry_id": None,
        "match_probability": probability,
        "decision": decision,
        "candidates": [],
        **overrides,
    }
    return RunItem(**values)


#: A sure match, a pair a reviewer accepts, a valid new record, an invalid one, one too
#: thin to create, a rejected row, and a pair left waiting for review.
ITEMS = [
    item("L1", "match", 0.99, registry_id=s.PERSON_PIN, candidates=[candidate(s.PERSON_PIN, 0.99)]),
    item(
        "L2",
        "review",
        0.7,
        registry_id=s.PERSON_PIN,
        candidates=[candidate(s.PERSON_PIN, 0.7), candidate(s.SPOUSE_PIN, 0.65)],
    ),
    item("L3", "new", 0.02, content=new_person(NEW_PIN)),
    item("L4", "new", 0.01, content=new_person(OTHER_NEW_PIN, birth_date="15/13/1988")),
    item("L5", "new", 0.01),
    item("L6", "reject"),
    item("L7", "review", 0.6, registry_id=s.PERSON_PIN, candidates=[candidate(s.PERSON_PIN, 0.6)]),
]


def make_run(uow: UowFactory, items: list[RunItem] = ITEMS, source_system: str = SOURCE) -> str:
    with uow() as unit:
        run_id = service.start_run(
            uow=unit,
            info=RunInfo(
                system="population",
                record_type="Person",
                source_system=source_system,
                source="legacy/chu_so_huu.dbf",
                mapping="",
                model_version="person-2025-10",
                match_threshold=0.95,
                review_threshold=0.5,
                created_by=ACTOR,
            ),
        )
        service.add_items(uow=unit, run_id=run_id, items=items)
        unit.commit()
    return run_id


@pytest.fixture
def run_id(uow: UowFactory) -> str:
    """A run against a registry holding the sample couple, with L2 accepted as the wife."""
    with uow() as unit:
        unit.records.create(record_type="Person", content=s.sample_person())
        unit.records.create(record_type="Person", content=s.sample_spouse())
        unit.commit()
    run = make_run(uow)
    with uow() as unit:
        service.decide(
            uow=unit,
            run_id=run,
            legacy_id="L2",
            verdict="accept",
            reviewer="reviewer@stnmt",
            registry_id=s.SPOUSE_PIN,
        )
        unit.commit()
    return run


def merge(uow: UowFactory, run_id: str) -> MergeSummary:
    with uow() as unit:
        summary = service.merge(uow=unit, run_id=run_id, actor=ACTOR)
        unit.commit()
    return summary


def statuses(uow: UowFactory, run_id: str) -> dict[str, str]:
    with uow() as unit:
        return {
            i.legacy_id: service.get_item(uow=unit, run_id=run_id, legacy_id=i.legacy_id).status
            for i in ITEMS
        }


def version_of(uow: UowFactory, record_type: str, record_id: str) -> tuple[int, bool]:
    with uow() as unit:
        history = unit.records.history(record_type=record_type, record_id=record_id)
    return history[-1].version, history[-1].deleted


def count(engine: Engine, table: Any, *where: Any) -> int:
    with engine.connect() as connection:
        return int(
            connection.execute(select(func.count()).select_from(table).where(*where)).scalar_one()
        )


# -- merge ---------------------------------------------------------------------------------


def test_merge_links_existing_records_and_creates_new_ones_with_provenance(
    uow: UowFactory, run_id: str
) -> None:
    summary = merge(uow, run_id)
    assert (summary.run_id, summary.linked, summary.created) == (run_id, 2, 1)
    assert statuses(uow, run_id) == {
        "L1": "merged",
        "L2": "merged",
        "L3": "merged",
        "L4": "new",
        "L5": "new",
        "L6": "rejected",
        "L7": "pending",
    }
    with uow() as unit:
        created = unit.records.get(record_type="Person", record_id=NEW_PIN)
        links = {
            legacy_id: unit.records.get(
                record_type=LINK, record_id=link_id(source_system=SOURCE, legacy_id=legacy_id)
            )
            for legacy_id in ("L1", "L2", "L3")
        }
        l3 = service.get_item(uow=unit, run_id=run_id, legacy_id="L3")
        l1 = service.get_item(uow=unit, run_id=run_id, legacy_id="L1")
    assert (created.version, created.owner_node, created.content["full_name"]) == (
        1,
        HANOI,
        "Lê Văn Bình",
    )
    assert (l3.merge_id, l3.merged_record_id, l3.merged_version) == (summary.merge_id, NEW_PIN, 1)
    assert (l1.merge_id, l1.merged_record_id, l1.merged_version) == (
        summary.merge_id,
        s.PERSON_PIN,
        None,
    )
    first, second, third = (links[key].content for key in ("L1", "L2", "L3"))
    assert (first["record_id"], first["decision"], first["reviewer"]) == (
        s.PERSON_PIN,
        "match",
        None,
    )
    assert first["match_probability"] == 0.99
    # The accepted pair records the candidate the reviewer chose, with its own score.
    assert (second["record_id"], second["decision"], second["reviewer"]) == (
        s.SPOUSE_PIN,
        "accepted",
        "reviewer@stnmt",
    )
    assert second["match_probability"] == 0.65
    assert (third["record_id"], third["decision"]) == (NEW_PIN, "new")
    for content in (first, second, third):
        assert content["source_system"] == SOURCE
        assert content["model_version"] == "person-2025-10"
        assert (content["run_id"], content["merge_id"]) == (run_id, summary.merge_id)
        assert (content["node"], content["merged_by"]) == (HANOI, ACTOR)
    assert {link.partition for link in links.values()} == {"01"}


def test_the_registry_records_a_merge_links_to_are_left_as_they_are(
    uow: UowFactory, run_id: str
) -> None:
    merge(uow, run_id)
    assert version_of(uow, "Person", s.PERSON_PIN) == (1, False)
    assert version_of(uow, "Person", s.SPOUSE_PIN) == (1, False)


def test_a_registry_record_says_which_legacy_records_it_came_from(
    uow: UowFactory, run_id: str
) -> None:
    merge(uow, run_id)
    with uow() as unit:
        person = links_for(uow=unit, record_type="Person", record_id=s.PERSON_PIN)
        created = links_for(uow=unit, record_type="Person", record_id=NEW_PIN)
        nobody = links_for(uow=unit, record_type="Vehicle", record_id=s.PERSON_PIN)
    assert [(link.legacy_id, link.decision) for link in person] == [("L1", "match")]
    assert [(link.legacy_id, link.decision) for link in created] == [("L3", "new")]
    assert nobody == []


def test_every_write_of_a_merge_is_in_the_change_log_and_audited(
    uow: UowFactory, run_id: str, engine: Engine
) -> None:
    summary = merge(uow, run_id)
    links = [link_id(source_system=SOURCE, legacy_id=key) for key in ("L1", "L2", "L3")]
    with engine.connect() as connection:
        changes = connection.execute(
            select(change_log.c.record_type, change_log.c.record_id).where(
                change_log.c.record_type.in_(["Person", LINK])
            )
        ).all()
        accesses = connection.execute(
            select(access_log).where(access_log.c.purpose == "consolidation")
        ).all()
        audits = connection.execute(
            select(audit_log).where(audit_log.c.purpose == "consolidation")
        ).all()
    assert set(changes) == {
        ("Person", s.PERSON_PIN),
        ("Person", s.SPOUSE_PIN),
        ("Person", NEW_PIN),
        *((LINK, link) for link in links),
    }
    assert {(a.record_type, a.record_id, a.version) for a in accesses} == {
        ("Person", NEW_PIN, 1),
        *((LINK, link, 1) for link in links),
    }
    assert {(a.client, a.action, a.outcome) for a in accesses} == {(ACTOR, "create", "ok")}
    assert {(a.kind, a.client, a.service) for a in audits} == {
        ("record.write", ACTOR, "Person"),
        ("record.write", ACTOR, LINK),
    }
    assert {a.message_id for a in audits} == {a.request_id for a in accesses}
    assert summary.merge_id


def test_a_new_record_that_cannot_be_created_is_reported_and_the_others_are_merged(
    uow: UowFactory, run_id: str, engine: Engine
) -> None:
    summary = merge(uow, run_id)
    reasons = {skipped.legacy_id: skipped for skipped in summary.skipped}
    assert set(reasons) == {"L4", "L5"}
    assert reasons["L4"].code == "store.invalid_record"
    assert "birth_date" in reasons["L4"].reason
    assert reasons["L5"].code == "linkage.merge.no_content"
    with uow() as unit:
        l4 = service.get_item(uow=unit, run_id=run_id, legacy_id="L4")
        with pytest.raises(LienthongError):
            unit.records.get(record_type="Person", record_id=OTHER_NEW_PIN)
    assert l4.merge_problem is not None and l4.merge_problem["code"] == "store.invalid_record"
    assert (l4.status, l4.merge_id) == ("new", None)
    assert count(engine, consolidation_merges) == 1


def test_a_new_record_already_in_the_registry_is_reported(uow: UowFactory, run_id: str) -> None:
    duplicate = item("L8", "new", 0.3, content=s.sample_person())
    with uow() as unit:
        service.add_items(uow=unit, run_id=run_id, items=[duplicate])
        unit.commit()
    summary = merge(uow, run_id)
    reasons = {skipped.legacy_id: skipped.code for skipped in summary.skipped}
    assert reasons["L8"] == "store.already_exists"
    assert version_of(uow, "Person", s.PERSON_PIN) == (1, False)


def test_a_link_to_a_record_that_is_gone_is_reported(uow: UowFactory) -> None:
    run = make_run(uow, items=[item("L1", "match", 0.99, registry_id=s.PERSON_PIN)])
    summary = merge(uow, run)
    assert [(skipped.legacy_id, skipped.code) for skipped in summary.skipped] == [
        ("L1", "linkage.merge.no_record")
    ]
    assert summary.linked == 0


def test_merging_again_merges_only_what_became_linked_or_new_since(
    uow: UowFactory, run_id: str, engine: Engine
) -> None:
    first = merge(uow, run_id)
    again = merge(uow, run_id)
    assert (again.linked, again.created) == (0, 0)
    assert {skipped.legacy_id for skipped in again.skipped} == {"L4", "L5"}
    with uow() as unit:
        service.decide(
            uow=unit, run_id=run_id, legacy_id="L7", verdict="accept", reviewer="reviewer@stnmt"
        )
        unit.commit()
    third = merge(uow, run_id)
    assert (third.linked, third.created) == (1, 0)
    with uow() as unit:
        l1 = service.get_item(uow=unit, run_id=run_id, legacy_id="L1")
        l7 = service.get_item(uow=unit, run_id=run_id, legacy_id="L7")
    assert (l1.merge_id, l7.merge_id) == (first.merge_id, third.merge_id)
    link = link_id(source_system=SOURCE, legacy_id="L1")
    assert version_of(uow, LINK, link) == (1, False)
    assert count(engine, change_log, change_log.c.record_id == link) == 1


def test_a_run_with_nothing_to_merge_says_so(uow: UowFactory, run_id: str) -> None:
    only_pending = make_run(uow, items=[ITEMS[6], ITEMS[5], ITEMS[4]], source_system="other")
    with uow() as unit, pytest.raises(LienthongError) as caught:
        service.merge(uow=unit, run_id=only_pending, actor=ACTOR)
    assert caught.value.code == "linkage.merge.nothing"
    matched = make_run(uow, items=[ITEMS[0]], source_system="third")
    merge(uow, matched)
    with uow() as unit, pytest.raises(LienthongError) as caught:
        service.merge(uow=unit, run_id=matched, actor=ACTOR)
    assert caught.value.code == "linkage.merge.nothing"


def test_merge_refuses_an_unknown_run_or_a_nameless_actor(uow: UowFactory, run_id: str) -> None:
    with uow() as unit, pytest.raises(LienthongError) as caught:
        service.merge(uow=unit, run_id="nope", actor=ACTOR)
    assert caught.value.code == "linkage.run.not_found"
    with uow() as unit, pytest.raises(LienthongError) as caught:
        service.merge(uow=unit, run_id=run_id, actor=" ")
    assert caught.value.code == "linkage.missing_name"


def test_a_legacy_record_linked_by_an_earlier_run_is_not_linked_twice(
    uow: UowFactory, run_id: str
) -> None:
    merge(uow, run_id)
    later = make_run(uow, items=[ITEMS[0], item("L9", "match", 0.97, registry_id=s.SPOUSE_PIN)])
    summary = merge(uow, later)
    assert summary.linked == 1
    assert [(skipped.legacy_id, skipped.code) for skipped in summary.skipped] == [
        ("L1", "linkage.merge.already_linked")
    ]
    assert run_id in summary.skipped[0].reason
    with uow() as unit:
        link = unit.records.get(
            record_type=LINK, record_id=link_id(source_system=SOURCE, legacy_id="L1")
        )
    assert link.content["run_id"] == run_id


def test_a_merge_that_fails_half_way_leaves_nothing_written(
    uow: UowFactory, run_id: str, engine: Engine, clock: BreakingClock
) -> None:
    before = statuses(uow, run_id)
    changes = count(engine, change_log)
    # The merge's own time, the new person, the links; the audit of the person then fails.
    clock.readings_left = 3
    with uow() as unit:
        with pytest.raises(RuntimeError):
            service.merge(uow=unit, run_id=run_id, actor=ACTOR)
        # The failure came after the merge had written, in its transaction, the new
        # person and the links.
        assert unit.records.get(record_type="Person", record_id=NEW_PIN).version == 1
        assert unit.records.get(
            record_type=LINK, record_id=link_id(source_system=SOURCE, legacy_id="L1")
        )
    clock.readings_left = None
    assert statuses(uow, run_id) == before
    assert count(engine, change_log) == changes
    assert count(engine, access_log) == 0
    assert count(engine, audit_log) == 0
    assert count(engine, consolidation_merges) == 0
    with uow() as unit:
        for record_type, record_id in [
            ("Person", NEW_PIN),
            (LINK, link_id(source_system=SOURCE, legacy_id="L1")),
        ]:
            with pytest.raises(LienthongError) as caught:
                unit.records.get(record_type=record_type, record_id=record_id)
            assert caught.value.code == "store.not_found"
    # And the merge goes through once the fault is gone.
    assert merge(uow, run_id).created == 1


def test_provenance_is_partitioned_by_the_province_of_the_merging_node() -> None:
    assert province_of("VN-91") == "91"
    assert province_of("VN/GOV/01/node") == "01"
    assert province_of("VN-central") is None
    assert province_of("VN-123") is None
    assert link_id(source_system="a", legacy_id="1") == link_id(source_system="a", legacy_id="1")
    assert link_id(source_system="a", legacy_id="1") != link_id(source_system="b", legacy_id="1")


# -- undo ----------------------------------------------------------------------------------


def undo(uow: UowFactory, merge_id: str) -> service.UndoSummary:
    with uow() as unit:
        summary = service.undo(uow=unit, merge_id=merge_id, actor="truong.phong@stnmt")
        unit.commit()
    return summary


def test_undo_removes_exactly_what_the_merge_wrote_and_restores_the_items(
    uow: UowFactory, run_id: str, engine: Engine
) -> None:
    before = statuses(uow, run_id)
    merged = merge(uow, run_id)
    summary = undo(uow, merged.merge_id)
    assert (summary.links_removed, summary.records_removed, summary.items_restored) == (3, 1, 3)
    assert statuses(uow, run_id) == before
    with uow() as unit:
        l3 = service.get_item(uow=unit, run_id=run_id, legacy_id="L3")
        assert links_for(uow=unit, record_type="Person", record_id=s.PERSON_PIN) == []
    assert (l3.merge_id, l3.merged_record_id, l3.merged_version) == (None, None, None)
    assert version_of(uow, "Person", NEW_PIN) == (2, True)
    for key in ("L1", "L2", "L3"):
        assert version_of(uow, LINK, link_id(source_system=SOURCE, legacy_id=key)) == (2, True)
    assert version_of(uow, "Person", s.PERSON_PIN) == (1, False)
    assert version_of(uow, "Person", s.SPOUSE_PIN) == (1, False)
    with engine.connect() as connection:
        deletions = connection.execute(
            select(access_log.c.record_type, access_log.c.record_id, access_log.c.client).where(
                access_log.c.action == "delete"
            )
        ).all()
        undone = connection.execute(select(consolidation_merges)).one()
    assert len(deletions) == 4
    assert {row.client for row in deletions} == {"truong.phong@stnmt"}
    assert (undone.undone_by, undone.undone_at is not None) == ("truong.phong@stnmt", True)


def test_an_undone_merge_can_be_merged_again(uow: UowFactory, run_id: str) -> None:
    undo(uow, merge(uow, run_id).merge_id)
    again = merge(uow, run_id)
    assert (again.linked, again.created) == (2, 1)
    assert version_of(uow, "Person", NEW_PIN) == (3, False)


def test_undo_refuses_when_a_created_record_changed_since(uow: UowFactory, run_id: str) -> None:
    merged = merge(uow, run_id)
    with uow() as unit:
        unit.records.update(
            record_type="Person",
            record_id=NEW_PIN,
            content=new_person(NEW_PIN, full_name="Lê Văn Bính"),
            expected_version=1,
        )
        unit.commit()
    with uow() as unit, pytest.raises(LienthongError) as caught:
        service.undo(uow=unit, merge_id=merged.merge_id, actor=ACTOR)
    assert caught.value.code == "linkage.undo.changed"
    assert (caught.value.params["record_type"], caught.value.params["record_id"]) == (
        "Person",
        NEW_PIN,
    )
    assert statuses(uow, run_id)["L3"] == "merged"
    assert version_of(uow, LINK, link_id(source_system=SOURCE, legacy_id="L1")) == (1, False)


def test_undo_refuses_when_a_created_record_was_deleted_since(uow: UowFactory, run_id: str) -> None:
    merged = merge(uow, run_id)
    with uow() as unit:
        unit.records.delete(record_type="Person", record_id=NEW_PIN, expected_version=1)
        unit.commit()
    with uow() as unit, pytest.raises(LienthongError) as caught:
        service.undo(uow=unit, merge_id=merged.merge_id, actor=ACTOR)
    assert caught.value.code == "linkage.undo.changed"


def test_undo_refuses_an_unknown_or_already_undone_merge(uow: UowFactory, run_id: str) -> None:
    merged = merge(uow, run_id)
    undo(uow, merged.merge_id)
    with uow() as unit, pytest.raises(LienthongError) as caught:
        service.undo(uow=unit, merge_id=merged.merge_id, actor=ACTOR)
    assert caught.value.code == "linkage.undo.already_undone"
    assert caught.value.params["undone_by"] == "truong.phong@stnmt"
    with uow() as unit, pytest.raises(LienthongError) as caught:
        service.undo(uow=unit, merge_id="nope", actor=ACTOR)
    assert caught.value.code == "linkage.undo.not_found"


def test_undo_of_one_merge_leaves_a_later_merge_alone(uow: UowFactory, run_id: str) -> None:
    first = merge(uow, run_id)
    with uow() as unit:
        service.decide(
            uow=unit, run_id=run_id, legacy_id="L7", verdict="accept", reviewer="reviewer@stnmt"
        )
        unit.commit()
    merge(uow, run_id)
    undo(uow, first.merge_id)
    found = statuses(uow, run_id)
    assert (found["L1"], found["L3"], found["L7"]) == ("linked", "new", "merged")


# -- report --------------------------------------------------------------------------------


def test_the_report_counts_what_is_merged_and_what_is_left(uow: UowFactory, run_id: str) -> None:
    with uow() as unit:
        before = build_report(uow=unit, run_id=run_id)
    assert (before.total, before.readiness) == (7, 0.0)
    assert before.left == {"rejected": 1, "pending": 1, "unmergeable": 1, "not_merged": 4}
    assert before.match_rate == pytest.approx(2 / 7)
    merge(uow, run_id)
    with uow() as unit:
        report = build_report(uow=unit, run_id=run_id)
    assert report.readiness == pytest.approx(3 / 7)
    assert report.match_rate == pytest.approx(2 / 7)
    assert report.left == {"rejected": 1, "pending": 1, "unmergeable": 2, "not_merged": 0}
    assert report.by_status == {"pending": 1, "linked": 0, "new": 2, "rejected": 1, "merged": 3}
    assert report.by_decision == {"match": 1, "review": 2, "new": 3, "reject": 1}
    assert sum(report.left.values()) + report.by_status["merged"] == report.total
    bins = {round(low, 2): count for low, _high, count in report.histogram if count}
    # The rejected row is left out; 0.99 falls in the last bin, 0.6 and 0.7 on their edges.
    assert bins == {0.0: 3, 0.6: 1, 0.7: 1, 0.95: 1}
    assert len(report.histogram) == 20


def test_a_run_s_report_is_written_to_files(uow: UowFactory, run_id: str, tmp_path: Path) -> None:
    merge(uow, run_id)
    with uow() as unit:
        report = build_report(uow=unit, run_id=run_id)
    paths = write_report(report, out=tmp_path)
    assert (tmp_path / "scores.png").read_bytes().startswith(b"\x89PNG\r\n\x1a\n")
    assert {path.name for path in paths} >= {"report.md", "report.json", "outcomes.svg"}


def test_the_report_of_an_unknown_run_is_refused(uow: UowFactory) -> None:
    with uow() as unit, pytest.raises(LienthongError) as caught:
        build_report(uow=unit, run_id="nope")
    assert caught.value.code == "linkage.run.not_found"
