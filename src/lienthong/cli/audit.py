"""``lienthong audit``: check the node's audit log, sign checkpoints, show the latest entries."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

import typer
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import load_pem_public_key
from rich.console import Console
from rich.table import Table

from lienthong.cli.help import help_language
from lienthong.cli.render import FormatOption, OutputFormat
from lienthong.errors import LienthongError
from lienthong.exchange.audit import (
    inclusion_proof,
    make_checkpoint,
    tail,
    verify_log,
)
from lienthong.exchange.keys import NodePaths, load_signing_key, public_key_from_text
from lienthong.i18n import N_, _
from lienthong.node import Node, open_node
from lienthong.settings import Settings
from lienthong.store import dialects
from lienthong.systems import SystemRegistry

help_language()
app = typer.Typer(
    help=_(
        "Check the node's audit log, sign its checkpoints and show its latest entries. "
        "Example: lienthong audit verify"
    ),
    no_args_is_help=True,
)


def _node(ctx: typer.Context) -> Node:
    # The audit log lives in the node's database; no system needs loading to read it.
    return open_node(ctx.obj["settings"], systems=SystemRegistry())


def _not_a_key(value: str) -> LienthongError:
    return LienthongError(
        "audit.key.unreadable",
        N_(
            "{value} is neither an Ed25519 public key in base64 nor a file holding one"
            " (base64 or PEM)."
        ),
        field="key",
        value=value[:80],
    )


def read_public_key(value: str) -> Ed25519PublicKey:
    """Read an Ed25519 public key given as base64 text or as a file (base64 or PEM)."""
    path = Path(value)
    text = path.read_text(encoding="utf-8").strip() if path.is_file() else value.strip()
    if text.startswith("-----BEGIN"):
        try:
            key = load_pem_public_key(text.encode("ascii"))
        except ValueError:
            raise _not_a_key(value) from None
        if not isinstance(key, Ed25519PublicKey):
            raise _not_a_key(value)
        return key
    try:
        return public_key_from_text(text)
    except LienthongError:
        raise _not_a_key(value) from None


def _own_key(settings: Settings) -> Ed25519PublicKey:
    return load_signing_key(NodePaths(settings.state_dir).signing_key).public_key()


@app.command(
    "verify",
    help=_(
        "Check every entry of the audit log, its hash chain and numbering, and every "
        "checkpoint's root and signatures; exit 1 with a table of problems if anything was "
        "changed. With --entry, also print the proof that the entry is in the log. "
        "Example: lienthong audit verify --entry 42"
    ),
)
def verify(
    ctx: typer.Context,
    entry: Annotated[
        int | None,
        typer.Option(
            "--entry",
            help=_(
                "Print the inclusion proof of this entry against the latest checkpoint "
                "(or the whole log when no checkpoint covers it)."
            ),
        ),
    ] = None,
    witness_key: Annotated[
        str | None,
        typer.Option(
            "--witness-key",
            help=_(
                "The witness's Ed25519 public key (base64, or a file holding it) to check "
                "co-signatures with."
            ),
        ),
    ] = None,
    node_key: Annotated[
        str | None,
        typer.Option(
            "--node-key",
            help=_(
                "The node's Ed25519 public key (base64, or a file holding it). Default: the "
                "public half of this node's signing key."
            ),
        ),
    ] = None,
    output: FormatOption = OutputFormat.table,
) -> None:
    """Verify the audit log and print the problems, or a summary and a proof."""
    settings: Settings = ctx.obj["settings"]
    node_public = read_public_key(node_key) if node_key else _own_key(settings)
    witness_public = read_public_key(witness_key) if witness_key else None
    node = _node(ctx)
    try:
        with node.engine.connect() as connection:
            reading = dialects.read_only(connection)
            report = verify_log(
                connection=reading, node_key=node_public, witness_key=witness_public
            )
            proof = (
                inclusion_proof(connection=reading, sequence=entry)
                if entry is not None and report.ok
                else None
            )
    finally:
        node.close()
    if output is OutputFormat.json:
        data: dict[str, Any] = report.as_dict()
        if proof is not None:
            data["inclusion_proof"] = proof.as_dict()
        typer.echo(json.dumps(data, ensure_ascii=False, indent=2))
    elif not report.ok:
        table = Table(
            title=_("The audit log was changed: {count} problems").format(
                count=report.problem_count
            )
        )
        table.add_column(_("Code"), no_wrap=True)
        table.add_column(_("Entry"), no_wrap=True, justify="right")
        table.add_column(_("Checkpoint"), no_wrap=True, justify="right")
        table.add_column(_("Problem"), overflow="fold")
        for problem in report.problems:
            checkpoint = "" if problem.checkpoint is None else str(problem.checkpoint)
            table.add_row(problem.code, str(problem.sequence), checkpoint, problem.message())
        Console().print(table)
    else:
        typer.echo(
            _(
                "The audit log is intact: {entries} entries, {checkpoints} checkpoints signed "
                "by the node, {cosignatures} co-signatures checked."
            ).format(
                entries=report.entries,
                checkpoints=report.checkpoints,
                cosignatures=report.cosignatures,
            )
        )
        if proof is not None:
            typer.echo(str(proof))
    if not report.ok:
        raise typer.Exit(1)


@app.command(
    "checkpoint",
    help=_(
        "Sign a checkpoint of the audit log now with the node's signing key and print it. "
        "Example: lienthong audit checkpoint"
    ),
)
def checkpoint(
    ctx: typer.Context,
    output: FormatOption = OutputFormat.table,
) -> None:
    """Make and sign a checkpoint."""
    settings: Settings = ctx.obj["settings"]
    key = load_signing_key(NodePaths(settings.state_dir).signing_key)
    node = _node(ctx)
    try:
        with node.engine.begin() as connection:
            made = make_checkpoint(
                connection=connection, node_id=settings.node_id, key=key, at=datetime.now(UTC)
            )
    finally:
        node.close()
    if output is OutputFormat.json:
        typer.echo(json.dumps(made.as_dict(), ensure_ascii=False, indent=2))
        return
    typer.echo(
        _("Checkpoint of {size} entries, root {root}, signed by {node} at {time}.").format(
            size=made.tree_size,
            root=made.root_hash,
            node=made.node_id,
            time=made.issued_at.isoformat(timespec="seconds"),
        )
    )


@app.command(
    "tail",
    help=_(
        "Show the latest entries of the audit log, oldest first. Example: lienthong audit tail -n 50"
    ),
)
def tail_(
    ctx: typer.Context,
    limit: Annotated[
        int, typer.Option("--limit", "-n", min=1, help=_("How many entries to show."))
    ] = 20,
    output: FormatOption = OutputFormat.table,
) -> None:
    """Print the last entries."""
    node = _node(ctx)
    try:
        with node.engine.connect() as connection:
            entries = tail(connection=dialects.read_only(connection), limit=limit)
    finally:
        node.close()
    if output is OutputFormat.json:
        typer.echo(json.dumps([e.as_dict() for e in entries], ensure_ascii=False, indent=2))
        return
    table = Table(title=_("Audit log"))
    table.add_column(_("Entry"), no_wrap=True, justify="right")
    table.add_column(_("Time (UTC)"), no_wrap=True)
    headers = (
        _("Kind"),
        _("Client"),
        _("Service"),
        _("Purpose"),
        _("Outcome"),
        _("Status"),
        _("ms"),
    )
    for header in headers:
        table.add_column(header, overflow="fold")
    for logged in entries:
        e = logged.entry
        table.add_row(
            str(logged.sequence),
            e.recorded_at.strftime("%Y-%m-%d %H:%M:%S"),
            e.kind,
            e.client,
            e.service or "",
            e.purpose or "",
            e.outcome,
            "" if e.status is None else str(e.status),
            "" if e.duration_ms is None else f"{e.duration_ms:.1f}",
        )
    Console().print(table)
