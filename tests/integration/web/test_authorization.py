"""Every route checks authorization through one dependency; tokens and roles decide."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.routing import APIRoute
from sqlalchemy.engine import Engine
from tests.integration.store.example import person, vehicle
from tests.integration.web.apitest import Api, make_api

from lienthong.access import Permission, Role, revoke_token
from lienthong.sync.views import PeerNode
from lienthong.web.api.auth import Authorization, Authorize, Public

PEOPLE = "/api/example/Person"
VEHICLES = "/api/example/Vehicle"


def _checks(route: APIRoute) -> list[Authorization]:
    return [dep.call for dep in route.dependant.dependencies if isinstance(dep.call, Authorization)]


def test_every_route_declares_exactly_one_authorization_check(api: Api) -> None:
    routes = api.client.app.routes  # type: ignore[attr-defined]
    assert routes
    for route in routes:
        assert isinstance(route, APIRoute), f"{route} bypasses the API's authorization"
        assert len(_checks(route)) == 1, f"{route.methods} {route.path} has no authorization check"


def test_only_health_and_the_api_description_are_public(api: Api) -> None:
    public = {
        route.path
        for route in api.client.app.routes  # type: ignore[attr-defined]
        if isinstance(_checks(route)[0], Public)
    }
    assert public == {"/health", "/openapi.json"}


def test_writes_need_the_write_permission_and_admin_routes_the_admin_one(api: Api) -> None:
    for route in api.client.app.routes:  # type: ignore[attr-defined]
        check = _checks(route)[0]
        if route.path.startswith("/api/$access"):
            assert check.permission is Permission.ADMIN, route.path
        elif route.path.startswith("/sync/"):
            # Only another node, through the exchange: see the sync service's tests.
            assert isinstance(check, PeerNode) and check.permission is Permission.WRITE
        elif route.methods & {"PUT", "DELETE"} or (
            "POST" in route.methods and "$operations" not in route.path
        ):
            assert isinstance(check, Authorize) and check.permission is Permission.WRITE


def test_the_sync_service_refuses_anyone_but_a_node_through_the_exchange(api: Api) -> None:
    for path in ("/sync/push", "/sync/pull"):
        response = api.client.post(path, content=b"{}", headers=api.headers(Role.ADMIN))
        assert (response.status_code, response.json()["code"]) == (403, "sync.exchange_only")


@pytest.mark.parametrize(
    ("headers", "code"),
    [
        ({}, "access.unauthenticated"),
        ({"Authorization": "Basic dXNlcjpwYXNz"}, "access.unauthenticated"),
        ({"Authorization": "Bearer nonsense"}, "access.invalid_token"),
        ({"Authorization": "Bearer lt_000000000000_" + "A" * 43}, "access.invalid_token"),
    ],
)
def test_a_request_without_a_valid_token_is_unauthenticated(
    api: Api, headers: dict[str, str], code: str
) -> None:
    response = api.client.get(f"{VEHICLES}/x", headers=headers)
    assert (response.status_code, response.json()["code"]) == (401, code)
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_a_revoked_token_stops_working(engine: Engine, tmp_path: Path) -> None:
    api = make_api(engine, tmp_path)
    reader = api.headers(Role.READER)
    assert api.client.get(VEHICLES, headers=reader).status_code == 200
    with engine.begin() as connection:
        token_id = api.tokens[Role.READER].split("_")[1]
        revoke_token(connection=connection, token_id=token_id)
    api.client.app.state.tokens.forget()  # type: ignore[attr-defined]
    response = api.client.get(VEHICLES, headers=reader)
    assert (response.status_code, response.json()["code"]) == (401, "access.invalid_token")


def test_a_reader_cannot_write(api: Api) -> None:
    response = api.client.post(PEOPLE, json=person(), headers=api.headers(Role.READER))
    assert (response.status_code, response.json()["code"]) == (403, "access.forbidden")
    assert "writer" in response.json()["message_en"]


def test_a_writer_cannot_manage_tokens_but_an_admin_can(api: Api) -> None:
    tokens = "/api/$access/tokens"
    forbidden = api.client.get(tokens, headers=api.headers(Role.WRITER))
    assert forbidden.status_code == 403
    admin = api.headers(Role.ADMIN)
    issued = api.client.post(
        tokens, json={"client": "VN/GOV/01/portal", "role": "reader"}, headers=admin
    )
    assert issued.status_code == 201
    token = issued.json()["token"]
    assert api.client.get(VEHICLES, headers={"Authorization": f"Bearer {token}"}).status_code == 200
    listed = api.client.get(tokens, headers=admin).json()["value"]
    assert "token" not in listed[0] and len(listed) == 4
    revoked = api.client.delete(f"{tokens}/{issued.json()['token_id']}", headers=admin)
    assert revoked.status_code == 200 and revoked.json()["revoked_at"]
    after = api.client.get(VEHICLES, headers={"Authorization": f"Bearer {token}"})
    assert after.status_code == 401
    unknown = api.client.delete(f"{tokens}/nope", headers=admin)
    assert (unknown.status_code, unknown.json()["code"]) == (404, "access.unknown_token")
    bad = api.client.post(tokens, json={"client": "a b", "role": "reader"}, headers=admin)
    assert (bad.status_code, bad.json()["code"]) == (400, "access.bad_client")


def test_writes_from_any_writer_go_through_the_store_and_are_logged(api: Api) -> None:
    api.client.post(PEOPLE, json=person(), headers=api.headers())
    created = api.client.post(VEHICLES, json=vehicle(), headers=api.headers(Role.ADMIN))
    assert created.status_code == 201
    log = api.client.get("/api/$access/log/Vehicle/29A-123.45", headers=api.headers(Role.ADMIN))
    entries = log.json()["value"]
    assert [(e["client"], e["action"], e["version"], e["outcome"]) for e in entries] == [
        ("test-admin", "create", 1, "ok")
    ]
