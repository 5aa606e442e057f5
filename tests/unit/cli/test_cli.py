"""The ``lienthong`` command: help, version, configuration, lookup and the demo."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from lienthong import __version__
from lienthong.cli.main import app
from lienthong.settings import CONFIG_ENV, ENV_PREFIX, Settings

runner = CliRunner()


@pytest.fixture(autouse=True)
def isolated(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in [CONFIG_ENV, *(ENV_PREFIX + field.upper() for field in Settings.model_fields)]:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)


def invoke(*args: str, env: dict[str, str] | None = None) -> tuple[int, str]:
    result = runner.invoke(app, list(args), env=env)
    return result.exit_code, result.output


def test_version_is_printed() -> None:
    assert invoke("--version") == (0, f"lienthong {__version__}\n")


@pytest.mark.parametrize(
    "command",
    [
        [],
        ["config"],
        ["config", "show"],
        ["demo"],
        ["lookup"],
        ["serve"],
        ["api"],
        ["api", "token", "create"],
        ["registry", "import"],
        ["registry", "export"],
        ["data", "generate"],
    ],
    ids=" ".join,
)
def test_every_command_explains_itself_with_an_example(command: list[str]) -> None:
    code, output = invoke(*command, "--help")
    assert code == 0
    # Rich wraps the help inside a box: read it as one line of words.
    words = " ".join(output.replace("│", " ").split())
    assert "Example:" in words or "Ví dụ:" in words


def test_config_show_lists_every_setting_with_its_source() -> None:
    code, output = invoke("config", "show", "--format", "json", env={"LIENTHONG_LOG_LEVEL": "INFO"})
    assert code == 0
    shown = json.loads(output)
    assert set(shown) == set(Settings.model_fields)
    assert (shown["language"], shown["log_level"], shown["state_dir"]) == ("vi", "INFO", "state")
    code, table = invoke("config", "show", env={"LIENTHONG_LANGUAGE": "en", "COLUMNS": "250"})
    assert code == 0
    assert "LIENTHONG_STATE_DIR" in table and "environment" in table and "default" in table


def test_config_show_as_toml_is_a_valid_configuration_file(tmp_path: Path) -> None:
    code, output = invoke("config", "show", "--format", "toml")
    assert code == 0
    (tmp_path / "copy.toml").write_text(output, encoding="utf-8")
    code, again = invoke("--config", str(tmp_path / "copy.toml"), "config", "show", "-f", "json")
    assert code == 0 and json.loads(again)["language"] == "vi"


def test_a_bad_configuration_stops_with_its_code_and_no_traceback(tmp_path: Path) -> None:
    (tmp_path / "node.toml").write_text('language = "fr"\n', encoding="utf-8")
    code, output = invoke("--config", str(tmp_path / "node.toml"), "config", "show")
    assert code == 1
    assert "[config.invalid]" in output and "language" in output
    assert "Traceback" not in output


def test_a_missing_configuration_file_is_named(tmp_path: Path) -> None:
    code, output = invoke("--config", str(tmp_path / "nope.toml"), "config", "show")
    assert code == 1 and "[config.not_found]" in output and "nope.toml" in output


def test_lookup_explains_a_personal_identification_number() -> None:
    code, output = invoke("lookup", "079190001234", env={"LIENTHONG_LANGUAGE": "en"})
    assert code == 0
    assert "1990" in output and "female" in output and "Hồ Chí Minh" in output


def test_lookup_speaks_vietnamese_by_default() -> None:
    code, output = invoke("lookup", "079190001234")
    assert code == 0 and "nữ" in output and "Năm sinh" in output


def test_lookup_of_nonsense_says_so_and_fails() -> None:
    code, output = invoke("lookup", "%%%", env={"LIENTHONG_LANGUAGE": "en"})
    assert code == 1 and "Nothing recognised" in output


def test_the_demo_runs_without_input_seeds_the_network_and_looks_records_up(
    tmp_path: Path,
) -> None:
    env = {"LIENTHONG_LANGUAGE": "en", "LIENTHONG_STATE_DIR": str(tmp_path), "COLUMNS": "160"}
    code, output = invoke("demo", "--no-input", "--people", "2000", env=env)
    assert code == 0, output
    for expected in (
        "Nguyễn Thị Hòa",
        "Trần Văn Đức",
        "Lê Thọ Hồng",
        "Tỉnh An Giang",
        "05/03/1985",
    ):
        assert expected in output
    for expected in (
        "Records held by each node",
        "VN-central",
        "Who read this record",
        "Tax status",
    ):
        assert expected in output
    assert (tmp_path / "demo" / "VN-91" / "node.sqlite").is_file()


def test_the_demo_refuses_too_few_people(tmp_path: Path) -> None:
    env = {"LIENTHONG_LANGUAGE": "en", "LIENTHONG_STATE_DIR": str(tmp_path)}
    code, output = invoke("demo", "--no-input", "--people", "5", env=env)
    assert code == 1 and "[demo.people]" in output
