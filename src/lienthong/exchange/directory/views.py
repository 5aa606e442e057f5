"""Central's ``GET /directory``: the newest signed directory, cheap to poll when unchanged."""

from __future__ import annotations

from pathlib import Path

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from lienthong.errors import LienthongError
from lienthong.exchange.directory.authority import latest_version, version_path
from lienthong.i18n import N_
from lienthong.web.api.errors import error_response, preferred_language

#: Nodes must ask every time: a cached copy could hide a revocation.
CACHE_CONTROL = "no-cache"


def _matches(if_none_match: str | None, etag: str) -> bool:
    if if_none_match is None:
        return False
    tags = [tag.strip() for tag in if_none_match.split(",")]
    # Weak comparison, as RFC 9110 asks for If-None-Match.
    return "*" in tags or etag in (tag.removeprefix("W/") for tag in tags)


def directory_route(state_dir: Path, *, path: str = "/directory") -> Route:
    """Return the route serving central's newest signed directory (``ETag`` is its version)."""
    # Published versions never change, so the newest one's bytes are kept once read.
    held: dict[int, bytes] = {}

    async def directory(request: Request) -> Response:
        version = await run_in_threadpool(latest_version, state_dir)
        if version is None:
            error = LienthongError(
                "exchange.directory.unavailable",
                N_(
                    "No directory has been published yet. Run lienthong network init, or"
                    " lienthong directory publish."
                ),
                field="directory",
            )
            response = error_response(
                error, language=preferred_language(request.headers.get("accept-language"))
            )
            response.status_code = 503
            return response
        etag = f'"{version}"'
        headers = {"ETag": etag, "Cache-Control": CACHE_CONTROL}
        if _matches(request.headers.get("if-none-match"), etag):
            return Response(status_code=304, headers=headers)
        if version not in held:
            data = await run_in_threadpool(version_path(state_dir, version).read_bytes)
            held.clear()
            held[version] = data
        return Response(held[version], media_type="application/json", headers=headers)

    return Route(path, directory, methods=["GET"], name="directory")
