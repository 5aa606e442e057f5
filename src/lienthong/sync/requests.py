"""Change requests: how a node that does not own a record asks its owner to change it.

A request and its decision are records themselves, of two platform record types, so
they travel by the same exactly-once sync as any record: a request is written on the
requester (and queued there while it is offline), partitioned by the owner node it is
addressed to; the owner decides, in the same transaction as the write it accepts, and
the decision, partitioned by the requester, flows back.
"""

from __future__ import annotations

import functools
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final, Literal

from pydantic import BaseModel, ConfigDict
from sqlalchemy import ColumnElement, and_, exists, select
from sqlalchemy.orm import aliased

from lienthong.errors import LienthongError
from lienthong.i18n import N_
from lienthong.store.models import current_records
from lienthong.store.unit_of_work import UnitOfWork
from lienthong.systems.definition import RecordType

REQUEST: Final = "ChangeRequest"
DECISION: Final = "ChangeDecision"

Operation = Literal["create", "update", "delete", "transfer"]
Outcome = Literal["accepted", "rejected"]


class ChangeRequestContent(BaseModel):
    """What a non-owner asks of an owner."""

    model_config = ConfigDict(extra="forbid")

    request_id: str
    requester: str
    owner: str
    record_type: str
    record_id: str
    operation: Operation
    base_version: int | None = None
    content: dict[str, Any] | None = None
    reason: str = ""
    requested_at: datetime


class ChangeDecisionContent(BaseModel):
    """The owner's answer to a change request."""

    model_config = ConfigDict(extra="forbid")

    request_id: str
    requester: str
    owner: str
    outcome: Outcome
    code: str = ""
    message: str = ""
    version: int | None = None
    decided_at: datetime


@functools.cache
def record_types() -> dict[str, RecordType]:
    """Return the platform's change-request record types, which every node holds."""
    return {
        REQUEST: RecordType(
            name=REQUEST,
            model=ChangeRequestContent,
            identifier="request_id",
            partition="owner",
            personal_data=True,
        ),
        DECISION: RecordType(
            name=DECISION,
            model=ChangeDecisionContent,
            identifier="request_id",
            partition="requester",
            personal_data=True,
        ),
    }


def _owner_of(
    uow: UnitOfWork, *, record_type: str, record_id: str, content: Mapping[str, Any] | None
) -> str:
    row = uow.connection.execute(
        select(current_records.c.owner_node).where(
            current_records.c.record_type == record_type, current_records.c.record_id == record_id
        )
    ).first()
    if row is not None:
        return str(row.owner_node)
    rt = uow.record_types.get(record_type)
    if rt is None or content is None:
        raise LienthongError(
            "sync.request.unknown_record",
            N_(
                "This node holds no {record_type} {record_id}, so it cannot tell its owner."
                " Sync first, or give the content of the record to create."
            ),
            field="record_id",
            record_type=record_type,
            record_id=record_id,
        )
    validated = rt.validate(content)
    return rt.owner(content=validated, partition=rt.partition_of(validated), node=uow.node)


def request_change(
    uow: UnitOfWork,
    *,
    record_type: str,
    record_id: str,
    operation: Operation,
    content: Mapping[str, Any] | None = None,
    base_version: int | None = None,
    reason: str = "",
    now: datetime,
) -> ChangeRequestContent:
    """Write a change request to a record's owner in the unit of work; return it.

    The caller commits. The request is sent to the owner by the next sync.
    """
    owner = _owner_of(uow, record_type=record_type, record_id=record_id, content=content)
    if owner == uow.node:
        raise LienthongError(
            "sync.request.own_record",
            N_("This node owns {record_type} {record_id}: write it directly."),
            field="record_id",
            record_type=record_type,
            record_id=record_id,
        )
    request = ChangeRequestContent(
        request_id=uuid.uuid4().hex,
        requester=uow.node,
        owner=owner,
        record_type=record_type,
        record_id=record_id,
        operation=operation,
        base_version=base_version,
        content=dict(content) if content is not None else None,
        reason=reason,
        requested_at=now,
    )
    uow.records.create(record_type=REQUEST, content=request.model_dump(mode="json"))
    return request


def _carry_out(uow: UnitOfWork, request: ChangeRequestContent) -> int:
    """Make the requested write as the owner and return the record's new version."""
    records = uow.records
    key = {"record_type": request.record_type}
    if request.operation == "create":
        return records.create(**key, content=request.content or {}).version
    expected = request.base_version if request.base_version is not None else -1
    if request.operation == "update":
        written = records.update(
            **key,
            record_id=request.record_id,
            content=request.content or {},
            expected_version=expected,
        )
    elif request.operation == "delete":
        written = records.delete(**key, record_id=request.record_id, expected_version=expected)
    else:
        written = records.transfer(
            **key,
            record_id=request.record_id,
            expected_version=expected,
            to_node=request.requester,
            content=request.content,
        )
    return written.version


@dataclass(frozen=True)
class Decided:
    """One change request this node decided."""

    request: ChangeRequestContent
    decision: ChangeDecisionContent


def _undecided(uow: UnitOfWork, where: ColumnElement[bool]) -> list[ChangeRequestContent]:
    """Return the change requests this node holds that match and have no decision here."""
    decision = aliased(current_records)
    rows = uow.connection.execute(
        select(current_records.c.record_id)
        .where(
            current_records.c.record_type == REQUEST,
            where,
            ~exists().where(
                and_(
                    decision.c.record_type == DECISION,
                    decision.c.record_id == current_records.c.record_id,
                )
            ),
        )
        .order_by(current_records.c.id)
    )
    return [
        ChangeRequestContent.model_validate(
            uow.records.get(record_type=REQUEST, record_id=request_id).content
        )
        for request_id in rows.scalars()
    ]


def pending_for(uow: UnitOfWork) -> list[ChangeRequestContent]:
    """Return the change requests addressed to this node that it has not decided yet."""
    return _undecided(uow, current_records.c.partition_key == uow.node)


def decide(
    uow: UnitOfWork, request: ChangeRequestContent, *, now: datetime
) -> ChangeDecisionContent:
    """Carry out a change request addressed to this node, or reject it with the reason why.

    The write and the decision are in the caller's transaction: both or neither.
    """
    try:
        with uow.connection.begin_nested():
            version = _carry_out(uow, request)
        decision = ChangeDecisionContent(
            request_id=request.request_id,
            requester=request.requester,
            owner=uow.node,
            outcome="accepted",
            version=version,
            decided_at=now,
        )
    except LienthongError as error:
        decision = ChangeDecisionContent(
            request_id=request.request_id,
            requester=request.requester,
            owner=uow.node,
            outcome="rejected",
            code=error.code,
            message=error.message_en,
            decided_at=now,
        )
    uow.records.create(record_type=DECISION, content=decision.model_dump(mode="json"))
    return decision


def reject(
    uow: UnitOfWork, request: ChangeRequestContent, *, now: datetime, code: str, message: str
) -> ChangeDecisionContent:
    """Refuse a change request addressed to this node without writing what it asks.

    The decision is written in the caller's transaction and flows back to the requester.
    """
    decision = ChangeDecisionContent(
        request_id=request.request_id,
        requester=request.requester,
        owner=uow.node,
        outcome="rejected",
        code=code,
        message=message,
        decided_at=now,
    )
    uow.records.create(record_type=DECISION, content=decision.model_dump(mode="json"))
    return decision


def decision_of(uow: UnitOfWork, request_id: str) -> ChangeDecisionContent | None:
    """Return the decision on a change request, once it has reached this node."""
    try:
        found = uow.records.get(record_type=DECISION, record_id=request_id)
    except LienthongError as error:
        if error.code in {"store.not_found", "store.deleted"}:
            return None
        raise
    return ChangeDecisionContent.model_validate(found.content)


def waiting(uow: UnitOfWork) -> list[ChangeRequestContent]:
    """Return this node's own change requests that have no decision here yet."""
    return _undecided(uow, current_records.c.owner_node == uow.node)
