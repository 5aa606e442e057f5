"""The typed search index: turning content into index rows, and queries into SQL.

Queries follow FHIR's search syntax where it fits: ``{"name": "nguyen van"}`` is a
prefix match on folded text, ``{"name:exact": "Nguyễn Văn An"}`` an exact one,
``{"identifier": "urn:pin|001090000001"}`` a token, ``{"birth_date": "ge1990"}`` a date
comparison, ``{"holder": "Person/001090000001"}`` a reference. A list of values for one
parameter means all of them must match.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import operator
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from typing import Any, Final, Literal
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, Table, and_, bindparam, select

from lienthong.errors import LienthongError
from lienthong.i18n import N_
from lienthong.store import models
from lienthong.systems.definition import RecordType, SearchKind, SearchParam
from lienthong.vn.text import fold

#: Calendar dates are days in Vietnam; instants are compared in UTC.
CALENDAR_ZONE: Final = ZoneInfo("Asia/Ho_Chi_Minh")

#: Folded text is indexed up to this many characters: enough for names and addresses,
#: and within every backend's b-tree entry limit.
STRING_INDEX_LENGTH: Final = 255

_PARTIAL_DATE = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$")
_COMPARATOR = re.compile(r"^(eq|ne|lt|le|gt|ge|sa|eb)(?=[-+0-9.])")
_MICROSECOND = timedelta(microseconds=1)

Comparator = Literal["eq", "ne", "lt", "le", "gt", "ge", "sa", "eb"]
DATE_COMPARATORS: Final = frozenset({"eq", "lt", "le", "gt", "ge", "sa", "eb"})
NUMBER_COMPARATORS: Final = frozenset({"eq", "ne", "lt", "le", "gt", "ge"})


def _unindexable(record_type: RecordType, param: SearchParam, value: Any) -> LienthongError:
    return LienthongError(
        "store.invalid_record",
        N_(
            "The {record_type} record is invalid at {path}: {value} cannot be searched as a"
            " {kind}. Correct the value."
        ),
        field=param.path if isinstance(param.path, str) else param.name,
        path=param.path if isinstance(param.path, str) else param.name,
        record_type=record_type.name,
        value=repr(value),
        kind=param.kind.value,
    )


def _day_start(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=CALENDAR_ZONE).astimezone(UTC)


def date_range(value: Any) -> tuple[datetime, datetime]:
    """Return the inclusive UTC range a date, partial date or instant covers.

    ``"1990"`` covers the whole year, ``"1990-05"`` the month and ``"1990-05-03"`` the day,
    each as a calendar period in Vietnam; an aware datetime covers one instant. A date at
    the edge of the calendar (year 1 or 9999) has no range in UTC and is refused likewise.
    """
    try:
        return _range(value)
    except OverflowError:
        raise ValueError("outside the range of dates that can be searched") from None


def _range(value: Any) -> tuple[datetime, datetime]:
    if isinstance(value, datetime):
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError("an instant needs a time zone")
        instant = value.astimezone(UTC)
        return instant, instant
    if isinstance(value, date):
        return _day_start(value), _day_start(value + timedelta(days=1)) - _MICROSECOND
    if not isinstance(value, str):
        raise ValueError("not a date")
    return _text_range(value)


@lru_cache(maxsize=1 << 16)
def _text_range(value: str) -> tuple[datetime, datetime]:
    """Return the range of a date written as text; cached, as imports repeat dates a lot."""
    match = _PARTIAL_DATE.match(value)
    if match is None:
        return date_range(datetime.fromisoformat(value))
    year, month, day = (int(part) if part else None for part in match.groups())
    assert year is not None
    if month is None:
        start, end = date(year, 1, 1), date(year + 1, 1, 1)
    elif day is None:
        start = date(year, month, 1)
        end = date(year + month // 12, month % 12 + 1, 1)
    else:
        start = date(year, month, day)
        end = start + timedelta(days=1)
    return _day_start(start), _day_start(end) - _MICROSECOND


def _token(value: Any) -> tuple[str, str]:
    if isinstance(value, bool):
        return "", "true" if value else "false"
    if isinstance(value, str | int):
        return "", str(value)
    if isinstance(value, tuple):
        if len(value) == 2:
            return str(value[0] or ""), str(value[1])
        raise ValueError("not a token")
    if isinstance(value, Mapping) and isinstance(value.get("code"), str | int):
        system = value.get("system")
        return (str(system) if system is not None else ""), str(value["code"])
    raise ValueError("not a token")


def _number(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise ValueError("not a number")
    number = float(value)
    if number != number or number in (float("inf"), float("-inf")):
        raise ValueError("not a finite number")
    return number


def _string(value: Any) -> str:
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise ValueError("not text")
    return fold(str(value))[:STRING_INDEX_LENGTH]


#: The search index rows of one record: for each table of ``models.SEARCH_TABLES``, in
#: that order, one tuple per row holding the table's ``INDEX_COLUMNS``.
IndexRows = tuple[list[tuple[Any, ...]], ...]

#: The columns of each search table an index row fills (all but ``resource_id``).
INDEX_COLUMNS: Final = {
    table: tuple(column.name for column in table.columns if column.name != "resource_id")
    for table in models.SEARCH_TABLES
}


def _string_key(raw: Any) -> tuple[Any, ...] | None:
    text = _string(raw)
    return (text,) if text else None


def _number_key(raw: Any) -> tuple[Any, ...]:
    return (_number(raw),)


def _reference_key(target: str) -> Callable[[Any], tuple[Any, ...]]:
    def key(raw: Any) -> tuple[Any, ...]:
        return (target, str(raw))

    return key


def _plan(param: SearchParam) -> tuple[int, Callable[[Any], tuple[Any, ...] | None]]:
    """Return the index table (its position in SEARCH_TABLES) and key function of a parameter."""
    if param.kind is SearchKind.STRING:
        return 0, _string_key
    if param.kind is SearchKind.TOKEN:
        return 1, _token
    if param.kind is SearchKind.DATE:
        return 2, date_range
    if param.kind is SearchKind.NUMBER:
        return 3, _number_key
    assert param.target is not None
    return 4, _reference_key(param.target)


def _getter(param: SearchParam) -> Callable[[Mapping[str, Any]], list[Any]]:
    """Return ``param.values``, faster for a top-level field holding one value."""
    path = param.path
    if not isinstance(path, str) or "." in path:
        return param.values

    def values(content: Mapping[str, Any]) -> list[Any]:
        value = content.get(path)
        if value is None:
            return []
        if isinstance(value, list | tuple):
            return param.values(content)
        return [value]

    return values


_plans: dict[int, tuple[RecordType, list[tuple[SearchParam, Any, int, Any]]]] = {}


def _plan_of(record_type: RecordType) -> list[tuple[SearchParam, Any, int, Any]]:
    found = _plans.get(id(record_type))
    if found is None or found[0] is not record_type:
        # The record type is kept with its plan, so its id cannot be reused meanwhile.
        found = _plans[id(record_type)] = (
            record_type,
            [(param, _getter(param), *_plan(param)) for param in record_type.search],
        )
    return found[1]


def index_tuples(record_type: RecordType, content: Mapping[str, Any]) -> IndexRows:
    """Return the search index rows of a record as tuples, by table (see ``IndexRows``)."""
    rows: IndexRows = ([], [], [], [], [])
    name = record_type.name
    for param, values_of, slot, key_of in _plan_of(record_type):
        values = values_of(content)
        if not values:
            continue
        target = rows[slot]
        seen: set[tuple[Any, ...]] = set()
        for raw in values:
            try:
                key = key_of(raw)
            except ValueError:
                raise _unindexable(record_type, param, raw) from None
            if key is None or key in seen:
                continue
            seen.add(key)
            target.append((name, param.name, *key))
    return rows


def index_rows(
    record_type: RecordType, content: Mapping[str, Any]
) -> dict[Table, list[dict[str, Any]]]:
    """Return the search index rows of a record, by table, without the resource id."""
    return {
        table: [dict(zip(INDEX_COLUMNS[table], row, strict=True)) for row in rows]
        for table, rows in zip(
            models.SEARCH_TABLES, index_tuples(record_type, content), strict=True
        )
    }


@dataclass(frozen=True)
class Condition:
    """One parsed search condition: a parameter, how to compare, and the value(s)."""

    param: SearchParam
    comparator: str
    value: Any


def _bad_search(record_type: RecordType, key: str, value: str, hint: str) -> LienthongError:
    return LienthongError(
        "store.bad_search",
        N_("The search {key}={value} on {record_type} cannot be read: {hint}."),
        field=key,
        key=key,
        value=value,
        record_type=record_type.name,
        hint=hint,
    )


def parse_query(
    record_type: RecordType, where: Mapping[str, str | Sequence[str]]
) -> list[Condition]:
    """Parse search parameters into conditions, refusing unknown names and bad values."""
    conditions: list[Condition] = []
    for key, values in where.items():
        name, _, modifier = key.partition(":")
        param = record_type.search_param(name)
        for value in [values] if isinstance(values, str) else values:
            conditions.append(_parse_one(record_type, param, key, modifier, value))
    return conditions


def _parse_one(
    record_type: RecordType, param: SearchParam, key: str, modifier: str, value: str
) -> Condition:
    allowed = {SearchKind.STRING: ("", "exact")}.get(param.kind, ("",))
    if modifier not in allowed:
        hint = "the modifier is not supported for a " + param.kind.value
        raise _bad_search(record_type, key, value, hint)
    if param.kind is SearchKind.STRING:
        folded = fold(value)[:STRING_INDEX_LENGTH]
        if not folded:
            raise _bad_search(record_type, key, value, "give some text")
        return Condition(param, modifier or "prefix", folded)
    if param.kind is SearchKind.TOKEN:
        system, bar, code = value.rpartition("|")
        if not code:
            raise _bad_search(record_type, key, value, "give a code, or system|code")
        # "code" matches in any system; "|code" only without one; "system|code" exactly.
        return Condition(param, "eq", (system if bar else None, code))
    if param.kind is SearchKind.REFERENCE:
        target_type, slash, target_id = value.rpartition("/")
        if slash and target_type != param.target:
            raise _bad_search(record_type, key, value, f"it refers to {param.target} records")
        if not target_id:
            raise _bad_search(record_type, key, value, "give an identifier")
        return Condition(param, "eq", target_id)
    match = _COMPARATOR.match(value)
    comparator = match.group(1) if match else "eq"
    operand = value[len(match.group(1)) :] if match else value
    if param.kind is SearchKind.DATE:
        if comparator not in DATE_COMPARATORS:
            raise _bad_search(record_type, key, value, "use eq, lt, le, gt, ge, sa or eb")
        try:
            return Condition(param, comparator, date_range(operand))
        except ValueError:
            hint = "write a date as YYYY, YYYY-MM, YYYY-MM-DD or an ISO instant with a zone"
            raise _bad_search(record_type, key, value, hint) from None
    try:
        return Condition(param, comparator, _number(operand))
    except ValueError:
        raise _bad_search(record_type, key, value, "give a number") from None


def _operands(condition: Condition) -> dict[str, Any]:
    """Return the values a condition compares with, by name (see ``_match``)."""
    kind, value = condition.param.kind, condition.value
    if kind is SearchKind.STRING:
        if condition.comparator == "exact":
            return {"value": value}
        # A prefix is the half-open range [text, successor(text)): exact under a byte-order
        # collation and served by the (record_type, param, value) b-tree.
        return {"low": value, "high": value[:-1] + chr(ord(value[-1]) + 1)}
    if kind is SearchKind.TOKEN:
        system, code = value
        # "code" matches in any system; "|code" only without one; "system|code" exactly.
        return {"code": code} if system is None else {"code": code, "system": system}
    if kind is SearchKind.DATE:
        low, high = value
        return {"low": low, "high": high}
    if kind is SearchKind.NUMBER:
        return {"value": value}
    return {"target_type": condition.param.target, "target_id": value}


_NUMBER_COMPARISONS: Final[dict[str, Callable[[Any, Any], ColumnElement[bool]]]] = {
    "eq": operator.eq,
    "ne": operator.ne,
    "lt": operator.lt,
    "le": operator.le,
    "gt": operator.gt,
    "ge": operator.ge,
}


def _match(
    table: Table, kind: SearchKind, comparator: str, operands: Mapping[str, Any]
) -> ColumnElement[bool]:
    """Return the comparison of a condition on its index table, given its operands.

    The operands are the values of ``_operands`` or bound parameters standing for them.
    """
    c = table.c
    if kind is SearchKind.STRING:
        if comparator == "exact":
            exact: ColumnElement[bool] = c.value == operands["value"]
            return exact
        return and_(c.value >= operands["low"], c.value < operands["high"])
    if kind is SearchKind.TOKEN:
        code: ColumnElement[bool] = c.code == operands["code"]
        return and_(code, c.system == operands["system"]) if "system" in operands else code
    if kind is SearchKind.DATE:
        low, high = operands["low"], operands["high"]
        # Ranges against ranges, as FHIR defines them: "eq" means the stored period lies
        # within the searched one, so a search for 1990 finds 1990-05-03 and 1990 itself.
        comparisons: dict[str, Callable[[], ColumnElement[bool]]] = {
            "eq": lambda: and_(c.low >= low, c.high <= high),
            "lt": lambda: c.low < low,
            "le": lambda: c.low <= high,
            "gt": lambda: c.high > high,
            "ge": lambda: c.high >= low,
            "sa": lambda: c.low > high,
            "eb": lambda: c.high < low,
        }
        return comparisons[comparator]()
    if kind is SearchKind.NUMBER:
        return _NUMBER_COMPARISONS[comparator](c.value, operands["value"])
    return and_(c.target_type == operands["target_type"], c.target_id == operands["target_id"])


_TABLES: Final = {
    SearchKind.STRING: models.search_string,
    SearchKind.TOKEN: models.search_token,
    SearchKind.DATE: models.search_date,
    SearchKind.NUMBER: models.search_number,
    SearchKind.REFERENCE: models.search_reference,
}


def _matching(
    kind: SearchKind, record_type: Any, param: Any, comparator: str, operands: Mapping[str, Any]
) -> ColumnElement[bool]:
    table = _TABLES[kind]
    matching = select(table.c.resource_id).where(
        table.c.record_type == record_type,
        table.c.param == param,
        _match(table, kind, comparator, operands),
    )
    return models.current_records.c.id.in_(matching)


def condition_clause(record_type: RecordType, condition: Condition) -> ColumnElement[bool]:
    """Return a WHERE clause on ``current_records`` true for records matching a condition."""
    param = condition.param
    return _matching(
        param.kind, record_type.name, param.name, condition.comparator, _operands(condition)
    )


#: What the SQL of a list of conditions looks like, whatever their values: for each, its
#: kind, comparator and the names of its operands. Equal shapes share one statement.
Shape = tuple[tuple[SearchKind, str, tuple[str, ...]], ...]


def bind_conditions(
    record_type: RecordType, conditions: Sequence[Condition]
) -> tuple[Shape, dict[str, Any]]:
    """Return the shape of conditions and the values of ``bound_clauses``' parameters."""
    shape = []
    values: dict[str, Any] = {}
    for index, condition in enumerate(conditions):
        operands = _operands(condition)
        shape.append((condition.param.kind, condition.comparator, tuple(operands)))
        prefix = f"c{index}_"
        values[prefix + "record_type"] = record_type.name
        values[prefix + "param"] = condition.param.name
        for name, value in operands.items():
            values[prefix + name] = value
    return tuple(shape), values


def bound_clauses(shape: Shape) -> list[ColumnElement[bool]]:
    """Return WHERE clauses on ``current_records`` for conditions of a shape.

    Their values are bound parameters, named as ``bind_conditions`` gives them, so one
    statement serves every search of the same shape.
    """
    clauses = []
    for index, (kind, comparator, names) in enumerate(shape):
        prefix = f"c{index}_"
        operands: dict[str, Any] = {name: bindparam(prefix + name) for name in names}
        clauses.append(
            _matching(
                kind,
                bindparam(prefix + "record_type"),
                bindparam(prefix + "param"),
                comparator,
                operands,
            )
        )
    return clauses


def query_fingerprint(record_type: str, where: Mapping[str, str | Sequence[str]]) -> str:
    """Return a short digest of a query, so a cursor is only ever used with its own query."""
    normalized = sorted(
        (key, [values] if isinstance(values, str) else list(values))
        for key, values in where.items()
    )
    payload = json.dumps([record_type, normalized], ensure_ascii=False).encode("utf-8")
    return hashlib.sha256(payload).hexdigest()[:16]


def encode_cursor(*, after: int, fingerprint: str) -> str:
    """Return the opaque cursor of the page after the record with surrogate key ``after``."""
    payload = json.dumps({"a": after, "q": fingerprint}, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(payload).rstrip(b"=").decode("ascii")


def decode_cursor(cursor: str, *, fingerprint: str) -> int:
    """Return the surrogate key a cursor continues after, refusing foreign or damaged ones."""
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        payload = json.loads(base64.urlsafe_b64decode(padded.encode("ascii")))
        after = payload["a"]
        matches = payload["q"] == fingerprint
    except (ValueError, TypeError, KeyError, binascii.Error, UnicodeError):
        after, matches = None, False
    if not isinstance(after, int) or isinstance(after, bool) or not matches:
        raise bad_cursor()
    return after


def bad_cursor() -> LienthongError:
    """Return the error for a cursor this store did not hand out for this query."""
    return LienthongError(
        "store.bad_cursor",
        N_(
            "The page cursor is not one this search returned. Start the search again"
            " without a cursor and follow the cursors it gives."
        ),
        field="cursor",
    )
