"""``lienthong demo``: see lienthong work in a minute."""

from __future__ import annotations

import sys
from typing import Annotated

import typer
from rich.console import Console
from rich.rule import Rule

from lienthong.cli.help import help_language
from lienthong.cli.render import print_findings
from lienthong.demo import tour
from lienthong.i18n import _
from lienthong.vn.lookup import lookup

help_language()


def _interactive() -> bool:
    """Tell whether a person is at the keyboard (CI and pipes get the tour only)."""
    return sys.stdin.isatty()


def demo(
    no_input: Annotated[
        bool,
        typer.Option("--no-input", help=_("Show the tour only; do not ask for values.")),
    ] = False,
) -> None:
    """Run the tour, then explain what the person types."""
    console = Console()
    console.print(Rule(_("lienthong — a tour of Vietnam's reference data")))
    for stop in tour():
        console.print(
            f"\n[bold cyan]{_(stop.caption)}[/]  [yellow]{stop.value}[/]", highlight=False
        )
        print_findings(console, stop.value, stop.findings)
    if no_input or not _interactive():
        return
    console.print(Rule(_("Your turn: type a value, or press Enter to quit")))
    while True:
        try:
            value = console.input("[bold]› [/]").strip()
        except (EOFError, KeyboardInterrupt):
            break
        if not value:
            break
        print_findings(console, value, lookup(value))
