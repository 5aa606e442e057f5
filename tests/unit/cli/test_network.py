"""``lienthong network init / show``: create the network authority and show its public facts."""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.unit.cli.exchange_root import run

from lienthong.exchange.directory import authority as central
from lienthong.exchange.pki import Authority, NetworkPaths, fingerprint
from lienthong.settings import CONFIG_ENV, ENV_PREFIX, Settings


@pytest.fixture(autouse=True)
def isolated(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in [CONFIG_ENV, *(ENV_PREFIX + field.upper() for field in Settings.model_fields)]:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)


@pytest.mark.parametrize("command", [["network"], ["network", "init"], ["network", "show"]])
def test_every_network_command_explains_itself_with_an_example(
    tmp_path: Path, command: list[str]
) -> None:
    ran = run(tmp_path, *command, "--help")
    assert ran.code == 0 and ("Example:" in ran.output or "Ví dụ:" in ran.output)


def test_init_creates_the_authority_and_publishes_the_first_directory(tmp_path: Path) -> None:
    ran = run(tmp_path, "network", "init", "--name", "Mạng liên thông quốc gia")
    assert ran.code == 0, ran.output
    authority = Authority.load(NetworkPaths.of(tmp_path).root)
    assert authority.instance == "VN"  # the network_instance setting
    assert "Published directory version 1" in ran.output
    assert fingerprint(authority.ca_certificate) in ran.output
    assert "PRIVATE KEY" not in ran.output
    assert central.latest_version(tmp_path) == 1


def test_init_twice_is_refused_in_one_line(tmp_path: Path) -> None:
    assert run(tmp_path, "network", "init", "--name", "N").code == 0
    key = NetworkPaths.of(tmp_path).ca_key.read_bytes()
    ran = run(tmp_path, "network", "init", "--name", "N")
    assert ran.code == 1
    assert "[exchange.network.exists]" in ran.output and "Traceback" not in ran.output
    assert NetworkPaths.of(tmp_path).ca_key.read_bytes() == key


def test_init_refuses_a_malformed_instance(tmp_path: Path) -> None:
    ran = run(tmp_path, "network", "init", "--instance", "V N", "--name", "N")
    assert ran.code == 1 and "[exchange.identifier.instance]" in ran.output
    assert not NetworkPaths.of(tmp_path).info.exists()


def test_show_prints_the_public_facts_only(tmp_path: Path) -> None:
    run(tmp_path, "network", "init", "--instance", "VN", "--name", "Mạng thử")
    ran = run(tmp_path, "network", "show")
    assert ran.code == 0, ran.output
    authority = Authority.load(NetworkPaths.of(tmp_path).root)
    for expected in ("Mạng thử", fingerprint(authority.ca_certificate), "Directory version"):
        assert expected in ran.output
    assert "PRIVATE" not in ran.output


def test_show_without_a_network_says_to_create_one(tmp_path: Path) -> None:
    ran = run(tmp_path, "network", "show")
    assert ran.code == 1 and "[exchange.network.missing]" in ran.output
    assert "network init" in ran.output
