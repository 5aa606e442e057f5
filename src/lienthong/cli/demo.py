"""``lienthong demo``: see lienthong work in a few minutes."""

from __future__ import annotations

import sys
import threading
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, Progress, SpinnerColumn, TaskID, TextColumn
from rich.rule import Rule
from rich.table import Table

from lienthong.cli.consolidate import show_pair
from lienthong.cli.help import help_language
from lienthong.cli.render import print_findings
from lienthong.cli.sync import describe_round
from lienthong.demo import consolidation as co
from lienthong.demo import exchange as ex
from lienthong.demo import live
from lienthong.demo import network as net
from lienthong.demo.tour import tour
from lienthong.errors import LienthongError
from lienthong.i18n import N_, _, current_language
from lienthong.linkage.review import Comparison
from lienthong.store import Record
from lienthong.vn import units
from lienthong.vn.ids import PersonalNumber, Plate, TaxCode, identify
from lienthong.vn.lookup import lookup
from lienthong.vn.text import fold

help_language()

#: Access-log actions as msgids, so the table speaks the reader's language.
ACTIONS = {
    "read": N_("read"),
    "history": N_("history"),
    "search": N_("search"),
    "create": N_("create"),
    "update": N_("update"),
    "operation": N_("operation"),
}
RECORD_TYPES = ("Person", "Enterprise", "Vehicle", "Parcel", "Taxpayer", "FeePayment", "BudgetUnit")


def _interactive() -> bool:
    """Tell whether a person is at the keyboard (CI and pipes get the tour only)."""
    return sys.stdin.isatty()


def demo(
    ctx: typer.Context,
    people: Annotated[
        int,
        typer.Option(
            "--people", "-n", help=_("People in the synthetic country, spread over the nodes.")
        ),
    ] = 4000,
    seed: Annotated[int, typer.Option("--seed", help=_("Seed of the synthetic country."))] = 1,
    fresh: Annotated[
        bool, typer.Option("--fresh", help=_("Delete the demo's state and seed the network again."))
    ] = False,
    no_input: Annotated[
        bool,
        typer.Option(
            "--no-input",
            help=_("Show the tour and the network's steps, then exit; do not go live."),
        ),
    ] = False,
    no_traffic: Annotated[
        bool,
        typer.Option("--no-traffic", help=_("Run the live network without the scenario traffic.")),
    ] = False,
    port: Annotated[
        int,
        typer.Option(
            "--port", min=1, max=65535, help=_("Port of the operator console at central.")
        ),
    ] = live.DEFAULT_CONSOLE_PORT,
    outage_every: Annotated[
        float,
        typer.Option(
            "--outage-every",
            min=1,
            help=_("Seconds between the starts of An Giang's outages in the live network."),
        ),
    ] = live.OUTAGE_EVERY,
    outage_for: Annotated[
        float,
        typer.Option(
            "--outage-for",
            min=1,
            help=_("How long each of An Giang's outages lasts, in seconds."),
        ),
    ] = live.OUTAGE_FOR,
) -> None:
    """Run the tour and the network's steps, then run the network live until Ctrl-C."""
    console = Console()
    console.print(Rule(_("lienthong — a tour of Vietnam's reference data")))
    for stop in tour():
        console.print(
            f"\n[bold cyan]{_(stop.caption)}[/]  [yellow]{stop.value}[/]", highlight=False
        )
        print_findings(console, stop.value, stop.findings)

    state_dir: Path = ctx.obj["settings"].state_dir / "demo"
    console.print()
    console.print(Rule(_("The national network on one machine")))
    network = _open(console, state_dir=state_dir, people=people, seed=seed, fresh=fresh)
    try:
        _show_nodes(console, network)
        _scenario(console, network)
        console.print(
            _(
                "\nEach node is a SQLite file under {path}. Serve one node's API with, for example:\n"
                "  LIENTHONG_STATE_DIR={path}/VN-01 LIENTHONG_NODE_ID=VN-01 lienthong api token create --client me --role reader\n"
                "  LIENTHONG_STATE_DIR={path}/VN-01 LIENTHONG_NODE_ID=VN-01 lienthong serve"
            ).format(path=state_dir),
            highlight=False,
        )
        _exchange(console, network, state_dir=state_dir)
        _consolidation(console, network, state_dir=state_dir)
    finally:
        network.close()
    if no_input or not _interactive():
        return
    _live(
        console,
        state_dir=state_dir,
        port=port,
        traffic=not no_traffic,
        seed=seed,
        outages=(outage_every, outage_for),
    )


def _live(
    console: Console,
    *,
    state_dir: Path,
    port: int,
    traffic: bool,
    seed: int,
    outages: tuple[float, float],
) -> None:
    """Run the network as separate processes until Ctrl-C, then stop every one of them."""
    console.print()
    console.print(Rule(_("The network, live: every node a process of its own")))
    stopping = threading.Event()
    restore = live.stop_on_signals(stopping)
    plan = live.Plan(
        state_dir=state_dir,
        console_port=port,
        traffic=traffic,
        seed=seed,
        language=current_language.get(),
    )
    network = live.LiveNetwork(plan, stopping=stopping)
    try:
        logins = network.prepare()
        with Progress(
            SpinnerColumn(),
            TextColumn("{task.description}"),
            BarColumn(),
            TextColumn("{task.completed}/{task.total}"),
            console=console,
        ) as progress:
            task = progress.add_task(_("Starting the processes"), total=network.planned)

            def ready(child: live.Child) -> None:
                progress.console.print(
                    "[green]✓[/] "
                    + _("{child} is up (pid {pid})").format(
                        child=escape(child.spec.name), pid=child.pid
                    ),
                    highlight=False,
                )
                progress.advance(task)

            network.start(on_ready=ready)
        _show_logins(console, plan, logins)
        network.watch(
            say=lambda event: console.print(
                f"[bold yellow]{escape(_(event.message).format(**event.values))}[/]",
                highlight=False,
            ),
            outage_every=outages[0],
            outage_for=outages[1],
        )
    except live.Interrupted:
        pass
    finally:
        network.stop()
        restore()
    console.print(_("Every process of the demo network is stopped."))


ROLES = {
    "central_operator": N_("central operator: the whole network"),
    "province_operator": N_("province operator: An Giang only"),
    "auditor": N_("auditor: reads the audit log"),
}


def _show_logins(console: Console, plan: live.Plan, logins: list[live.Login]) -> None:
    console.print(
        _("The operator console of central: {url}").format(url=plan.console_url),
        highlight=False,
    )
    table = Table(title=_("Sign in as"), title_justify="left")
    for header in (_("Login"), _("Password"), _("Role")):
        table.add_column(header)
    for login in logins:
        table.add_row(login.login, login.password, _(ROLES.get(login.role.value, login.role)))
    console.print(table)
    console.print(
        _("The passwords are kept in {path}. Each process writes its log under {logs}.").format(
            path=plan.state_dir / live.LOGIN_FILE, logs=plan.state_dir / live.LOGS
        ),
        highlight=False,
    )
    console.print(_("Ctrl-C stops every process."), highlight=False)


def _open(console: Console, *, state_dir: Path, people: int, seed: int, fresh: bool) -> net.Network:
    tasks: dict[str, TaskID] = {}
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.fields[step]}"),
        console=console,
        transient=False,
    ) as progress:

        def report(step: net.SeedProgress) -> None:
            if step.node_id not in tasks:
                tasks[step.node_id] = progress.add_task(step.node_id, total=None, step="")
            progress.update(
                tasks[step.node_id],
                completed=step.done,
                total=step.total,
                step=f"{_(step.step)} {step.done:,}" + (f"/{step.total:,}" if step.total else ""),
            )

        network = net.open_network(
            state_dir=state_dir, people=people, seed=seed, fresh=fresh, progress=report
        )
        for task in tasks.values():
            progress.update(task, step=_("done"), completed=1, total=1)
    return network


def _show_nodes(console: Console, network: net.Network) -> None:
    table = Table(title=_("Records held by each node"), title_justify="left")
    table.add_column(_("Node"), no_wrap=True)
    for record_type in RECORD_TYPES:
        table.add_column(record_type, justify="right", overflow="fold")
    for node_id, node in network.nodes.items():
        counts = net.record_counts(node)
        table.add_row(
            f"{node_id}\n{_(network.titles[node_id])}",
            *(f"{counts.get(t, 0):,}" for t in RECORD_TYPES),
        )
    console.print(table)
    console.print(
        _(
            "Each province node holds the records located in its province; central holds "
            "the provinces that run no node of their own."
        )
    )


def _person_row(node_id: str, record: Record) -> list[str]:
    content = record.content
    residence = content.get("permanent_residence") or content.get("temporary_residence") or {}
    return [
        node_id,
        record.record_id,
        content["full_name"],
        _birth(content.get("birth_date")),
        f"{residence.get('line', '')}, {_commune(residence.get('commune'))}",
    ]


def _commune(code: Any) -> str:
    try:
        return units.commune(str(code)).full_name
    except LienthongError:
        return str(code or "")


def _birth(value: Any) -> str:
    parts = str(value or "").split("-")
    return "/".join(reversed(parts))


def _people_table(rows: list[tuple[str, Record]]) -> Table:
    table = Table(show_header=True)
    for header in (_("Node"), _("PIN"), _("Full name"), _("Born"), _("Residence")):
        table.add_column(header)
    for node_id, record in rows:
        table.add_row(*_person_row(node_id, record))
    return table


def _scenario(console: Console, network: net.Network) -> None:
    example = net.first(network, node_id="VN-01", record_type="Person")
    if example is None:
        return
    typed = fold(example.content["full_name"])
    console.print(
        "\n"
        + _("A clerk types a name without diacritics: {typed!r}. Every node is searched:").format(
            typed=typed
        ),
        highlight=False,
    )
    found = list(net.search(network, record_type="Person", where={"name": typed}))
    console.print(_people_table(found))

    located = net.get(network, record_type="Person", record_id=example.record_id)
    if located is not None:
        node_id, record = located
        console.print(
            _("The record {pin}: version {version}, owned by {owner}, held on {node}.").format(
                pin=record.record_id, version=record.version, owner=record.owner_node, node=node_id
            ),
            highlight=False,
        )
        entries = net.accesses(
            network, node_id=node_id, record_type="Person", record_id=record.record_id
        )
        table = Table(title=_("Who read this record, when and why"), title_justify="left")
        for header in (_("When (UTC)"), _("Client"), _("Action"), _("Purpose")):
            table.add_column(header)
        for entry in entries[:5]:
            table.add_row(
                entry.at.strftime("%d/%m/%Y %H:%M:%S"),
                entry.client,
                _(ACTIONS.get(entry.action.value, entry.action.value)),
                _(entry.purpose) if entry.purpose else "",
            )
        console.print(table)

    vehicle = net.first(network, node_id="VN-91", record_type="Vehicle")
    if vehicle is not None:
        loose = vehicle.record_id.replace("-", " ").replace(".", "").lower()
        console.print(
            _("A plate typed loosely in An Giang: {typed!r}").format(typed=loose), highlight=False
        )
        _answer(console, network, loose)

    enterprise = net.first(network, node_id="VN-79", record_type="Enterprise")
    if enterprise is not None:
        console.print(
            _("Customs asks TP. Hồ Chí Minh for the tax status of {code}:").format(
                code=enterprise.record_id
            ),
            highlight=False,
        )
        _answer(console, network, enterprise.record_id)


def _answer(console: Console, network: net.Network, value: str) -> None:
    """Look a value up in the network's registries, or explain it as reference data."""
    shown = False
    for found in identify(value):
        parsed = found.value
        try:
            if isinstance(parsed, PersonalNumber):
                shown |= _show_record(console, network, "Person", parsed.number)
            elif isinstance(parsed, Plate):
                shown |= _show_record(console, network, "Vehicle", parsed.text)
            elif (
                isinstance(parsed, TaxCode)
                and parsed.pin is None
                and _show_record(console, network, "Enterprise", parsed.code)
            ):
                shown = True
                if status := _tax_status(network, parsed.code):
                    console.print(status, highlight=False)
        except LienthongError as error:
            console.print(f"[red]{error.code}[/] {error.message()}", highlight=False)
    if not shown and len(value.split()) >= 2 and not any(ch.isdigit() for ch in value):
        rows = list(net.search(network, record_type="Person", where={"name": fold(value)}))
        if rows:
            console.print(_people_table(rows))
            shown = True
    if not shown:
        print_findings(console, value, lookup(value))


def _show_record(console: Console, network: net.Network, record_type: str, record_id: str) -> bool:
    located = net.get(network, record_type=record_type, record_id=record_id)
    if located is None:
        return False
    node_id, record = located
    table = Table(
        title=f"{record_type} {record.record_id} — {node_id}, v{record.version}",
        title_justify="left",
        show_header=False,
        box=None,
    )
    table.add_column(style="bold")
    table.add_column()
    for key, item in record.content.items():
        if item not in (None, [], {}):
            table.add_row(key, str(item))
    console.print(table)
    return True


def _tax_status(network: net.Network, code: str) -> str | None:
    for node_id in network.nodes:
        try:
            status = net.operation(
                network, node_id=node_id, system="tax", name="taxStatus", tax_code=code
            )
        except LienthongError:
            continue
        verdict = _("over 90 days overdue") if status["over_90_days"] else _("not over 90 days")
        return _(
            "Tax status: {status}; debt {debt:,} VND, overdue {days} days — {verdict}."
        ).format(
            status=status["status"],
            debt=status["debt"],
            days=status["overdue_days"],
            verdict=verdict,
        )
    return None


def _exchange(console: Console, network: net.Network, *, state_dir: Path) -> None:
    """Show agencies calling each other through their gateways, and both sides' audit logs."""
    console.print()
    console.print(Rule(_("Agencies exchange data through their gateways")))
    try:
        result = ex.run_exchange(network, state_dir=state_dir)
    except LienthongError as error:
        console.print(f"[red]{error.code}[/] {escape(error.message())}", highlight=False)
        return
    console.print(
        _(
            "Central holds the network authority: it issued every node a certificate and signs"
            " the directory (version {version}), which lists the agencies, the systems each"
            " node hosts, the registries central provides, and who may call what, for which"
            " purpose:"
        ).format(version=result.directory_version),
        highlight=False,
    )
    grants = Table(show_header=True)
    for header in (_("Client"), _("Service"), _("Endpoint"), _("Purposes")):
        grants.add_column(header)
    for grant in result.grants:
        grants.add_row(
            escape(grant.client),
            escape(grant.service),
            escape(f"{grant.method or '*'} {grant.path or '/*'}"),
            escape(", ".join(grant.purposes)),
        )
    console.print(grants)
    console.print(
        _(
            "The four gateways are started. Each call goes from the client's node to central"
            " over mutual TLS, signed by both gateways, and is recorded on both sides."
        ),
        highlight=False,
    )
    for call in result.calls:
        _show_call(console, call)
    _show_witness(console, result.witnessed)
    _show_sync(console, result.sync)


def _show_call(console: Console, call: ex.Call) -> None:
    console.print(f"\n[bold cyan]{escape(_(call.caption))}[/]", highlight=False)
    console.print(
        f"{call.client_node} › {escape(call.method)} {escape(call.path)}\n"
        f"  X-Road-Client: {escape(call.client)}\n"
        f"  X-Lienthong-Purpose: {escape(call.purpose)}",
        highlight=False,
    )
    colour = "red" if call.refused else "green"
    console.print(
        _("X-Road-Id {message_id} → HTTP {status}").format(
            message_id=escape(call.message_id), status=f"[{colour}]{call.status}[/]"
        ),
        highlight=False,
    )
    if call.refused:
        message = call.error_vi if current_language.get() == "vi" else call.error_en
        console.print(
            f"[red]{escape(call.error_type or '')}[/] {escape(message or '')}", highlight=False
        )
    elif call.answer:
        console.print(
            "  ·  ".join(
                f"[bold]{escape(_(label))}[/] {escape(value)}" for label, value in call.answer
            ),
            highlight=False,
        )
    table = Table(title=_("Audit log entries of this call"), title_justify="left")
    for header in (_("Node"), "#", _("Kind"), _("Outcome"), _("Status"), _("Request hash")):
        table.add_column(header)
    for line in (*call.client_entries, *call.provider_entries):
        table.add_row(
            line.node_id,
            str(line.sequence),
            line.kind,
            escape(line.outcome),
            "" if line.status is None else str(line.status),
            f"{line.request_hash[:12]}…" if line.request_hash else "",
        )
    console.print(table)
    if call.refused and not call.provider_entries:
        console.print(
            _(
                "Refused by {node}'s own gateway: the call never left the node, and {provider}'s"
                " audit log has no entry of it."
            ).format(node=call.client_node, provider=call.provider_node),
            highlight=False,
        )


def _show_witness(console: Console, witnessed: ex.Witnessed) -> None:
    console.print(
        "\n"
        + _(
            "{node} signs a checkpoint of its audit log ({size} entries, root {root}…) and"
            " {witness} co-signs it: a log rewritten afterwards could not be co-signed again."
        ).format(
            node=witnessed.node_id,
            size=witnessed.tree_size,
            root=witnessed.root_hash[:16],
            witness=witnessed.witness or "-",
        ),
        highlight=False,
    )
    if witnessed.verified:
        console.print(
            "[green]✓[/] "
            + _(
                "verify_log: the audit log of {node} is intact ({entries} entries; checkpoints"
                " signed by the node: {checkpoints}; co-signatures checked: {cosignatures})."
            ).format(
                node=witnessed.node_id,
                entries=witnessed.entries,
                checkpoints=witnessed.checkpoints,
                cosignatures=witnessed.cosignatures,
            ),
            highlight=False,
        )
    else:
        console.print(
            "[red]✗[/] "
            + _("verify_log: the audit log of {node} was changed: {problems}").format(
                node=witnessed.node_id, problems=", ".join(witnessed.problems)
            ),
            highlight=False,
        )


def _show_sync(console: Console, synced: ex.SyncDemo) -> None:
    console.print()
    console.print(Rule(_("Central and the provinces stay in sync, even through an outage")))
    console.print(
        _(
            "Each province pushes its own changes to central and pulls what it subscribes to"
            " (its own province, and national reference data), through the same gateways."
            " Every change is applied exactly once, keyed on its origin node and sequence."
        ),
        highlight=False,
    )
    for line in synced.rounds:
        head = f"[bold cyan]{escape(_(line.caption))}[/] · {line.node_id}: "
        if line.done is not None:
            console.print(head + escape(describe_round(line.done)), highlight=False)
        else:
            console.print(head + f"[yellow]{escape(line.error or '')}[/]", highlight=False)
    console.print(
        _(
            "While offline, An Giang registered a birth ({pin}) and kept working; when its link"
            " came back it had {before} changes to send and {after} after catching up."
        ).format(pin=synced.newborn, before=synced.behind_before, after=synced.behind_after),
        highlight=False,
    )
    for ok, text in (
        (synced.central_has_newborn, _("central holds the birth registered in An Giang")),
        (
            synced.an_giang_has_ministry,
            _("An Giang holds version {version} of central's reference record").format(
                version=synced.ministry_version
            ),
        ),
    ):
        console.print(("[green]✓[/] " if ok else "[red]✗[/] ") + text, highlight=False)
    console.print(
        _("The gateways are stopped; the audit logs stay in each node's database."),
        highlight=False,
    )


def _consolidation(console: Console, network: net.Network, *, state_dir: Path) -> None:
    """Show two provinces linking their legacy systems to the registries and merging them."""
    console.print()
    console.print(
        Rule(_("Two provinces retire the legacy systems they ran beside the national one"))
    )
    console.print(
        _(
            "Each legacy file is read in its old encoding, repaired (names, dates, pre-2025"
            " units, old identity card numbers), linked to the registry its node holds with a"
            " model trained without labels, reviewed where the model is unsure, and merged"
            " with provenance. The demo's reviewer decides with the ground truth the"
            " generator wrote beside each file."
        ),
        highlight=False,
    )
    shown: list[bool] = []

    def first_pair(comparison: Comparison) -> None:
        if not shown:
            console.print(_("One pair of the review queue, as a reviewer sees it:"))
            show_pair(console, comparison, position=1, total=1)
            shown.append(True)

    try:
        done = co.run_consolidation(network, state_dir=state_dir, show_pair=first_pair)
    except LienthongError as error:
        console.print(f"[red]{error.code}[/] {escape(error.message())}", highlight=False)
        return
    for system in done:
        console.print(f"\n[bold cyan]{escape(_(system.caption))}[/]", highlight=False)
        decisions = ", ".join(
            f"{_(name)} {system.by_decision.get(name, 0):,}"
            for name in ("match", "review", "new", "reject")
        )
        console.print(
            _(
                "{rows:,} legacy records from {source}: {decisions}; {reviewed:,} reviewed."
                " Against the ground truth: precision {precision:.1%}, recall {recall:.1%}."
            ).format(
                rows=system.rows,
                source=Path(system.source).name,
                decisions=decisions,
                reviewed=system.reviewed,
                precision=system.accuracy.precision,
                recall=system.accuracy.recall,
            ),
            highlight=False,
        )
        console.print(
            _(
                "Merged on {node}: {linked:,} links to registry records and {created:,} new"
                " records, each with its provenance; {left:,} not merged. Decommission"
                " readiness: {readiness:.1%}. Report: {report}"
            ).format(
                node=system.node_id,
                linked=system.linked,
                created=system.created,
                left=system.not_merged,
                readiness=system.readiness,
                report=Path(system.report[0]).parent if system.report else "",
            ),
            highlight=False,
        )
