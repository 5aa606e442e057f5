"""``lienthong api``: manage the clients of the node's HTTP API and their tokens."""

from __future__ import annotations

import json
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from lienthong.access import Role, create_token, list_tokens, revoke_token
from lienthong.cli.help import help_language
from lienthong.cli.render import FormatOption, OutputFormat
from lienthong.i18n import _
from lienthong.node import Node, open_node
from lienthong.store import dialects
from lienthong.systems import SystemRegistry

help_language()
app = typer.Typer(
    help=_(
        "Manage the clients of the node's HTTP API. "
        "Example: lienthong api token create --client VN/GOV/01/portal --role reader"
    ),
    no_args_is_help=True,
)
token_app = typer.Typer(
    help=_("Issue, list and revoke API tokens. Example: lienthong api token list"),
    no_args_is_help=True,
)
app.add_typer(token_app, name="token")


def _node(ctx: typer.Context) -> Node:
    # Tokens live in the node's database; no system needs loading to manage them.
    return open_node(ctx.obj["settings"], systems=SystemRegistry())


@token_app.command(
    "create",
    help=_(
        "Issue a token for a client with a role; the token is printed once, on standard "
        "output, and never again. Example: lienthong api token create --client "
        "VN/GOV/01/portal --role reader"
    ),
)
def create(
    ctx: typer.Context,
    client: Annotated[
        str, typer.Option("--client", help=_("The client's name, for example VN/GOV/01/portal."))
    ],
    role: Annotated[
        Role,
        typer.Option(
            "--role",
            help=_("reader: read and search; writer: also write; admin: also manage clients."),
        ),
    ] = Role.READER,
) -> None:
    """Issue a token and print it."""
    node = _node(ctx)
    try:
        with node.engine.begin() as connection:
            issued = create_token(connection=connection, client=client, role=role)
    finally:
        node.close()
    Console(stderr=True).print(
        _(
            "Issued token {token_id} for {client} with the role {role}. Keep it now: "
            "it is not shown again."
        ).format(token_id=issued.info.token_id, client=client, role=role.value),
        highlight=False,
    )
    typer.echo(issued.token)


@token_app.command(
    "list",
    help=_(
        "List the tokens: identifier, client, role, when issued and revoked; never the "
        "secrets. Example: lienthong api token list --format json"
    ),
)
def list_(
    ctx: typer.Context,
    output: FormatOption = OutputFormat.table,
) -> None:
    """Print every token."""
    node = _node(ctx)
    try:
        with node.engine.connect() as connection:
            tokens = list_tokens(connection=dialects.read_only(connection))
    finally:
        node.close()
    if output is OutputFormat.json:
        typer.echo(json.dumps([t.as_dict() for t in tokens], ensure_ascii=False, indent=2))
        return
    table = Table(title=_("API tokens"))
    for header in (_("Token"), _("Client"), _("Role"), _("Issued"), _("Revoked")):
        table.add_column(header)
    for t in tokens:
        revoked = t.revoked_at.isoformat(timespec="seconds") if t.revoked_at else ""
        table.add_row(
            t.token_id, t.client, t.role.value, t.created_at.isoformat(timespec="seconds"), revoked
        )
    Console().print(table)


@token_app.command(
    "revoke",
    help=_(
        "Revoke a token by its identifier; running APIs refuse it within seconds. "
        "Example: lienthong api token revoke 3f9a0c1b2d4e"
    ),
)
def revoke(
    ctx: typer.Context,
    token_id: Annotated[
        str, typer.Argument(help=_("The token's identifier, as api token list shows it."))
    ],
) -> None:
    """Revoke a token."""
    node = _node(ctx)
    try:
        with node.engine.begin() as connection:
            revoked = revoke_token(connection=connection, token_id=token_id)
    finally:
        node.close()
    typer.echo(
        _("Revoked token {token_id} of {client}.").format(
            token_id=revoked.token_id, client=revoked.client
        )
    )
