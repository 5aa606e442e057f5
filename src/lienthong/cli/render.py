"""Show findings in the terminal, translated."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table

from lienthong.i18n import _
from lienthong.vn.lookup import Finding


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
