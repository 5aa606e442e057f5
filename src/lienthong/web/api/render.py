"""JSON answers, written directly: no per-request model validation on the way out."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Mapping, Sequence
from datetime import date, datetime
from typing import Any

from pydantic import BaseModel
from starlette.responses import Response

from lienthong.store import Page, Record


def record_data(record: Record, select: Sequence[str] | None = None) -> dict[str, Any]:
    """Return a record version as the API shows it: metadata, then the (selected) content."""
    content = record.content
    if select is not None:
        content = {name: content[name] for name in select if name in content}
    return {
        "record_type": record.record_type,
        "id": record.record_id,
        "version": record.version,
        "owner_node": record.owner_node,
        "recorded_at": record.recorded_at.isoformat(),
        "schema_version": record.schema_version,
        "partition": record.partition,
        "deleted": record.deleted,
        "content": content,
    }


def _default(value: Any) -> Any:
    if isinstance(value, Record):
        return record_data(value)
    if isinstance(value, Page):
        return {"value": list(value.records), "next_cursor": value.next_cursor}
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json")
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return dataclasses.asdict(value)
    if isinstance(value, set | frozenset | tuple):
        return list(value)
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


def dumps(data: Any) -> bytes:
    """Return compact UTF-8 JSON (Vietnamese stays readable, not \\u-escaped)."""
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"), default=_default).encode()


def json_response(
    data: Any, *, status: int = 200, headers: Mapping[str, str] | None = None
) -> Response:
    """Return a JSON response."""
    return Response(dumps(data), status_code=status, media_type="application/json", headers=headers)


def etag(version: int) -> str:
    """Return the entity tag of a record version: its version number."""
    return f'"{version}"'
