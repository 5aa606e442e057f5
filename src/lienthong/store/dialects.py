"""Every difference between SQLite and PostgreSQL, in one place.

The rest of the store writes portable SQLAlchemy Core and asks this module for column
types, connection set-up, upserts and bulk inserts.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any, Final, Literal

from sqlalchemy import (
    JSON,
    BigInteger,
    DateTime,
    Dialect,
    Integer,
    Table,
    Text,
    event,
    func,
    text,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import URL, Connection, Engine, make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.types import TypeDecorator

from lienthong.errors import LienthongError
from lienthong.i18n import N_

Backend = Literal["sqlite", "postgresql"]

#: How long a SQLite writer waits for another writer before giving up.
SQLITE_BUSY_TIMEOUT_MS: Final = 10_000

#: Page cache per SQLite connection, in KiB.
SQLITE_CACHE_KIB: Final = 65_536

#: Rows per statement when inserting in bulk: large enough to amortize round trips, small
#: enough to stay under SQLite's bound-parameter limit for the widest table.
BULK_ROWS: Final = 500

#: Execution option marking a connection that only reads.
READ_ONLY: Final = "lienthong_read_only"

#: Record content: JSONB on PostgreSQL (indexable, compact), JSON text on SQLite.
JSONType = JSON(none_as_null=True).with_variant(postgresql.JSONB(none_as_null=True), "postgresql")

#: Surrogate keys: BIGINT on PostgreSQL; on SQLite only INTEGER PRIMARY KEY is a rowid alias.
KeyType = BigInteger().with_variant(Integer(), "sqlite")

#: Folded search text: byte order on PostgreSQL ("C" collation) so that prefix ranges are
#: exact and served by a b-tree; SQLite's default BINARY collation already compares bytes.
FoldedText = Text().with_variant(Text(collation="C"), "postgresql")


class UTCDateTime(TypeDecorator[datetime]):
    """A timezone-aware UTC timestamp on both backends.

    SQLite has no timestamp type: values are stored as naive UTC text in one fixed
    format, so text order is time order. PostgreSQL stores ``timestamptz``.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        """Refuse naive datetimes; store UTC (naive on SQLite, where no offset is kept)."""
        if value is None:
            return None
        if value.tzinfo is None or value.utcoffset() is None:
            raise LienthongError(
                "store.naive_datetime",
                N_("The time {value} has no time zone. Give an aware datetime (UTC)."),
                field="recorded_at",
                value=value.isoformat(),
            )
        value = value.astimezone(UTC)
        return value if dialect.name == "postgresql" else value.replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        """Return an aware UTC datetime."""
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def backend_of(dialect: Dialect) -> Backend:
    """Return which supported backend a dialect is."""
    if dialect.name in ("sqlite", "postgresql"):
        return dialect.name  # type: ignore[return-value]
    raise _unsupported(dialect.name)


def _unsupported(name: str) -> LienthongError:
    return LienthongError(
        "store.unsupported_database",
        N_(
            "The database {name} is not supported. Use a sqlite:///path.db"
            " or postgresql://user@host/db URL."
        ),
        field="database_url",
        name=name,
    )


def normalize_url(url: str | URL) -> URL:
    """Return the URL with the driver lienthong uses (psycopg 3 for PostgreSQL)."""
    try:
        parsed = make_url(url)
    except Exception as exc:
        raise LienthongError(
            "store.bad_url",
            N_(
                "The database URL {url} cannot be read. Write it as sqlite:///path.db or"
                " postgresql://user@host/db."
            ),
            field="database_url",
            url=str(url),
        ) from exc
    backend, _, driver = parsed.drivername.partition("+")
    if backend == "sqlite" and driver in ("", "pysqlite"):
        return parsed.set(drivername="sqlite+pysqlite")
    if backend in ("postgresql", "postgres") and driver in ("", "psycopg"):
        return parsed.set(drivername="postgresql+psycopg")
    raise _unsupported(parsed.drivername)


def engine_options(url: URL) -> dict[str, Any]:
    """Return the backend-specific keyword arguments for ``sqlalchemy.create_engine``."""
    options: dict[str, Any] = {
        # Compact, readable JSON: Vietnamese text stays UTF-8 instead of \\u escapes.
        "json_serializer": lambda value: json.dumps(value, ensure_ascii=False),
    }
    if url.get_backend_name() == "postgresql":
        # Sessions in UTC so that timestamps read back are UTC whatever the server's zone.
        options["connect_args"] = {"options": "-c timezone=UTC"}
        options["pool_pre_ping"] = True
    else:
        # pysqlite's own transaction handling is disabled (isolation_level=None) so that
        # configure() can issue BEGIN IMMEDIATE itself; see _sqlite_begin.
        options["connect_args"] = {"isolation_level": None, "check_same_thread": False}
    return options


def configure(engine: Engine) -> None:
    """Install the per-connection set-up of the engine's backend."""
    if backend_of(engine.dialect) == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    try:
        # WAL: readers never block the writer and the writer never blocks readers.
        cursor.execute("PRAGMA journal_mode=WAL")
        # The schema's foreign keys are enforced only when asked, per connection.
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        # NORMAL is durable in WAL mode except for the last commits on power loss; the
        # change log lets sync recover those from peers.
        cursor.execute("PRAGMA synchronous=NORMAL")
        # 64 MiB of page cache (the default is 2): index pages of bulk imports stay in
        # memory instead of being read back for every batch.
        cursor.execute(f"PRAGMA cache_size=-{SQLITE_CACHE_KIB}")
    finally:
        cursor.close()


def _sqlite_begin(connection: Connection) -> None:
    if connection.get_execution_options().get(READ_ONLY):
        connection.exec_driver_sql("BEGIN")
        return
    # Take the write lock at BEGIN: a deferred transaction that reads and then writes
    # fails with SQLITE_BUSY instead of waiting when another writer got there first.
    connection.exec_driver_sql("BEGIN IMMEDIATE")


def read_only(connection: Connection) -> Connection:
    """Mark a connection's transactions as reads, so SQLite does not take the write lock."""
    return connection.execution_options(**{READ_ONLY: True})


def insert(table: Table, dialect: Dialect) -> Any:
    """Return the backend's INSERT construct, which knows ON CONFLICT."""
    if backend_of(dialect) == "postgresql":
        return postgresql.insert(table)
    return sqlite.insert(table)


def increment_counter(
    connection: Connection, table: Table, *, key: Mapping[str, Any], column: str, by: int
) -> int:
    """Add to a counter row, creating it at ``by``, and return the new value.

    The upsert takes a row lock on PostgreSQL, so concurrent writers are serialized on
    the counter and a rolled-back transaction gives its numbers back (no gaps).
    """
    statement = insert(table, connection.dialect).values({**key, column: by})
    statement = statement.on_conflict_do_update(
        index_elements=list(key),
        set_={column: table.c[column] + by},
    ).returning(table.c[column])
    value: int = connection.execute(statement).scalar_one()
    return value


def _remember_last(processor: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """Return the processor, reusing its last result when given the very same object again."""
    # A batch shares one recorded time across thousands of rows: converting it once
    # instead of once per row matters at import rates.
    last: list[Any] = [_NOTHING, None]

    def process(value: Any) -> Any:
        if value is not last[0]:
            last[0], last[1] = value, processor(value)
        return last[1]

    return process


_NOTHING: Final = object()

#: Times bound lately, per processor. A replica's version, its pointer and its change-log
#: entry carry the same recorded time: it is converted once, not once per table.
_RECENT_TIMES: dict[Callable[[Any], Any], dict[datetime, Any]] = {}
_RECENT_LIMIT: Final = 8192


def _remember_recent(processor: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """Return the processor, reusing its result for a time it converted lately."""
    recent = _RECENT_TIMES.setdefault(processor, {})

    def process(value: datetime) -> Any:
        try:
            return recent[value]
        except KeyError:
            if len(recent) >= _RECENT_LIMIT:
                recent.clear()
            bound = recent[value] = processor(value)
            return bound

    return process


def bulk_insert(connection: Connection, table: Table, rows: Sequence[Mapping[str, Any]]) -> None:
    """Insert many rows (each with the same columns) by the backend's fastest path.

    See ``insert_rows``, which this calls with the rows as tuples.
    """
    if not rows:
        return
    names = tuple(rows[0])
    insert_rows(connection, table, names, [tuple(row[name] for name in names) for row in rows])


def insert_rows(
    connection: Connection, table: Table, names: Sequence[str], rows: Sequence[tuple[Any, ...]]
) -> None:
    """Insert many rows, tuples of the named columns, by the backend's fastest path.

    PostgreSQL gets one ``COPY … FROM STDIN``; SQLite one prepared ``INSERT`` run with
    ``executemany``. Values go through the columns' own bind processing (JSON, UTC
    timestamps), so what is stored is exactly what SQLAlchemy would store; SQLAlchemy's
    per-statement compilation, which costs more than the database's work for narrow
    rows, is skipped. Both run on the connection's transaction (and savepoint).
    """
    if not rows:
        return
    dialect = connection.dialect
    values = bound_rows(dialect, table, names, rows)
    quote = dialect.identifier_preparer.quote
    columns_sql = ", ".join(quote(name) for name in names)
    driver = connection.connection.driver_connection
    assert driver is not None
    if backend_of(dialect) == "postgresql":
        statement = f"COPY {quote(table.name)} ({columns_sql}) FROM STDIN"
        try:
            with driver.cursor() as cursor, cursor.copy(statement) as copy:
                for row in values:
                    copy.write_row(row)
        except dialect.loaded_dbapi.Error as exc:
            raise DBAPIError.instance(statement, None, exc, dialect.loaded_dbapi.Error) from exc
        return
    marks = ", ".join("?" for _ in names)
    _executemany(
        connection, f"INSERT INTO {quote(table.name)} ({columns_sql}) VALUES ({marks})", values
    )


def bound_rows(
    dialect: Dialect, table: Table, names: Sequence[str], rows: Sequence[tuple[Any, ...]]
) -> Sequence[tuple[Any, ...]]:
    """Return rows with each value through its column's bind processing (JSON, UTC times)."""
    processors = [
        (
            index,
            _remember_recent(processor)
            if isinstance(table.c[name].type, UTCDateTime)
            else _remember_last(processor),
        )
        for index, name in enumerate(names)
        if (processor := table.c[name].type._cached_bind_processor(dialect)) is not None
    ]
    if not processors:
        return rows
    # Column by column: each processor runs over its column in one pass.
    columns = list(zip(*rows, strict=True))
    for index, process in processors:
        columns[index] = tuple(map(process, columns[index]))
    return list(zip(*columns, strict=True))


def _executemany(connection: Connection, statement: str, values: Sequence[tuple[Any, ...]]) -> None:
    """Run one prepared statement over many rows on the driver's cursor (SQLite)."""
    dialect = connection.dialect
    driver = connection.connection.driver_connection
    assert driver is not None
    cursor = driver.cursor()
    try:
        cursor.executemany(statement, values)
    except dialect.loaded_dbapi.Error as exc:
        raise DBAPIError.instance(statement, None, exc, dialect.loaded_dbapi.Error) from exc
    finally:
        cursor.close()


def insert_new_rows(
    connection: Connection,
    table: Table,
    names: Sequence[str],
    rows: Sequence[tuple[Any, ...]],
    *,
    key: Sequence[str],
) -> None:
    """Insert many rows, tuples of the named columns, skipping those whose ``key`` is held.

    A row whose key (a unique constraint's columns) is already in the table is left as
    it is, as ``INSERT … ON CONFLICT (key) DO NOTHING`` does; every other constraint
    still fails the insert. SQLite runs that statement prepared once with
    ``executemany`` on values bound as ``insert_rows`` binds them; PostgreSQL, where
    ``COPY`` knows no conflicts, runs SQLAlchemy's own insert of the same rows.
    """
    if not rows:
        return
    dialect = connection.dialect
    if backend_of(dialect) == "postgresql":
        statement = insert(table, dialect).on_conflict_do_nothing(index_elements=list(key))
        for start in range(0, len(rows), BULK_ROWS):
            connection.execute(
                statement,
                [dict(zip(names, row, strict=True)) for row in rows[start : start + BULK_ROWS]],
            )
        return
    quote = dialect.identifier_preparer.quote
    marks = ", ".join("?" for _ in names)
    statement = (
        f"INSERT INTO {quote(table.name)} ({', '.join(quote(name) for name in names)})"
        f" VALUES ({marks}) ON CONFLICT ({', '.join(quote(name) for name in key)}) DO NOTHING"
    )
    _executemany(connection, statement, bound_rows(dialect, table, names, rows))


def refresh_statistics(connection: Connection, tables: Sequence[Table]) -> None:
    """Tell the query planner that tables grew, after a bulk load (PostgreSQL; SQLite needs not).

    PostgreSQL plans from statistics gathered when a table was small; until autovacuum
    catches up, lookups by identifier in a table loaded from empty scan it whole.
    """
    if backend_of(connection.dialect) == "postgresql":
        quote = connection.dialect.identifier_preparer.quote
        connection.exec_driver_sql("ANALYZE " + ", ".join(quote(table.name) for table in tables))


def allocate_keys(connection: Connection, table: Table, column: str, count: int) -> list[int]:
    """Reserve ``count`` new, increasing surrogate keys of a table for rows about to be inserted.

    PostgreSQL takes them from the column's sequence. On SQLite the writer holds the
    database's write lock from ``BEGIN IMMEDIATE`` on, so the keys after the largest one
    in use are free until it commits (what SQLite itself would pick).
    """
    if count == 0:
        return []
    if backend_of(connection.dialect) == "postgresql":
        keys = connection.execute(
            text(
                "SELECT nextval(pg_get_serial_sequence(:table, :column))"
                " FROM generate_series(1, :count)"
            ),
            {"table": table.name, "column": column, "count": count},
        ).scalars()
        return sorted(keys)
    last = connection.execute(text(f"SELECT max({column}) FROM {table.name}")).scalar()
    first = int(last or 0) + 1
    return list(range(first, first + count))


def bulk_insert_returning(
    connection: Connection, table: Table, rows: Sequence[Mapping[str, Any]], column: str
) -> list[Any]:
    """Insert many rows and return one column of each, in the order of the rows."""
    values: list[Any] = []
    for start in range(0, len(rows), BULK_ROWS):
        chunk = list(rows[start : start + BULK_ROWS])
        statement = table.insert().returning(table.c[column], sort_by_parameter_order=True)
        values.extend(connection.execute(statement, chunk).scalars().all())
    return values


def raise_counter(
    connection: Connection,
    table: Table,
    *,
    key: Mapping[str, Any],
    column: str,
    to: int,
    also: Mapping[str, Any] | None = None,
) -> None:
    """Set a counter row to ``to`` unless it already holds more, creating it if absent.

    ``also`` are other columns set whatever the counter does (when it was last touched).
    """
    greatest = func.greatest if backend_of(connection.dialect) == "postgresql" else func.max
    extra = dict(also or {})
    statement = insert(table, connection.dialect).values({**key, column: to, **extra})
    statement = statement.on_conflict_do_update(
        index_elements=list(key),
        set_={column: greatest(table.c[column], statement.excluded[column]), **extra},
    )
    connection.execute(statement)
