"""``lienthong serve``: run the node's HTTP API."""

from __future__ import annotations

import os
from typing import Annotated

import typer
import uvicorn

from lienthong.cli.help import help_language
from lienthong.i18n import _
from lienthong.node import open_node
from lienthong.settings import CONFIG_ENV, Settings
from lienthong.web.api import create_app

help_language()

HELP = _(
    "Run the node's HTTP API on the configured address (http_host, http_port). "
    "Example: lienthong serve --workers 4"
)


def serve(
    ctx: typer.Context,
    workers: Annotated[
        int,
        typer.Option(
            "--workers",
            "-w",
            min=1,
            max=64,
            help=_("Worker processes; more than one serves concurrent requests on more cores."),
        ),
    ] = 1,
) -> None:
    """Serve the node's API until interrupted."""
    settings: Settings = ctx.obj["settings"]
    typer.echo(
        _(
            "Serving node {node} at http://{host}:{port}/api (health: /health). Stop with Ctrl+C."
        ).format(node=settings.node_id, host=settings.http_host, port=settings.http_port)
    )
    log_level = settings.log_level.lower()
    if workers > 1:
        # Each worker process builds its own app from the same configuration.
        config_file = ctx.obj.get("config_file")
        if config_file is not None:
            os.environ[CONFIG_ENV] = str(config_file)
        uvicorn.run(
            "lienthong.web.api:app_from_environment",
            factory=True,
            host=settings.http_host,
            port=settings.http_port,
            workers=workers,
            log_level=log_level,
        )
        return
    node = open_node(settings)
    try:
        uvicorn.run(
            create_app(node), host=settings.http_host, port=settings.http_port, log_level=log_level
        )
    finally:
        node.close()
