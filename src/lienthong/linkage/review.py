"""A pair in the review queue as a reviewer sees it: legacy and registry side by side.

Reading the candidates' registry records is a read of personal data, so it is logged with
the consolidation purpose like any other.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from lienthong.access import Access, Action, log_access
from lienthong.errors import LienthongError
from lienthong.linkage.service import PURPOSE, Item
from lienthong.linkage.specs import spec_for
from lienthong.node import Node
from lienthong.vn.text import fold

Agreement = Literal["agree", "differ", "missing"]


@dataclass(frozen=True)
class CandidateView:
    """One registry candidate of a legacy record, field by field."""

    registry_id: str
    match_probability: float
    fields: dict[str, str | None]
    agreement: dict[str, Agreement]
    evidence: list[dict[str, Any]]


@dataclass(frozen=True)
class Comparison:
    """A legacy record and its candidates, with the fields they share."""

    item: Item
    fields: tuple[str, ...]
    legacy: dict[str, str | None]
    candidates: tuple[CandidateView, ...]


def agreement(left: str | None, right: str | None) -> Agreement:
    """Return whether two values agree once diacritics, case and word order are set aside."""
    if not left or not right:
        return "missing"
    return "agree" if _key(left) == _key(right) else "differ"


def _key(value: str) -> str:
    return " ".join(sorted(fold(value).lower().split()))


def compare(*, node: Node, item: Item, actor: str) -> Comparison:
    """Return the item beside its candidates' registry records, and log that they were read."""
    spec = spec_for(item.record_type)
    views: list[CandidateView] = []
    read: list[tuple[str, int | None]] = []
    with node.unit_of_work() as uow:
        cache: dict[tuple[str, str], Mapping[str, Any] | None] = {}

        def resolve(record_type: str, record_id: str) -> Mapping[str, Any] | None:
            key = (record_type, record_id)
            if key not in cache:
                try:
                    found = uow.records.get(record_type=record_type, record_id=record_id)
                except LienthongError:
                    cache[key] = None
                else:
                    cache[key] = found.content
            return cache[key]

        for candidate in item.candidates:
            registry_id = str(candidate["registry_id"])
            try:
                record = uow.records.get(record_type=spec.record_type, record_id=registry_id)
            except LienthongError:
                fields: dict[str, str | None] = {}
            else:
                fields = spec.from_record(record.content, resolve=resolve)
                read.append((record.record_id, record.version))
            views.append(
                CandidateView(
                    registry_id=registry_id,
                    match_probability=float(candidate["match_probability"]),
                    fields=fields,
                    agreement={
                        name: agreement(item.fields.get(name), fields.get(name))
                        for name in spec.fields
                    },
                    evidence=list(candidate.get("evidence", [])),
                )
            )
        if read:
            log_access(
                connection=uow.connection,
                access=Access(
                    client=actor,
                    action=Action.READ,
                    outcome="ok",
                    record_type=spec.record_type,
                    purpose=PURPOSE,
                ),
                at=node.clock(),
                records=read,
                node_id=node.node_id,
            )
            uow.commit()
    shown = tuple(
        name
        for name in spec.fields
        if item.fields.get(name) or any(view.fields.get(name) for view in views)
    )
    return Comparison(item=item, fields=shown, legacy=dict(item.fields), candidates=tuple(views))
