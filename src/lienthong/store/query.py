"""Searches beyond :meth:`RecordStore.search`: an extra clause, other orders, offsets, counts.

The query is the store's (current records joined to their current version, live ones
only, the search index for conditions) with the caller's clause added (the API compiles
OData ``$filter`` into one), ordered by a key and the record's surrogate key, and paged
by a keyset cursor bound to the query.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from sqlalchemy import ColumnElement, and_, false, func, or_, select
from sqlalchemy.engine import Connection

from lienthong.store import models, search
from lienthong.store.records import Record, record_of
from lienthong.store.search import bad_cursor
from lienthong.systems.definition import RecordType

_current = models.current_records
_records = models.records


OrderKey = Literal["created", "id", "recorded_at"]


@dataclass(frozen=True)
class RecordQuery:
    """A search: parameters, an extra clause (with the text it came from), order and paging."""

    where: Mapping[str, Sequence[str]] = field(default_factory=dict)
    clause: ColumnElement[bool] | None = None
    clause_text: str | None = None
    order: OrderKey = "created"
    descending: bool = False
    top: int = 50
    skip: int = 0
    count: bool = False
    cursor: str | None = None


@dataclass(frozen=True)
class Result:
    """One page of a search, the cursor of the next one, and the total when it was asked for."""

    records: tuple[Record, ...]
    next_cursor: str | None
    count: int | None


def fingerprint(record_type: RecordType, options: RecordQuery) -> str:
    """Return a digest of everything that shapes a search's pages except the paging itself."""
    payload = json.dumps(
        [
            record_type.name,
            sorted(options.where.items()),
            options.clause_text,
            options.order,
            options.descending,
            options.count,
        ],
        ensure_ascii=False,
    ).encode("utf-8")
    return hashlib.sha256(payload).hexdigest()[:16]


def encode_cursor(*, after: int, key: Any, fingerprint: str) -> str:
    """Return the opaque cursor of the page after a record and its order key."""
    if isinstance(key, datetime):
        key = key.isoformat()
    payload = json.dumps({"a": after, "k": key, "q": fingerprint}, separators=(",", ":"))
    return base64.urlsafe_b64encode(payload.encode()).rstrip(b"=").decode("ascii")


def decode_cursor(cursor: str, *, fingerprint: str) -> tuple[int, Any]:
    """Return the surrogate key and order key a cursor continues after."""
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        payload = json.loads(base64.urlsafe_b64decode(padded.encode("ascii")))
        after, key, matches = payload["a"], payload["k"], payload["q"] == fingerprint
    except (ValueError, TypeError, KeyError, binascii.Error, UnicodeError):
        raise bad_cursor() from None
    if not matches or not isinstance(after, int) or isinstance(after, bool):
        raise bad_cursor()
    return after, key


def _order_column(options: RecordQuery) -> ColumnElement[Any]:
    columns: dict[str, ColumnElement[Any]] = {
        "created": _current.c.id,
        "id": _current.c.record_id,
        "recorded_at": _current.c.recorded_at,
    }
    return columns[options.order]


def _after(options: RecordQuery, after: int, key: Any) -> ColumnElement[bool]:
    ident = _current.c.id
    if options.order == "created":
        return ident < after if options.descending else ident > after
    column = _order_column(options)
    if options.order == "recorded_at":
        try:
            key = datetime.fromisoformat(key)
        except (TypeError, ValueError):
            raise bad_cursor() from None
    elif not isinstance(key, str):
        raise bad_cursor()
    if options.descending:
        return or_(column < key, and_(column == key, ident < after))
    return or_(column > key, and_(column == key, ident > after))


def run_query(connection: Connection, record_type: RecordType, options: RecordQuery) -> Result:
    """Return one page of the live records a query's parameters and clause match."""
    conditions = [
        search.condition_clause(record_type, condition)
        for condition in search.parse_query(record_type, options.where)
    ]
    if options.clause is not None:
        conditions.append(options.clause)
    matching = [
        _current.c.record_type == record_type.name,
        _current.c.deleted == false(),
        *conditions,
    ]
    digest = fingerprint(record_type, options)
    paging: list[ColumnElement[bool]] = []
    if options.cursor:
        paging.append(_after(options, *decode_cursor(options.cursor, fingerprint=digest)))
    column = _order_column(options)
    joined = _current.join(
        _records,
        and_(
            _records.c.record_type == _current.c.record_type,
            _records.c.record_id == _current.c.record_id,
            _records.c.version == _current.c.version,
        ),
    )
    order = [column.desc(), _current.c.id.desc()] if options.descending else [column, _current.c.id]
    query = (
        select(_current.c.id.label("resource_id"), column.label("order_key"), _records)
        .select_from(joined)
        .where(*matching, *paging)
        .order_by(*order)
        .offset(options.skip)
        .limit(options.top + 1)
    )
    rows = connection.execute(query).all()
    next_cursor = None
    if len(rows) > options.top:
        rows = rows[: options.top]
        last = rows[-1]
        next_cursor = encode_cursor(after=last.resource_id, key=last.order_key, fingerprint=digest)
    count = None
    if options.count:
        total = select(func.count()).select_from(_current).where(*matching)
        count = connection.execute(total).scalar_one()
    return Result(tuple(record_of(row) for row in rows), next_cursor, count)
