"""The hot read routes read their plain parameters directly; the rest go through FastAPI."""

from __future__ import annotations

from fastapi.routing import APIRoute
from tests.integration.store.example import person
from tests.integration.web.apitest import Api

from lienthong.web.api.routing import LeanRoute, _plan

PEOPLE = "/api/example/Person"


def test_reads_by_identifier_and_searches_skip_the_solver_and_nothing_else_does(api: Api) -> None:
    lean = {
        (route.path, method)
        for route in api.client.app.routes  # type: ignore[attr-defined]
        if isinstance(route, APIRoute) and isinstance(route, LeanRoute) and _plan(route)
        for method in route.methods
    }
    assert lean == {
        (f"{PEOPLE}/{{record_id}}", "GET"),
        (f"{PEOPLE}/{{record_id}}/_history", "GET"),
        (PEOPLE, "GET"),
        ("/api/example/Vehicle/{record_id}", "GET"),
        ("/api/example/Vehicle/{record_id}/_history", "GET"),
        ("/api/example/Vehicle", "GET"),
    }


def test_a_lean_route_reads_the_same_values_as_the_solver(api: Api) -> None:
    api.client.post(PEOPLE, json=person(), headers=api.headers())
    url = f"{PEOPLE}/001090000001"
    # A repeated query parameter: the last value, as FastAPI reads it.
    response = api.client.get(
        url, params=[("asOf", "nonsense"), ("asOf", "2100-01-01T00:00:00Z")], headers=api.reader()
    )
    assert response.status_code == 200
    bad = api.client.get(url, params={"asOf": "nonsense"}, headers=api.reader())
    assert (bad.status_code, bad.json()["code"]) == (400, "api.bad_as_of")
    # The authorization check comes first, before any parameter is looked at.
    unauthenticated = api.client.get(url, params={"asOf": "nonsense"})
    assert unauthenticated.json()["code"] == "access.unauthenticated"
