"""The node's HTTP API: routes generated from its systems, one error shape, one auth check."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import Depends, FastAPI
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from lienthong import __version__
from lienthong.access import AccessLogWriter, TokenCache
from lienthong.errors import LienthongError
from lienthong.i18n import N_
from lienthong.node import Node
from lienthong.store import Clock, dialects, utc_now
from lienthong.sync import views as sync_views
from lienthong.sync.keys import CachedDirectoryKeys
from lienthong.sync.service import SyncNode
from lienthong.sync.setup import open_sync
from lienthong.systems.definition import Operation
from lienthong.web.api import errors
from lienthong.web.api.admin import install_admin
from lienthong.web.api.auth import Public
from lienthong.web.api.context import ApiContext
from lienthong.web.api.direct import DirectReads
from lienthong.web.api.operations import install_operations
from lienthong.web.api.records import RecordRoutes
from lienthong.web.api.render import json_response

#: How long a token's answer is remembered: a revocation takes effect within this time.
TOKEN_CACHE_SECONDS = 5.0


def create_app(
    node: Node,
    *,
    token_cache_seconds: float = TOKEN_CACHE_SECONDS,
    clock: Clock = utc_now,
    log_writer: AccessLogWriter | None = None,
) -> FastAPI:
    """Return the API of a node: every installed system's record types and operations."""
    tokens = TokenCache(node.engine, ttl=token_cache_seconds)
    context = ApiContext(
        node=node,
        record_types=node.record_types(),
        tokens=tokens,
        clock=clock,
        log_writer=log_writer or AccessLogWriter(node.engine, node_id=node.node_id),
    )

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        yield
        # Entries still queued are committed before the server stops.
        context.close()

    app = FastAPI(
        title="lienthong",
        summary=f"The API of node {node.node_id}",
        version=__version__,
        openapi_url=None,
        docs_url=None,
        redoc_url=None,
        lifespan=lifespan,
    )
    app.state.tokens = tokens
    app.state.node = node
    app.state.context = context
    errors.install(app)
    # Routes go on the app's own router: every one of them is then an APIRoute with its
    # dependencies in sight of the authorization test.
    router = app.router
    public = [Depends(Public())]

    def health() -> Any:
        try:
            with node.engine.connect() as connection:
                dialects.read_only(connection).execute(text("SELECT 1"))
        except SQLAlchemyError as exc:
            raise LienthongError(
                "api.unavailable",
                N_("The node's database does not answer. Check that it is running."),
            ) from exc
        return json_response({"status": "ok", "node": node.node_id, "version": __version__})

    router.add_api_route(
        "/health",
        health,
        methods=["GET"],
        dependencies=public,
        operation_id="health",
        summary="Whether the node and its database answer",
        response_model=None,
        responses=errors.documented(503),
    )

    def openapi() -> Any:
        return json_response(app.openapi())

    router.add_api_route(
        "/openapi.json",
        openapi,
        methods=["GET"],
        dependencies=public,
        include_in_schema=False,
        response_model=None,
    )
    # What the node's gateway reads in process without the app (see DirectReads).
    app.state.direct_reads = direct = DirectReads()
    for system in node.systems:
        for record_type in system.record_types:
            routes = RecordRoutes(context, system, record_type)
            routes.install(router)
            if Operation.GET in system.standard:
                direct.add(routes)
        install_operations(router, context, system)
    install_admin(router, context)
    _install_sync(app, node)
    return app


def _install_sync(app: FastAPI, node: Node) -> None:
    keys = CachedDirectoryKeys(node.settings.state_dir, instance=node.settings.network_instance)
    opened: list[SyncNode] = []

    def sync() -> SyncNode:
        if not opened:
            opened.append(open_sync(node, keys=keys))
        return opened[0]

    sync_views.install(app, sync=sync, directory=keys.directory)
