"""``lienthong data``: generate synthetic national data for the core registries."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

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
from lienthong.data.synthetic import GenerateProgress, Rates, generate
from lienthong.i18n import _

help_language()
app = typer.Typer(
    help=_(
        "Generate data for the registries. "
        "Example: lienthong data generate --people 100000 --seed 7 --out data/"
    ),
    no_args_is_help=True,
)


class OutputFormat(StrEnum):
    """The file format of ``data generate``."""

    jsonl = "jsonl"
    csv = "csv"
    parquet = "parquet"


def _rate(people: int, seconds: float) -> str:
    per_second = people / seconds if seconds > 0 else 0.0
    return _("{rate:,.0f} persons/s").format(rate=per_second)


@app.command(
    "generate",
    help=_(
        "Generate coherent synthetic people, enterprises, parcels, vehicles, taxpayers, budget "
        "units and fee payments: one file per record type, numbered in import order, and a "
        "manifest. The same seed gives the same files. "
        "Example: lienthong data generate --people 100000 --seed 7 --out data/ --province 91"
    ),
)
def generate_command(
    people: Annotated[
        int, typer.Option("--people", "-n", help=_("How many people to generate, nationally."))
    ],
    out: Annotated[
        Path,
        typer.Option("--out", "-o", help=_("Directory to write the files into."), file_okay=False),
    ],
    seed: Annotated[int, typer.Option("--seed", "-s", help=_("Seed: same seed, same data."))] = 1,
    output: Annotated[
        OutputFormat, typer.Option("--format", "-f", help=_("File format."))
    ] = OutputFormat.jsonl,
    province: Annotated[
        list[str] | None,
        typer.Option(
            "--province",
            "-p",
            help=_(
                "Keep only the residents and records of this province (post-2025 code); "
                "repeat for several. Default: the whole country."
            ),
        ),
    ] = None,
    enterprises: Annotated[
        float,
        typer.Option("--enterprises-per-1000", help=_("Enterprises per 1,000 people.")),
    ] = 10.0,
    progress: Annotated[
        bool, typer.Option("--progress/--no-progress", help=_("Show a progress bar."))
    ] = True,
) -> None:
    """Generate the files and print what was written."""
    rates = Rates(enterprises=enterprises / 1000)
    console = Console(stderr=True)
    with Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TaskProgressColumn(),
        TextColumn("{task.fields[rate]}"),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        console=console,
        disable=not progress,
    ) as bar:
        task = bar.add_task(_("Generating"), total=people, rate="")

        def show(step: GenerateProgress) -> None:
            bar.update(task, completed=step.people_done, rate=_rate(step.people_done, step.seconds))

        summary = generate(
            people=people,
            seed=seed,
            out=out,
            format=output.value,
            provinces=province or None,
            rates=rates,
            progress=show,
        )
    for file in summary.files:
        typer.echo(f"{file.rows:>12,}  {file.path}")
    typer.echo(
        _(
            "{people:,} people and {records:,} records written to {out} in {seconds:.1f} s "
            "({rate}); manifest: {manifest}"
        ).format(
            people=summary.people,
            records=summary.records,
            out=summary.out,
            seconds=summary.seconds,
            rate=_rate(summary.people, summary.seconds),
            manifest=summary.manifest.name,
        )
    )
