"""Routes whose plain parameters are read straight from the request, without the solver.

FastAPI resolves every parameter of every request through its dependency solver, which
costs more than a read by identifier itself. A route whose parameters are only path
strings, optional query strings, the request and its one ``Authorize`` check keeps its
signature (so the API description and the authorization test see it unchanged) and
reads them directly: the same values the solver would give, the same errors, in the
same order (the authorization check first).
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Coroutine
from typing import Any, Literal

from fastapi.routing import APIRoute
from starlette.requests import Request
from starlette.responses import Response

from lienthong.web.api.auth import Authorize, bearer_token

_Source = Literal["path", "query", "request", "caller"]


def _plan(route: APIRoute) -> list[tuple[str, _Source, str]] | None:
    """Return where each parameter of a route comes from, or None if the solver is needed."""
    dependant = route.dependant
    if not inspect.iscoroutinefunction(route.endpoint):
        return None
    if (
        dependant.header_params
        or dependant.cookie_params
        or dependant.body_params
        or dependant.response_param_name
        or dependant.background_tasks_param_name
        or dependant.security_scopes_param_name
        or dependant.websocket_param_name
        or dependant.http_connection_param_name
        or len(dependant.dependencies) != 1
    ):
        return None
    check = dependant.dependencies[0]
    if not isinstance(check.call, Authorize) or check.name is None:
        return None
    plan: list[tuple[str, _Source, str]] = [(check.name, "caller", "")]
    for field in dependant.path_params:
        if field.field_info.annotation is not str:
            return None
        plan.append((field.name, "path", field.alias))
    for field in dependant.query_params:
        if field.field_info.annotation != str | None or field.field_info.default is not None:
            return None
        plan.append((field.name, "query", field.alias))
    if dependant.request_param_name is not None:
        plan.append((dependant.request_param_name, "request", ""))
    return plan


class LeanRoute(APIRoute):
    """An API route that reads plain parameters itself when it can (see the module)."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        """Return the request handler: a direct one for plain parameters, else FastAPI's."""
        plan = _plan(self)
        if plan is None:
            return super().get_route_handler()
        check = self.dependant.dependencies[0].call
        assert isinstance(check, Authorize)
        endpoint = self.endpoint

        async def handler(request: Request) -> Response:
            arguments: dict[str, Any] = {}
            for name, source, key in plan:
                if source == "caller":
                    arguments[name] = await check.caller(request, bearer_token(request))
                elif source == "path":
                    arguments[name] = request.path_params[key]
                elif source == "query":
                    arguments[name] = request.query_params.get(key)
                else:
                    arguments[name] = request
            response: Response = await endpoint(**arguments)
            return response

        return handler
