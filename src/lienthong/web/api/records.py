"""Routes generated from a system's record types: read, history, search, create, update, delete.

Endpoints are built per record type, so each request body is typed by the record type's
own pydantic model and the OpenAPI document shows every schema. Signatures are set
explicitly because the body type is only known at run time.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any, Final
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Body, Depends, Header, Path, Query, Request
from pydantic import BaseModel, Field, create_model
from sqlalchemy.engine import Connection
from starlette.responses import Response

from lienthong.access import OK, Access, Action, Permission, log_access
from lienthong.errors import LienthongError
from lienthong.i18n import N_
from lienthong.store import Record, RecordStore
from lienthong.store.query import RecordQuery, Result, run_query
from lienthong.sync.requests import ChangeRequestContent, request_change
from lienthong.systems.definition import Operation, RecordType, SearchKind, System
from lienthong.web.api.auth import PURPOSE_HEADER, USER_HEADER, Authorize, Caller
from lienthong.web.api.context import ApiContext, Read
from lienthong.web.api.errors import documented
from lienthong.web.api.odata import MAX_SKIP, MAX_TOP, Options, filter_clause, parse_options
from lienthong.web.api.render import etag, json_response, record_data
from lienthong.web.api.routing import LeanRoute

#: Versions are 32-bit in the store; a larger number in a path cannot name one.
MAX_VERSION: Final = 2**31 - 1

_SEARCH_HELP: Final = {
    SearchKind.STRING: "text, prefix match without diacritics; `name:exact=` for the whole value",
    SearchKind.TOKEN: "a code, `system|code` or `|code`",
    SearchKind.DATE: "YYYY, YYYY-MM, YYYY-MM-DD or an instant, after eq, lt, le, gt, ge, sa, eb",
    SearchKind.NUMBER: "a number after eq, ne, lt, le, gt, ge",
    SearchKind.REFERENCE: "an identifier, or Type/identifier",
}


def typed_signature(endpoint: Callable[..., Any], **parameters: tuple[Any, Any]) -> None:
    """Give an endpoint the typed keyword parameters FastAPI reads: name=(type, default)."""
    endpoint.__signature__ = inspect.Signature(  # type: ignore[attr-defined]
        [
            inspect.Parameter(
                name, inspect.Parameter.KEYWORD_ONLY, annotation=kind, default=default
            )
            for name, (kind, default) in parameters.items()
        ]
    )


#: The change request a refused write becomes, by the write's action.
_OPERATIONS: Final[dict[Action, Any]] = {
    Action.CREATE: "create",
    Action.UPDATE: "update",
    Action.DELETE: "delete",
}


def _if_match() -> tuple[Any, Any]:
    """Declare the If-Match header a write must carry (a new declaration for each route)."""
    return (str | None, Header(None, alias="If-Match", description="The version read."))


def _with_etag(record: Record) -> Response:
    """Answer with one record version, its version as the ETag."""
    return json_response(record_data(record), headers={"ETag": etag(record.version)})


def _expected_version(if_match: str | None) -> int:
    if if_match is None:
        raise LienthongError(
            "api.precondition_required",
            N_(
                "Say which version you are changing: send the header If-Match with the"
                " version (the ETag) you read."
            ),
            field="If-Match",
        )
    text = if_match.strip().removeprefix("W/").strip('"')
    if not (text.isascii() and text.isdigit() and len(text) <= 10):
        raise LienthongError(
            "api.bad_if_match",
            N_("The If-Match header {value} is not a record version. Send the ETag you read."),
            field="If-Match",
            value=if_match,
        )
    return int(text)


def _as_of(value: str | None) -> datetime | None:
    if value is None:
        return None
    try:
        # An unescaped "+" of a zone offset arrives as a space in a query string.
        return datetime.fromisoformat(value.replace(" ", "+"))
    except ValueError:
        raise LienthongError(
            "api.bad_as_of",
            N_(
                "asOf={value} is not an instant. Write an ISO 8601 time with its zone,"
                " for example 2025-07-01T08:00:00%2B07:00 or 2025-07-01T01:00:00Z."
            ),
            field="asOf",
            value=value,
        ) from None


def _versions(records: Sequence[Record]) -> list[tuple[str, int | None]]:
    return [(record.record_id, record.version) for record in records]


def _next_link(request: Request, cursor: str) -> str:
    kept = [
        (key, value)
        for key, value in request.query_params.multi_items()
        if key not in ("$skiptoken", "$skip")
    ]
    return str(request.url.replace(query=urlencode([*kept, ("$skiptoken", cursor)], safe="$")))


def _models(record_type: RecordType) -> tuple[type[BaseModel], type[BaseModel]]:
    """Return the documented shapes of one record version and of a search page."""
    record: type[BaseModel] = create_model(
        f"{record_type.name}Record",
        record_type=(str, ...),
        id=(str, ...),
        version=(int, ...),
        owner_node=(str, ...),
        recorded_at=(datetime, ...),
        schema_version=(int, ...),
        partition=(str | None, ...),
        deleted=(bool, ...),
        content=(record_type.model, ...),
    )
    page: type[BaseModel] = create_model(
        f"{record_type.name}Page",
        value=(list[record], ...),  # type: ignore[valid-type]
        odata_count=(int | None, Field(None, alias="@odata.count")),
        odata_next_link=(str | None, Field(None, alias="@odata.nextLink")),
    )
    return record, page


def _personal_extra(record_type: RecordType) -> dict[str, Any]:
    headers = [
        {
            "name": USER_HEADER,
            "in": "header",
            "required": False,
            "description": "The end user on whose behalf the client calls (logged).",
            "schema": {"type": "string"},
        }
    ]
    if record_type.personal_data:
        headers.append(
            {
                "name": PURPOSE_HEADER,
                "in": "header",
                "required": True,
                "description": "Why personal data is read; required, logged with the read.",
                "schema": {"type": "string", "maxLength": 500},
            }
        )
    return {"parameters": headers}


def _search_extra(record_type: RecordType) -> dict[str, Any]:
    parameters = [
        {
            "name": param.name,
            "in": "query",
            "required": False,
            "description": param.description or _SEARCH_HELP[param.kind],
            "schema": {"type": "string"},
        }
        for param in record_type.search
    ]
    options = {
        "$filter": "OData filter on search parameters (see docs/api.md for the subset).",
        "$select": "Comma-separated content fields to return.",
        "$orderby": "created, id or recorded_at, then asc or desc.",
        "$top": f"Records per page, 1 to {MAX_TOP} (default 50).",
        "$skip": f"Records to skip, at most {MAX_SKIP}; prefer the next link.",
        "$count": "true to return the number of matching records.",
        "$skiptoken": "The cursor of the next page, as the next link gives it.",
    }
    parameters += [
        {
            "name": name,
            "in": "query",
            "required": False,
            "description": text,
            "schema": {"type": "string"},
        }
        for name, text in options.items()
    ]
    extra = _personal_extra(record_type)
    extra["parameters"] = parameters + extra["parameters"]
    return extra


class RecordRoutes:
    """The routes of one record type of one system."""

    def __init__(self, context: ApiContext, system: System, record_type: RecordType) -> None:
        self.context = context
        self.system = system
        self.record_type = record_type
        self.base = f"/api/{system.code}/{record_type.name}"
        self.fields = tuple(
            field.alias or name for name, field in record_type.model.model_fields.items()
        )
        self.record_model, self.page_model = _models(record_type)
        #: The check every read route declares; the node's gateway applies the same one.
        self.read_check = Authorize(Permission.READ)

    # -- the work of each route, free of HTTP details -------------------------------------

    async def _read(
        self,
        caller: Caller,
        action: Action,
        requested: Sequence[str],
        read: Read[Any],
        *,
        by_identifier: bool,
    ) -> Any:
        def touched(result: Any) -> list[tuple[str, int | None]]:
            if isinstance(result, Record):
                return [(result.record_id, result.version)]
            if isinstance(result, Result):
                return _versions(result.records)
            return _versions(result)

        return await self.context.personal_read(
            caller,
            self.record_type,
            action,
            requested,
            read,
            touched,
            by_identifier=by_identifier,
        )

    def get(
        self, record_id: str, *, version: int | None = None, as_of: str | None = None
    ) -> Read[Record]:
        """Return a function reading one version of a record."""
        moment = _as_of(as_of)
        name = self.record_type.name

        def read(_connection: Connection, records: RecordStore) -> Record:
            return records.get(record_type=name, record_id=record_id, version=version, as_of=moment)

        return read

    async def read_one(self, caller: Caller, record_id: str, as_of: str | None) -> Response:
        """Answer a read of one record: what the GET route answers, for it and the gateway."""
        record = await self._read(
            caller, Action.READ, [record_id], self.get(record_id, as_of=as_of), by_identifier=True
        )
        return _with_etag(record)

    def search(self, options: Options) -> Read[Result]:
        """Return a search: the store's own when it can answer, else the OData query."""

        def read(connection: Connection, records: RecordStore) -> Result:
            if options.needs_query:
                clause = (
                    filter_clause(self.record_type, options.filter)
                    if options.filter is not None
                    else None
                )
                query = RecordQuery(
                    where=options.where,
                    clause=clause,
                    clause_text=options.filter_text,
                    order=options.order,
                    descending=options.descending,
                    top=options.top,
                    skip=options.skip,
                    count=options.count,
                    cursor=options.skiptoken,
                )
                return run_query(connection, self.record_type, query)
            page = records.search(
                record_type=self.record_type.name,
                where=options.where,
                limit=options.top,
                cursor=options.skiptoken,
            )
            return Result(page.records, page.next_cursor, None)

        return read

    def write(
        self,
        caller: Caller,
        action: Action,
        change: Callable[[Any], Record],
        *,
        record_id: str | None = None,
        content: dict[str, Any] | None = None,
        base_version: int | None = None,
    ) -> Record | ChangeRequestContent:
        """Run a write and log it in the same transaction: neither exists without the other.

        A write this node may not make because another node owns the record becomes a
        change request to that owner (returned instead of a record); sync carries it
        there and brings the owner's decision back.
        """
        with self.context.unit(read_only=False) as uow:
            try:
                record: Record | ChangeRequestContent = change(uow)
            except LienthongError as error:
                if error.code != "store.not_owner":
                    raise
                record = request_change(
                    uow,
                    record_type=self.record_type.name,
                    record_id=record_id or self.record_type.record_id(content or {}),
                    operation=_OPERATIONS[action],
                    content=content,
                    base_version=base_version,
                    reason=caller.purpose or "",
                    now=self.context.clock(),
                )
            written = (
                (record.record_id, record.version)
                if isinstance(record, Record)
                else (record.record_id, None)
            )
            log_access(
                connection=uow.connection,
                access=Access(
                    client=caller.client,
                    action=action,
                    outcome=OK,
                    record_type=self.record_type.name,
                    purpose=caller.purpose,
                    user_id=caller.user_id,
                ),
                at=self.context.clock(),
                records=[written],
                node_id=self.context.node.node_id,
            )
            uow.commit()
        return record

    def answer(self, written: Record | ChangeRequestContent) -> Response:
        """Return the answer to a write: the record, or the change request filed instead."""
        if isinstance(written, Record):
            return _with_etag(written)
        return json_response(
            {
                "change_request": written.request_id,
                "owner": written.owner,
                "operation": written.operation,
                "status": "pending",
            },
            status=202,
        )

    # -- the routes ------------------------------------------------------------------------

    def install(self, router: APIRouter) -> None:
        """Add the record type's routes, for the operations its system exposes."""
        operations = set(self.system.standard)
        name = self.record_type.name
        reads = Depends(self.read_check)
        writes = Depends(Authorize(Permission.WRITE))
        path_id = Path(description=f"The identifier of the {name} record.")
        common: dict[str, Any] = {"tags": [self.system.code], "response_model": None}
        personal = _personal_extra(self.record_type)

        if Operation.GET in operations:

            async def get_record(record_id: str, caller: Caller, as_of: str | None) -> Response:
                return await self.read_one(caller, record_id, as_of)

            typed_signature(
                get_record,
                record_id=(str, path_id),
                caller=(Caller, reads),
                as_of=(
                    str | None,
                    Query(
                        None,
                        alias="asOf",
                        description="An ISO instant with its zone: the version current then.",
                    ),
                ),
            )
            router.add_api_route(
                f"{self.base}/{{record_id}}",
                get_record,
                methods=["GET"],
                operation_id=f"get{name}",
                route_class_override=LeanRoute,
                summary=f"Read a {name} record (current, or as of a time)",
                responses={200: {"model": self.record_model}, **documented(401, 403, 404, 410)},
                openapi_extra=personal,
                **common,
            )

        if Operation.HISTORY in operations:

            async def history(record_id: str, caller: Caller) -> Response:
                def read(_connection: Connection, records: RecordStore) -> list[Record]:
                    return records.history(record_type=name, record_id=record_id)

                versions = await self._read(
                    caller, Action.HISTORY, [record_id], read, by_identifier=True
                )
                return json_response({"value": [record_data(v) for v in versions]})

            typed_signature(history, record_id=(str, path_id), caller=(Caller, reads))
            router.add_api_route(
                f"{self.base}/{{record_id}}/_history",
                history,
                methods=["GET"],
                operation_id=f"history{name}",
                route_class_override=LeanRoute,
                summary=f"List every version of a {name} record, oldest first",
                responses={200: {"model": self.page_model}, **documented(401, 403, 404)},
                openapi_extra=personal,
                **common,
            )

            async def version(record_id: str, version: int, caller: Caller) -> Response:
                read = self.get(record_id, version=version)
                record = await self._read(
                    caller, Action.HISTORY, [record_id], read, by_identifier=True
                )
                return _with_etag(record)

            typed_signature(
                version,
                record_id=(str, path_id),
                version=(int, Path(ge=1, le=MAX_VERSION, description="A version number.")),
                caller=(Caller, reads),
            )
            router.add_api_route(
                f"{self.base}/{{record_id}}/_history/{{version}}",
                version,
                methods=["GET"],
                operation_id=f"version{name}",
                summary=f"Read one version of a {name} record",
                responses={200: {"model": self.record_model}, **documented(401, 403, 404)},
                openapi_extra=personal,
                **common,
            )

        if Operation.SEARCH in operations:

            async def search(request: Request, caller: Caller) -> Response:
                items = request.query_params.multi_items()
                options = parse_options(self.record_type, items, fields=self.fields)
                result = await self._read(
                    caller, Action.SEARCH, [], self.search(options), by_identifier=False
                )
                body: dict[str, Any] = {
                    "value": [record_data(record, options.select) for record in result.records]
                }
                headers = {}
                if result.count is not None:
                    body["@odata.count"] = result.count
                if result.next_cursor is not None:
                    link = _next_link(request, result.next_cursor)
                    body["@odata.nextLink"] = link
                    headers["Link"] = f'<{link}>; rel="next"'
                return json_response(body, headers=headers)

            typed_signature(
                search, request=(Request, inspect.Parameter.empty), caller=(Caller, reads)
            )
            router.add_api_route(
                self.base,
                search,
                methods=["GET"],
                operation_id=f"search{name}",
                route_class_override=LeanRoute,
                summary=f"Search {name} records by search parameters and OData options",
                responses={200: {"model": self.page_model}, **documented(400, 401, 403)},
                openapi_extra=_search_extra(self.record_type),
                **common,
            )

        model = self.record_type.model
        if Operation.CREATE in operations:

            def create(body: BaseModel, caller: Caller) -> Response:
                content = body.model_dump(mode="json", by_alias=True)
                record = self.write(
                    caller,
                    Action.CREATE,
                    lambda uow: uow.records.create(record_type=name, content=content),
                    content=content,
                )
                if not isinstance(record, Record):
                    return self.answer(record)
                location = f"{self.base}/{quote(record.record_id, safe='')}"
                headers = {"ETag": etag(record.version), "Location": location}
                return json_response(record_data(record), status=201, headers=headers)

            typed_signature(create, body=(model, Body()), caller=(Caller, writes))
            router.add_api_route(
                self.base,
                create,
                methods=["POST"],
                status_code=201,
                operation_id=f"create{name}",
                summary=f"Create a {name} record owned by this node",
                responses={201: {"model": self.record_model}, **documented(401, 403, 409, 422)},
                **common,
            )

        if Operation.UPDATE in operations:

            def update(
                record_id: str, body: BaseModel, caller: Caller, if_match: str | None
            ) -> Response:
                expected = _expected_version(if_match)
                content = body.model_dump(mode="json", by_alias=True)
                record = self.write(
                    caller,
                    Action.UPDATE,
                    lambda uow: uow.records.update(
                        record_type=name,
                        record_id=record_id,
                        content=content,
                        expected_version=expected,
                    ),
                    record_id=record_id,
                    content=content,
                    base_version=expected,
                )
                return self.answer(record)

            typed_signature(
                update,
                record_id=(str, path_id),
                body=(model, Body()),
                caller=(Caller, writes),
                if_match=_if_match(),
            )
            router.add_api_route(
                f"{self.base}/{{record_id}}",
                update,
                methods=["PUT"],
                operation_id=f"update{name}",
                summary=f"Write a new version of a {name} record still at the If-Match version",
                responses={
                    200: {"model": self.record_model},
                    **documented(401, 403, 404, 412, 422, 428),
                },
                **common,
            )

        if Operation.DELETE in operations:

            def delete(record_id: str, caller: Caller, if_match: str | None) -> Response:
                expected = _expected_version(if_match)
                record = self.write(
                    caller,
                    Action.DELETE,
                    lambda uow: uow.records.delete(
                        record_type=name, record_id=record_id, expected_version=expected
                    ),
                    record_id=record_id,
                    base_version=expected,
                )
                return self.answer(record)

            typed_signature(
                delete,
                record_id=(str, path_id),
                caller=(Caller, writes),
                if_match=_if_match(),
            )
            router.add_api_route(
                f"{self.base}/{{record_id}}",
                delete,
                methods=["DELETE"],
                operation_id=f"delete{name}",
                summary=f"Delete a {name} record (a tombstone version; history stays readable)",
                responses={
                    200: {"model": self.record_model},
                    **documented(401, 403, 404, 412, 428),
                },
                **common,
            )
