"""A registry the node hosts answers its gateway in process; a read of one record skips the app.

The direct read must be indistinguishable from the app's: same status, headers and body
for every outcome, the same authorization of the exchange caller, and the same
purpose-bound access-log entry. Everything else still goes through the app.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.engine import Engine
from tests.integration.store.example import person, vehicle
from tests.integration.web.apitest import Api, make_api

from lienthong.access.models import access_log
from lienthong.exchange.audit.models import audit_log
from lienthong.exchange.caller import ExchangeCaller
from lienthong.exchange.gateway.bodies import Spool
from lienthong.exchange.gateway.upstream import LocalUpstream, UpstreamResponse

PIN = "001090000001"
PLATE = "29A-123.45"
CALLER = ExchangeCaller(
    client="VN/GOV/AGG/driving",
    purpose="driver-licence",
    user_id="VN001088000123",
    grant_id="grant-1",
    message_id="message-1",
    writes=False,
)


class SpyApp:
    """The node's API, noting every request that went through it."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.state = app.state
        self.paths: list[str] = []

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        self.paths.append(scope["path"])
        await self.app(scope, receive, send)


@pytest.fixture
def api(engine: Engine, tmp_path: Path) -> Api:
    api = make_api(engine, tmp_path)
    api.client.post("/api/example/Person", json=person(), headers=api.headers())
    api.client.post("/api/example/Person", json=person("001090000002"), headers=api.headers())
    api.client.delete(
        "/api/example/Person/001090000002", headers=api.headers(**{"If-Match": '"1"'})
    )
    api.client.post("/api/example/Vehicle", json=vehicle(PLATE), headers=api.headers())
    return api


def call(
    upstream: LocalUpstream,
    path: str,
    *,
    query: str = "",
    headers: dict[str, str] | None = None,
    caller: ExchangeCaller = CALLER,
    method: str = "GET",
    body: bytes = b"",
) -> tuple[int, list[tuple[bytes, bytes]], bytes]:
    spool = Spool(limit=1 << 20)
    spool.write(body)

    async def run() -> UpstreamResponse:
        return await upstream.call(
            method=method,
            path=path,
            query=query,
            headers=headers or {},
            body=spool,
            caller=caller,
            limit=1 << 20,
            timeout=10,
        )

    answer = asyncio.run(run())
    return answer.status, answer.headers, answer.body.small() or b""


def logged(engine: Engine) -> list[tuple[Any, ...]]:
    with engine.connect() as connection:
        rows = connection.execute(
            select(
                access_log.c.client,
                access_log.c.user_id,
                access_log.c.purpose,
                access_log.c.action,
                access_log.c.record_type,
                access_log.c.record_id,
                access_log.c.version,
                access_log.c.outcome,
            ).order_by(access_log.c.id)
        )
        return [tuple(row) for row in rows]


ANONYMOUS = ExchangeCaller(
    client=CALLER.client,
    purpose="",
    user_id="",
    grant_id="grant-1",
    message_id="message-2",
    writes=False,
)


@pytest.mark.parametrize(
    ("path", "query", "headers", "caller", "status"),
    [
        pytest.param(f"/Person/{PIN}", "", {}, CALLER, 200, id="found"),
        pytest.param("/Person/001090000009", "", {}, CALLER, 404, id="not found"),
        pytest.param("/Person/001090000002", "", {}, CALLER, 410, id="deleted"),
        pytest.param(f"/Person/{PIN}", "", {}, ANONYMOUS, 403, id="no purpose"),
        pytest.param(
            f"/Person/{PIN}", "asOf=nonsense", {"accept-language": "en"}, CALLER, 400, id="bad asOf"
        ),
        pytest.param(
            f"/Person/{PIN}", "asOf=2000-01-01T00:00:00Z", {}, CALLER, 404, id="before it existed"
        ),
        pytest.param(
            f"/Person/{PIN}",
            "asOf=nonsense&asOf=2100-01-01T00:00:00%2B07:00&other=1",
            {},
            CALLER,
            200,
            id="the last asOf",
        ),
        pytest.param("/Person/%30%30%31090000001", "", {}, CALLER, 200, id="percent-encoded"),
        pytest.param("/Person/%C4%91%E1%BB%8F", "", {}, CALLER, 404, id="utf-8 identifier"),
        pytest.param(f"/Vehicle/{PLATE}", "", {}, CALLER, 200, id="not personal data"),
    ],
)
def test_a_direct_read_answers_and_logs_exactly_what_the_app_does(
    api: Api,
    path: str,
    query: str,
    headers: dict[str, str],
    caller: ExchangeCaller,
    status: int,
) -> None:
    spy = SpyApp(api.client.app)
    direct = LocalUpstream(spy, "/api/example")
    through_app = LocalUpstream(api.client.app, "/api/example")
    through_app.reads = None
    before = len(logged(api.node.engine))
    expected = call(through_app, path, query=query, headers=headers, caller=caller)
    logged_by_app = logged(api.node.engine)[before:]
    answer = call(direct, path, query=query, headers=headers, caller=caller)
    assert spy.paths == []  # answered without the app
    assert answer == expected and answer[0] == status
    assert logged(api.node.engine)[before + len(logged_by_app) :] == logged_by_app


def test_a_direct_read_writes_the_purpose_bound_access_log_entry(api: Api) -> None:
    status, headers, _ = call(LocalUpstream(api.client.app, "/api/example"), f"/Person/{PIN}")
    assert status == 200 and (b"etag", b'"1"') in headers
    assert logged(api.node.engine)[-1] == (
        CALLER.client,
        CALLER.user_id,
        CALLER.purpose,
        "read",
        "Person",
        PIN,
        1,
        "ok",
    )
    with api.node.engine.connect() as connection:
        last = connection.execute(
            select(audit_log.c.kind, audit_log.c.client, audit_log.c.purpose)
            .order_by(audit_log.c.sequence.desc())
            .limit(1)
        ).one()
    assert tuple(last) == ("record.read", CALLER.client, CALLER.purpose)


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        pytest.param("GET", f"/Person/{PIN}/_history", b"", id="history"),
        pytest.param("GET", f"/Person/{PIN}/_history/1", b"", id="version"),
        pytest.param("GET", "/Person", b"", id="search"),
        pytest.param("GET", "/Person/", b"", id="empty identifier"),
        pytest.param("GET", "/Nothing/1", b"", id="unknown record type"),
        pytest.param("GET", "/$operations/countVehicles", b"", id="operation"),
        pytest.param("HEAD", f"/Person/{PIN}", b"", id="HEAD"),
        pytest.param("GET", f"/Person/{PIN}", b"{}", id="with a body"),
        pytest.param("DELETE", f"/Person/{PIN}", b"", id="DELETE"),
    ],
)
def test_every_other_call_goes_through_the_app(
    api: Api, method: str, path: str, body: bytes
) -> None:
    spy = SpyApp(api.client.app)
    call(LocalUpstream(spy, "/api/example"), path, method=method, body=body)
    assert len(spy.paths) == 1


def test_an_app_without_direct_reads_is_called_for_everything() -> None:
    seen: list[str] = []

    async def app(scope: Any, receive: Any, send: Any) -> None:
        seen.append(scope["path"])
        await send({"type": "http.response.start", "status": 204, "headers": []})
        await send({"type": "http.response.body", "body": b""})

    upstream = LocalUpstream(app, "/api/example")
    assert upstream.reads is None
    assert call(upstream, f"/Person/{PIN}")[0] == 204
    assert seen == [f"/api/example/Person/{PIN}"]
