"""A node serving the example system over HTTP, on each backend, with a token per role."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine
from tests.integration.store.backends import FakeClock, fresh_postgres_database
from tests.integration.store.example import (
    EXAMPLE,
    HANOI,
    PERSON,
    VEHICLE,
    count_vehicles,
)

from lienthong.access import Role, create_token
from lienthong.node import Node
from lienthong.settings import load_settings
from lienthong.store import create_engine, sqlite_url, upgrade
from lienthong.systems import Operation, Service, System, SystemRegistry
from lienthong.systems.definition import STANDARD_OPERATIONS
from lienthong.web.api import create_app

#: People are personal data here: every read needs a purpose and is logged.
CITIZEN = dataclasses.replace(PERSON, personal_data=True)


def rename_vehicle(*, uow: Any, plate: str) -> str:
    """Write something (a custom operation that only writers may run)."""
    record = uow.records.get(record_type="Vehicle", record_id=plate)
    content = {**record.content, "weight_kg": record.content["weight_kg"] + 1}
    uow.records.update(
        record_type="Vehicle", record_id=plate, content=content, expected_version=record.version
    )
    return plate


SYSTEM = System(
    code="example",
    title="Example registry",
    record_types=(CITIZEN, VEHICLE),
    operations=(
        Service.custom("countVehicles", handler=count_vehicles, description="Count vehicles."),
        Service.custom("heavier", handler=rename_vehicle),
    ),
    standard=(*STANDARD_OPERATIONS, Operation.DELETE),
)
# The same example with people that are not personal data, for the plain read path.
PLAIN = dataclasses.replace(EXAMPLE, code="plain")


def engine_for(backend: str, tmp_path: Path) -> Iterator[Engine]:
    """Yield an empty store at head on one backend."""
    if backend == "sqlite":
        engine = create_engine(sqlite_url(tmp_path / "node.db"))
        upgrade(engine)
        yield engine
        engine.dispose()
        return
    with fresh_postgres_database() as engine:
        upgrade(engine)
        yield engine


@dataclass
class Api:
    """A test client of a node's API with a token of each role."""

    client: TestClient
    node: Node
    clock: FakeClock
    tokens: dict[Role, str]

    def headers(self, role: Role = Role.WRITER, **extra: str) -> dict[str, str]:
        """Return the headers of a client with a role, plus extra ones."""
        return {"Authorization": f"Bearer {self.tokens[role]}", **extra}

    def reader(self, purpose: str | None = "kiểm tra hồ sơ") -> dict[str, str]:
        """Return the headers of a reader stating a purpose (percent-encoded UTF-8)."""
        headers = self.headers(Role.READER)
        if purpose is not None:
            headers["X-Lienthong-Purpose"] = quote(purpose)
        return headers


def make_api(engine: Engine, tmp_path: Path, system: System = SYSTEM) -> Api:
    """Return a client of a node serving a system on a store, with tokens issued."""
    node = Node(
        settings=load_settings(state_dir=tmp_path, node_id=HANOI),
        engine=engine,
        systems=SystemRegistry([system]),
    )
    with engine.begin() as connection:
        tokens = {
            role: create_token(connection=connection, client=f"test-{role.value}", role=role).token
            for role in Role
        }
    clock = FakeClock()
    app = create_app(node, clock=clock)
    return Api(TestClient(app), node, clock, tokens)
