"""``lienthong lookup``: explain one value."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console

from lienthong.cli.help import help_language
from lienthong.cli.render import print_findings
from lienthong.i18n import _
from lienthong.vn.lookup import lookup as find_readings

help_language()


def lookup(
    value: Annotated[str, typer.Argument(help=_("The value to explain."), show_default=False)],
) -> None:
    """Print every reading of one value; exit 1 when there is none."""
    findings = find_readings(value)
    print_findings(Console(), value, findings)
    if not findings:
        raise typer.Exit(1)
