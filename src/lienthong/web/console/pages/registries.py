"""Registries: search people, enterprises, vehicles and parcels; a record with who read it."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse

from lienthong.access.policy import ConsolePermission, OperatorRole
from lienthong.errors import LienthongError
from lienthong.web.console.auth import Operator, require
from lienthong.web.console.pages.queries import (
    MAX_QUERY,
    REGISTERS,
    Reader,
    read_record,
    search_registers,
)
from lienthong.web.console.templating import render, request_language

router = APIRouter()

RecordsReader = Annotated[Operator, Depends(require(ConsolePermission.VIEW_RECORDS))]


def reader_of(operator: Operator) -> Reader:
    """Return who reads: a province operator only their province's records, others all."""
    if operator.role is OperatorRole.PROVINCE:
        # No province at all must mean nothing seen, never everything.
        return Reader(operator.login, province=operator.province or "-")
    return Reader(operator.login)


@router.get("/registries", response_class=HTMLResponse, name="registries")
def registries(
    request: Request,
    operator: RecordsReader,
    q: str = Query("", max_length=MAX_QUERY * 2),
    type: str = Query(""),
    cursor: str | None = Query(None, max_length=2000),
) -> HTMLResponse:
    """Show the search form and, once something is typed, the matches in each register."""
    text = q.strip()
    register = type if type in REGISTERS else None
    context: dict[str, object] = {"q": text, "register": register, "results": None, "errors": []}
    status = 200
    if text:
        try:
            context["results"] = search_registers(
                node=request.app.state.node,
                reader=reader_of(operator),
                text=text,
                record_type=register,
                cursor=cursor if register else None,
            )
        except LienthongError as error:
            context["errors"] = [("q", error.message(request_language(request)))]
            status = 400
    return render(request, "pages/registries.html", context, status_code=status)


@router.get(
    "/registries/{record_type}/{record_id}", response_class=HTMLResponse, name="registry_record"
)
def record(
    request: Request,
    operator: RecordsReader,
    record_type: str,
    record_id: str,
) -> HTMLResponse:
    """Show a record, its versions, where it is held, who read it and its legacy origins."""
    try:
        view = read_record(
            node=request.app.state.node,
            reader=reader_of(operator),
            record_type=record_type,
            record_id=record_id,
        )
    except LienthongError as error:
        if error.code != "console.record.not_found":
            raise
        return render(
            request,
            "pages/record_missing.html",
            {"record_type": record_type, "record_id": record_id},
            status_code=404,
        )
    return render(request, "pages/record.html", {"view": view})
