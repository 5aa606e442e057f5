"""Root of the ``lienthong`` command: global options, error handling, sub-commands."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape
from typer.core import TyperGroup

from lienthong import __version__
from lienthong.cli import api as api_cli
from lienthong.cli import audit as audit_cli
from lienthong.cli import config as config_cli
from lienthong.cli import console as console_cli
from lienthong.cli import consolidate as consolidate_cli
from lienthong.cli import data as data_cli
from lienthong.cli import demo as demo_cli
from lienthong.cli import directory as directory_cli
from lienthong.cli import gateway as gateway_cli
from lienthong.cli import lookup as lookup_cli
from lienthong.cli import network as network_cli
from lienthong.cli import node as node_cli
from lienthong.cli import registry as registry_cli
from lienthong.cli import serve as serve_cli
from lienthong.cli import sync as sync_cli
from lienthong.cli.help import help_language
from lienthong.errors import LienthongError
from lienthong.i18n import _, current_language
from lienthong.logs import configure as configure_logging
from lienthong.settings import load_settings

help_language()
stderr = Console(stderr=True)


class _Group(TyperGroup):
    """Turn a :class:`LienthongError` anywhere below into one line on stderr and exit 1."""

    def invoke(self, ctx: Any) -> Any:  # click's Context, which typer does not re-export
        try:
            return super().invoke(ctx)
        except LienthongError as error:
            stderr.print(
                f"[bold red]{_('Error')}[/] {escape(f'[{error.code}]')} {escape(error.message())}",
                highlight=False,
            )
            raise typer.Exit(1) from None


app = typer.Typer(
    cls=_Group,
    name="lienthong",
    help=_(
        "Run a country's e-government information systems once, in sync, "
        "from the central level down to every province. "
        "Example: lienthong demo"
    ),
    no_args_is_help=True,
    rich_markup_mode="rich",
    context_settings={"help_option_names": ["-h", "--help"]},
    pretty_exceptions_show_locals=False,
    add_completion=False,
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"lienthong {__version__}")
        raise typer.Exit()


@app.callback()
def root(
    ctx: typer.Context,
    config: Annotated[
        Path | None,
        typer.Option(
            "--config",
            "-c",
            help=_(
                "Node configuration file (TOML). Default: $LIENTHONG_CONFIG, else ./lienthong.toml if it exists."
            ),
            dir_okay=False,
        ),
    ] = None,
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_version, is_eager=True, help=_("Print the version and exit.")
        ),
    ] = False,
) -> None:
    """Load the node's settings for every sub-command."""
    settings = load_settings(config_file=config)
    current_language.set(settings.language)
    configure_logging(level=settings.log_level, style=settings.log_format)
    ctx.obj = {"settings": settings, "config_file": config}


app.add_typer(config_cli.app, name="config")
app.add_typer(registry_cli.app, name="registry")
app.add_typer(data_cli.app, name="data")
app.add_typer(api_cli.app, name="api")
app.add_typer(network_cli.app, name="network")
app.add_typer(directory_cli.app, name="directory")
app.add_typer(node_cli.app, name="node")
app.add_typer(gateway_cli.app, name="gateway")
app.add_typer(audit_cli.app, name="audit")
app.add_typer(sync_cli.app, name="sync")
app.add_typer(consolidate_cli.app, name="consolidate")
app.add_typer(console_cli.app, name="console")
app.command(name="serve", help=serve_cli.HELP)(serve_cli.serve)
app.command(
    name="demo",
    help=_(
        "Show lienthong at work: Vietnamese reference data, the national network of central "
        "and three provinces exchanging, syncing and retiring legacy systems, then, at a "
        "terminal, the network live with its operator console. Example: lienthong demo"
    ),
)(demo_cli.demo)
app.command(
    name="lookup",
    help=_(
        "Explain an identifier, administrative unit, date, name or legacy-encoded text. "
        "Example: lienthong lookup 079190001234"
    ),
)(lookup_cli.lookup)
