"""``lienthong directory``: central manages the directory; operators read it, anywhere."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from tests.unit.cli.exchange_root import run

from lienthong.exchange.directory import authority as central
from lienthong.exchange.directory.cache import cache_path
from lienthong.exchange.keys import NodePaths
from lienthong.exchange.pki import NetworkPaths
from lienthong.settings import CONFIG_ENV, ENV_PREFIX, Settings

POPULATION = "VN/GOV/BCA/population"
REGISTRY = f"{POPULATION}/registry"
DRIVING = "VN/GOV/91/driving"


@pytest.fixture(autouse=True)
def isolated(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in [CONFIG_ENV, *(ENV_PREFIX + field.upper() for field in Settings.model_fields)]:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)


@pytest.fixture
def state(tmp_path: Path) -> Path:
    """Central's state directory, with a network and two members."""
    root = tmp_path / "central"
    assert run(root, "network", "init", "--name", "Mạng thử").code == 0
    for args in (
        ["VN/GOV/BCA", "--name", "Bộ Công an"],
        ["VN/GOV/91", "--name", "UBND tỉnh An Giang", "--level", "province", "--province", "91"],
    ):
        ran = run(root, "directory", "member", "add", *args)
        assert ran.code == 0, ran.output
    return root


def ok(state_dir: Path, *args: str) -> str:
    ran = run(state_dir, *args)
    assert ran.code == 0, ran.output
    return ran.output


def fails(state_dir: Path, *args: str) -> str:
    ran = run(state_dir, *args)
    assert ran.code == 1, ran.output
    assert "Traceback" not in ran.output
    return ran.output


@pytest.mark.parametrize(
    "command",
    [
        ["directory"],
        ["directory", "member"],
        ["directory", "member", "add"],
        ["directory", "member", "list"],
        ["directory", "node"],
        ["directory", "node", "add"],
        ["directory", "node", "revoke"],
        ["directory", "node", "list"],
        ["directory", "system", "add"],
        ["directory", "service", "add"],
        ["directory", "grant"],
        ["directory", "grant", "add"],
        ["directory", "grant", "revoke"],
        ["directory", "grant", "list"],
        ["directory", "show"],
        ["directory", "export"],
        ["directory", "publish"],
        ["node"],
        ["node", "request"],
        ["node", "install"],
    ],
    ids=" ".join,
)
def test_every_command_explains_itself_with_an_example(tmp_path: Path, command: list[str]) -> None:
    ran = run(tmp_path, *command, "--help")
    assert ran.code == 0 and ("Example:" in ran.output or "Ví dụ:" in ran.output)


def test_a_node_joins_the_network_and_a_grant_is_published(state: Path, tmp_path: Path) -> None:
    node = tmp_path / "an-giang"
    requested = ok(
        node,
        "node",
        "request",
        "--node-id",
        "VN-91",
        "--member",
        "VN/GOV/91",
        "--host",
        "gw.angiang.gov.vn",
    )
    assert "PRIVATE KEY" not in requested
    request_file = node / "node-request.json"
    assert str(request_file) in requested.replace("\n", "")
    digest = re.search(r"[0-9a-f]{64}", requested)
    assert digest is not None

    added = ok(
        state,
        "directory",
        "node",
        "add",
        str(request_file),
        "--address",
        "https://gw.angiang.gov.vn:5500",
        "--member",
        "VN/GOV/91",
    )
    assert digest.group(0) in added.replace("\n", "")
    certificate = tmp_path / "VN-91.crt"
    assert certificate.read_text(encoding="ascii").startswith("-----BEGIN CERTIFICATE-----")

    network = NetworkPaths.of(state)
    installed = ok(
        node,
        "node",
        "install",
        "--certificate",
        str(certificate),
        "--ca",
        str(network.ca_certificate),
        "--directory-key",
        str(network.directory_public_key),
    )
    assert "CN=VN-91" in installed
    assert NodePaths(node).tls_certificate.read_text(encoding="ascii") == certificate.read_text(
        encoding="ascii"
    )

    ok(state, "directory", "system", "add", POPULATION, "--node", "VN-91", "--title", "Dân cư")
    ok(state, "directory", "system", "add", DRIVING, "--node", "VN-91")
    openapi = tmp_path / "registry.json"
    openapi.write_text(json.dumps({"openapi": "3.1.0", "paths": {"/Person/{id}": {}}}))
    ok(state, "directory", "service", "add", REGISTRY, "--openapi", str(openapi))
    granted = ok(
        state,
        "directory",
        "grant",
        "add",
        "--client",
        DRIVING,
        "--service",
        REGISTRY,
        "--method",
        "GET",
        "--path",
        "/Person/{id}",
        "--purpose",
        "driver-licence",
        "--expires",
        "2099-12-31",
    )
    grant_id = re.search(r"grant ([0-9a-f]{12})", granted)
    assert grant_id is not None
    listed = json.loads(run(state, "directory", "grant", "list", "--format", "json").stdout)
    assert [(g["grant_id"], g["expires_at"]) for g in listed] == [
        (grant_id.group(1), "2099-12-30T17:00:00Z")
    ]

    shown = ok(state, "directory", "show")
    assert "version 8" in shown and "(valid)" in shown
    assert "2 members, 1 nodes, 2 systems, 1 services, 1 grants" in shown
    for expected in ("UBND tỉnh An Giang", "https://gw.angiang.gov.vn:5500", "driver-licence"):
        assert expected in shown
    as_json = json.loads(run(state, "directory", "show", "--format", "json").stdout)
    assert as_json["version"] == 8 and as_json["grants"][0]["grant_id"] == grant_id.group(1)

    exported = tmp_path / "directory.json"
    ok(state, "directory", "export", "--output", str(exported))
    assert exported.read_bytes() == central.latest_signed(state)
    assert run(state, "directory", "export").stdout.encode() == central.latest_signed(state)

    # On the node, the same document is read from its cache, checked with the installed key.
    cache = cache_path(node)
    cache.parent.mkdir(parents=True)
    cache.write_bytes(exported.read_bytes())
    assert "version 8" in ok(node, "directory", "show")
    assert "version 8" in ok(node, "directory", "show", "--file", str(exported))

    revoked = ok(state, "directory", "grant", "revoke", grant_id.group(1))
    assert "Revoked the grant" in revoked and "version 9" in revoked
    ok(state, "directory", "node", "revoke", "VN-91")
    nodes = json.loads(run(state, "directory", "node", "list", "--format", "json").stdout)
    assert nodes[0]["node_id"] == "VN-91" and nodes[0]["revoked_at"]


def test_members_are_listed(state: Path) -> None:
    listed = json.loads(run(state, "directory", "member", "list", "-f", "json").stdout)
    assert [(m["id"], m["level"], m["province"]) for m in listed] == [
        ("VN/GOV/91", "province", "91"),
        ("VN/GOV/BCA", "central", None),
    ]
    assert "Bộ Công an" in ok(state, "directory", "member", "list")


def test_publish_renews_the_directory_and_if_due_waits_for_half_its_life(state: Path) -> None:
    assert "Published directory version 4" in ok(state, "directory", "publish", "--days", "2")
    assert "nothing published" in ok(state, "directory", "publish", "--if-due")
    assert central.latest_version(state) == 4


@pytest.mark.parametrize(
    ("args", "code"),
    [
        (["member", "add", "VN/GOV", "--name", "X"], "exchange.identifier.shape"),
        (["member", "add", "VN/GOV/BCA", "--name", "X"], "exchange.directory.duplicate"),
        (
            ["member", "add", "VN/GOV/02", "--name", "X", "--level", "commune"],
            "exchange.directory.province_required",
        ),
        (
            ["system", "add", "VN/GOV/BCA/population", "--node", "VN-00"],
            "exchange.directory.unknown_node",
        ),
        (["service", "add", "VN/GOV/BCA/population/registry"], "exchange.directory.unknown_system"),
        (
            [
                "grant",
                "add",
                "--client",
                DRIVING,
                "--service",
                REGISTRY,
                "--purpose",
                "x",
                "--expires",
                "tomorrow",
            ],
            "exchange.directory.grant_expiry",
        ),
        (
            ["grant", "add", "--client", "VN/GOV/91/x y", "--service", REGISTRY, "--purpose", "x"],
            "exchange.identifier.part",
        ),
        (["grant", "revoke", "0123456789ab"], "exchange.directory.unknown_grant"),
        (["node", "revoke", "VN-91"], "exchange.directory.unknown_node"),
    ],
)
def test_bad_input_stops_with_its_code_in_one_line(state: Path, args: list[str], code: str) -> None:
    output = fails(state, "directory", *args)
    assert f"[{code}]" in output
    assert len(output.strip().splitlines()) == 1
    assert central.latest_version(state) == 3


def test_an_openapi_file_that_is_not_json_is_refused(state: Path, tmp_path: Path) -> None:
    bad = tmp_path / "api.yaml"
    bad.write_text("openapi: 3.1.0\n", encoding="utf-8")
    output = fails(state, "directory", "service", "add", REGISTRY, "--openapi", str(bad))
    assert "[exchange.directory.openapi_file]" in output


def test_a_tampered_request_is_refused(state: Path, tmp_path: Path) -> None:
    node = tmp_path / "node"
    ok(node, "node", "request", "--node-id", "VN-91", "--member", "VN/GOV/91", "--host", "gw.a.vn")
    request = node / "node-request.json"
    data = json.loads(request.read_text(encoding="utf-8"))
    data["node_id"] = "VN-92"
    request.write_text(json.dumps(data), encoding="utf-8")
    output = fails(
        state, "directory", "node", "add", str(request), "--address", "https://gw.a.vn:1"
    )
    assert "[exchange.pki.request]" in output


def test_show_where_there_is_no_directory_says_so(tmp_path: Path) -> None:
    output = fails(tmp_path / "empty", "directory", "show")
    assert "[exchange.directory.unavailable]" in output
