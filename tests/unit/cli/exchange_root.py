"""The ``network``, ``directory`` and ``node`` commands mounted as the lienthong root mounts them."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import typer
from typer.testing import CliRunner

from lienthong.cli import directory as directory_cli
from lienthong.cli import network as network_cli
from lienthong.cli import node as node_cli
from lienthong.cli.main import _Group
from lienthong.i18n import current_language
from lienthong.settings import load_settings

runner = CliRunner()


def root_for(state_dir: Path, *, node_id: str = "VN-central") -> typer.Typer:
    """Return a root command for one state directory, failing as lienthong does (one line, 1)."""
    app = typer.Typer(cls=_Group, no_args_is_help=True)

    @app.callback()
    def root(ctx: typer.Context) -> None:
        settings = load_settings(state_dir=state_dir, node_id=node_id, language="en")
        current_language.set(settings.language)
        ctx.obj = {"settings": settings, "config_file": None}

    app.add_typer(network_cli.app, name="network")
    app.add_typer(directory_cli.app, name="directory")
    app.add_typer(node_cli.app, name="node")
    return app


@dataclass
class Ran:
    """What a command printed and how it ended."""

    code: int
    output: str
    stdout: str


def run(state_dir: Path, *args: str, node_id: str = "VN-central") -> Ran:
    """Run one command in a state directory, wide enough for tables."""
    result = runner.invoke(root_for(state_dir, node_id=node_id), list(args), env={"COLUMNS": "250"})
    return Ran(result.exit_code, result.output, result.stdout)
