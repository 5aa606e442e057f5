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


def _toml(raw: object, shown: str) -> str | None:
    """Return a setting as a TOML value of its own type (None: unset, left commented out)."""
    if raw is None:
        return None
    if isinstance(raw, bool):
        return "true" if raw else "false"
    if isinstance(raw, int | float):
        return repr(raw)
    if isinstance(raw, dict):
        pairs = (f"{json.dumps(str(key))} = {json.dumps(str(item))}" for key, item in raw.items())
        return "{ " + ", ".join(pairs) + " }" if raw else "{}"
    if isinstance(raw, list):
        return json.dumps([str(item) for item in raw], ensure_ascii=False)
    # Text, paths and secrets: the masked text, quoted (JSON's escapes are TOML's).
    return json.dumps(shown, ensure_ascii=False)


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
            value = _toml(getattr(settings, s.name), s.value)
            line = f"# {s.name} =" if value is None else f"{s.name} = {value}"
            typer.echo(f"# {s.description}\n{line}\n")
        return
    table = Table(title=_("Effective configuration"))
    for header in (_("Setting"), _("Environment variable"), _("Value"), _("Source"), _("Meaning")):
        table.add_column(header)
    for s in shown:
        table.add_row(s.name, s.env, s.value, _(SOURCES[s.source]), _(s.description))
    Console().print(table)
