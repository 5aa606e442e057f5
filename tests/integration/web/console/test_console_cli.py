"""``lienthong console operator …`` manages operators in the node's database."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import typer
from typer.testing import CliRunner

from lienthong.access.operators import authenticate
from lienthong.cli import console as console_cli
from lienthong.cli import main
from lienthong.errors import LienthongError
from lienthong.exchange.audit.log import tail
from lienthong.node import open_node
from lienthong.settings import load_settings
from lienthong.systems import SystemRegistry

runner = CliRunner()
PASSWORD = "mật khẩu dài đủ mười hai"


@pytest.fixture
def settings_kwargs(tmp_path: Path) -> dict[str, Any]:
    return {"state_dir": tmp_path / "state", "node_id": "VN-central", "language": "en"}


@pytest.fixture
def app(settings_kwargs: dict[str, Any]) -> typer.Typer:
    """The console commands mounted as the lienthong root mounts them, errors included."""
    root = typer.Typer(cls=main._Group)

    @root.callback()
    def callback(ctx: typer.Context) -> None:
        ctx.obj = {"settings": load_settings(**settings_kwargs), "config_file": None}

    root.add_typer(console_cli.app, name="console")
    return root


def signs_in(settings_kwargs: dict[str, Any], login: str, password: str) -> bool:
    node = open_node(load_settings(**settings_kwargs), systems=SystemRegistry())
    try:
        authenticate(engine=node.engine, login=login, password=password)
        return True
    except LienthongError:
        return False
    finally:
        node.close()


def add(app: typer.Typer, *args: str, password: str = PASSWORD) -> Any:
    return runner.invoke(
        app, ["console", "operator", "add", *args, "--password-stdin"], input=password + "\n"
    )


def test_add_then_list_shows_the_operator_and_never_the_password(
    app: typer.Typer, settings_kwargs: dict[str, Any]
) -> None:
    added = add(
        app,
        "tran.binh",
        "--name",
        "Trần Thị Bình",
        "--role",
        "province_operator",
        "--province",
        "91",
    )
    assert added.exit_code == 0, added.output
    assert "tran.binh" in added.stdout
    listed = runner.invoke(app, ["console", "operator", "list", "--format", "json"])
    assert listed.exit_code == 0
    [shown] = json.loads(listed.stdout)
    assert (shown["login"], shown["name"], shown["role"], shown["province"]) == (
        "tran.binh",
        "Trần Thị Bình",
        "province_operator",
        "91",
    )
    assert PASSWORD not in listed.stdout
    assert signs_in(settings_kwargs, "tran.binh", PASSWORD)
    table = runner.invoke(app, ["console", "operator", "list"])
    assert table.exit_code == 0 and "tran.binh" in table.stdout


def test_the_password_is_asked_twice_and_must_match(app: typer.Typer) -> None:
    args = ["console", "operator", "add", "an", "--name", "An", "--role", "auditor"]
    same = runner.invoke(app, args, input=f"{PASSWORD}\n{PASSWORD}\n")
    assert same.exit_code == 0, same.output
    differ = runner.invoke(
        app, [*args[:3], "binh", *args[4:]], input=f"{PASSWORD}\nkhác hẳn rồi đó\n"
    )
    assert differ.exit_code == 1
    assert "console.password.mismatch" in differ.output


def test_a_short_password_or_a_missing_province_fails_with_the_reason(app: typer.Typer) -> None:
    short = add(app, "an", "--name", "An", "--role", "auditor", password="ngắn")
    assert short.exit_code == 1 and "console.password.short" in short.output
    no_province = add(app, "an", "--name", "An", "--role", "province_operator")
    assert no_province.exit_code == 1 and "console.operator.province" in no_province.output
    listed = runner.invoke(app, ["console", "operator", "list", "--format", "json"])
    assert json.loads(listed.stdout) == []


def test_disable_enable_and_password_take_effect_and_are_audited(
    app: typer.Typer, settings_kwargs: dict[str, Any]
) -> None:
    add(app, "an", "--name", "An", "--role", "central_operator")
    assert runner.invoke(app, ["console", "operator", "disable", "an"]).exit_code == 0
    assert not signs_in(settings_kwargs, "an", PASSWORD)
    assert runner.invoke(app, ["console", "operator", "enable", "an"]).exit_code == 0
    changed = runner.invoke(
        app,
        ["console", "operator", "password", "an", "--password-stdin"],
        input="mật khẩu mới toanh\n",
    )
    assert changed.exit_code == 0, changed.output
    assert signs_in(settings_kwargs, "an", "mật khẩu mới toanh")
    node = open_node(load_settings(**settings_kwargs), systems=SystemRegistry())
    with node.engine.connect() as connection:
        services = [e.entry.service for e in tail(connection=connection, limit=10)]
        clients = {e.entry.client for e in tail(connection=connection, limit=10)}
    node.close()
    assert [s for s in services if s and s.startswith("operator.")] == [
        "operator.create",
        "operator.disable",
        "operator.enable",
        "operator.password",
    ]
    assert any(client.startswith("cli") for client in clients)


def test_unlock_lets_a_locked_operator_sign_in_again(
    app: typer.Typer, settings_kwargs: dict[str, Any]
) -> None:
    add(app, "an", "--name", "An", "--role", "central_operator")
    for _ in range(5):
        signs_in(settings_kwargs, "an", "wrong password!")
    assert not signs_in(settings_kwargs, "an", PASSWORD)
    listed = runner.invoke(app, ["console", "operator", "list", "--format", "json"])
    assert json.loads(listed.stdout)[0]["locked_until"] is not None
    assert runner.invoke(app, ["console", "operator", "unlock", "an"]).exit_code == 0
    assert signs_in(settings_kwargs, "an", PASSWORD)


def test_an_unknown_operator_is_named_in_the_error(app: typer.Typer) -> None:
    result = runner.invoke(app, ["console", "operator", "disable", "nobody"])
    assert result.exit_code == 1
    assert "console.operator.unknown" in result.output


def test_every_console_command_has_an_example_in_its_help(app: typer.Typer) -> None:
    for command in (["serve"], ["operator", "add"], ["operator", "list"], ["operator", "unlock"]):
        result = runner.invoke(app, ["console", *command, "--help"])
        assert result.exit_code == 0, command
        assert "Example:" in result.output or "Ví dụ:" in result.output, command
