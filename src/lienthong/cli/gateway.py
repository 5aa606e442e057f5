"""``lienthong gateway serve``: run the node's gateway, both sides."""

from __future__ import annotations

import asyncio
import contextlib

import typer

from lienthong.cli.help import help_language
from lienthong.i18n import _
from lienthong.node import open_node
from lienthong.settings import Settings

help_language()

app = typer.Typer(
    help=_(
        "Run the node's exchange gateway: its own systems call other agencies through it, and"
        " other nodes call this node's services. Example: lienthong gateway serve"
    ),
    no_args_is_help=True,
)


@app.command(
    "serve",
    help=_(
        "Serve the gateway: the client side on gateway_host:gateway_port, the provider side"
        " over mutual TLS on gateway_tls_host:gateway_tls_port. Example: lienthong gateway serve"
    ),
)
def serve(ctx: typer.Context) -> None:
    """Serve the node's gateway until interrupted."""
    from lienthong.exchange.gateway.server import serve_gateway

    settings: Settings = ctx.obj["settings"]
    node = open_node(settings)
    typer.echo(
        _(
            "Gateway of node {node}: systems call http://{host}:{port}/r1/…; other nodes call"
            " https://{tls_host}:{tls_port}. Stop with Ctrl+C."
        ).format(
            node=settings.node_id,
            host=settings.gateway_host,
            port=settings.gateway_port,
            tls_host=settings.gateway_tls_host,
            tls_port=settings.gateway_tls_port,
        )
    )
    try:
        with contextlib.suppress(KeyboardInterrupt):
            asyncio.run(serve_gateway(node))
    finally:
        node.close()
