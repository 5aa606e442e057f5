"""The sync service a node provides to the nodes below it, behind its gateway.

Only the node's gateway calls these routes, in process, after mutual TLS, the message
signature and the grant were checked: the caller is then a subsystem the directory
places on one node, and that node is the only one whose batches it may push or whose
cursors it may pull with.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Final

from fastapi import Depends, FastAPI, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from lienthong.access import Permission
from lienthong.errors import LienthongError
from lienthong.exchange.caller import EXCHANGE_CALLER, ExchangeCaller
from lienthong.exchange.directory.models import Directory
from lienthong.i18n import N_
from lienthong.sync.service import PullRequest, SyncNode, accept_push, serve_pull
from lienthong.sync.verification import serve_verify
from lienthong.web.api.auth import Authorization
from lienthong.web.api.render import json_response

#: Where the sync service's routes are, on the node's API.
PREFIX: Final = "/sync"
#: The largest request body a sync route reads (a batch of the largest size).
MAX_BODY: Final = 64 * 1024 * 1024


class PeerNode(Authorization):
    """Require a call through the exchange, and return the node it came from."""

    permission = Permission.WRITE

    async def __call__(self, request: Request) -> str:
        """Return the calling node, or refuse a call that did not come through the exchange."""
        exchange = request.scope.get(EXCHANGE_CALLER)
        if not isinstance(exchange, ExchangeCaller):
            raise LienthongError(
                "sync.exchange_only",
                N_(
                    "The sync service is reached only through the exchange, from another"
                    " node's gateway. Call it at this node's gateway with the node's sync"
                    " subsystem as the client."
                ),
                field="client",
            )
        directory: Directory = request.app.state.sync_directory()
        entry = directory.system(exchange.client)
        if entry is None:
            raise LienthongError(
                "sync.unknown_client",
                N_("The directory places the client {client} on no node."),
                field="client",
                client=exchange.client,
            )
        return entry.node_id


async def _body(request: Request) -> bytes:
    data = bytearray()
    async for chunk in request.stream():
        data.extend(chunk)
        if len(data) > MAX_BODY:
            raise LienthongError(
                "sync.batch.too_large",
                N_("The sync request is larger than {limit} bytes. Send smaller batches."),
                field="batch",
                limit=MAX_BODY,
            )
    return bytes(data)


def install(
    app: FastAPI, *, sync: Callable[[], SyncNode], directory: Callable[[], Directory]
) -> None:
    """Add the sync routes to a node's API.

    ``sync`` returns the node's ``SyncNode`` and ``directory`` the directory it works
    on; both are called per request, so a node that has not joined a network yet still
    serves its API (and answers sync calls with why it cannot).
    """
    app.state.sync = sync
    app.state.sync_directory = directory

    async def push(request: Request, node: Annotated[str, Depends(PeerNode())]) -> Response:
        data = await _body(request)
        reply = await run_in_threadpool(accept_push, app.state.sync(), data=data, caller=node)
        return json_response(reply.to_json())

    async def pull(request: Request, node: Annotated[str, Depends(PeerNode())]) -> Response:
        wanted = PullRequest.decode(await _body(request))
        data = await run_in_threadpool(serve_pull, app.state.sync(), request=wanted, caller=node)
        return Response(data, media_type="application/json")

    async def verify(request: Request, node: Annotated[str, Depends(PeerNode())]) -> Response:
        data = await _body(request)
        answer = await run_in_threadpool(serve_verify, app.state.sync(), data=data, caller=node)
        return Response(answer, media_type="application/json")

    for path, endpoint, summary in (
        ("/push", push, "Apply a batch of the calling node's own changes"),
        ("/pull", pull, "The next batch of changes the calling node subscribes to"),
        ("/verify", verify, "Digests, records and versions to verify the calling node with"),
    ):
        app.router.add_api_route(
            PREFIX + path,
            endpoint,
            methods=["POST"],
            include_in_schema=False,
            response_model=None,
            summary=summary,
        )
