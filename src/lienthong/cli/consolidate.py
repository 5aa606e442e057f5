"""``lienthong consolidate``: retire a legacy system into the national registries.

profile → (mapping) → link → review → merge → report, with undo for a merge.
"""

from __future__ import annotations

import getpass
import json
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from lienthong.cli.help import help_language
from lienthong.cli.render import FormatOption, OutputFormat
from lienthong.errors import LienthongError
from lienthong.i18n import N_, _
from lienthong.linkage import service
from lienthong.linkage.engine import Thresholds
from lienthong.linkage.link import SourceOptions, link_file
from lienthong.linkage.mapping import load_mapping
from lienthong.linkage.profile import profile_source
from lienthong.linkage.readers import open_source
from lienthong.linkage.report import LEFT, build_report, write_report
from lienthong.linkage.review import Comparison, compare
from lienthong.linkage.specs import spec_for
from lienthong.node import Node, open_node

help_language()
app = typer.Typer(
    help=_(
        "Move a province's legacy system into the national registries: profile its file, "
        "link its records, review the uncertain ones, merge with provenance, report. "
        "Example: lienthong consolidate profile old-land.dbf"
    ),
    no_args_is_help=True,
)

#: Options every command that opens a legacy source shares.
TableOption = Annotated[
    str | None, typer.Option("--table", help=_("With a database URL: the table to read."))
]
QueryOption = Annotated[
    str | None, typer.Option("--query", help=_("With a database URL: the SQL query to read."))
]
DelimiterOption = Annotated[
    str | None,
    typer.Option("--delimiter", help=_("CSV delimiter. Default: detected from the file.")),
]
EncodingOption = Annotated[
    str | None,
    typer.Option(
        "--encoding",
        help=_(
            "Python codec of a CSV file (utf-16, cp1258…). Default: UTF-8 where it is valid, "
            "else the legacy encoding detected column by column."
        ),
    ),
]
SheetOption = Annotated[
    str | None, typer.Option("--sheet", help=_("XLSX sheet. Default: the first."))
]
ActorOption = Annotated[
    str | None,
    typer.Option(
        "--actor",
        help=_("Who acts, as the audit log and provenance record it. Default: the login name."),
    ),
]
RunOption = Annotated[str, typer.Option("--run", "-r", help=_("The run, as link printed it."))]


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


def _actor(actor: str | None) -> str:
    if actor:
        return actor
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "operator"


@app.command(
    "profile",
    help=_(
        "Say what each column of a legacy file or table holds: its detected encoding, kind, "
        "fill rate and examples, and the linkage field it seems to be; optionally write the "
        "proposed mapping. Example: lienthong consolidate profile old.csv --mapping-out map.toml"
    ),
)
def profile_command(
    location: Annotated[str, typer.Argument(help=_("A CSV, XLSX or DBF file, or a database URL."))],
    record_type: Annotated[
        str,
        typer.Option("--type", "-t", help=_("Record type the file describes: Person or Parcel.")),
    ] = "Person",
    mapping_out: Annotated[
        Path | None,
        typer.Option(
            "--mapping-out", help=_("Write the proposed mapping (TOML) here."), dir_okay=False
        ),
    ] = None,
    source_system: Annotated[
        str, typer.Option("--source-system", help=_("Name of the legacy system, for provenance."))
    ] = "legacy",
    sample: Annotated[
        int, typer.Option("--sample", min=1, help=_("Rows read to detect encodings and kinds."))
    ] = 10_000,
    table: TableOption = None,
    query: QueryOption = None,
    delimiter: DelimiterOption = None,
    encoding: EncodingOption = None,
    sheet: SheetOption = None,
    output: FormatOption = OutputFormat.table,
) -> None:
    """Profile a legacy source and print one line per column."""
    spec = spec_for(record_type)
    with open_source(
        location, table=table, query=query, delimiter=delimiter, encoding=encoding, sheet=sheet
    ) as source:
        found = profile_source(source, sample=sample, record_type=spec.record_type)
    if output is OutputFormat.json:
        typer.echo(
            json.dumps(
                {
                    "source": found.source,
                    "rows": found.rows,
                    "columns": [vars(column) for column in found.columns],
                },
                ensure_ascii=False,
                indent=2,
                default=list,
            )
        )
    else:
        console = Console()
        shown = Table(
            title=_("{source}: {rows:,} rows").format(source=found.source, rows=found.rows)
        )
        for heading in (
            _("column"),
            _("encoding"),
            _("kind"),
            _("filled"),
            _("examples"),
            _("proposed field"),
        ):
            shown.add_column(heading)
        for column in found.columns:
            shown.add_row(
                escape(column.name),
                column.encoding or "",
                column.kind,
                f"{column.fill_rate:.0%}",
                escape(" · ".join(column.examples)),
                escape(
                    column.proposed_field
                    + (f" ({', '.join(column.proposed_repair)})" if column.proposed_repair else "")
                    if column.proposed_field
                    else ""
                ),
            )
        console.print(shown)
    if mapping_out is not None:
        mapping_out.write_text(
            found.proposed_mapping(
                system=spec.system, record_type=spec.record_type, source_system=source_system
            ),
            encoding="utf-8",
        )
        typer.echo(
            _("Proposed mapping written to {path}: check it, then run consolidate link.").format(
                path=mapping_out
            )
        )


@app.command(
    "link",
    help=_(
        "Link every record of a legacy file to a registry: one row per legacy record in OUT "
        "with legacy_id, registry_id, match_probability and decision (match, review, new, "
        "reject). The run is kept on the node for review and merge; the model is trained "
        "without labels and saved for the next run. Example: lienthong consolidate link "
        "--system population --input old.csv --mapping map.toml --out links.csv"
    ),
)
def link_command(
    ctx: typer.Context,
    system: Annotated[
        str, typer.Option("--system", "-s", help=_("The registry system, e.g. population."))
    ],
    input: Annotated[
        str, typer.Option("--input", "-i", help=_("A CSV, XLSX or DBF file, or a database URL."))
    ],
    mapping: Annotated[
        Path,
        typer.Option("--mapping", "-m", help=_("The mapping file (TOML)."), dir_okay=False),
    ],
    out: Annotated[
        Path, typer.Option("--out", "-o", help=_("The links file to write (CSV)."), dir_okay=False)
    ],
    model: Annotated[
        Path | None,
        typer.Option(
            "--model",
            help=_(
                "Model file: reused when it exists, else trained and saved there. "
                "Default: OUT with .model.json."
            ),
            dir_okay=False,
        ),
    ] = None,
    retrain: Annotated[
        bool, typer.Option("--retrain", help=_("Train the model again even if the file exists."))
    ] = False,
    match_threshold: Annotated[
        float | None,
        typer.Option("--match-threshold", help=_("Default: the linkage_match_threshold setting.")),
    ] = None,
    review_threshold: Annotated[
        float | None,
        typer.Option(
            "--review-threshold", help=_("Default: the linkage_review_threshold setting.")
        ),
    ] = None,
    actor: ActorOption = None,
    table: TableOption = None,
    query: QueryOption = None,
    delimiter: DelimiterOption = None,
    encoding: EncodingOption = None,
    sheet: SheetOption = None,
) -> None:
    """Link a legacy source and print what was decided."""
    node = _node(ctx)
    settings = ctx.obj["settings"]
    thresholds = Thresholds(
        match=match_threshold if match_threshold is not None else settings.linkage_match_threshold,
        review=(
            review_threshold if review_threshold is not None else settings.linkage_review_threshold
        ),
    )
    console = Console(stderr=True)
    target = load_mapping(mapping).mapping.target
    if target.system != system:
        raise LienthongError(
            "linkage.mapping.other_system",
            N_("The mapping {path} links to the system {target}, not {system}. Check --system."),
            field="system",
            path=str(mapping),
            target=target.system,
            system=system,
        )
    with console.status(_("Linking…")) as status:
        summary = link_file(
            node=node,
            input=input,
            mapping=mapping,
            out=out,
            thresholds=thresholds,
            actor=_actor(actor),
            model=model,
            retrain=retrain,
            source=SourceOptions(
                table=table, query=query, delimiter=delimiter, encoding=encoding, sheet=sheet
            ),
            progress=lambda step: status.update(_(step)),
        )
    decisions = ", ".join(
        f"{_(DECISIONS[name])} {summary.by_decision.get(name, 0):,}" for name in DECISIONS
    )
    typer.echo(
        _("{rows:,} legacy records linked in {seconds:.1f} s: {decisions}.").format(
            rows=summary.rows, seconds=summary.seconds, decisions=decisions
        )
    )
    typer.echo(_("Links: {path}").format(path=summary.out))
    if summary.rejects is not None:
        typer.echo(
            _("Rejected rows, with the reason for each: {path}").format(path=summary.rejects)
        )
    if summary.duplicates is not None:
        typer.echo(
            _("{count:,} legacy records belong to duplicate groups: {path}").format(
                count=summary.duplicate_rows, path=summary.duplicates
            )
        )
    typer.echo(
        (
            _("Model trained and saved: {path} (version {version})")
            if summary.trained
            else _("Model reused: {path} (version {version})")
        ).format(path=summary.model, version=summary.model_version)
    )
    typer.echo(
        _("Run {run}. Next: lienthong consolidate review --run {run}").format(run=summary.run_id)
    )


#: Decisions as msgids, in the order they are shown.
DECISIONS = {
    "match": N_("match"),
    "review": N_("review"),
    "new": N_("new"),
    "reject": N_("reject"),
}


@app.command(
    "runs", help=_("List the consolidation runs of this node. Example: lienthong consolidate runs")
)
def runs_command(ctx: typer.Context, output: FormatOption = OutputFormat.table) -> None:
    """Print every run with its counts."""
    node = _node(ctx)
    with node.unit_of_work(read_only=True) as uow:
        runs = service.list_runs(uow=uow)
    if output is OutputFormat.json:
        typer.echo(json.dumps([run.as_dict() for run in runs], ensure_ascii=False, indent=2))
        return
    shown = Table()
    for heading in (_("run"), _("created"), _("source"), _("record type"), _("status")):
        shown.add_column(heading)
    for run in runs:
        shown.add_row(
            run.run_id,
            run.created_at.strftime("%d/%m/%Y %H:%M"),
            escape(f"{run.source_system} · {run.source}"),
            run.record_type,
            ", ".join(f"{status} {count:,}" for status, count in sorted(run.by_status.items())),
        )
    Console().print(shown)


@app.command(
    "review",
    help=_(
        "Go through the pairs the model was unsure of, one at a time, legacy and registry side "
        "by side: a accepts, 1–3 picks another candidate, r rejects, n marks as new, s skips, "
        "q quits. Without a terminal it lists the queue. Example: lienthong consolidate review --run RUN"
    ),
)
def review_command(
    ctx: typer.Context,
    run: RunOption,
    actor: ActorOption = None,
    limit: Annotated[
        int, typer.Option("--limit", min=1, help=_("Pairs to list or go through."))
    ] = 50,
    interactive: Annotated[
        bool | None,
        typer.Option(
            "--interactive/--list",
            help=_(
                "Ask for a decision on each pair, or only list them. Default: ask at a terminal."
            ),
        ),
    ] = None,
) -> None:
    """Review the queue interactively, or list it when no one is at the keyboard."""
    node = _node(ctx)
    console = Console()
    reviewer = _actor(actor)
    with node.unit_of_work(read_only=True) as uow:
        queue = service.review_queue(uow=uow, run_id=run, limit=limit)
    if not queue:
        console.print(_("Nothing to review in run {run}.").format(run=run))
        return
    if interactive is None:
        interactive = sys.stdin.isatty()
    for position, item in enumerate(queue, start=1):
        comparison = compare(node=node, item=item, actor=reviewer)
        show_pair(console, comparison, position=position, total=len(queue))
        if not interactive:
            continue
        verdict, chosen = _ask(console, comparison)
        if verdict == "quit":
            break
        if verdict == "skip":
            continue
        with node.unit_of_work() as uow:
            service.decide(
                uow=uow,
                run_id=run,
                legacy_id=item.legacy_id,
                verdict=_VERDICT_NAMES[verdict],
                reviewer=reviewer,
                registry_id=chosen,
            )
            uow.commit()
        console.print(_("Recorded: {verdict}.").format(verdict=_(VERDICTS[verdict])))
    if not interactive:
        console.print(
            _(
                "Decide each with: lienthong consolidate decide --run {run} LEGACY_ID "
                "accept|reject|new"
            ).format(run=run)
        )


#: What a reviewer can say of a pair, as msgids.
VERDICTS = {"accept": N_("accepted"), "reject": N_("rejected"), "new": N_("marked as new")}
_VERDICT_NAMES: dict[str, service.Verdict] = {"accept": "accept", "reject": "reject", "new": "new"}


def show_pair(console: Console, comparison: Comparison, *, position: int, total: int) -> None:
    """Print a legacy record beside its registry candidates, field by field, and why."""
    item = comparison.item
    console.rule(
        _(
            "{position}/{total} · legacy {legacy_id} (row {row}) · probability {probability:.1%}"
        ).format(
            position=position,
            total=total,
            legacy_id=item.legacy_id,
            row=item.row_number,
            probability=item.match_probability,
        )
    )
    shown = Table(show_lines=False)
    shown.add_column(_("field"), style="bold")
    shown.add_column(_("legacy"))
    for index, candidate in enumerate(comparison.candidates, start=1):
        shown.add_column(
            f"{index}. {escape(candidate.registry_id)} ({candidate.match_probability:.1%})"
        )
    marks = {"agree": "[green]=[/]", "differ": "[red]≠[/]", "missing": "[dim]·[/]"}
    for name in comparison.fields:
        cells = [escape(comparison.legacy.get(name) or "")]
        for candidate in comparison.candidates:
            cells.append(
                f"{marks[candidate.agreement[name]]} {escape(candidate.fields.get(name) or '')}"
            )
        shown.add_row(name, *cells)
    console.print(shown)
    for index, candidate in enumerate(comparison.candidates, start=1):
        reasons = ", ".join(
            f"{escape(evidence['comparison'])}: {escape(evidence['level'])} "
            f"(×{evidence['bayes_factor']:.3g})"
            for evidence in candidate.evidence
        )
        console.print(
            _("Why {index}: {reasons}").format(index=index, reasons=reasons), highlight=False
        )


def _ask(console: Console, comparison: Comparison) -> tuple[str, str | None]:
    choices = {"a": "accept", "r": "reject", "n": "new", "s": "skip", "q": "quit"}
    while True:
        try:
            answer = (
                console.input(
                    _(
                        "[bold]a[/]ccept · [bold]1–3[/] pick · [bold]r[/]eject · [bold]n[/]ew · [bold]s[/]kip · [bold]q[/]uit › "
                    )
                )
                .strip()
                .lower()
            )
        except (EOFError, KeyboardInterrupt):
            return "quit", None
        if answer.isdigit() and 1 <= int(answer) <= len(comparison.candidates):
            return "accept", comparison.candidates[int(answer) - 1].registry_id
        if answer in choices:
            return choices[answer], None
        console.print(_("Type a, 1–3, r, n, s or q."))


@app.command(
    "decide",
    help=_(
        "Record a review decision without the interactive queue. "
        "Example: lienthong consolidate decide --run RUN 12345 accept"
    ),
)
def decide_command(
    ctx: typer.Context,
    run: RunOption,
    legacy_id: Annotated[str, typer.Argument(help=_("The legacy record's identifier."))],
    verdict: Annotated[str, typer.Argument(help=_("accept, reject or new."))],
    candidate: Annotated[
        str | None,
        typer.Option("--candidate", help=_("With accept: the registry record, if not the best.")),
    ] = None,
    actor: ActorOption = None,
) -> None:
    """Record one decision."""
    chosen = _VERDICT_NAMES.get(verdict)
    if chosen is None:
        raise LienthongError(
            "linkage.review.verdict",
            N_("{verdict} is not a decision. Say accept, reject or new."),
            field="verdict",
            verdict=verdict,
        )
    node = _node(ctx)
    with node.unit_of_work() as uow:
        item = service.decide(
            uow=uow,
            run_id=run,
            legacy_id=legacy_id,
            verdict=chosen,
            reviewer=_actor(actor),
            registry_id=candidate,
        )
        uow.commit()
    typer.echo(
        _("{legacy_id}: {verdict}.").format(legacy_id=item.legacy_id, verdict=_(VERDICTS[verdict]))
    )


@app.command(
    "merge",
    help=_(
        "Write the run's links and new records through the normal write path, each with its "
        "provenance, in one transaction. Pairs still waiting for review are not merged. "
        "Example: lienthong consolidate merge --run RUN"
    ),
)
def merge_command(ctx: typer.Context, run: RunOption, actor: ActorOption = None) -> None:
    """Merge a run and print what was written and what was not."""
    node = _node(ctx)
    with node.unit_of_work() as uow:
        summary = service.merge(uow=uow, run_id=run, actor=_actor(actor))
        uow.commit()
    typer.echo(
        _(
            "Merge {merge}: {linked:,} legacy records linked to registry records, {created:,} "
            "new records created, {skipped:,} not merged."
        ).format(
            merge=summary.merge_id,
            linked=summary.linked,
            created=summary.created,
            skipped=len(summary.skipped),
        )
    )
    for skipped in summary.skipped[:20]:
        typer.echo(f"  {skipped.legacy_id}: {skipped.reason}")
    typer.echo(_("Undo it with: lienthong consolidate undo {merge}").format(merge=summary.merge_id))


@app.command(
    "undo",
    help=_(
        "Undo a merge: remove the links and the records it created, unless one was changed "
        "since. Example: lienthong consolidate undo MERGE"
    ),
)
def undo_command(
    ctx: typer.Context,
    merge: Annotated[str, typer.Argument(help=_("The merge, as merge printed it."))],
    actor: ActorOption = None,
) -> None:
    """Undo one merge."""
    node = _node(ctx)
    with node.unit_of_work() as uow:
        summary = service.undo(uow=uow, merge_id=merge, actor=_actor(actor))
        uow.commit()
    typer.echo(
        _("Merge {merge} undone: {links:,} links and {records:,} records removed.").format(
            merge=merge, links=summary.links_removed, records=summary.records_removed
        )
    )


@app.command(
    "report",
    help=_(
        "Write a run's report: counts, match rate, the distribution of match probabilities as "
        "charts (PNG and SVG), and how ready the legacy system is to be switched off. "
        "Example: lienthong consolidate report --run RUN --out report/"
    ),
)
def report_command(
    ctx: typer.Context,
    run: RunOption,
    out: Annotated[
        Path, typer.Option("--out", "-o", help=_("Directory to write into."), file_okay=False)
    ],
) -> None:
    """Write the report and print its summary."""
    node = _node(ctx)
    with node.unit_of_work(read_only=True) as uow:
        report = build_report(uow=uow, run_id=run)
    paths = write_report(report, out=out)
    typer.echo(
        _(
            "{total:,} legacy records; match rate {rate:.1%}; decommission readiness "
            "{readiness:.1%}."
        ).format(total=report.total, rate=report.match_rate, readiness=report.readiness)
    )
    for name, count in report.left.items():
        if count:
            typer.echo(f"  {_(LEFT[name])}: {count:,}")
    for path in paths:
        typer.echo(f"  {path}")
