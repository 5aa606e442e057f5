"""Searches the store's own ``search`` cannot answer: OData filters, other orders, counts.

The query is the store's (current records joined to their current version, live ones
only, the search index for conditions) with the filter's clause added, ordered by a key
and the record's surrogate key, and paged by a keyset cursor bound to the query.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Row, and_, false, func, or_, select
from sqlalchemy.engine import Connection

from lienthong.errors import LienthongError
from lienthong.i18n import N_
from lienthong.store import Record, models, search
from lienthong.systems.definition import RecordType
from lienthong.web.api.odata import Options, filter_clause

_current = models.current_records
_records = models.records


@dataclass(frozen=True)
class Result:
    """One page of a search, the cursor of the next one, and the total when it was asked for."""

    records: tuple[Record, ...]
    next_cursor: str | None
    count: int | None


def fingerprint(record_type: RecordType, options: Options) -> str:
    """Return a digest of everything that shapes a search's pages except the paging itself."""
    payload = json.dumps(
        [
            record_type.name,
            sorted(options.where.items()),
            options.filter_text,
            options.order,
            options.descending,
            options.count,
        ],
        ensure_ascii=False,
    ).encode("utf-8")
    return hashlib.sha256(payload).hexdigest()[:16]


def _bad_cursor() -> LienthongError:
    # The store's own code and message: to a client, a cursor is a cursor.
    return LienthongError(
        "store.bad_cursor",
        N_(
            "The page cursor is not one this search returned. Start the search again"
            " without a cursor and follow the cursors it gives."
        ),
        field="cursor",
    )


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
        raise _bad_cursor() from None
    if not matches or not isinstance(after, int) or isinstance(after, bool):
        raise _bad_cursor()
    return after, key


def _record(row: Row[Any]) -> Record:
    return Record(
        record_type=row.record_type,
        record_id=row.record_id,
        version=row.version,
        schema_version=row.schema_version,
        owner_node=row.owner_node,
        partition=row.partition_key,
        content=dict(row.content),
        content_hash=row.content_hash,
        recorded_at=row.recorded_at,
        deleted=row.deleted,
    )


def _order_column(options: Options) -> ColumnElement[Any]:
    columns: dict[str, ColumnElement[Any]] = {
        "created": _current.c.id,
        "id": _current.c.record_id,
        "recorded_at": _current.c.recorded_at,
    }
    return columns[options.order]


def _after(options: Options, after: int, key: Any) -> ColumnElement[bool]:
    ident = _current.c.id
    if options.order == "created":
        return ident < after if options.descending else ident > after
    column = _order_column(options)
    if options.order == "recorded_at":
        try:
            key = datetime.fromisoformat(key)
        except (TypeError, ValueError):
            raise _bad_cursor() from None
    elif not isinstance(key, str):
        raise _bad_cursor()
    if options.descending:
        return or_(column < key, and_(column == key, ident < after))
    return or_(column > key, and_(column == key, ident > after))


def run_search(connection: Connection, record_type: RecordType, options: Options) -> Result:
    """Return one page of the live records a search's parameters and filter match."""
    conditions = [
        search.condition_clause(record_type, condition)
        for condition in search.parse_query(record_type, options.where)
    ]
    if options.filter is not None:
        conditions.append(filter_clause(record_type, options.filter))
    matching = [
        _current.c.record_type == record_type.name,
        _current.c.deleted == false(),
        *conditions,
    ]
    digest = fingerprint(record_type, options)
    paging: list[ColumnElement[bool]] = []
    if options.skiptoken:
        paging.append(_after(options, *decode_cursor(options.skiptoken, fingerprint=digest)))
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
    return Result(tuple(_record(row) for row in rows), next_cursor, count)
