"""``lienthong console``: run the operator console and manage its operators."""

from __future__ import annotations

import getpass
import json
import sys
from typing import Annotated

import typer
import uvicorn
from rich.console import Console
from rich.table import Table

from lienthong.access.operators import (
    check_password,
    create_operator,
    disable_operator,
    enable_operator,
    list_operators,
    set_password,
    unlock_operator,
)
from lienthong.access.policy import OperatorRole
from lienthong.cli.help import help_language
from lienthong.cli.render import FormatOption, OutputFormat
from lienthong.errors import LienthongError
from lienthong.i18n import N_, _
from lienthong.node import Node, open_node
from lienthong.settings import Settings
from lienthong.store import dialects
from lienthong.systems import SystemRegistry

help_language()
app = typer.Typer(
    help=_(
        "Run the operator console and manage who may sign in to it. "
        "Example: lienthong console serve"
    ),
    no_args_is_help=True,
)
operator_app = typer.Typer(
    help=_(
        "Add, list, disable, enable and unlock console operators, and set their passwords. "
        "Example: lienthong console operator list"
    ),
    no_args_is_help=True,
)
app.add_typer(operator_app, name="operator")

LoginArgument = Annotated[
    str, typer.Argument(help=_("The operator's login name, for example nguyen.van.an."))
]
PasswordStdinOption = Annotated[
    bool,
    typer.Option(
        "--password-stdin",
        help=_("Read the password from the first line of standard input instead of asking."),
    ),
]


def _actor() -> str:
    """Return who runs the command, as the audit log names them."""
    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):
        return "cli"


def _node(ctx: typer.Context) -> Node:
    # Operators live in the node's database; no system needs loading to manage them.
    return open_node(ctx.obj["settings"], systems=SystemRegistry())


def _read_password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    first = typer.prompt(_("Password"), hide_input=True)
    second = typer.prompt(_("Password again"), hide_input=True)
    if first != second:
        raise LienthongError(
            "console.password.mismatch",
            N_(
                "The two passwords typed differ. Run the command again and type the same one twice."
            ),
            field="password",
        )
    return str(first)


@app.command(
    "serve",
    help=_(
        "Run the operator console on the configured address (console_host, console_port). "
        "Example: lienthong console serve --port 8700"
    ),
)
def serve(
    ctx: typer.Context,
    host: Annotated[
        str | None, typer.Option("--host", help=_("Address to listen on. Default: console_host."))
    ] = None,
    port: Annotated[
        int | None,
        typer.Option(
            "--port", min=1, max=65535, help=_("Port to listen on. Default: console_port.")
        ),
    ] = None,
) -> None:
    """Serve the console until interrupted."""
    from lienthong.web.console import create_console

    settings: Settings = ctx.obj["settings"]
    host = host or settings.console_host
    port = port or settings.console_port
    typer.echo(
        _(
            "Serving the operator console of {node} at http://{host}:{port}/. Stop with Ctrl+C."
        ).format(node=settings.node_id, host=host, port=port)
    )
    node = open_node(settings)
    try:
        uvicorn.run(
            create_console(node, record_history=True),
            host=host,
            port=port,
            log_level=settings.log_level.lower(),
        )
    finally:
        node.close()


@operator_app.command(
    "add",
    help=_(
        "Add an operator who may sign in to the console; the password is asked twice, "
        'hidden. Example: lienthong console operator add tran.thi.binh --name "Trần Thị Bình" '
        "--role province_operator --province 91"
    ),
)
def add(
    ctx: typer.Context,
    login: LoginArgument,
    name: Annotated[str, typer.Option("--name", help=_("The operator's full name."))],
    role: Annotated[
        OperatorRole,
        typer.Option(
            "--role",
            help=_(
                "central_operator: the whole network; province_operator: one province; "
                "auditor: reads the audit log only."
            ),
        ),
    ],
    province: Annotated[
        str | None,
        typer.Option(
            "--province", help=_("A province operator's 2-digit province code, for example 91.")
        ),
    ] = None,
    password_stdin: PasswordStdinOption = False,
) -> None:
    """Add an operator."""
    password = check_password(_read_password(password_stdin))
    node = _node(ctx)
    try:
        with node.engine.begin() as connection:
            operator = create_operator(
                connection=connection,
                login=login,
                name=name,
                role=role,
                province=province,
                password=password,
                actor=_actor(),
                node_id=node.node_id,
            )
    finally:
        node.close()
    typer.echo(
        _("Added operator {login} ({name}) with the role {role}.").format(
            login=operator.login, name=operator.name, role=operator.role.value
        )
    )


@operator_app.command(
    "list",
    help=_(
        "List the operators: login name, name, role, province, and whether disabled or "
        "locked; never passwords. Example: lienthong console operator list --format json"
    ),
)
def list_(ctx: typer.Context, output: FormatOption = OutputFormat.table) -> None:
    """Print every operator."""
    node = _node(ctx)
    try:
        with node.engine.connect() as connection:
            accounts = list_operators(connection=dialects.read_only(connection))
    finally:
        node.close()
    if output is OutputFormat.json:
        typer.echo(json.dumps([a.as_dict() for a in accounts], ensure_ascii=False, indent=2))
        return
    table = Table(title=_("Console operators"))
    for header in (
        _("Login"),
        _("Name"),
        _("Role"),
        _("Province"),
        _("Disabled"),
        _("Locked until"),
    ):
        table.add_column(header)
    for account in accounts:
        op = account.operator
        table.add_row(
            op.login,
            op.name,
            op.role.value,
            op.province or "",
            account.disabled_at.isoformat(timespec="seconds") if account.disabled_at else "",
            account.locked_until.isoformat(timespec="seconds") if account.locked_until else "",
        )
    Console().print(table)


@operator_app.command(
    "disable",
    help=_(
        "Disable an operator: it cannot sign in and its open sessions end at once. "
        "Example: lienthong console operator disable tran.thi.binh"
    ),
)
def disable(ctx: typer.Context, login: LoginArgument) -> None:
    """Disable an operator."""
    node = _node(ctx)
    try:
        with node.engine.begin() as connection:
            operator = disable_operator(
                connection=connection, login=login, actor=_actor(), node_id=node.node_id
            )
    finally:
        node.close()
    typer.echo(_("Disabled operator {login}.").format(login=operator.login))


@operator_app.command(
    "enable",
    help=_(
        "Let a disabled operator sign in again. "
        "Example: lienthong console operator enable tran.thi.binh"
    ),
)
def enable(ctx: typer.Context, login: LoginArgument) -> None:
    """Enable an operator."""
    node = _node(ctx)
    try:
        with node.engine.begin() as connection:
            operator = enable_operator(
                connection=connection, login=login, actor=_actor(), node_id=node.node_id
            )
    finally:
        node.close()
    typer.echo(_("Enabled operator {login}.").format(login=operator.login))


@operator_app.command(
    "unlock",
    help=_(
        "End an operator's lock-out after too many failed sign-ins. "
        "Example: lienthong console operator unlock tran.thi.binh"
    ),
)
def unlock(ctx: typer.Context, login: LoginArgument) -> None:
    """Unlock an operator."""
    node = _node(ctx)
    try:
        with node.engine.begin() as connection:
            operator = unlock_operator(
                connection=connection, login=login, actor=_actor(), node_id=node.node_id
            )
    finally:
        node.close()
    typer.echo(_("Unlocked operator {login}.").format(login=operator.login))


@operator_app.command(
    "password",
    help=_(
        "Set an operator's password (asked twice, hidden); its open sessions end. "
        "Example: lienthong console operator password tran.thi.binh"
    ),
)
def password(
    ctx: typer.Context, login: LoginArgument, password_stdin: PasswordStdinOption = False
) -> None:
    """Set an operator's password."""
    new_password = check_password(_read_password(password_stdin))
    node = _node(ctx)
    try:
        with node.engine.begin() as connection:
            operator = set_password(
                connection=connection,
                login=login,
                password=new_password,
                actor=_actor(),
                node_id=node.node_id,
            )
    finally:
        node.close()
    typer.echo(_("Set a new password for operator {login}.").format(login=operator.login))
