"""``lienthong api token create / list / revoke`` manage tokens in the node's database."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import typer
from typer.testing import CliRunner

from lienthong.access import authenticate
from lienthong.cli import api as api_cli
from lienthong.cli import serve as serve_cli
from lienthong.node import open_node
from lienthong.settings import load_settings
from lienthong.systems import SystemRegistry

runner = CliRunner()


@pytest.fixture
def settings_kwargs(tmp_path: Path) -> dict[str, Any]:
    return {"state_dir": tmp_path / "state", "node_id": "VN/GOV/01/node", "language": "en"}


def app_for(settings_kwargs: dict[str, Any]) -> typer.Typer:
    """Mount the commands as the lienthong root does, with settings in the context."""
    app = typer.Typer()

    @app.callback()
    def root(ctx: typer.Context) -> None:
        ctx.obj = {"settings": load_settings(**settings_kwargs), "config_file": None}

    app.add_typer(api_cli.app, name="api")
    app.command(name="serve", help=serve_cli.HELP)(serve_cli.serve)
    return app


def test_create_prints_the_token_once_and_list_never_shows_it(
    settings_kwargs: dict[str, Any],
) -> None:
    app = app_for(settings_kwargs)
    created = runner.invoke(
        app, ["api", "token", "create", "--client", "VN/GOV/01/portal", "--role", "writer"]
    )
    assert created.exit_code == 0, created.output
    token = created.stdout.strip().splitlines()[-1]
    assert token.startswith("lt_")
    listed = runner.invoke(app, ["api", "token", "list", "--format", "json"])
    assert listed.exit_code == 0
    [shown] = json.loads(listed.stdout)
    assert (shown["client"], shown["role"], shown["revoked_at"]) == (
        "VN/GOV/01/portal",
        "writer",
        None,
    )
    assert token not in listed.stdout
    node = open_node(load_settings(**settings_kwargs), systems=SystemRegistry())
    with node.engine.connect() as connection:
        assert authenticate(connection=connection, token=token).token_id == shown["token_id"]
    node.close()
    table = runner.invoke(app, ["api", "token", "list"], env={"COLUMNS": "200"})
    assert table.exit_code == 0 and shown["token_id"] in table.stdout


def test_revoke_marks_the_token_revoked(settings_kwargs: dict[str, Any]) -> None:
    app = app_for(settings_kwargs)
    runner.invoke(app, ["api", "token", "create", "--client", "ops", "--role", "admin"])
    token_id = json.loads(runner.invoke(app, ["api", "token", "list", "-f", "json"]).stdout)[0][
        "token_id"
    ]
    revoked = runner.invoke(app, ["api", "token", "revoke", token_id])
    assert revoked.exit_code == 0 and token_id in revoked.stdout
    [shown] = json.loads(runner.invoke(app, ["api", "token", "list", "-f", "json"]).stdout)
    assert shown["revoked_at"] is not None


def test_failures_are_lienthong_errors_for_the_cli_root_to_print(
    settings_kwargs: dict[str, Any],
) -> None:
    app = app_for(settings_kwargs)
    unknown = runner.invoke(app, ["api", "token", "revoke", "nope"])
    assert unknown.exit_code != 0 and unknown.exception is not None
    assert getattr(unknown.exception, "code", None) == "access.unknown_token"
    bad_role = runner.invoke(app, ["api", "token", "create", "--client", "x", "--role", "owner"])
    assert bad_role.exit_code == 2


@pytest.mark.parametrize(
    "command", [["api"], ["api", "token"], ["api", "token", "create"], ["serve"]]
)
def test_every_command_explains_itself_with_an_example(
    settings_kwargs: dict[str, Any], command: list[str]
) -> None:
    result = runner.invoke(app_for(settings_kwargs), [*command, "--help"])
    assert result.exit_code == 0
    assert "Example:" in result.output or "Ví dụ:" in result.output


def test_serve_runs_uvicorn_on_the_configured_address(
    settings_kwargs: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[dict[str, Any]] = []
    monkeypatch.setattr(serve_cli.uvicorn, "run", lambda app, **options: calls.append(options))
    app = app_for({**settings_kwargs, "http_port": 8181})
    result = runner.invoke(app, ["serve"])
    assert result.exit_code == 0, result.output
    assert "http://127.0.0.1:8181/api" in result.stdout
    assert calls == [{"host": "127.0.0.1", "port": 8181, "log_level": "warning"}]
