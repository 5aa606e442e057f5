"""``lienthong config``: inspect the node's configuration."""

from __future__ import annotations

import json
from enum import StrEnum
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from lienthong.cli.help import help_language
from lienthong.i18n import _
from lienthong.settings import SOURCES, describe

help_language()
app = typer.Typer(
    help=_("Inspect the node's configuration. Example: lienthong config show"),
    no_args_is_help=True,
)


class OutputFormat(StrEnum):
    """How ``config show`` prints."""

    table = "table"
    json = "json"
    toml = "toml"


@app.command(
    "show",
    help=_(
        "Print the effective configuration, secrets masked, and where each value came from. "
        "Example: LIENTHONG_LANGUAGE=en lienthong config show --format toml"
    ),
)
def show(
    ctx: typer.Context,
    output: Annotated[
        OutputFormat,
        typer.Option("--format", "-f", help=_("table for people; json or toml for scripts.")),
    ] = OutputFormat.table,
) -> None:
    """Print every setting with its value, source and meaning."""
    settings = ctx.obj["settings"]
    shown = list(describe(settings, config_file=ctx.obj["config_file"]))
    if output is OutputFormat.json:
        typer.echo(json.dumps({s.name: s.value for s in shown}, ensure_ascii=False, indent=2))
        return
    if output is OutputFormat.toml:
        for s in shown:
            typer.echo(f"# {s.description}\n{s.name} = {json.dumps(s.value, ensure_ascii=False)}\n")
        return
    table = Table(title=_("Effective configuration"))
    for header in (_("Setting"), _("Environment variable"), _("Value"), _("Source"), _("Meaning")):
        table.add_column(header)
    for s in shown:
        table.add_row(s.name, s.env, s.value, _(SOURCES[s.source]), _(s.description))
    Console().print(table)
