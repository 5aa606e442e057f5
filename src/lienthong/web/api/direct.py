"""Reads of one record by identifier for a caller in this process: the GET route, minus HTTP.

The node's gateway calls the registries it hosts in process. Most of what it asks is a
read of one record (``GET /api/{system}/{RecordType}/{id}``), and passing that through
the whole app — middleware, routing, the request object — costs as much as the read
itself. ``DirectReads`` answers exactly those calls with the route's own work
(``RecordRoutes.read_one``): the same authorization check of the exchange caller, the
same read, the same access-log entry with its purpose, the same response or error
answer. Anything else — another method or path, a request with a body — is not found
here and goes through the app.
"""

from __future__ import annotations

from starlette.datastructures import QueryParams
from starlette.responses import Response

from lienthong.errors import LienthongError
from lienthong.exchange.caller import ExchangeCaller
from lienthong.web.api.errors import error_response, preferred_language
from lienthong.web.api.records import RecordRoutes

#: The query parameter the GET route reads; any other one is ignored, as the route does.
AS_OF = "asOf"


class DirectReads:
    """The GET routes of one record that can be answered without the app, by path."""

    def __init__(self) -> None:
        self._routes: dict[str, RecordRoutes] = {}

    def add(self, routes: RecordRoutes) -> None:
        """Offer the GET route of a record type (its system exposes the operation)."""
        self._routes[routes.base] = routes

    def find(self, path: str) -> tuple[RecordRoutes, str] | None:
        """Return the routes and identifier of a read of one record, or None for other paths.

        ``path`` is percent-decoded, as the app's router matches it; the identifier is
        one non-empty segment after ``/api/{system}/{RecordType}``, as ``{record_id}``.
        """
        base, _, record_id = path.rpartition("/")
        routes = self._routes.get(base) if record_id else None
        return None if routes is None else (routes, record_id)

    async def answer(
        self,
        routes: RecordRoutes,
        record_id: str,
        *,
        query: str,
        caller: ExchangeCaller,
        accept_language: str | None,
    ) -> Response:
        """Answer the read as the app would: the record, or the error in the API's shape.

        A failure other than a ``LienthongError`` propagates, as it does out of the app.
        """
        try:
            who = routes.read_check.exchange_caller(caller)
            as_of = QueryParams(query).get(AS_OF) if query else None
            return await routes.read_one(who, record_id, as_of)
        except LienthongError as error:
            return error_response(error, language=preferred_language(accept_language))
