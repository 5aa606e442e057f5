"""What the commands share to print: the table-or-JSON option, findings, translated."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from lienthong.cli.help import help_language
from lienthong.i18n import _
from lienthong.vn.lookup import Finding

help_language()


class OutputFormat(StrEnum):
    """How a listing or report prints: a table for people, JSON for scripts."""

    table = "table"
    json = "json"


#: The ``--format`` option of every command that prints a table or JSON.
FormatOption = Annotated[
    OutputFormat, typer.Option("--format", "-f", help=_("table for people; json for scripts."))
]


def print_findings(console: Console, value: str, findings: list[Finding]) -> None:
    """Print every reading of a value, or say that there is none and what to try."""
    if not findings:
        console.print(
            _(
                "Nothing recognised in {value!r}. Try an identifier, a unit name, a date or a name."
            ).format(value=value)
        )
        return
    for finding in findings:
        title = _(finding.title)
        table = Table(
            title=title[:1].upper() + title[1:], title_justify="left", show_header=False, box=None
        )
        table.add_column(style="bold")
        table.add_column()
        for label, shown in finding.rows:
            table.add_row(_(label), _(shown) if shown else "")
        console.print(table)
