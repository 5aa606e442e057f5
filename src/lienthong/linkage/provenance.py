"""Provenance: which legacy record a registry record was linked to, or created from, and how.

A link is a record of the platform record type ``LegacyLink``, written by a merge in the
same transaction as the registry record it points at, so it is versioned, audited and
travels by sync like any record. Its identifier is derived from the legacy record alone:
one legacy record is linked once, whichever run links it.
"""

from __future__ import annotations

import functools
import re
import uuid
from collections.abc import Mapping
from datetime import datetime
from typing import Any, Final, Literal

from pydantic import BaseModel, ConfigDict, Field

from lienthong.store.unit_of_work import UnitOfWork
from lienthong.systems.definition import RecordType, SearchKind, SearchParam

LINK: Final = "LegacyLink"

#: How a legacy record came to be linked: the model was sure, a reviewer accepted the
#: link, or it became a new registry record.
LinkDecision = Literal["match", "accepted", "new"]

#: The namespace of link identifiers (a UUID 5 of the source system and the legacy id).
_NAMESPACE: Final = uuid.UUID("6f1c1d2e-7a51-5b7e-9f0e-4c6b1e0a9d31")
#: A province code in a node identifier: two digits standing alone ("VN-91", "VN/GOV/01/x").
_PROVINCE: Final = re.compile(r"(?<![0-9])([0-9]{2})(?![0-9])")


class LegacyLinkContent(BaseModel):
    """One legacy record and the registry record it now is."""

    model_config = ConfigDict(extra="forbid")

    link_id: str
    source_system: str = Field(min_length=1)
    legacy_id: str = Field(min_length=1)
    record_type: str = Field(min_length=1)
    record_id: str = Field(min_length=1)
    decision: LinkDecision
    match_probability: float = Field(ge=0.0, le=1.0)
    model_version: str
    reviewer: str | None = None
    run_id: str
    merge_id: str
    node: str
    merged_by: str
    merged_at: datetime


def link_id(*, source_system: str, legacy_id: str) -> str:
    """Return the identifier of the link of one legacy record (the same in every run)."""
    return uuid.uuid5(_NAMESPACE, f"{source_system}\x1f{legacy_id}").hex


def province_of(node: str) -> str | None:
    """Return the province code in a node identifier ("VN-91" → "91"), or None (central)."""
    found = _PROVINCE.search(node)
    return found.group(1) if found else None


def _partition(content: Mapping[str, Any]) -> str | None:
    return province_of(str(content.get("node", "")))


def _target(content: Mapping[str, Any]) -> dict[str, Any]:
    # A token with a system: the record type qualifies the identifier.
    return {"system": content.get("record_type"), "code": content.get("record_id")}


def _legacy(content: Mapping[str, Any]) -> dict[str, Any]:
    return {"system": content.get("source_system"), "code": content.get("legacy_id")}


@functools.cache
def record_types() -> dict[str, RecordType]:
    """Return the platform's provenance record type, which every node holds."""
    return {
        LINK: RecordType(
            name=LINK,
            model=LegacyLinkContent,
            identifier="link_id",
            search=(
                SearchParam(
                    "record",
                    SearchKind.TOKEN,
                    _target,
                    description="The registry record, as record_type|record_id.",
                ),
                SearchParam(
                    "legacy",
                    SearchKind.TOKEN,
                    _legacy,
                    description="The legacy record, as source_system|legacy_id.",
                ),
                SearchParam("run", SearchKind.TOKEN, "run_id"),
                SearchParam("merge", SearchKind.TOKEN, "merge_id"),
            ),
            partition=_partition,
            personal_data=True,
            title="Legacy record link",
        )
    }


def links_for(*, uow: UnitOfWork, record_type: str, record_id: str) -> list[LegacyLinkContent]:
    """Return the legacy records a registry record was linked to or created from."""
    found: list[LegacyLinkContent] = []
    cursor: str | None = None
    while True:
        page = uow.records.search(
            record_type=LINK,
            where={"record": f"{record_type}|{record_id}"},
            limit=1000,
            cursor=cursor,
        )
        found.extend(LegacyLinkContent.model_validate(record.content) for record in page.records)
        if page.next_cursor is None:
            return found
        cursor = page.next_cursor
