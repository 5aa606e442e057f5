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
from lienthong.data.legacy import LegacyProgress, make_legacy
from lienthong.data.synthetic import GenerateProgress, Rates, generate
from lienthong.i18n import _

help_language()
app = typer.Typer(
    help=_(
        "Generate data for the registries, and legacy extracts derived from it. "
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


class LegacyKind(StrEnum):
    """The kinds of ``data legacy`` extract."""

    population = "population"
    land = "land"
    driving = "driving"


class LegacyFormat(StrEnum):
    """The file format of ``data legacy``."""

    csv = "csv"
    xlsx = "xlsx"
    dbf = "dbf"


class LegacyEncoding(StrEnum):
    """The text encoding of ``data legacy``."""

    utf8 = "utf-8"
    tcvn3 = "tcvn3"
    vni = "vni"


@app.command(
    "legacy",
    help=_(
        "Derive a labelled legacy extract from generated data: an old residents database "
        "(population), TP. Hồ Chí Minh's land system (land) or An Giang's driver-licence list "
        "(driving), damaged as legacy systems damage data, with the ground truth and a ready "
        "mapping beside it. The same seed gives the same files. "
        "Example: lienthong data legacy --from data/ --kind land --out legacy/"
    ),
)
def legacy_command(
    source: Annotated[
        Path,
        typer.Option(
            "--from", help=_("Directory written by lienthong data generate."), file_okay=False
        ),
    ],
    kind: Annotated[LegacyKind, typer.Option("--kind", "-k", help=_("Kind of legacy extract."))],
    out: Annotated[
        Path,
        typer.Option("--out", "-o", help=_("Directory to write the files into."), file_okay=False),
    ],
    rows: Annotated[
        int | None,
        typer.Option("--rows", "-n", help=_("Rows at most. Default: every eligible record.")),
    ] = None,
    seed: Annotated[int, typer.Option("--seed", "-s", help=_("Seed: same seed, same data."))] = 1,
    province: Annotated[
        str | None,
        typer.Option(
            "--province",
            "-p",
            help=_(
                "Keep the records of this province (post-2025 code). Default: 79 for land, "
                "91 for driving, the whole country for population."
            ),
        ),
    ] = None,
    output: Annotated[
        LegacyFormat, typer.Option("--format", "-f", help=_("File format."))
    ] = LegacyFormat.csv,
    encoding: Annotated[
        LegacyEncoding | None,
        typer.Option(
            "--encoding",
            "-e",
            help=_(
                "Text encoding. Default: utf-8 for population, tcvn3 for land, vni for driving."
            ),
        ),
    ] = None,
    overlap: Annotated[
        float,
        typer.Option("--overlap", help=_("Share of legacy records the registry holds (0 to 1).")),
    ] = 0.8,
    duplicates: Annotated[
        float,
        typer.Option(
            "--duplicates",
            help=_("Share of rows that repeat another legacy record (0 to 1)."),
        ),
    ] = 0.05,
    progress: Annotated[
        bool, typer.Option("--progress/--no-progress", help=_("Show a progress bar."))
    ] = True,
) -> None:
    """Write the extract, its truth and its mapping, and print what was written."""
    console = Console(stderr=True)
    with Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TaskProgressColumn(),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        console=console,
        disable=not progress,
    ) as bar:
        task = bar.add_task(_("Reading the registry"), total=None)

        def show(step: LegacyProgress) -> None:
            bar.update(task, completed=step.read, total=step.total)

        summary = make_legacy(
            source=source,
            kind=kind.value,
            out=out,
            rows=rows,
            seed=seed,
            province=province,
            format=output.value,
            encoding=encoding.value if encoding is not None else None,
            overlap=overlap,
            duplicates=duplicates,
            progress=show,
        )
    typer.echo(f"{summary.rows:>12,}  {summary.extract}")
    typer.echo(f"{summary.rows:>12,}  {summary.truth}")
    typer.echo(f"{'':>12}  {summary.mapping}")
    typer.echo(
        _(
            "{rows:,} rows ({matched:,} with a registry record, {duplicates:,} duplicates) "
            "in {encoding}, written in {seconds:.1f} s"
        ).format(
            rows=summary.rows,
            matched=summary.matched,
            duplicates=summary.duplicates,
            encoding=summary.encoding,
            seconds=summary.seconds,
        )
    )
