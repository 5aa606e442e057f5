"""Central serves the newest signed directory at ``GET /directory``, cheaply when unchanged."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from starlette.applications import Starlette
from starlette.testclient import TestClient

from lienthong.exchange.directory import authority as central
from lienthong.exchange.directory.views import directory_route
from lienthong.exchange.pki import NetworkPaths, init_authority

NOW = datetime(2026, 11, 26, 8, 0, tzinfo=UTC)


@pytest.fixture
def state(tmp_path: Path) -> Path:
    init_authority(directory=NetworkPaths.of(tmp_path).root, instance="VN", name="Thử", now=NOW)
    return tmp_path


def client(state: Path) -> TestClient:
    return TestClient(Starlette(routes=[directory_route(state)]))


def test_before_the_first_version_central_answers_503_in_the_error_shape(state: Path) -> None:
    answer = client(state).get("/directory", headers={"Accept-Language": "en"})
    assert answer.status_code == 503
    body = answer.json()
    assert body["code"] == "exchange.directory.unavailable"
    assert "network init" in body["message_en"] and body["message_vi"]


def test_the_newest_signed_version_is_served_with_its_version_as_etag(state: Path) -> None:
    central.publish(state_dir=state, now=NOW)
    http = client(state)
    first = http.get("/directory")
    assert first.status_code == 200
    assert first.content == central.latest_signed(state)
    assert first.headers["ETag"] == '"1"'
    assert first.headers["Cache-Control"] == "no-cache"
    assert first.headers["Content-Type"].startswith("application/json")
    assert json.loads(first.content)["format"] == "lienthong.directory/1"
    central.add_member(state_dir=state, member_id="VN/GOV/BCA", name="B", level="central")
    second = http.get("/directory")
    assert second.headers["ETag"] == '"2"'
    assert second.content == central.version_path(state, 2).read_bytes() != first.content


@pytest.mark.parametrize("tag", ['"1"', 'W/"1"', '"0", "1"', "*"])
def test_an_unchanged_directory_answers_304_without_a_body(state: Path, tag: str) -> None:
    central.publish(state_dir=state, now=NOW)
    answer = client(state).get("/directory", headers={"If-None-Match": tag})
    assert answer.status_code == 304
    assert answer.content == b""
    assert answer.headers["ETag"] == '"1"' and answer.headers["Cache-Control"] == "no-cache"


def test_a_node_holding_an_older_version_gets_the_newer_one(state: Path) -> None:
    central.publish(state_dir=state, now=NOW)
    central.publish(state_dir=state, now=NOW)
    answer = client(state).get("/directory", headers={"If-None-Match": '"1"'})
    assert answer.status_code == 200 and answer.headers["ETag"] == '"2"'


def test_head_answers_the_headers_only(state: Path) -> None:
    central.publish(state_dir=state, now=NOW)
    answer = client(state).head("/directory")
    assert answer.status_code == 200 and answer.headers["ETag"] == '"1"'
    assert answer.content == b""
