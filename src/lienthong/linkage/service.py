"""A consolidation run on the node: its items, the review queue, the merge and its undo.

A run is written once, in the transaction of the link that produced it, then moves
through review and merge. Each legacy record is an item whose status says where it is:

    match  → linked ─┐
    review → pending ├→ (accept) linked, (new) new, (reject) rejected
    new    → new     ├→ merge → merged → undo → linked / new again
    reject → rejected

A merge writes, through the unit of work's record store (validation, owner rule,
references, change log), a provenance link per linked item and the registry record
plus its link per new item, and audits every write. Every function here writes only
through the unit of work it is given; the caller commits.
"""

from __future__ import annotations

import math
import uuid
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any, Final, Literal, get_args

from sqlalchemy import Row, and_, bindparam, false, func, or_, select, update
from sqlalchemy.sql.elements import ColumnElement

from lienthong.access.log import OK, Access, Action, log_access
from lienthong.errors import LienthongError
from lienthong.i18n import N_
from lienthong.linkage.models import (
    LEGACY_ID_LENGTH,
    consolidation_items,
    consolidation_merges,
    consolidation_runs,
)
from lienthong.linkage.provenance import LINK, LegacyLinkContent, LinkDecision, link_id
from lienthong.store.models import current_records
from lienthong.store.records import Record
from lienthong.store.unit_of_work import UnitOfWork

Decision = Literal["match", "review", "new", "reject"]
Status = Literal["pending", "linked", "new", "rejected", "merged"]
Verdict = Literal["accept", "reject", "new"]

DECISIONS: Final[tuple[str, ...]] = get_args(Decision)
STATUSES: Final[tuple[str, ...]] = get_args(Status)
VERDICTS: Final[tuple[str, ...]] = get_args(Verdict)

#: The status an item starts in, by the linkage's decision.
INITIAL_STATUS: Final[dict[str, str]] = {
    "match": "linked",
    "review": "pending",
    "new": "new",
    "reject": "rejected",
}
#: The status a reviewer's verdict moves a pending item to.
REVIEWED_STATUS: Final[dict[str, str]] = {"accept": "linked", "new": "new", "reject": "rejected"}
#: The purpose every write of a merge or an undo is audited with.
PURPOSE: Final = "consolidation"
#: Items read, written and merged per statement.
CHUNK: Final = 500
#: The most items one page of the review queue holds.
MAX_QUEUE_PAGE: Final = 1000

_runs = consolidation_runs
_items = consolidation_items
_merges = consolidation_merges


@dataclass(frozen=True)
class RunInfo:
    """What a run links: a legacy source, through a mapping and a model, to a record type."""

    system: str
    record_type: str
    source_system: str
    source: str
    mapping: str
    model_version: str
    match_threshold: float
    review_threshold: float
    created_by: str


@dataclass(frozen=True)
class RunItem:
    """What the linkage made of one legacy record."""

    legacy_id: str
    row_number: int
    fields: dict[str, str | None]
    content: dict[str, Any] | None
    registry_id: str | None
    match_probability: float
    decision: str
    candidates: list[dict[str, Any]]
    problem: dict[str, str] | None = None
    cluster: str | None = None


@dataclass(frozen=True)
class Run:
    """A run as stored, with how many of its items each decision and status holds."""

    run_id: str
    created_at: datetime
    created_by: str
    system: str
    record_type: str
    source_system: str
    source: str
    mapping: str
    model_version: str
    match_threshold: float
    review_threshold: float
    total: int
    by_decision: dict[str, int]
    by_status: dict[str, int]

    def as_dict(self) -> dict[str, Any]:
        """Return the run as JSON-ready data."""
        return {**asdict(self), "created_at": self.created_at.isoformat()}


@dataclass(frozen=True)
class Item:
    """One legacy record of a run, with where review and merge have taken it."""

    run_id: str
    #: The registry record type of its run, which its candidates and content are of.
    record_type: str
    legacy_id: str
    row_number: int
    fields: dict[str, str | None]
    content: dict[str, Any] | None
    registry_id: str | None
    match_probability: float
    decision: str
    candidates: list[dict[str, Any]]
    problem: dict[str, str] | None
    cluster: str | None
    status: str
    reviewer: str | None
    reviewed_at: datetime | None
    merge_id: str | None
    merged_record_id: str | None
    merged_version: int | None
    merge_problem: dict[str, str] | None


@dataclass(frozen=True)
class Skipped:
    """An item a merge left alone, and why (its error's code and English message)."""

    legacy_id: str
    code: str
    reason: str


@dataclass(frozen=True)
class MergeSummary:
    """What one merge wrote: links to existing records, new records, and what it skipped."""

    merge_id: str
    run_id: str
    linked: int
    created: int
    skipped: tuple[Skipped, ...]


@dataclass(frozen=True)
class UndoSummary:
    """What undoing a merge removed and how many items went back to their earlier status."""

    merge_id: str
    run_id: str
    links_removed: int
    records_removed: int
    items_restored: int


# -- errors ------------------------------------------------------------------------------


def _unknown_run(run_id: str) -> LienthongError:
    return LienthongError(
        "linkage.run.not_found",
        N_("There is no consolidation run {run_id} on this node. List the runs to find it."),
        field="run_id",
        run_id=run_id,
    )


def _unknown_item(run_id: str, legacy_id: str) -> LienthongError:
    return LienthongError(
        "linkage.item.not_found",
        N_(
            "The consolidation run {run_id} has no legacy record {legacy_id}. Check the"
            " legacy identifier."
        ),
        field="legacy_id",
        run_id=run_id,
        legacy_id=legacy_id,
    )


def _bad_item(row_number: int, reason: str, field: str) -> LienthongError:
    return LienthongError(
        "linkage.run.bad_item",
        N_("The linked row {row_number} cannot be kept: {reason}. Correct the linkage output."),
        field=field,
        row_number=row_number,
        reason=reason,
    )


def _missing_name(field: str) -> LienthongError:
    return LienthongError(
        "linkage.missing_name",
        N_("Say who is acting: {field} is empty. Give the name of the operator."),
        field=field,
    )


def _skip(legacy_id: str, error: LienthongError) -> Skipped:
    return Skipped(legacy_id=legacy_id, code=error.code, reason=error.message_en)


# -- reading -----------------------------------------------------------------------------


def _item_of(row: Row[Any], record_type: str) -> Item:
    return Item(
        run_id=row.run_id,
        record_type=record_type,
        legacy_id=row.legacy_id,
        row_number=row.row_number,
        fields=dict(row.fields),
        content=dict(row.content) if row.content is not None else None,
        registry_id=row.registry_id,
        match_probability=row.match_probability,
        decision=row.decision,
        candidates=list(row.candidates),
        problem=dict(row.problem) if row.problem is not None else None,
        cluster=row.cluster,
        status=row.status,
        reviewer=row.reviewer,
        reviewed_at=row.reviewed_at,
        merge_id=row.merge_id,
        merged_record_id=row.merged_record_id,
        merged_version=row.merged_version,
        merge_problem=dict(row.merge_problem) if row.merge_problem is not None else None,
    )


def _run_of(row: Row[Any], counts: Sequence[tuple[str, str, int]]) -> Run:
    by_decision = dict.fromkeys(DECISIONS, 0)
    by_status = dict.fromkeys(STATUSES, 0)
    for decision, status, count in counts:
        by_decision[decision] = by_decision.get(decision, 0) + count
        by_status[status] = by_status.get(status, 0) + count
    return Run(
        run_id=row.run_id,
        created_at=row.created_at,
        created_by=row.created_by,
        system=row.system,
        record_type=row.record_type,
        source_system=row.source_system,
        source=row.source,
        mapping=row.mapping,
        model_version=row.model_version,
        match_threshold=row.match_threshold,
        review_threshold=row.review_threshold,
        total=sum(by_decision.values()),
        by_decision=by_decision,
        by_status=by_status,
    )


def _run_row(uow: UnitOfWork, run_id: str) -> Row[Any]:
    row = uow.connection.execute(select(_runs).where(_runs.c.run_id == run_id)).first()
    if row is None:
        raise _unknown_run(run_id)
    return row


def _item_row(uow: UnitOfWork, run_id: str, legacy_id: str) -> Row[Any]:
    row = uow.connection.execute(
        select(_items).where(_items.c.run_id == run_id, _items.c.legacy_id == legacy_id)
    ).first()
    if row is None:
        raise _unknown_item(run_id, legacy_id)
    return row


def _counts(uow: UnitOfWork, *where: ColumnElement[bool]) -> list[Row[Any]]:
    return list(
        uow.connection.execute(
            select(_items.c.run_id, _items.c.decision, _items.c.status, func.count().label("items"))
            .where(*where)
            .group_by(_items.c.run_id, _items.c.decision, _items.c.status)
        )
    )


def get_run(*, uow: UnitOfWork, run_id: str) -> Run:
    """Return a run with its counts by decision and by status."""
    row = _run_row(uow, run_id)
    counts = _counts(uow, _items.c.run_id == run_id)
    return _run_of(row, [(c.decision, c.status, c.items) for c in counts])


def list_runs(*, uow: UnitOfWork) -> list[Run]:
    """Return every run on this node, newest first, with their counts."""
    by_run: dict[str, list[tuple[str, str, int]]] = {}
    for count in _counts(uow):
        by_run.setdefault(count.run_id, []).append((count.decision, count.status, count.items))
    rows = uow.connection.execute(select(_runs).order_by(_runs.c.created_at.desc(), _runs.c.run_id))
    return [_run_of(row, by_run.get(row.run_id, [])) for row in rows]


def get_item(*, uow: UnitOfWork, run_id: str, legacy_id: str) -> Item:
    """Return one legacy record of a run."""
    run = _run_row(uow, run_id)
    return _item_of(_item_row(uow, run_id, legacy_id), run.record_type)


def review_queue(
    *, uow: UnitOfWork, run_id: str, limit: int = 50, after: str | None = None
) -> list[Item]:
    """Return a page of a run's pending items, highest probability first.

    Ties are broken by legacy identifier, so the order is stable; ``after`` is the legacy
    identifier of the last item of the previous page.
    """
    run = _run_row(uow, run_id)
    if not 1 <= limit <= MAX_QUEUE_PAGE:
        raise LienthongError(
            "linkage.review.bad_limit",
            N_("Ask for between 1 and {maximum} items per page, not {limit}."),
            field="limit",
            maximum=MAX_QUEUE_PAGE,
            limit=limit,
        )
    statement = select(_items).where(_items.c.run_id == run_id, _items.c.status == "pending")
    if after is not None:
        last = _item_row(uow, run_id, after)
        probability = _items.c.match_probability
        statement = statement.where(
            or_(
                probability < last.match_probability,
                and_(probability == last.match_probability, _items.c.legacy_id > after),
            )
        )
    rows = uow.connection.execute(
        statement.order_by(_items.c.match_probability.desc(), _items.c.legacy_id).limit(limit)
    )
    return [_item_of(row, run.record_type) for row in rows]


# -- a new run ---------------------------------------------------------------------------


def start_run(*, uow: UnitOfWork, info: RunInfo) -> str:
    """Record a new run of the linkage and return its identifier."""
    if info.record_type not in uow.record_types:
        raise LienthongError(
            "linkage.run.unknown_record_type",
            N_(
                "This node knows no record type {record_type} to consolidate into. Register"
                " the system that defines it."
            ),
            field="record_type",
            record_type=info.record_type,
        )
    if not 0.0 <= info.review_threshold <= info.match_threshold <= 1.0:
        raise LienthongError(
            "linkage.run.bad_thresholds",
            N_(
                "The review threshold {review} and the match threshold {match} must lie"
                " between 0 and 1, the review threshold not above the match threshold."
                " Correct the settings."
            ),
            field="match_threshold",
            review=info.review_threshold,
            match=info.match_threshold,
        )
    if not info.created_by.strip():
        raise _missing_name("created_by")
    run_id = uuid.uuid4().hex
    uow.connection.execute(
        _runs.insert().values(
            run_id=run_id,
            created_at=uow.clock(),
            created_by=info.created_by,
            system=info.system,
            record_type=info.record_type,
            source_system=info.source_system,
            source=info.source,
            mapping=info.mapping,
            model_version=info.model_version,
            match_threshold=info.match_threshold,
            review_threshold=info.review_threshold,
            total=0,
            matched=0,
            to_review=0,
            new=0,
            rejected=0,
        )
    )
    return run_id


def _checked(item: RunItem) -> dict[str, Any]:
    """Return the row of an item, refusing one the linkage cannot have meant."""
    if item.decision not in DECISIONS:
        reason = f"the decision {item.decision!r} is not one of {', '.join(DECISIONS)}"
        raise _bad_item(item.row_number, reason, "decision")
    if not item.legacy_id or len(item.legacy_id) > LEGACY_ID_LENGTH:
        reason = f"the legacy identifier is empty or longer than {LEGACY_ID_LENGTH} characters"
        raise _bad_item(item.row_number, reason, "legacy_id")
    probability = item.match_probability
    if math.isnan(probability) or not 0.0 <= probability <= 1.0:
        reason = f"the match probability {probability} is not between 0 and 1"
        raise _bad_item(item.row_number, reason, "match_probability")
    if item.decision == "match" and not item.registry_id:
        raise _bad_item(item.row_number, "a match names no registry record", "registry_id")
    return {
        "legacy_id": item.legacy_id,
        "row_number": item.row_number,
        "fields": item.fields,
        "content": item.content,
        "registry_id": item.registry_id,
        "match_probability": probability,
        "decision": item.decision,
        "candidates": item.candidates,
        "problem": item.problem,
        "cluster": item.cluster,
        "status": INITIAL_STATUS[item.decision],
    }


def _batches(items: Iterable[Any], size: int = CHUNK) -> Iterator[list[Any]]:
    batch: list[Any] = []
    for item in items:
        batch.append(item)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def add_items(*, uow: UnitOfWork, run_id: str, items: Iterable[RunItem]) -> int:
    """Add the linkage's items to a run, in chunks, and return how many were added.

    The caller commits, once, after the last item: a link that fails half-way leaves no
    half-written run behind.
    """
    _run_row(uow, run_id)
    seen: set[str] = set()
    added = dict.fromkeys(DECISIONS, 0)
    for batch in _batches(items):
        rows = [{"run_id": run_id, **_checked(item)} for item in batch]
        ids = [row["legacy_id"] for row in rows]
        repeated = next((legacy_id for legacy_id in ids if legacy_id in seen), None)
        seen.update(ids)
        if repeated is None and len(set(ids)) != len(ids):
            repeated = next(legacy_id for legacy_id in ids if ids.count(legacy_id) > 1)
        if repeated is None:
            repeated = uow.connection.execute(
                select(_items.c.legacy_id)
                .where(_items.c.run_id == run_id, _items.c.legacy_id.in_(ids))
                .limit(1)
            ).scalar()
        if repeated is not None:
            raise LienthongError(
                "linkage.run.duplicate_item",
                N_(
                    "The legacy record {legacy_id} appears twice in run {run_id}. Give every"
                    " legacy record its own identifier."
                ),
                field="legacy_id",
                legacy_id=repeated,
                run_id=run_id,
            )
        uow.connection.execute(_items.insert(), rows)
        for row in rows:
            added[row["decision"]] += 1
    total = sum(added.values())
    if total:
        uow.connection.execute(
            _runs.update()
            .where(_runs.c.run_id == run_id)
            .values(
                total=_runs.c.total + total,
                matched=_runs.c.matched + added["match"],
                to_review=_runs.c.to_review + added["review"],
                new=_runs.c.new + added["new"],
                rejected=_runs.c.rejected + added["reject"],
            )
        )
    return total


# -- review ------------------------------------------------------------------------------


def decide(
    *,
    uow: UnitOfWork,
    run_id: str,
    legacy_id: str,
    verdict: Verdict,
    reviewer: str,
    registry_id: str | None = None,
) -> Item:
    """Record a reviewer's verdict on a pending item and return the item as it now is.

    ``accept`` links the legacy record to its best candidate, or to ``registry_id`` when
    it names another of its candidates; ``new`` says it has no registry record yet;
    ``reject`` leaves it out of the consolidation.
    """
    if verdict not in VERDICTS:
        raise LienthongError(
            "linkage.review.bad_verdict",
            N_("The verdict {verdict} is unknown. Use accept, reject or new."),
            field="verdict",
            verdict=str(verdict),
        )
    if not reviewer.strip():
        raise _missing_name("reviewer")
    _run_row(uow, run_id)
    row = _item_row(uow, run_id, legacy_id)
    if row.status != "pending":
        raise _not_pending(run_id, legacy_id, row.status)
    chosen = row.registry_id
    if verdict == "accept":
        candidates = [str(candidate.get("registry_id")) for candidate in row.candidates]
        if registry_id is None:
            if not candidates:
                raise LienthongError(
                    "linkage.review.no_candidate",
                    N_(
                        "The legacy record {legacy_id} has no registry candidate to accept."
                        " Mark it as new or reject it."
                    ),
                    field="verdict",
                    legacy_id=legacy_id,
                )
            chosen = candidates[0]
        elif registry_id not in candidates:
            raise LienthongError(
                "linkage.review.not_a_candidate",
                N_(
                    "{registry_id} is not a candidate for the legacy record {legacy_id}."
                    " Accept one of its candidates: {candidates}."
                ),
                field="registry_id",
                registry_id=registry_id,
                legacy_id=legacy_id,
                candidates=", ".join(candidates) or "-",
            )
        else:
            chosen = registry_id
    elif registry_id is not None:
        raise LienthongError(
            "linkage.review.not_accept",
            N_("Only an accepted link names a registry record; {verdict} takes none."),
            field="registry_id",
            verdict=verdict,
        )
    # The status in the WHERE clause keeps two reviewers from deciding the same item.
    moved = uow.connection.execute(
        _items.update()
        .where(
            _items.c.run_id == run_id,
            _items.c.legacy_id == legacy_id,
            _items.c.status == "pending",
        )
        .values(
            status=REVIEWED_STATUS[verdict],
            registry_id=chosen,
            reviewer=reviewer,
            reviewed_at=uow.clock(),
        )
    ).rowcount
    if moved != 1:
        raise _not_pending(run_id, legacy_id, _item_row(uow, run_id, legacy_id).status)
    return get_item(uow=uow, run_id=run_id, legacy_id=legacy_id)


def _not_pending(run_id: str, legacy_id: str, status: str) -> LienthongError:
    return LienthongError(
        "linkage.review.not_pending",
        N_(
            "The legacy record {legacy_id} of run {run_id} is {status}, not waiting for"
            " review. Only pending items can be decided."
        ),
        field="legacy_id",
        legacy_id=legacy_id,
        run_id=run_id,
        status=status,
    )


# -- merge -------------------------------------------------------------------------------

#: The items a merge takes: linked ones, and new ones with content to create.
_MERGEABLE: Final = or_(
    _items.c.status == "linked",
    and_(_items.c.status == "new", _items.c.content.is_not(None)),
)


def _chunked_items(uow: UnitOfWork, *where: ColumnElement[bool]) -> Iterator[list[Row[Any]]]:
    """Yield the items matching, a chunk at a time, in legacy-identifier order.

    Each chunk is read whole before the caller writes, so writes never run under an
    open cursor; the next chunk starts after the last identifier, so items the caller
    moved out of the condition are neither skipped nor read twice.
    """
    last: str | None = None
    while True:
        statement = select(_items).where(*where)
        if last is not None:
            statement = statement.where(_items.c.legacy_id > last)
        rows = list(uow.connection.execute(statement.order_by(_items.c.legacy_id).limit(CHUNK)))
        if not rows:
            return
        yield rows
        last = rows[-1].legacy_id


def _live(uow: UnitOfWork, record_type: str, ids: Iterable[str]) -> dict[str, int]:
    """Return the current version of each live record of a type among the identifiers."""
    wanted = sorted(set(ids))
    found: dict[str, int] = {}
    for start in range(0, len(wanted), CHUNK):
        rows = uow.connection.execute(
            select(current_records.c.record_id, current_records.c.version).where(
                current_records.c.record_type == record_type,
                current_records.c.record_id.in_(wanted[start : start + CHUNK]),
                current_records.c.deleted == false(),
            )
        )
        found.update((row.record_id, row.version) for row in rows)
    return found


def _probability_of(row: Row[Any], registry_id: str) -> float:
    for candidate in row.candidates:
        if candidate.get("registry_id") == registry_id:
            return float(candidate.get("match_probability", row.match_probability))
    return float(row.match_probability)


def _audit(
    uow: UnitOfWork,
    *,
    actor: str,
    action: Action,
    record_type: str,
    records: Sequence[tuple[str, int | None]],
) -> None:
    if records:
        log_access(
            connection=uow.connection,
            access=Access(
                client=actor, action=action, outcome=OK, record_type=record_type, purpose=PURPOSE
            ),
            at=uow.clock(),
            records=records,
            node_id=uow.node,
        )


def _already_linked(uow: UnitOfWork, legacy_id: str, link: str) -> LienthongError:
    existing = LegacyLinkContent.model_validate(
        uow.records.get(record_type=LINK, record_id=link).content
    )
    return LienthongError(
        "linkage.merge.already_linked",
        N_(
            "The legacy record {legacy_id} of {source_system} is already linked to"
            " {record_type} {record_id} (run {run_id}). Undo that merge first to link it again."
        ),
        field="legacy_id",
        legacy_id=legacy_id,
        source_system=existing.source_system,
        record_type=existing.record_type,
        record_id=existing.record_id,
        run_id=existing.run_id,
    )


def merge(*, uow: UnitOfWork, run_id: str, actor: str) -> MergeSummary:
    """Merge a run's linked and new items into the registry, with provenance; all or nothing.

    A linked item gets a provenance link to its registry record, which is left as it is;
    a new item's content becomes a registry record through the normal write path, with a
    link to it. An item that cannot be merged (no content, invalid content, a record that
    is gone or already linked) is left as it was and reported, and the others are merged.
    Items merged before are never merged again. The caller commits.
    """
    if not actor.strip():
        raise _missing_name("actor")
    run = _run_row(uow, run_id)
    waiting = uow.connection.execute(
        select(func.count().label("items")).where(_items.c.run_id == run_id, _MERGEABLE)
    ).scalar_one()
    if not waiting:
        raise LienthongError(
            "linkage.merge.nothing",
            N_(
                "Run {run_id} has nothing to merge: no item is linked or new with a record to"
                " create. Review its pending items first."
            ),
            field="run_id",
            run_id=run_id,
        )
    merge_id = uuid.uuid4().hex
    merged_at = uow.clock()
    linked = created = 0
    skipped: list[Skipped] = []
    waiting_statuses = _items.c.status.in_(("linked", "new"))
    for rows in _chunked_items(uow, _items.c.run_id == run_id, waiting_statuses):
        links = {
            row.legacy_id: link_id(source_system=run.source_system, legacy_id=row.legacy_id)
            for row in rows
        }
        taken = _live(uow, LINK, links.values())
        targets = _live(
            uow, run.record_type, [row.registry_id for row in rows if row.status == "linked"]
        )
        contents: list[dict[str, Any]] = []
        written: list[dict[str, Any]] = []
        problems: list[dict[str, Any]] = []
        records: list[tuple[str, int | None]] = []
        for row in rows:
            link = links[row.legacy_id]
            try:
                if link in taken:
                    raise _already_linked(uow, row.legacy_id, link)
                if row.status == "linked":
                    if row.registry_id not in targets:
                        raise _gone(run.record_type, row.registry_id, row.legacy_id)
                    record_id, version = row.registry_id, None
                else:
                    created_record = _create(uow, run, row)
                    record_id, version = created_record.record_id, created_record.version
            except LienthongError as error:
                skipped.append(_skip(row.legacy_id, error))
                problems.append({"key": row.legacy_id, "failure": _problem(error)})
                continue
            decision: LinkDecision
            if version is not None:
                records.append((record_id, version))
                decision, probability = "new", float(row.match_probability)
            else:
                decision = "match" if row.reviewer is None else "accepted"
                probability = _probability_of(row, record_id)
            contents.append(
                LegacyLinkContent(
                    link_id=links[row.legacy_id],
                    source_system=run.source_system,
                    legacy_id=row.legacy_id,
                    record_type=run.record_type,
                    record_id=record_id,
                    decision=decision,
                    match_probability=probability,
                    model_version=run.model_version,
                    reviewer=row.reviewer,
                    run_id=run_id,
                    merge_id=merge_id,
                    node=uow.node,
                    merged_by=actor,
                    merged_at=merged_at,
                ).model_dump(mode="json")
            )
            written.append({"key": row.legacy_id, "record_id": record_id, "version": version})
            if version is None:
                linked += 1
            else:
                created += 1
        provenance = uow.records.create_many(record_type=LINK, contents=contents)
        _audit(uow, actor=actor, action=Action.CREATE, record_type=run.record_type, records=records)
        _audit(
            uow,
            actor=actor,
            action=Action.CREATE,
            record_type=LINK,
            records=[(link.record_id, link.version) for link in provenance],
        )
        key = _items.c.legacy_id == bindparam("key")
        if written:
            uow.connection.execute(
                update(_items)
                .where(_items.c.run_id == run_id, key)
                .values(
                    status="merged",
                    merge_id=merge_id,
                    merged_record_id=bindparam("record_id"),
                    merged_version=bindparam("version"),
                    merge_problem=None,
                ),
                written,
            )
        if problems:
            uow.connection.execute(
                update(_items)
                .where(_items.c.run_id == run_id, key)
                .values(merge_problem=bindparam("failure")),
                problems,
            )
    uow.connection.execute(
        _merges.insert().values(
            merge_id=merge_id,
            run_id=run_id,
            node=uow.node,
            merged_at=merged_at,
            merged_by=actor,
            linked=linked,
            created=created,
            skipped=len(skipped),
        )
    )
    return MergeSummary(
        merge_id=merge_id,
        run_id=run_id,
        linked=linked,
        created=created,
        skipped=tuple(skipped),
    )


def _create(uow: UnitOfWork, run: Row[Any], row: Row[Any]) -> Record:
    """Create the registry record of a new item, or raise why it cannot be."""
    if row.content is None:
        raise LienthongError(
            "linkage.merge.no_content",
            N_(
                "The legacy record {legacy_id} is new but holds too little to make a"
                " {record_type} record. Complete it in the legacy system and link it again."
            ),
            field="content",
            legacy_id=row.legacy_id,
            record_type=run.record_type,
        )
    record_type = uow.record_types.get(run.record_type)
    if record_type is not None:
        # Checked before anything is written, so that an invalid record is refused on
        # its own, whatever else the merge writes.
        record_type.validate(row.content)
    # The savepoint undoes a write refused half-way (a lost race), and only it.
    with uow.connection.begin_nested():
        return uow.records.create(record_type=run.record_type, content=row.content)


def _problem(error: LienthongError) -> dict[str, str]:
    return {"code": error.code, "message": error.message_en}


def _gone(record_type: str, record_id: str, legacy_id: str) -> LienthongError:
    return LienthongError(
        "linkage.merge.no_record",
        N_(
            "The legacy record {legacy_id} is linked to {record_type} {record_id}, which is"
            " not a live record here. Sync it, or review the link again in a new run."
        ),
        field="registry_id",
        legacy_id=legacy_id,
        record_type=record_type,
        record_id=record_id,
    )


# -- undo --------------------------------------------------------------------------------


def _changed(record_type: str, record_id: str, merge_id: str) -> LienthongError:
    return LienthongError(
        "linkage.undo.changed",
        N_(
            "{record_type} {record_id} was changed or deleted since merge {merge_id} wrote"
            " it, so the merge cannot be undone. Correct the record by hand instead."
        ),
        field="merge_id",
        record_type=record_type,
        record_id=record_id,
        merge_id=merge_id,
    )


def undo(*, uow: UnitOfWork, merge_id: str, actor: str) -> UndoSummary:
    """Undo a merge: delete its links and the records it created, and restore its items.

    Refuses, naming the record, when a record the merge created has changed since; then
    nothing is to be committed. The caller commits.
    """
    if not actor.strip():
        raise _missing_name("actor")
    found = uow.connection.execute(select(_merges).where(_merges.c.merge_id == merge_id)).first()
    if found is None:
        raise LienthongError(
            "linkage.undo.not_found",
            N_("There is no merge {merge_id} on this node. List the run's merges to find it."),
            field="merge_id",
            merge_id=merge_id,
        )
    if found.undone_at is not None:
        raise LienthongError(
            "linkage.undo.already_undone",
            N_("Merge {merge_id} was already undone on {undone_at} by {undone_by}."),
            field="merge_id",
            merge_id=merge_id,
            undone_at=found.undone_at.isoformat(),
            undone_by=found.undone_by,
        )
    run = _run_row(uow, found.run_id)
    where = (_items.c.run_id == found.run_id, _items.c.merge_id == merge_id)
    # Every record is checked before any is deleted, so a refusal names the first
    # changed record and leaves the unit of work untouched.
    for rows in _chunked_items(uow, *where):
        checked = [
            link_id(source_system=run.source_system, legacy_id=row.legacy_id) for row in rows
        ]
        live_links = _live(uow, LINK, checked)
        for link in checked:
            if link not in live_links:
                raise _changed(LINK, link, merge_id)
            content = uow.records.get(record_type=LINK, record_id=link).content
            if content.get("merge_id") != merge_id:
                raise _changed(LINK, link, merge_id)
        made = {
            row.merged_record_id: row.merged_version
            for row in rows
            if row.merged_version is not None
        }
        live = _live(uow, run.record_type, made)
        for record_id, version in made.items():
            if live.get(record_id) != version:
                raise _changed(run.record_type, record_id, merge_id)
    links_removed = records_removed = restored = 0
    for rows in _chunked_items(uow, *where):
        links = [link_id(source_system=run.source_system, legacy_id=row.legacy_id) for row in rows]
        versions = _live(uow, LINK, links)
        removed_links = [
            uow.records.delete(record_type=LINK, record_id=link, expected_version=versions[link])
            for link in links
        ]
        removed = [
            uow.records.delete(
                record_type=run.record_type,
                record_id=row.merged_record_id,
                expected_version=row.merged_version,
            )
            for row in rows
            if row.merged_version is not None
        ]
        _audit(
            uow,
            actor=actor,
            action=Action.DELETE,
            record_type=run.record_type,
            records=[(record.record_id, record.version) for record in removed],
        )
        _audit(
            uow,
            actor=actor,
            action=Action.DELETE,
            record_type=LINK,
            records=[(record.record_id, record.version) for record in removed_links],
        )
        uow.connection.execute(
            update(_items)
            .where(_items.c.run_id == found.run_id, _items.c.legacy_id == bindparam("key"))
            .values(
                status=bindparam("before"),
                merge_id=None,
                merged_record_id=None,
                merged_version=None,
            ),
            [
                {
                    "key": row.legacy_id,
                    "before": "new" if row.merged_version is not None else "linked",
                }
                for row in rows
            ],
        )
        links_removed += len(removed_links)
        records_removed += len(removed)
        restored += len(rows)
    uow.connection.execute(
        _merges.update()
        .where(_merges.c.merge_id == merge_id)
        .values(undone_at=uow.clock(), undone_by=actor)
    )
    return UndoSummary(
        merge_id=merge_id,
        run_id=found.run_id,
        links_removed=links_removed,
        records_removed=records_removed,
        items_restored=restored,
    )
