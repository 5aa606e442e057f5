"""The log's hot statements, compiled once per backend and run on the driver's cursor.

Every gateway call and every personal read appends rows to the audit log (and to the
access log) in a group commit. Through ``Connection.execute`` each statement costs
about 65 µs of SQLAlchemy's own work — cache key, parameter processing, result set-up —
against about 7 µs for the SQL on SQLite's cursor, and a batch runs three of them. So
these few statements are compiled by SQLAlchemy once per dialect and run on the DBAPI
cursor of the same connection, inside the caller's transaction, with each column's own
bind processor applied: the rows stored are exactly those ``Connection.execute`` stores.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy import Select, Table
from sqlalchemy.engine import Connection, Dialect
from sqlalchemy.exc import DBAPIError

_T = TypeVar("_T")

#: Paramstyles whose parameters are sequences (``?``, ``%s``, ``:1``), not mappings.
_POSITIONAL = frozenset({"qmark", "format", "numeric"})


@dataclass(frozen=True)
class _Compiled:
    sql: str
    #: Parameter names in the order a positional paramstyle takes them (None: by name).
    order: tuple[str, ...] | None
    processors: dict[str, Callable[[Any], Any]]

    def parameters(self, row: Mapping[str, Any]) -> Sequence[Any] | dict[str, Any]:
        processed = {
            name: (processor(row[name]) if (processor := self.processors.get(name)) else row[name])
            for name in row
        }
        if self.order is None:
            return processed
        return [processed[name] for name in self.order]


def _run(connection: Connection, sql: str, work: Callable[[Any], _T], parameters: Any = None) -> _T:
    """Run ``work(cursor)`` on the driver's cursor; its errors as SQLAlchemy raises them."""
    # The driver's cursor runs in the transaction SQLAlchemy began on this connection;
    # begin it now if nothing did yet, as the first execute() would have.
    if not connection.in_transaction():
        connection.begin()
    dbapi_connection = connection.connection.dbapi_connection
    assert dbapi_connection is not None
    cursor = dbapi_connection.cursor()
    try:
        return work(cursor)
    except connection.dialect.loaded_dbapi.Error as error:
        # Callers catch SQLAlchemyError (an IntegrityError, a lost connection), not the
        # driver's own classes: raise what Connection.execute would have raised.
        raise DBAPIError.instance(
            sql,
            parameters,
            error,
            connection.dialect.loaded_dbapi.Error,
            dialect=connection.dialect,
        ) from error
    finally:
        cursor.close()


class RowInsert:
    """An INSERT of whole rows into a table: the columns every row gives, in one order."""

    def __init__(self, table: Table, columns: Sequence[str]) -> None:
        self.table = table
        self.columns = tuple(columns)
        self._compiled: dict[str, _Compiled] = {}

    def _compile(self, dialect: Dialect) -> _Compiled:
        compiled = self.table.insert().compile(dialect=dialect, column_keys=list(self.columns))
        positional = dialect.paramstyle in _POSITIONAL
        processors: dict[str, Callable[[Any], Any]] = {}
        for name in self.columns:
            column_type = self.table.c[name].type
            processor = column_type.dialect_impl(dialect).bind_processor(dialect)
            if processor is not None:
                processors[name] = processor
        order = tuple(compiled.positiontup or ()) if positional else None
        if order is not None and sorted(order) != sorted(self.columns):
            raise RuntimeError(f"{self.table.name}: the INSERT binds {order}, not {self.columns}")
        return _Compiled(compiled.string, order, processors)

    def execute(self, connection: Connection, rows: Sequence[Mapping[str, Any]]) -> None:
        """Insert rows (each a mapping of exactly the statement's columns)."""
        if not rows:
            return
        dialect = connection.dialect
        compiled = self._compiled.get(dialect.name)
        if compiled is None:
            compiled = self._compiled[dialect.name] = self._compile(dialect)
        parameters = [compiled.parameters(row) for row in rows]
        _run(connection, compiled.sql, lambda cursor: cursor.executemany(compiled.sql, parameters))


class RowQuery:
    """A SELECT without parameters whose columns need no result processing."""

    def __init__(self, query: Select[Any]) -> None:
        self.query = query
        self._compiled: dict[str, str] = {}

    def first(self, connection: Connection) -> tuple[Any, ...] | None:
        """Return the first row, as a tuple, or None."""
        dialect = connection.dialect
        sql = self._compiled.get(dialect.name)
        if sql is None:
            # Literal binds: LIMIT 1 written out, so the statement takes no parameters.
            sql = self._compiled[dialect.name] = self.query.compile(
                dialect=dialect, compile_kwargs={"literal_binds": True}
            ).string

        def first(cursor: Any) -> tuple[Any, ...] | None:
            cursor.execute(sql)
            row = cursor.fetchone()
            return None if row is None else tuple(row)

        return _run(connection, sql, first)
