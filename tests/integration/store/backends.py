"""Fresh stores on each backend for the tests: a SQLite file, or a throw-away PostgreSQL database."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

from sqlalchemy import text
from sqlalchemy.engine import Engine, make_url
from tests.plugins.services import service_url

from lienthong.store import MessageBus, UnitOfWork, create_engine
from lienthong.store.events import Event


@contextmanager
def fresh_postgres_database() -> Iterator[Engine]:
    """Create an empty PostgreSQL database for one use and drop it afterwards."""
    server_url = make_url(service_url("postgres"))
    name = f"lienthong_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(server_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        engine = create_engine(server_url.set(database=name))
        try:
            yield engine
        finally:
            engine.dispose()
            with admin.connect() as connection:
                connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        admin.dispose()


class FakeClock:
    """A clock that moves only when told to, one second per reading unless stopped."""

    def __init__(self, start: datetime | None = None, tick: timedelta = timedelta(seconds=1)):
        self.now = start or datetime(2025, 7, 1, 8, 0, tzinfo=UTC)
        self.tick = tick

    def __call__(self) -> datetime:
        current = self.now
        self.now += self.tick
        return current

    def set(self, moment: datetime) -> None:
        """Jump to a moment (backwards too)."""
        self.now = moment


class Published:
    """Events the bus delivered, in order (a fake subscriber)."""

    def __init__(self, bus: MessageBus) -> None:
        self.events: list[Event] = []
        bus.subscribe(Event, self.events.append)


#: Opens a unit of work as a node (the Hà Nội node by default).
UowFactory = Callable[..., UnitOfWork]
