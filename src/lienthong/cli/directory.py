"""``lienthong directory``: manage the network's directory at central, and read it anywhere."""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import UTC, datetime, time, timedelta, timezone
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from lienthong.cli.help import help_language
from lienthong.cli.network import validity
from lienthong.cli.render import FormatOption, OutputFormat
from lienthong.errors import LienthongError
from lienthong.exchange.directory import authority
from lienthong.exchange.directory.cache import cache_path
from lienthong.exchange.directory.models import Directory, Grant, Level, Member, NodeEntry
from lienthong.exchange.directory.signing import expiry, read_signed_directory
from lienthong.exchange.keys import NodePaths
from lienthong.exchange.pki import (
    NODE_DAYS,
    Authority,
    NetworkPaths,
    load_directory_key,
    read_request_bundle,
)
from lienthong.i18n import N_, _
from lienthong.settings import Settings

help_language()
app = typer.Typer(
    help=_(
        "Manage the network's directory at central: members, nodes, systems, services and "
        "grants; every change publishes a new signed version. Example: lienthong directory show"
    ),
    no_args_is_help=True,
)
member_app = typer.Typer(
    help=_(
        "Add and list the network's members (agencies). Example: lienthong directory member "
        'add VN/GOV/BCA --name "Bộ Công an" --level central'
    ),
    no_args_is_help=True,
)
node_app = typer.Typer(
    help=_(
        "Add (certify), revoke and list nodes. Example: lienthong directory node add "
        "node-request.json --address https://gw.hanoi.gov.vn:5500"
    ),
    no_args_is_help=True,
)
system_app = typer.Typer(
    help=_(
        "Add systems (subsystems of members) and the node that hosts each. Example: "
        "lienthong directory system add VN/GOV/BCA/population --node VN-central"
    ),
    no_args_is_help=True,
)
service_app = typer.Typer(
    help=_(
        "Add the services systems provide, with their OpenAPI descriptions. Example: "
        "lienthong directory service add VN/GOV/BCA/population/registry --openapi api.json"
    ),
    no_args_is_help=True,
)
grant_app = typer.Typer(
    help=_(
        "Add, revoke and list grants: which client system may call which service, for which "
        "purposes. Example: lienthong directory grant list"
    ),
    no_args_is_help=True,
)
app.add_typer(member_app, name="member")
app.add_typer(node_app, name="node")
app.add_typer(system_app, name="system")
app.add_typer(service_app, name="service")
app.add_typer(grant_app, name="grant")

#: Vietnam's time zone: a date alone means its midnight there.
VIETNAM = timezone(timedelta(hours=7))


def _settings(ctx: typer.Context) -> Settings:
    settings: Settings = ctx.obj["settings"]
    return settings


def _published(state_dir: Path) -> None:
    typer.echo(
        _("Published directory version {version}.").format(
            version=authority.latest_version(state_dir)
        )
    )


def _moment(value: datetime | None) -> str:
    return value.isoformat(timespec="seconds") if value is not None else ""


def _json(data: Any) -> None:
    typer.echo(json.dumps(data, ensure_ascii=False, indent=2))


# -- members ----------------------------------------------------------------------------------


@member_app.command(
    "add",
    help=_(
        "List an agency with its level; a provincial or communal one names its province "
        '(post-2025 code). Example: lienthong directory member add VN/GOV/01 --name "UBND '
        'Thành phố Hà Nội" --level province --province 01'
    ),
)
def member_add(
    ctx: typer.Context,
    member_id: Annotated[
        str, typer.Argument(help=_("The member's identifier, such as VN/GOV/BCA."))
    ],
    name: Annotated[str, typer.Option("--name", help=_("The agency's name."))],
    level: Annotated[
        Level, typer.Option("--level", help=_("central, province or commune."))
    ] = Level.CENTRAL,
    province: Annotated[
        str | None,
        typer.Option("--province", help=_("The province's code (post-2025), such as 01.")),
    ] = None,
) -> None:
    """Add a member."""
    settings = _settings(ctx)
    member = authority.add_member(
        state_dir=settings.state_dir,
        member_id=member_id,
        name=name,
        level=level,
        province_code=province,
        validity=validity(settings),
    )
    typer.echo(_("Added the member {member}.").format(member=member.id))
    _published(settings.state_dir)


@member_app.command(
    "list",
    help=_("List the members. Example: lienthong directory member list --format json"),
)
def member_list(ctx: typer.Context, output: FormatOption = OutputFormat.table) -> None:
    """Print every member."""
    members = authority.list_members(state_dir=_settings(ctx).state_dir)
    if output is OutputFormat.json:
        _json([member.model_dump(mode="json") for member in members])
        return
    Console().print(_members_table(members))


def _members_table(members: Iterable[Member]) -> Table:
    table = Table(title=_("Members"))
    for header in (_("Member"), _("Name"), _("Level"), _("Province")):
        table.add_column(header)
    for member in members:
        table.add_row(member.id, member.name, member.level.value, member.province or "")
    return table


# -- nodes ------------------------------------------------------------------------------------


def _certificate_file(node_id: str) -> Path:
    return Path(f"{node_id.replace('/', '_')}.crt")


@node_app.command(
    "add",
    help=_(
        "Certify a node from the request file it wrote (lienthong node request) and list it "
        "at its gateway address; writes the certificate to hand back to the node. Example: "
        "lienthong directory node add node-request.json --address https://gw.hanoi.gov.vn:5500"
    ),
)
def node_add(
    ctx: typer.Context,
    request: Annotated[
        Path,
        typer.Argument(
            help=_("The node's request file (node-request.json)."), exists=True, dir_okay=False
        ),
    ],
    address: Annotated[
        str,
        typer.Option(
            "--address", help=_("Where other gateways reach the node: https://host:port.")
        ),
    ],
    member: Annotated[
        str | None,
        typer.Option("--member", help=_("The member the node must belong to, to double-check.")),
    ] = None,
    days: Annotated[
        int, typer.Option("--days", min=1, help=_("How many days the certificate is valid."))
    ] = NODE_DAYS,
    certificate: Annotated[
        Path | None,
        typer.Option(
            "--certificate",
            help=_("Where to write the node's certificate. Default: <node id>.crt here."),
            dir_okay=False,
        ),
    ] = None,
    replace: Annotated[
        bool,
        typer.Option("--replace", help=_("Renew a node already listed (a new certificate).")),
    ] = False,
) -> None:
    """Certify and list a node."""
    settings = _settings(ctx)
    data = request.read_bytes()
    digest = read_request_bundle(data).digest
    node = authority.add_node(
        state_dir=settings.state_dir,
        request=data,
        address=address,
        member=member,
        days=days,
        replace=replace,
        validity=validity(settings),
    )
    target = certificate or _certificate_file(node.node_id)
    target.write_text(node.tls_certificate, encoding="ascii")
    paths = NetworkPaths.of(settings.state_dir)
    typer.echo(
        _(
            "Certified the node {node_id} of {member} at {address}; request digest {digest} "
            "(compare it with the one the node's operator read you)."
        ).format(node_id=node.node_id, member=node.member, address=node.address, digest=digest)
    )
    typer.echo(
        _(
            "Give the node its certificate, the CA and the directory key: lienthong node "
            "install --certificate {certificate} --ca {ca} --directory-key {key}"
        ).format(certificate=target, ca=paths.ca_certificate, key=paths.directory_public_key)
    )
    _published(settings.state_dir)


@node_app.command(
    "revoke",
    help=_(
        "Revoke a node: from the next directory version every gateway refuses its "
        "certificate and messages. Example: lienthong directory node revoke VN-01"
    ),
)
def node_revoke(
    ctx: typer.Context,
    node_id: Annotated[str, typer.Argument(help=_("The node's identifier."))],
) -> None:
    """Revoke a node."""
    settings = _settings(ctx)
    node = authority.revoke_node(
        state_dir=settings.state_dir, node_id=node_id, validity=validity(settings)
    )
    typer.echo(
        _("Revoked the node {node_id} at {at}.").format(
            node_id=node.node_id, at=_moment(node.revoked_at)
        )
    )
    _published(settings.state_dir)


@node_app.command(
    "list",
    help=_("List the nodes. Example: lienthong directory node list"),
)
def node_list(ctx: typer.Context, output: FormatOption = OutputFormat.table) -> None:
    """Print every node."""
    nodes = authority.load_draft(_settings(ctx).state_dir).nodes
    if output is OutputFormat.json:
        _json([node.model_dump(mode="json", exclude={"tls_certificate"}) for node in nodes])
        return
    Console().print(_nodes_table(nodes))


def _nodes_table(nodes: Iterable[NodeEntry]) -> Table:
    table = Table(title=_("Nodes"))
    for header in (
        _("Node"),
        _("Member"),
        _("Address"),
        _("Certificate until"),
        _("Fingerprint"),
        _("Revoked"),
    ):
        table.add_column(header)
    for node in nodes:
        table.add_row(
            node.node_id,
            node.member,
            node.address,
            _moment(node.certificate.not_valid_after_utc),
            node.fingerprint[:16],
            _moment(node.revoked_at),
        )
    return table


# -- systems and services ---------------------------------------------------------------------


@system_app.command(
    "add",
    help=_(
        "List a system (a subsystem of a member) and the node hosting it. Example: lienthong "
        'directory system add VN/GOV/BCA/population --node VN-central --title "Dân cư"'
    ),
)
def system_add(
    ctx: typer.Context,
    system_id: Annotated[
        str, typer.Argument(help=_("The system's identifier, such as VN/GOV/BCA/population."))
    ],
    node: Annotated[str, typer.Option("--node", help=_("The node hosting the system."))],
    title: Annotated[str, typer.Option("--title", help=_("A readable title."))] = "",
) -> None:
    """Add a system."""
    settings = _settings(ctx)
    system = authority.add_system(
        state_dir=settings.state_dir,
        system_id=system_id,
        node_id=node,
        title=title,
        validity=validity(settings),
    )
    typer.echo(_("Added the system {system} on {node}.").format(system=system.id, node=node))
    _published(settings.state_dir)


def _read_openapi(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError) as exc:
        raise LienthongError(
            "exchange.directory.openapi_file",
            N_("{path} is not a JSON file ({reason}). Give the OpenAPI description as JSON."),
            field="openapi",
            path=str(path),
            reason=str(exc)[:200],
        ) from None
    if not isinstance(data, dict):
        raise LienthongError(
            "exchange.directory.openapi_file",
            N_("{path} is not a JSON file ({reason}). Give the OpenAPI description as JSON."),
            field="openapi",
            path=str(path),
            reason="not an object",
        )
    return data


@service_app.command(
    "add",
    help=_(
        "List a service of a system, with its OpenAPI description (JSON). Example: lienthong "
        "directory service add VN/GOV/BCA/population/registry --openapi registry.json"
    ),
)
def service_add(
    ctx: typer.Context,
    service_id: Annotated[
        str,
        typer.Argument(help=_("The service's identifier, such as VN/GOV/BCA/population/registry.")),
    ],
    openapi: Annotated[
        Path | None,
        typer.Option(
            "--openapi",
            help=_("The service's OpenAPI 3 description, a JSON file."),
            exists=True,
            dir_okay=False,
        ),
    ] = None,
    title: Annotated[str, typer.Option("--title", help=_("A readable title."))] = "",
    replace: Annotated[
        bool, typer.Option("--replace", help=_("Update a service already listed."))
    ] = False,
) -> None:
    """Add a service."""
    settings = _settings(ctx)
    service = authority.add_service(
        state_dir=settings.state_dir,
        service_id=service_id,
        title=title,
        openapi=_read_openapi(openapi) if openapi is not None else None,
        replace=replace,
        validity=validity(settings),
    )
    typer.echo(_("Added the service {service}.").format(service=service.id))
    _published(settings.state_dir)


# -- grants -----------------------------------------------------------------------------------


def _expiry(text: str | None) -> datetime | None:
    if text is None:
        return None
    try:
        if len(text) == 10:
            return datetime.combine(datetime.fromisoformat(text).date(), time(), VIETNAM)
        moment = datetime.fromisoformat(text)
    except ValueError:
        moment = None
    if moment is None or moment.tzinfo is None:
        raise LienthongError(
            "exchange.directory.grant_expiry",
            N_(
                "A grant's expiry must be a future moment with its time zone, such as"
                " 2026-12-31T17:00:00+07:00; {value} is not."
            ),
            field="expires_at",
            value=text[:60],
        )
    return moment


@grant_app.command(
    "add",
    help=_(
        "Let a client system call a service, or one method and path of it, for the purposes "
        "listed, optionally until a moment. Example: lienthong directory grant add --client "
        "VN/GOV/BHXH/insurance --service VN/GOV/BCA/population/registry --method GET --path "
        "/Person/{id} --purpose social-insurance.verify --expires 2026-12-31"
    ),
)
def grant_add(
    ctx: typer.Context,
    client: Annotated[str, typer.Option("--client", help=_("The client system."))],
    service: Annotated[str, typer.Option("--service", help=_("The service."))],
    purpose: Annotated[
        list[str], typer.Option("--purpose", help=_("An allowed purpose; repeat for more."))
    ],
    method: Annotated[
        str | None, typer.Option("--method", help=_("Only this method (GET, POST, …)."))
    ] = None,
    path: Annotated[
        str | None,
        typer.Option(
            "--path",
            help=_("Only this path: {name} matches one segment, a final * the rest."),
        ),
    ] = None,
    expires: Annotated[
        str | None,
        typer.Option(
            "--expires",
            help=_(
                "When the grant ends: an ISO moment with its zone, or a date (00:00 Vietnam "
                "time that day)."
            ),
        ),
    ] = None,
) -> None:
    """Add a grant."""
    settings = _settings(ctx)
    grant = authority.add_grant(
        state_dir=settings.state_dir,
        client=client,
        service=service,
        method=method,
        path=path,
        purposes=purpose,
        expires_at=_expiry(expires),
        validity=validity(settings),
    )
    typer.echo(
        _("Added the grant {grant_id}: {client} may call {service}.").format(
            grant_id=grant.grant_id, client=grant.client, service=grant.service
        )
    )
    _published(settings.state_dir)


@grant_app.command(
    "revoke",
    help=_(
        "Revoke a grant by its identifier, effective from the next directory version. "
        "Example: lienthong directory grant revoke 3f9a0c1b2d4e"
    ),
)
def grant_revoke(
    ctx: typer.Context,
    grant_id: Annotated[
        str, typer.Argument(help=_("The grant's identifier, as grant list shows it."))
    ],
) -> None:
    """Revoke a grant."""
    settings = _settings(ctx)
    grant = authority.revoke_grant(
        state_dir=settings.state_dir, grant_id=grant_id, validity=validity(settings)
    )
    typer.echo(
        _("Revoked the grant {grant_id} of {client} on {service}.").format(
            grant_id=grant.grant_id, client=grant.client, service=grant.service
        )
    )
    _published(settings.state_dir)


@grant_app.command(
    "list",
    help=_(
        "List the grants, revoked and expired ones too. Example: lienthong directory grant "
        "list --client VN/GOV/BHXH/insurance"
    ),
)
def grant_list(
    ctx: typer.Context,
    client: Annotated[
        str | None, typer.Option("--client", help=_("Only this client system's."))
    ] = None,
    service: Annotated[
        str | None, typer.Option("--service", help=_("Only on this service."))
    ] = None,
    output: FormatOption = OutputFormat.table,
) -> None:
    """Print the grants."""
    grants = authority.list_grants(
        state_dir=_settings(ctx).state_dir, client=client, service=service
    )
    if output is OutputFormat.json:
        _json([grant.model_dump(mode="json") for grant in grants])
        return
    Console().print(_grants_table(grants))


def _grants_table(grants: Iterable[Grant]) -> Table:
    table = Table(title=_("Grants"))
    for header in (
        _("Grant"),
        _("Client"),
        _("Service"),
        _("Method"),
        _("Path"),
        _("Purposes"),
        _("Expires"),
        _("Revoked"),
    ):
        table.add_column(header)
    for grant in grants:
        table.add_row(
            grant.grant_id,
            grant.client,
            grant.service,
            grant.method or "*",
            grant.path or "*",
            ", ".join(grant.purposes),
            _moment(grant.expires_at),
            _moment(grant.revoked_at),
        )
    return table


# -- the whole directory ----------------------------------------------------------------------


def _load_shown(settings: Settings, file: Path | None) -> Directory:
    # At central, its own key; on a node, the installed directory key and its cached copy.
    network = NetworkPaths.of(settings.state_dir)
    if network.info.is_file():
        central = Authority.load(network.root)
        key, instance = central.directory_public_key, central.instance
        data = file.read_bytes() if file else authority.latest_signed(settings.state_dir)
        return read_signed_directory(data, key=key, instance=instance)
    paths = NodePaths(settings.state_dir)
    source = file or cache_path(settings.state_dir)
    if not source.is_file():
        raise LienthongError(
            "exchange.directory.unavailable",
            N_(
                "There is no directory to show at {path}: this state directory holds neither a"
                " network authority nor a node's cached directory."
            ),
            field="directory",
            path=str(source),
        )
    return read_signed_directory(
        source.read_bytes(), key=load_directory_key(paths), instance=settings.network_instance
    )


@app.command(
    "show",
    help=_(
        "Show the newest directory, its signature checked: version, expiry, counts, then "
        "members, nodes, systems, services and grants. Example: lienthong directory show"
    ),
)
def show(
    ctx: typer.Context,
    file: Annotated[
        Path | None,
        typer.Option(
            "--file",
            help=_("Show this signed directory file instead (as directory export writes it)."),
            exists=True,
            dir_okay=False,
        ),
    ] = None,
    output: FormatOption = OutputFormat.table,
) -> None:
    """Print a readable summary of the directory."""
    directory = _load_shown(_settings(ctx), file)
    if output is OutputFormat.json:
        typer.echo(directory.model_dump_json(indent=2))
        return
    now = datetime.now(UTC)
    until = expiry(directory)
    state = _("expired") if now >= until else _("valid")
    console = Console()
    console.print(
        _(
            "Directory of {instance}, version {version}, issued {issued}, expires {expires} "
            "({state})."
        ).format(
            instance=directory.instance,
            version=directory.version,
            issued=_moment(directory.issued_at),
            expires=_moment(directory.expires_at),
            state=state,
        ),
        highlight=False,
    )
    console.print(
        _(
            "{members} members, {nodes} nodes, {systems} systems, {services} services, "
            "{grants} grants."
        ).format(
            members=len(directory.members),
            nodes=len(directory.nodes),
            systems=len(directory.systems),
            services=len(directory.services),
            grants=len(directory.grants),
        ),
        highlight=False,
    )
    console.print(_members_table(directory.members))
    console.print(_nodes_table(directory.nodes))
    systems = Table(title=_("Systems"))
    for header in (_("System"), _("Node"), _("Title")):
        systems.add_column(header)
    for system in directory.systems:
        systems.add_row(system.id, system.node_id, system.title)
    console.print(systems)
    services = Table(title=_("Services"))
    for header in (_("Service"), _("Title"), _("OpenAPI paths")):
        services.add_column(header)
    for service in directory.services:
        paths = "" if service.openapi is None else str(len(service.openapi.get("paths") or {}))
        services.add_row(service.id, service.title, paths)
    console.print(services)
    console.print(_grants_table(directory.grants))


@app.command(
    "export",
    help=_(
        "Write the newest signed directory, exactly as central serves it. Example: "
        "lienthong directory export --output directory.json"
    ),
)
def export(
    ctx: typer.Context,
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", help=_("The file to write. Default: standard output.")),
    ] = None,
) -> None:
    """Write the signed directory."""
    data = authority.latest_signed(_settings(ctx).state_dir)
    if output is None:
        typer.echo(data.decode("ascii"), nl=False)
        return
    output.write_bytes(data)
    typer.echo(_("Wrote the signed directory to {path}.").format(path=output), err=True)


@app.command(
    "publish",
    help=_(
        "Sign the directory again as a new version with a fresh expiry; run it on a timer "
        "so that nodes never hold an expired directory. Example: lienthong directory publish"
    ),
)
def publish(
    ctx: typer.Context,
    days: Annotated[
        float | None,
        typer.Option(
            "--days", min=0.001, help=_("How many days the version is valid. Default: the setting.")
        ),
    ] = None,
    if_due: Annotated[
        bool,
        typer.Option("--if-due", help=_("Only if the newest version has lived half its validity.")),
    ] = False,
) -> None:
    """Publish a new version."""
    settings = _settings(ctx)
    lasting = timedelta(days=days) if days is not None else validity(settings)
    if if_due:
        directory = authority.publish_if_due(state_dir=settings.state_dir, validity=lasting)
        if directory is None:
            typer.echo(_("The newest version is recent enough; nothing published."))
            return
    else:
        directory = authority.publish(state_dir=settings.state_dir, validity=lasting)
    typer.echo(
        _("Published directory version {version}, valid until {expires}.").format(
            version=directory.version, expires=_moment(directory.expires_at)
        )
    )
