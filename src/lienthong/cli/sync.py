"""``lienthong sync``: run the sync with the upstream, show where the links stand."""

from __future__ import annotations

import asyncio
import json
import signal
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

import nats
import nats.errors
import typer
from rich.console import Console
from rich.table import Table

from lienthong.cli.help import help_language
from lienthong.cli.render import FormatOption, OutputFormat
from lienthong.errors import LienthongError
from lienthong.i18n import N_, _, current_language
from lienthong.node import Node, open_node
from lienthong.settings import load_settings
from lienthong.sync import requests as change_requests
from lienthong.sync.digests import Report, verify_nodes
from lienthong.sync.runner import open_link, run, upstream_link
from lienthong.sync.service import Round
from lienthong.sync.setup import open_sync
from lienthong.sync.status import Status, sync_status
from lienthong.sync.transports.http import unreachable
from lienthong.sync.transports.nats import serve_central
from lienthong.sync.verification import verify_upstream

help_language()
app = typer.Typer(
    help=_(
        "Sync this node with its upstream: push its own changes, pull what it subscribes to, "
        "and show how far behind each link is. Example: lienthong sync run --once"
    ),
    no_args_is_help=True,
)


def _node(ctx: typer.Context) -> Node:
    return open_node(ctx.obj["settings"])


def describe_round(done: Round) -> str:
    """Return one line saying what a sync round did."""
    line = _(
        "pushed {pushed}, pulled {pulled}, retired {retired}, decided {decided} change requests,"
        " recovered {recovered}"
    ).format(**vars(done))
    if done.given_back:
        line += _("; gave back {given_back} entries the upstream had lost").format(
            given_back=done.given_back
        )
    return line


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

        async def main() -> None:
            link = await open_link(node)
            try:
                if once:
                    done = await link.round()
                    typer.echo(describe_round(done))
                    return
                stop = _stop_on_signals()

                def report(outcome: Round | LienthongError) -> None:
                    if isinstance(outcome, LienthongError):
                        typer.echo(f"[{outcome.code}] {outcome}", err=True)
                    elif outcome.moved:
                        typer.echo(describe_round(outcome))

                await run(
                    link, interval=node.settings.sync_interval_seconds, stop=stop, report=report
                )
            finally:
                await link.close()

        asyncio.run(main())
    finally:
        node.close()


def _stop_on_signals() -> asyncio.Event:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    return stop


@app.command(
    "serve-nats",
    help=_(
        "Serve the provinces' sync over NATS JetStream (on central): apply the batches they "
        "push to the stream and answer their pulls, until stopped (Ctrl+C). Over HTTP the "
        "gateway serves sync; this is needed only with sync_transport = nats. "
        "Example: lienthong sync serve-nats"
    ),
)
def serve_nats_command(
    ctx: typer.Context,
    domain: Annotated[
        str | None,
        typer.Option(
            "--domain", help=_("The JetStream domain of the province's leaf node to serve.")
        ),
    ] = None,
) -> None:
    """Serve central's side of sync on NATS."""
    node = _node(ctx)
    try:

        async def main() -> None:
            sync = open_sync(node)
            try:
                nc = await nats.connect(node.settings.sync_nats_url, connect_timeout=5)
            except (OSError, nats.errors.Error) as exc:
                raise unreachable(node.settings.sync_nats_url, type(exc).__name__) from None
            try:
                served = await serve_central(sync, nc, stop=_stop_on_signals(), domain=domain)
            finally:
                await nc.close()
            typer.echo(
                _("Served {pushes} pushes ({applied} entries applied) and {pulls} pulls.").format(
                    pushes=served.pushes, applied=served.applied, pulls=served.pulls
                )
            )

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
        "lost": [
            {"after": gap.after, "through": gap.through, "found_at": gap.found_at.isoformat()}
            for gap in status.lost
        ],
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
    output: FormatOption = OutputFormat.table,
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
    for gap in status.lost:
        typer.echo(
            _(
                "Own entries {first}–{through} were lost here when the store was restored from"
                " an older copy (found {found}); new writes are numbered after them and the"
                " peers are asked to give them back."
            ).format(
                first=gap.after + 1,
                through=gap.through,
                found=gap.found_at.isoformat(timespec="seconds"),
            )
        )


@app.command(
    "verify",
    help=_(
        "Compare this node with another node on what both receive, record type by record "
        "type and partition, by Merkle digests; list the records that differ and, with "
        "--repair, write the owner's (or central's) version where it is missing or damaged. "
        "Exit 1 while they differ. On a province, --upstream compares with central through "
        "the gateways. Example: lienthong sync verify --upstream --repair"
    ),
)
def verify_command(
    ctx: typer.Context,
    peer_config: Annotated[
        Path | None,
        typer.Option("--peer-config", help=_("The other node's configuration file (TOML).")),
    ] = None,
    peer_state: Annotated[
        Path | None,
        typer.Option("--peer-state", help=_("The other node's state directory, without a file.")),
    ] = None,
    peer_node: Annotated[
        str | None, typer.Option("--peer-node", help=_("The other node's identifier."))
    ] = None,
    peer_partitions: Annotated[
        list[str] | None,
        typer.Option(
            "--peer-partition", help=_("A partition the other node receives (repeat); none: all.")
        ),
    ] = None,
    upstream: Annotated[
        bool,
        typer.Option(
            "--upstream",
            help=_(
                "Compare with this node's upstream (sync_upstream) through the gateways instead;"
                " a repair then changes this node only."
            ),
        ),
    ] = False,
    repair: Annotated[
        bool, typer.Option("--repair", help=_("Write the source's version where they differ."))
    ] = False,
    output: FormatOption = OutputFormat.table,
) -> None:
    """Compare two nodes by digests and optionally repair."""
    overrides: dict[str, Any] = {}
    if peer_state is not None:
        overrides.update(state_dir=peer_state, database_url=None)
    if peer_node is not None:
        overrides["node_id"] = peer_node
    if peer_partitions is not None:
        overrides["sync_partitions"] = peer_partitions
    named = peer_config is not None or bool(overrides)
    if upstream and named:
        raise LienthongError(
            "sync.verify.two_peers",
            N_("Compare with the upstream (--upstream) or with a store (--peer-…), not both."),
            field="peer",
        )
    if not upstream and not named:
        raise LienthongError(
            "sync.verify.no_peer",
            N_(
                "Name the node to compare with: --upstream, --peer-config FILE, or --peer-state"
                " DIR --peer-node ID."
            ),
            field="peer",
        )
    node = _node(ctx)
    try:
        if upstream:
            report = asyncio.run(_verify_upstream(node, repair=repair))
        else:
            peer = open_node(load_settings(config_file=peer_config, **overrides))
            try:
                report = verify_nodes(
                    open_sync(node, signing=False), open_sync(peer, signing=False), repair=repair
                )
            finally:
                peer.close()
    finally:
        node.close()
    if output is OutputFormat.json:
        typer.echo(json.dumps(report.to_json(), ensure_ascii=False, indent=2))
    else:
        table = Table(title=_("Records that differ"))
        for column in (_("Record type"), _("Partition"), _("Record"), _("Difference")):
            table.add_column(column)
        for found in report.located:
            table.add_row(
                found.record_type,
                found.partition or "-",
                found.difference.record_id,
                found.difference.kind,
            )
        if report.located:
            Console().print(table)
        typer.echo(
            _(
                "{compared} digests compared, {differing} records differ, {repaired} repaired,"
                " {left} left as they are; converged: {converged}."
            ).format(
                compared=report.compared,
                differing=report.differing,
                repaired=report.repaired,
                left=len(report.left),
                converged=_("yes") if report.converged else _("no"),
            )
        )
        for left in report.left:
            typer.echo(
                f"  [{left.reason}] {left.record_type} {left.record_id}: {left.message(current_language.get())}"
            )
    if not report.converged:
        raise typer.Exit(1)


async def _verify_upstream(node: Node, *, repair: bool) -> Report:
    sync, transport = upstream_link(node)
    try:
        return await verify_upstream(sync, transport, repair=repair)
    finally:
        await transport.close()


@app.command(
    "requests",
    help=_(
        "List the change requests this node filed that still wait for their owner's decision, "
        "and those addressed to it that it has not decided yet (each sync round decides them). "
        "Example: lienthong sync requests --format json"
    ),
)
def requests_command(
    ctx: typer.Context,
    output: FormatOption = OutputFormat.table,
) -> None:
    """List pending change requests on both sides."""
    node = _node(ctx)
    try:
        with node.unit_of_work(read_only=True) as uow:
            listed = [("waiting", request) for request in change_requests.waiting(uow)]
            listed += [("to_decide", request) for request in change_requests.pending_for(uow)]
    finally:
        node.close()
    if output is OutputFormat.json:
        data = [{"state": state, **request.model_dump(mode="json")} for state, request in listed]
        typer.echo(json.dumps(data, ensure_ascii=False, indent=2))
        return
    table = Table(title=_("Change requests"))
    for column in (_("State"), _("Request"), _("From"), _("To"), _("Record"), _("Operation")):
        table.add_column(column)
    for state, request in listed:
        table.add_row(
            state,
            request.request_id[:12],
            request.requester,
            request.owner,
            f"{request.record_type} {request.record_id}",
            request.operation,
        )
    Console().print(table)
