"""``lienthong registry``: bulk import into a system's registries, and export from them."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskProgressColumn,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

from lienthong.cli.help import help_language
from lienthong.data.exporting import ExportProgress, export_records
from lienthong.data.importing import BATCH_SIZE, ImportProgress, import_file
from lienthong.i18n import _
from lienthong.node import Node, open_node

#: Exit code of an import that finished but refused some rows (they are in the reject file).
EXIT_REJECTED = 3

help_language()
app = typer.Typer(
    help=_(
        "Import records into a system's registries from a file, or export them to one. "
        "Example: lienthong registry import population people.csv"
    ),
    no_args_is_help=True,
)


def _node(ctx: typer.Context) -> Node:
    """Return the node of this command: given by the caller (tests), or opened from settings."""
    obj: dict[str, Any] = ctx.obj or {}
    if "node" in obj:
        node: Node = obj["node"]
        return node
    node = open_node(obj["settings"], systems=obj.get("systems"))
    obj["node"] = node
    ctx.call_on_close(node.close)
    return node


def _progress(console: Console) -> Progress:
    return Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TaskProgressColumn(),
        TextColumn("{task.fields[rate]}"),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        console=console,
        transient=False,
    )


def _rate(rows: int, seconds: float) -> str:
    per_second = rows / seconds if seconds > 0 else 0.0
    return _("{rate:,.0f} rows/s").format(rate=per_second)


@app.command(
    "import",
    help=_(
        "Import the records of a JSONL, CSV or Parquet file into a system. Bad rows go to a "
        "reject file and never stop the others; rows already present are skipped; an "
        "interrupted import resumes where it stopped. Exit code 3 means some rows were "
        "rejected. Example: lienthong registry import population people.csv --type Person"
    ),
)
def import_command(
    ctx: typer.Context,
    system: Annotated[str, typer.Argument(help=_("Code of the system, e.g. population."))],
    file: Annotated[
        Path, typer.Argument(help=_("File to import: .jsonl, .csv or .parquet."), dir_okay=False)
    ],
    record_type: Annotated[
        str | None,
        typer.Option(
            "--type",
            "-t",
            help=_("Record type of every row. Default: the row's record_type column."),
        ),
    ] = None,
    rejects: Annotated[
        Path | None,
        typer.Option(
            "--rejects",
            help=_("Where rejected rows go. Default: FILE.rejects.jsonl (.csv for CSV) beside it."),
            dir_okay=False,
        ),
    ] = None,
    update: Annotated[
        bool,
        typer.Option(
            "--update",
            help=_("Write a new version of records the file holds with other content."),
        ),
    ] = False,
    batch_size: Annotated[
        int, typer.Option("--batch-size", min=1, help=_("Rows per transaction."))
    ] = BATCH_SIZE,
) -> None:
    """Import a file and print its summary."""
    node = _node(ctx)
    console = Console(stderr=True)
    with _progress(console) as bar:
        task = bar.add_task(_("Importing"), total=None, rate="")

        def show(step: ImportProgress) -> None:
            bar.update(
                task,
                completed=step.rows_read,
                total=step.rows_total,
                rate=_rate(step.rows_read, step.seconds),
            )

        summary = import_file(
            node=node,
            system=system,
            path=file,
            record_type=record_type,
            reject_path=rejects,
            update=update,
            batch_size=batch_size,
            progress=show,
        )
        bar.update(task, completed=summary.rows_read, total=summary.rows_read)
    typer.echo(
        _(
            "{read} rows read: {imported} imported ({updated} as new versions), {skipped} "
            "already present, {rejected} rejected, in {seconds:.1f} s ({rate:,.0f} rows/s)."
        ).format(
            read=summary.rows_read,
            imported=summary.imported,
            updated=summary.updated,
            skipped=summary.skipped,
            rejected=summary.rejected,
            seconds=summary.seconds,
            rate=summary.rows_per_second,
        )
    )
    if summary.resumed_from:
        typer.echo(
            _("Resumed after row {row}, where an earlier run stopped.").format(
                row=summary.resumed_from
            )
        )
    if summary.reject_path is not None:
        typer.echo(
            _("Rejected rows, with the reason for each: {path}").format(path=summary.reject_path)
        )
        raise typer.Exit(EXIT_REJECTED)


@app.command(
    "export",
    help=_(
        "Write the current records of a system (or of one of its record types) to a JSONL, "
        "CSV or Parquet file, chosen by the suffix; the file can be imported again as it is. "
        "Example: lienthong registry export population --type Person --out people.parquet"
    ),
)
def export_command(
    ctx: typer.Context,
    system: Annotated[str, typer.Argument(help=_("Code of the system, e.g. population."))],
    out: Annotated[
        Path,
        typer.Option(
            "--out", "-o", help=_("File to write: .jsonl, .csv or .parquet."), dir_okay=False
        ),
    ],
    record_type: Annotated[
        str | None,
        typer.Option("--type", "-t", help=_("Export only this record type. Default: all.")),
    ] = None,
) -> None:
    """Export records and say how many were written."""
    node = _node(ctx)
    console = Console(stderr=True)
    with _progress(console) as bar:
        task = bar.add_task(_("Exporting"), total=None, rate="")

        def show(step: ExportProgress) -> None:
            bar.update(
                task,
                completed=step.rows_written,
                total=step.rows_total,
                rate=_rate(step.rows_written, step.seconds),
            )

        summary = export_records(
            node=node, system=system, path=out, record_type=record_type, progress=show
        )
        bar.update(task, completed=summary.rows_written, total=summary.rows_written)
    typer.echo(
        _("{rows} records written to {path} in {seconds:.1f} s.").format(
            rows=summary.rows_written, path=summary.path, seconds=summary.seconds
        )
    )
