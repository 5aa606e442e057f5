"""The demo's consolidation: two provinces retire the legacy systems they ran beside the national one.

TP. Hồ Chí Minh's old land system (a DBF file in TCVN3 with pre-2025 districts and
wards) is linked to the land registry its node holds; An Giang's old driver-licence
list (an XLSX file in VNI bytes with names and birth years only) is linked to the
population registry. Both extracts are made from the demo's own synthetic country by
``lienthong data legacy``, which writes the ground truth beside them: the demo's reviewer
decides the uncertain pairs with it, as a careful clerk with the paper files would, and
the demo measures the links against it.

A run is recorded once: re-running the demo shows the runs already merged.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Final, Literal

from lienthong.data.legacy import make_legacy
from lienthong.demo import network as net
from lienthong.i18n import N_
from lienthong.linkage import service
from lienthong.linkage.engine import Thresholds
from lienthong.linkage.link import link_file
from lienthong.linkage.report import build_report, write_report
from lienthong.linkage.review import Comparison, compare
from lienthong.node import Node

#: Who reviews and merges in the demo, as the audit log and the provenance record it.
REVIEWER: Final = "demo-reviewer"
DONE: Final = "consolidated.json"


@dataclass(frozen=True)
class LegacySystem:
    """One legacy system of the demo: where it runs, what it holds, how it is kept."""

    node_id: str
    caption: str
    kind: Literal["population", "land", "driving"]
    format: str
    encoding: str


SYSTEMS: Final = (
    LegacySystem(
        "VN-79",
        N_("TP. Hồ Chí Minh retires its legacy land system (DBF, TCVN3, pre-2025 districts)"),
        "land",
        "dbf",
        "tcvn3",
    ),
    LegacySystem(
        "VN-91",
        N_(
            "An Giang retires its legacy driver-licence list (XLSX, VNI, names and birth years only)"
        ),
        "driving",
        "xlsx",
        "vni",
    ),
)


@dataclass(frozen=True)
class Accuracy:
    """The links measured against the generator's ground truth."""

    precision: float
    recall: float
    f1: float


@dataclass(frozen=True)
class Consolidated:
    """What one legacy system's consolidation did."""

    node_id: str
    caption: str
    source: str
    run_id: str
    rows: int
    by_decision: dict[str, int]
    reviewed: int
    merge_id: str | None
    linked: int
    created: int
    not_merged: int
    readiness: float
    accuracy: Accuracy
    report: list[str]


def run_consolidation(
    network: net.Network,
    *,
    state_dir: Path,
    show_pair: Callable[[Comparison], None] | None = None,
) -> list[Consolidated]:
    """Consolidate both legacy systems once, or return what an earlier run of the demo did."""
    marker = state_dir / DONE
    if marker.is_file():
        saved = json.loads(marker.read_text(encoding="utf-8"))
        return [
            Consolidated(**{**entry, "accuracy": Accuracy(**entry["accuracy"])}) for entry in saved
        ]
    done = [
        _consolidate(network, system, state_dir=state_dir, show_pair=show_pair)
        for system in SYSTEMS
    ]
    marker.write_text(
        json.dumps([asdict(entry) for entry in done], ensure_ascii=False, indent=1),
        encoding="utf-8",
    )
    return done


def _consolidate(
    network: net.Network,
    system: LegacySystem,
    *,
    state_dir: Path,
    show_pair: Callable[[Comparison], None] | None,
) -> Consolidated:
    node = network.nodes[system.node_id]
    work = state_dir / system.node_id / "legacy"
    extract = make_legacy(
        source=state_dir / system.node_id / "data",
        kind=system.kind,
        out=work,
        seed=7,
        province=system.node_id.removeprefix("VN-"),
        format=system.format,
        encoding=system.encoding,
    )
    settings = node.settings
    summary = link_file(
        node=node,
        input=extract.extract,
        mapping=extract.mapping,
        out=work / f"{system.kind}.links.csv",
        thresholds=Thresholds(
            match=settings.linkage_match_threshold, review=settings.linkage_review_threshold
        ),
        actor=REVIEWER,
    )
    truth = _truth(extract.truth)
    reviewed = _review(node, summary.run_id, truth=truth, show_pair=show_pair)
    with node.unit_of_work() as uow:
        merged = service.merge(uow=uow, run_id=summary.run_id, actor=REVIEWER)
        uow.commit()
    with node.unit_of_work(read_only=True) as uow:
        report = build_report(uow=uow, run_id=summary.run_id)
    paths = write_report(report, out=work / "report")
    return Consolidated(
        node_id=system.node_id,
        caption=system.caption,
        source=str(extract.extract),
        run_id=summary.run_id,
        rows=summary.rows,
        by_decision=summary.by_decision,
        reviewed=reviewed,
        merge_id=merged.merge_id,
        linked=merged.linked,
        created=merged.created,
        not_merged=len(merged.skipped),
        readiness=report.readiness,
        accuracy=_accuracy(summary.out, truth),
        report=[str(path) for path in paths],
    )


def _truth(path: Path) -> dict[str, str]:
    with path.open(encoding="utf-8", newline="") as stream:
        return {row["legacy_id"]: row["registry_id"] for row in csv.DictReader(stream)}


def _review(
    node: Node,
    run_id: str,
    *,
    truth: dict[str, str],
    show_pair: Callable[[Comparison], None] | None,
) -> int:
    """Decide every pending pair as the truth says; show the first one as a reviewer sees it."""
    decided = 0
    while True:
        with node.unit_of_work(read_only=True) as uow:
            queue = service.review_queue(uow=uow, run_id=run_id, limit=100)
        if not queue:
            return decided
        for item in queue:
            if decided == 0 and show_pair is not None:
                show_pair(compare(node=node, item=item, actor=REVIEWER))
            answer = truth.get(item.legacy_id, "")
            candidates = {str(candidate["registry_id"]) for candidate in item.candidates}
            with node.unit_of_work() as uow:
                if answer and answer in candidates:
                    service.decide(
                        uow=uow,
                        run_id=run_id,
                        legacy_id=item.legacy_id,
                        verdict="accept",
                        reviewer=REVIEWER,
                        registry_id=answer,
                    )
                else:
                    service.decide(
                        uow=uow,
                        run_id=run_id,
                        legacy_id=item.legacy_id,
                        verdict="new" if not answer else "reject",
                        reviewer=REVIEWER,
                    )
                uow.commit()
            decided += 1


def _accuracy(links: Path, truth: dict[str, str]) -> Accuracy:
    """Score the automatic links (match or review, best candidate) against the truth."""
    predicted = right = 0
    with links.open(encoding="utf-8", newline="") as stream:
        for row in csv.DictReader(stream):
            if row["decision"] in ("match", "review"):
                predicted += 1
                right += row["registry_id"] == truth.get(row["legacy_id"])
    actual = sum(1 for registry_id in truth.values() if registry_id)
    precision = right / predicted if predicted else 1.0
    recall = right / actual if actual else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return Accuracy(precision=precision, recall=recall, f1=f1)
