"""OData v4 query options on record searches: the subset the node translates, and refusals.

``$filter`` is parsed into a small tree and translated onto the record type's search
parameters (so only indexed values are ever filtered on); ``$select`` projects the
content, ``$orderby`` picks one of the orders keyset paging can follow, ``$top``,
``$skip`` and ``$count`` bound and count the results. Anything else is refused with a
``400`` that names what is not supported, never guessed at.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Final, Literal

from sqlalchemy import ColumnElement, and_, not_, or_, select

from lienthong.errors import LienthongError
from lienthong.i18n import N_
from lienthong.store import models, search
from lienthong.store.query import OrderKey
from lienthong.store.records import MAX_PAGE
from lienthong.systems.definition import RecordType, SearchKind
from lienthong.vn.text import fold

SUPPORTED_OPTIONS: Final = frozenset(
    {"$filter", "$select", "$orderby", "$top", "$skip", "$count", "$skiptoken"}
)
DEFAULT_TOP: Final = 50
MAX_TOP: Final = MAX_PAGE
#: Offsets cost a scan of every skipped row; past this, follow the next link instead.
MAX_SKIP: Final = 1000
MAX_FILTER_LENGTH: Final = 2000
MAX_DEPTH: Final = 16
MAX_TERMS: Final = 32

#: The orders a search can be paged in: creation (the store's own), identifier, last write.
ORDER_KEYS: Final = ("created", "id", "recorded_at")

_COMPARISONS: Final = frozenset({"eq", "ne", "gt", "ge", "lt", "le"})
_FUNCTIONS: Final = frozenset({"contains", "startswith"})
_OTHER_OPERATORS: Final = frozenset({"has", "in", "add", "sub", "mul", "div", "divby", "mod"})
_TOKEN = re.compile(
    r"""
    (?P<space>\s+)
    |(?P<string>'(?:[^']|'')*')
    |(?P<datetime>\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:\d{2}))
    |(?P<date>\d{4}-\d{2}(?:-\d{2})?(?![\d:T-]))
    |(?P<number>-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)
    |(?P<name>[A-Za-z_][A-Za-z0-9_-]*)
    |(?P<punct>[(),/])
    """,
    re.VERBOSE,
)

LiteralKind = Literal["string", "number", "date", "datetime", "boolean"]


@dataclass(frozen=True)
class Value:
    """A literal of a filter, as written (strings unquoted)."""

    kind: LiteralKind
    text: str


@dataclass(frozen=True)
class Compare:
    """``param op value``."""

    param: str
    op: str
    value: Value


@dataclass(frozen=True)
class Call:
    """``function(param, 'text')``: contains or startswith."""

    function: str
    param: str
    value: Value


@dataclass(frozen=True)
class Not:
    """``not operand``."""

    operand: Expression


@dataclass(frozen=True)
class Junction:
    """``a and b and …`` or ``a or b or …``."""

    op: Literal["and", "or"]
    operands: tuple[Expression, ...]


Expression = Compare | Call | Not | Junction


def bad_filter(position: int, hint: str) -> LienthongError:
    """Return the error for a ``$filter`` that cannot be read."""
    return LienthongError(
        "api.bad_filter",
        N_(
            "The $filter cannot be read at character {position}: {hint}."
            " See docs/api.md for the supported subset."
        ),
        field="$filter",
        position=position,
        hint=hint,
    )


def unsupported_filter(what: str) -> LienthongError:
    """Return the error for a ``$filter`` that uses something this node does not support."""
    return LienthongError(
        "api.unsupported_filter",
        N_(
            "The $filter uses {what}, which this node does not support. Use eq, ne, gt, ge,"
            " lt, le, and, or, not, parentheses, and contains or startswith on text."
        ),
        field="$filter",
        what=what,
    )


@dataclass(frozen=True)
class _Token:
    kind: str
    text: str
    position: int


def _tokens(text: str) -> list[_Token]:
    found: list[_Token] = []
    position = 0
    while position < len(text):
        match = _TOKEN.match(text, position)
        if match is None:
            raise bad_filter(position + 1, f"unexpected character {text[position]!r}")
        kind = match.lastgroup or ""
        if kind != "space":
            found.append(_Token(kind, match.group(), position + 1))
        position = match.end()
    return found


class _Parser:
    def __init__(self, text: str) -> None:
        self.tokens = _tokens(text)
        self.index = 0
        self.terms = 0
        self.end = len(text) + 1

    def peek(self) -> _Token | None:
        return self.tokens[self.index] if self.index < len(self.tokens) else None

    def take(self, expected: str) -> _Token:
        token = self.peek()
        if token is None:
            raise bad_filter(self.end, f"expected {expected} but the filter ends")
        self.index += 1
        return token

    def keyword(self, word: str) -> bool:
        token = self.peek()
        if token is not None and token.kind == "name" and token.text == word:
            self.index += 1
            return True
        return False

    def punct(self, mark: str) -> None:
        token = self.take(repr(mark))
        if token.text != mark:
            raise bad_filter(token.position, f"expected {mark!r}, found {token.text!r}")

    def parse(self) -> Expression:
        expression = self.junction("or", 0)
        token = self.peek()
        if token is not None:
            raise bad_filter(token.position, f"expected and, or or the end, found {token.text!r}")
        return expression

    def junction(self, op: Literal["and", "or"], depth: int) -> Expression:
        operands = [self.operand(op, depth)]
        while self.keyword(op):
            operands.append(self.operand(op, depth))
        return operands[0] if len(operands) == 1 else Junction(op, tuple(operands))

    def operand(self, op: Literal["and", "or"], depth: int) -> Expression:
        return self.junction("and", depth) if op == "or" else self.unary(depth)

    def unary(self, depth: int) -> Expression:
        if depth > MAX_DEPTH:
            token = self.peek()
            raise bad_filter(token.position if token else self.end, "it is nested too deeply")
        if self.keyword("not"):
            return Not(self.unary(depth + 1))
        token = self.take("a comparison")
        if token.text == "(":
            inner = self.junction("or", depth + 1)
            self.punct(")")
            return inner
        if token.kind != "name":
            raise bad_filter(token.position, f"expected a search parameter, found {token.text!r}")
        self.terms += 1
        if self.terms > MAX_TERMS:
            raise bad_filter(token.position, f"use at most {MAX_TERMS} comparisons")
        following = self.peek()
        if following is not None and following.text == "(":
            return self.call(token)
        if following is not None and following.text == "/":
            raise unsupported_filter("a navigation path")
        operator = self.take("an operator")
        if operator.text in _OTHER_OPERATORS:
            raise unsupported_filter(f"the operator {operator.text}")
        if operator.text not in _COMPARISONS:
            raise bad_filter(
                operator.position, f"expected eq, ne, gt, ge, lt or le, found {operator.text!r}"
            )
        return Compare(token.text, operator.text, self.value())

    def call(self, name: _Token) -> Call:
        if name.text not in _FUNCTIONS:
            raise unsupported_filter(f"the function {name.text}")
        self.punct("(")
        param = self.take("a search parameter")
        if param.kind != "name":
            raise bad_filter(param.position, f"expected a search parameter, found {param.text!r}")
        self.punct(",")
        value = self.value()
        self.punct(")")
        return Call(name.text, param.text, value)

    def value(self) -> Value:
        token = self.take("a value")
        if token.kind == "string":
            return Value("string", token.text[1:-1].replace("''", "'"))
        if token.kind in ("number", "date", "datetime"):
            return Value(token.kind, token.text)  # type: ignore[arg-type]
        if token.text in ("true", "false"):
            return Value("boolean", token.text)
        if token.text == "null":
            raise unsupported_filter("null")
        raise bad_filter(token.position, f"expected a value, found {token.text!r}")


def parse_filter(text: str) -> Expression:
    """Parse a ``$filter`` expression, refusing what the node does not support."""
    if len(text) > MAX_FILTER_LENGTH:
        raise bad_filter(MAX_FILTER_LENGTH, f"write at most {MAX_FILTER_LENGTH} characters")
    if not text.strip():
        raise bad_filter(1, "it is empty")
    return _Parser(text).parse()


def _mismatch(record_type: RecordType, param: str, expected: str) -> LienthongError:
    return unsupported_filter(f"{param} compared with something other than {expected}")


def _clause(record_type: RecordType, where: Mapping[str, str]) -> ColumnElement[bool]:
    (condition,) = search.parse_query(record_type, where)
    return search.condition_clause(record_type, condition)


def _compare(record_type: RecordType, node: Compare) -> ColumnElement[bool]:
    param = record_type.search_param(node.param)
    if node.op == "ne":
        return not_(_compare(record_type, Compare(node.param, "eq", node.value)))
    value = node.value
    kind = param.kind
    if kind in (SearchKind.STRING, SearchKind.TOKEN, SearchKind.REFERENCE) and node.op != "eq":
        raise unsupported_filter(f"{node.op} on the {kind.value} parameter {param.name}")
    if kind is SearchKind.STRING:
        if value.kind != "string":
            raise _mismatch(record_type, param.name, "a quoted text")
        return _clause(record_type, {f"{param.name}:exact": value.text})
    if kind in (SearchKind.TOKEN, SearchKind.REFERENCE):
        return _clause(record_type, {param.name: value.text})
    if kind is SearchKind.NUMBER:
        if value.kind != "number":
            raise _mismatch(record_type, param.name, "a number")
        return _clause(record_type, {param.name: f"{node.op}{value.text}"})
    if value.kind == "boolean" or (value.kind == "number" and not value.text.isdigit()):
        raise _mismatch(record_type, param.name, "a date")
    return _clause(record_type, {param.name: f"{node.op}{value.text}"})


def _call(record_type: RecordType, node: Call) -> ColumnElement[bool]:
    param = record_type.search_param(node.param)
    if param.kind is not SearchKind.STRING:
        raise unsupported_filter(
            f"{node.function} on the {param.kind.value} parameter {param.name}"
        )
    if node.value.kind != "string":
        raise _mismatch(record_type, param.name, "a quoted text")
    if node.function == "startswith":
        return _clause(record_type, {param.name: node.value.text})
    folded = fold(node.value.text)[: search.STRING_INDEX_LENGTH]
    if not folded:
        raise bad_filter(1, f"contains({param.name}, …) needs some text")
    table = models.search_string
    matching = select(table.c.resource_id).where(
        table.c.record_type == record_type.name,
        table.c.param == param.name,
        table.c.value.contains(folded, autoescape=True),
    )
    return models.current_records.c.id.in_(matching)


def filter_clause(record_type: RecordType, expression: Expression) -> ColumnElement[bool]:
    """Return a WHERE clause on ``current_records`` true for the records a filter matches."""
    if isinstance(expression, Compare):
        return _compare(record_type, expression)
    if isinstance(expression, Call):
        return _call(record_type, expression)
    if isinstance(expression, Not):
        return not_(filter_clause(record_type, expression.operand))
    clauses = [filter_clause(record_type, operand) for operand in expression.operands]
    return and_(*clauses) if expression.op == "and" else or_(*clauses)


def bad_option(option: str, value: str, hint: str) -> LienthongError:
    """Return the error for a query option with a value the node cannot use."""
    return LienthongError(
        "api.bad_option",
        N_("The query option {option}={value} cannot be used: {hint}."),
        field=option,
        option=option,
        value=value,
        hint=hint,
    )


@dataclass(frozen=True)
class Options:
    """The query of one search request: search parameters plus OData options."""

    where: dict[str, list[str]] = field(default_factory=dict)
    filter_text: str | None = None
    filter: Expression | None = None
    select: tuple[str, ...] | None = None
    order: OrderKey = "created"
    descending: bool = False
    top: int = DEFAULT_TOP
    skip: int = 0
    count: bool = False
    skiptoken: str | None = None

    @property
    def needs_query(self) -> bool:
        """Whether the store's own search cannot answer this (a filter, order, offset or count)."""
        return (
            self.filter is not None
            or self.order != "created"
            or self.descending
            or self.skip > 0
            or self.count
        )


def _integer(option: str, value: str, low: int, high: int) -> int:
    # The length check keeps int() away from huge digit strings, which it refuses.
    if (
        not (value.isascii() and value.isdigit() and len(value) <= 9)
        or not low <= int(value) <= high
    ):
        raise bad_option(option, value, f"give a whole number from {low} to {high}")
    return int(value)


def _select(value: str, fields: Sequence[str]) -> tuple[str, ...] | None:
    names = [name.strip() for name in value.split(",")]
    if names == ["*"]:
        return None
    for name in names:
        if name not in fields:
            known = ", ".join(fields) or "-"
            raise bad_option("$select", value, f"name fields of the content: {known}")
    return tuple(dict.fromkeys(names))


def _order(value: str) -> tuple[OrderKey, bool]:
    if "," in value:
        raise bad_option("$orderby", value, "order by one key")
    key, _, direction = value.strip().partition(" ")
    direction = direction.strip() or "asc"
    if key not in ORDER_KEYS or direction not in ("asc", "desc"):
        raise bad_option("$orderby", value, "use created, id or recorded_at, then asc or desc")
    return key, direction == "desc"  # type: ignore[return-value]


def parse_options(
    record_type: RecordType, items: Sequence[tuple[str, str]], *, fields: Sequence[str]
) -> Options:
    """Split a search's query string into search parameters and checked OData options."""
    where: dict[str, list[str]] = {}
    options: dict[str, str] = {}
    for key, value in items:
        if not key.startswith("$"):
            where.setdefault(key, []).append(value)
            continue
        if key not in SUPPORTED_OPTIONS:
            raise LienthongError(
                "api.unsupported_option",
                N_(
                    "The query option {option} is not supported here. Use $filter, $select,"
                    " $orderby, $top, $skip, $count or $skiptoken."
                ),
                field=key,
                option=key,
            )
        if key in options:
            raise bad_option(key, value, "give it once")
        options[key] = value
    # Unknown parameter names and bad values are refused now, before any query runs.
    search.parse_query(record_type, where)
    filter_text = options.get("$filter")
    order, descending = _order(options["$orderby"]) if "$orderby" in options else ("created", False)
    count = options.get("$count", "false")
    if count not in ("true", "false"):
        raise bad_option("$count", count, "use true or false")
    skip = _integer("$skip", options["$skip"], 0, MAX_SKIP) if "$skip" in options else 0
    if skip and "$skiptoken" in options:
        raise bad_option("$skip", options["$skip"], "follow the next link instead of skipping")
    return Options(
        where=where,
        filter_text=filter_text,
        filter=parse_filter(filter_text) if filter_text is not None else None,
        select=_select(options["$select"], fields) if "$select" in options else None,
        order=order,
        descending=descending,
        top=_integer("$top", options["$top"], 1, MAX_TOP) if "$top" in options else DEFAULT_TOP,
        skip=skip,
        count=count == "true",
        skiptoken=options.get("$skiptoken"),
    )
