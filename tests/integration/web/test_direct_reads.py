"""The reads the gateway answers without the app are exactly the app's GET-one-record routes."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import pytest
from fastapi.routing import APIRoute
from sqlalchemy.engine import Engine
from starlette.routing import Match
from tests.integration.web.apitest import PLAIN, SYSTEM, Api, make_api

from lienthong.systems import Operation
from lienthong.web.api.direct import DirectReads


def first_route(app: Any, method: str, path: str) -> APIRoute | None:
    """Return the route the app's router would run for a request, as Starlette picks it."""
    scope = {"type": "http", "method": method, "path": path, "root_path": ""}
    for route in app.router.routes:
        match, _ = route.matches(scope)
        if match is Match.FULL:
            assert isinstance(route, APIRoute)
            return route
    return None


@pytest.mark.parametrize("system", [SYSTEM, PLAIN], ids=lambda system: system.code)
def test_each_path_a_direct_read_takes_is_the_get_route_of_that_record_type(
    engine: Engine, tmp_path: Path, system: Any
) -> None:
    api: Api = make_api(engine, tmp_path, system)
    app: Any = api.client.app
    reads: DirectReads = app.state.direct_reads
    for record_type in system.record_types:
        base = f"/api/{system.code}/{record_type.name}"
        for record_id in ("001090000001", "29A-123.45", "đỏ", "_history", "$count", "a b"):
            found = reads.find(f"{base}/{record_id}")
            assert found is not None
            routes, identifier = found
            route = first_route(app, "GET", f"{base}/{record_id}")
            assert route is not None and route.operation_id == f"get{record_type.name}"
            assert (routes.base, identifier) == (base, record_id)


def test_no_other_path_is_a_direct_read(api: Api) -> None:
    reads: DirectReads = api.client.app.state.direct_reads  # type: ignore[attr-defined]
    for path in (
        "/api/example/Person",
        "/api/example/Person/",
        "/api/example/Person/001090000001/_history",
        "/api/example/Person/001090000001/_history/1",
        "/api/example/$operations/countVehicles",
        "/api/example/Nothing/1",
        "/api/other/Person/1",
        "/health",
    ):
        assert reads.find(path) is None, path


def test_a_system_that_does_not_expose_get_has_no_direct_reads(
    engine: Engine, tmp_path: Path
) -> None:
    without_get = dataclasses.replace(
        SYSTEM, standard=tuple(op for op in SYSTEM.standard if op is not Operation.GET)
    )
    api = make_api(engine, tmp_path, without_get)
    reads: DirectReads = api.client.app.state.direct_reads  # type: ignore[attr-defined]
    assert reads.find("/api/example/Person/001090000001") is None
