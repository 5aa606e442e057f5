"""``lienthong node request / install``: a node's keys, its request, and the certificate it gets."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest
from tests.unit.cli.exchange_root import run

from lienthong.exchange.keys import NodePaths
from lienthong.exchange.pki import NetworkPaths, read_request_bundle
from lienthong.settings import CONFIG_ENV, ENV_PREFIX, Settings


@pytest.fixture(autouse=True)
def isolated(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in [CONFIG_ENV, *(ENV_PREFIX + field.upper() for field in Settings.model_fields)]:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)


def test_request_writes_the_keys_privately_and_a_request_for_central(tmp_path: Path) -> None:
    ran = run(tmp_path, "node", "request", "--member", "VN/GOV/BCA", "--host", "gw.bca.gov.vn")
    assert ran.code == 0, ran.output
    paths = NodePaths(tmp_path)
    for key in (paths.tls_key, paths.signing_key):
        assert stat.S_IMODE(key.stat().st_mode) == 0o600
        assert key.read_text(encoding="ascii") not in ran.output
    request = read_request_bundle((tmp_path / "node-request.json").read_bytes())
    assert (request.node_id, request.member) == ("VN-central", "VN/GOV/BCA")  # node_id setting
    assert request.digest in ran.output.replace("\n", "")


def test_a_second_request_keeps_the_keys_and_may_go_elsewhere(tmp_path: Path) -> None:
    args = ["node", "request", "--node-id", "VN-01", "--member", "VN/GOV/01", "--host", "10.0.0.5"]
    assert run(tmp_path, *args).code == 0
    key = NodePaths(tmp_path).signing_key.read_bytes()
    assert run(tmp_path, *args, "--output", str(tmp_path / "again.json")).code == 0
    assert NodePaths(tmp_path).signing_key.read_bytes() == key
    first = json.loads((tmp_path / "node-request.json").read_text(encoding="utf-8"))
    second = json.loads((tmp_path / "again.json").read_text(encoding="utf-8"))
    assert first["signing_key"] == second["signing_key"]


@pytest.mark.parametrize(
    ("args", "code"),
    [
        (
            ["--node-id", "VN 01", "--member", "VN/GOV/01", "--host", "gw.a.vn"],
            "exchange.identifier.node",
        ),
        (["--member", "VN/GOV", "--host", "gw.a.vn"], "exchange.identifier.shape"),
        (["--member", "VN/GOV/01", "--host", "gw a.vn"], "exchange.pki.host"),
    ],
)
def test_a_malformed_request_stops_with_its_code(
    tmp_path: Path, args: list[str], code: str
) -> None:
    ran = run(tmp_path, "node", "request", *args)
    assert ran.code == 1 and f"[{code}]" in ran.output
    assert not (tmp_path / "node-request.json").exists()


def _certified(tmp_path: Path, network: str, node: Path) -> tuple[Path, NetworkPaths]:
    """Create a network, list a member and certify the node's request there."""
    central = tmp_path / network
    assert run(central, "network", "init", "--name", network).code == 0
    assert run(central, "directory", "member", "add", "VN/GOV/01", "--name", "H").code == 0
    certificate = tmp_path / f"{network}.crt"
    added = run(
        central,
        "directory",
        "node",
        "add",
        str(node / "node-request.json"),
        "--address",
        "https://gw.a.vn:5500",
        "--certificate",
        str(certificate),
    )
    assert added.code == 0, added.output
    return certificate, NetworkPaths.of(central)


def test_install_checks_every_file_before_installing_any(tmp_path: Path) -> None:
    node = tmp_path / "node"
    assert run(node, "node", "request", "--member", "VN/GOV/01", "--host", "gw.a.vn").code == 0
    certificate, network = _certified(tmp_path, "central", node)
    _, other = _certified(tmp_path, "elsewhere", node)
    paths = NodePaths(node)

    def install(cert: Path, ca: Path, key: Path) -> tuple[int, str]:
        ran = run(
            node,
            "node",
            "install",
            "--certificate",
            str(cert),
            "--ca",
            str(ca),
            "--directory-key",
            str(key),
        )
        return ran.code, ran.output

    code, output = install(certificate, other.ca_certificate, network.directory_public_key)
    assert code == 1 and "[exchange.pki.untrusted]" in output
    code, output = install(certificate, network.ca_certificate, network.ca_certificate)
    assert code == 1 and "[exchange.key.public]" in output
    assert not paths.tls_certificate.exists() and not paths.directory_key.exists()
    code, output = install(certificate, network.ca_certificate, network.directory_public_key)
    assert code == 0, output
    assert paths.ca_certificate.read_bytes() == network.ca_certificate.read_bytes()
    assert paths.directory_key.read_bytes() == network.directory_public_key.read_bytes()
