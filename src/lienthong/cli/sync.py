"""``lienthong sync``: run the sync with the upstream, show where the links stand."""

from __future__ import annotations

import asyncio
import json
import signal
from datetime import UTC, datetime
from enum import StrEnum
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from lienthong.cli.help import help_language
from lienthong.errors import LienthongError
from lienthong.i18n import _
from lienthong.node import Node, open_node
from lienthong.sync.runner import run, upstream_link
from lienthong.sync.service import Round, sync_once
from lienthong.sync.status import Status, sync_status

help_language()
app = typer.Typer(
    help=_(
        "Sync this node with its upstream: push its own changes, pull what it subscribes to, "
        "and show how far behind each link is. Example: lienthong sync run --once"
    ),
    no_args_is_help=True,
)


class OutputFormat(StrEnum):
    """How the sync commands print."""

    table = "table"
    json = "json"


def _node(ctx: typer.Context) -> Node:
    return open_node(ctx.obj["settings"])


def describe_round(done: Round) -> str:
    """Return one line saying what a sync round did."""
    return _(
        "pushed {pushed}, pulled {pulled}, retired {retired}, decided {decided} change requests,"
        " recovered {recovered}"
    ).format(**vars(done))


@app.command(
    "run",
    help=_(
        "Sync with the upstream (sync_upstream) through this node's gateway, round after "
        "round until stopped (Ctrl+C), backing off while the upstream is unreachable. "
        "Example: lienthong sync run"
    ),
)
def run_command(
    ctx: typer.Context,
    once: Annotated[
        bool,
        typer.Option("--once", help=_("Run one round (until caught up) and exit.")),
    ] = False,
) -> None:
    """Run the sync loop, or one round."""
    node = _node(ctx)
    try:
        sync, transport = upstream_link(node)

        async def main() -> None:
            try:
                if once:
                    done = await sync_once(sync, transport, limit=node.settings.sync_batch_size)
                    typer.echo(describe_round(done))
                    return
                stop = asyncio.Event()
                loop = asyncio.get_running_loop()
                for signum in (signal.SIGINT, signal.SIGTERM):
                    loop.add_signal_handler(signum, stop.set)

                def report(outcome: Round | LienthongError) -> None:
                    if isinstance(outcome, LienthongError):
                        typer.echo(f"[{outcome.code}] {outcome}", err=True)
                    elif outcome.pushed or outcome.pulled or outcome.decided or outcome.recovered:
                        typer.echo(describe_round(outcome))

                await run(
                    sync,
                    transport,
                    interval=node.settings.sync_interval_seconds,
                    stop=stop,
                    report=report,
                )
            finally:
                await transport.close()

        asyncio.run(main())
    finally:
        node.close()


def status_json(status: Status) -> dict[str, Any]:
    """Return a node's sync status as JSON data."""
    return {
        "node": status.node,
        "own_last_sequence": status.own_last,
        "sending": [
            {
                "peer": lag.peer,
                "origin": lag.origin,
                "last_sequence": lag.last,
                "acknowledged": lag.acknowledged,
                "lag_entries": lag.entries,
                "lag_seconds": round(lag.seconds, 3),
                "last_contact": lag.contact_at.isoformat(),
            }
            for lag in status.sending
        ],
        "receiving": [
            {
                "peer": cursor.peer,
                "origin": cursor.origin,
                "cursor": cursor.sequence,
                "updated_at": cursor.updated_at.isoformat(),
            }
            for cursor in status.receiving
        ],
        "change_requests": {"waiting": status.waiting, "to_decide": status.to_decide},
    }


@app.command(
    "status",
    help=_(
        "Show each sync link: entries and seconds a peer is behind, when it was last heard "
        "from, this node's cursors, and pending change requests. "
        "Example: lienthong sync status --format json"
    ),
)
def status_command(
    ctx: typer.Context,
    output: Annotated[
        OutputFormat,
        typer.Option("--format", "-f", help=_("table for people; json for scripts.")),
    ] = OutputFormat.table,
) -> None:
    """Print the node's sync status."""
    node = _node(ctx)
    try:
        status = sync_status(node, now=datetime.now(UTC))
    finally:
        node.close()
    if output is OutputFormat.json:
        typer.echo(json.dumps(status_json(status), ensure_ascii=False, indent=2))
        return
    console = Console()
    sending = Table(title=_("Peers this node sends to"))
    for column in (_("Peer"), _("Origin"), _("Behind (entries)"), _("Behind (s)"), _("Contact")):
        sending.add_column(column)
    for lag in status.sending:
        sending.add_row(
            lag.peer,
            lag.origin,
            str(lag.entries),
            f"{lag.seconds:.1f}",
            lag.contact_at.isoformat(timespec="seconds"),
        )
    receiving = Table(title=_("What this node has received"))
    for column in (_("Peer"), _("Origin"), _("Cursor"), _("Updated")):
        receiving.add_column(column)
    for cursor in status.receiving:
        receiving.add_row(
            cursor.peer,
            cursor.origin,
            str(cursor.sequence),
            cursor.updated_at.isoformat(timespec="seconds"),
        )
    console.print(sending)
    console.print(receiving)
    typer.echo(
        _(
            "Node {node}: {own} own changes; change requests waiting for a decision: {waiting};"
            " to decide here: {to_decide}."
        ).format(
            node=status.node,
            own=status.own_last,
            waiting=status.waiting,
            to_decide=status.to_decide,
        )
    )
