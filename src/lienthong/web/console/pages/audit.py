"""Audit: the node's audit log, filtered and paged; verify the chain; an entry and its proof."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import HTMLResponse

from lienthong.access.policy import ConsolePermission
from lienthong.errors import LienthongError
from lienthong.exchange.audit.log import KINDS
from lienthong.web.console.audit import CONSOLE_ACTION, audit_action
from lienthong.web.console.auth import Operator, require
from lienthong.web.console.csrf import csrf_protect
from lienthong.web.console.pages.queries import (
    AuditFilter,
    audit_entries,
    audit_entry,
    verify_audit_log,
)
from lienthong.web.console.templating import render, request_language

router = APIRouter()

AuditReader = Annotated[Operator, Depends(require(ConsolePermission.VIEW_AUDIT))]

#: A filter field: the longest value a column of the audit log holds.
Filter = Annotated[str, Query(max_length=255)]


def _page(
    request: Request,
    where: AuditFilter,
    before: int | None,
    extra: dict[str, object] | None = None,
) -> HTMLResponse:
    page = audit_entries(node=request.app.state.node, where=where, before=before)
    context: dict[str, object] = {
        "page": page,
        "where": where,
        "kinds": (*KINDS, CONSOLE_ACTION),
        "report": None,
        "verify_error": None,
        **(extra or {}),
    }
    return render(request, "pages/audit.html", context)


@router.get("/audit", response_class=HTMLResponse, name="audit")
def audit(
    request: Request,
    operator: AuditReader,
    node: Filter = "",
    client: Filter = "",
    service: Filter = "",
    person: Filter = "",
    outcome: Filter = "",
    kind: Filter = "",
    before: int | None = Query(None, ge=1),
) -> HTMLResponse:
    """Show the audit log, newest first, narrowed by the filters given."""
    where = AuditFilter(
        node=node.strip(),
        client=client.strip(),
        service=service.strip(),
        person=person.strip(),
        outcome=outcome.strip(),
        kind=kind.strip(),
    )
    return _page(request, where, before)


@router.post(
    "/audit/verify",
    response_class=HTMLResponse,
    name="audit_verify",
    dependencies=[Depends(csrf_protect)],
)
def verify(
    request: Request,
    operator: AuditReader,
) -> HTMLResponse:
    """Check the whole chain and every checkpoint, and show what was found."""
    node = request.app.state.node
    try:
        report = verify_audit_log(node=node)
    except LienthongError as error:
        audit_action(
            node=node,
            operator=operator,
            action="audit.verify",
            target=node.node_id,
            outcome=error.code,
        )
        return _page(
            request, AuditFilter(), None, {"verify_error": error.message(request_language(request))}
        )
    audit_action(
        node=node,
        operator=operator,
        action="audit.verify",
        target=node.node_id,
        outcome="ok" if report.ok else "audit.changed",
        details={"entries": report.entries, "problems": report.problem_count},
    )
    return _page(request, AuditFilter(), None, {"report": report})


@router.get("/audit/{sequence}", response_class=HTMLResponse, name="audit_entry")
def entry(
    request: Request,
    operator: AuditReader,
    sequence: int = Path(ge=1, le=2**63 - 1),
) -> HTMLResponse:
    """Show one entry and the proof that it is in the log its checkpoint signs."""
    try:
        view = audit_entry(node=request.app.state.node, sequence=sequence)
    except LienthongError as error:
        if error.code != "audit.entry.unknown":
            raise
        return render(request, "pages/audit_missing.html", {"sequence": sequence}, status_code=404)
    return render(request, "pages/audit_entry.html", {"view": view})
