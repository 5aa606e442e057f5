"""Directory: members, nodes, systems, services and grants; grant and revoke at central."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from lienthong.access.policy import ConsolePermission, operator_allows
from lienthong.errors import LienthongError
from lienthong.exchange.directory.models import METHODS
from lienthong.i18n import N_, translate
from lienthong.web.console.audit import audit_action
from lienthong.web.console.auth import Operator, require
from lienthong.web.console.csrf import csrf_protect
from lienthong.web.console.pages.queries import grant, parse_purposes, read_directory, revoke
from lienthong.web.console.templating import render, request_language

router = APIRouter()

NetworkReader = Annotated[Operator, Depends(require(ConsolePermission.VIEW_NETWORK))]
DirectoryManager = Annotated[Operator, Depends(require(ConsolePermission.MANAGE_DIRECTORY))]

#: What the page says after a change, by the ``done`` query parameter of its redirect.
_DONE = {
    "granted": N_("The grant {grant} was added and a new directory version published."),
    "revoked": N_("The grant {grant} was revoked and a new directory version published."),
}
#: The form field an authority error is shown next to, by the error's own field.
_FIELDS = {"client": "client", "service": "service", "method": "method", "path": "path"}


def _show(
    request: Request,
    operator: Operator,
    *,
    errors: list[tuple[str, str]] | None = None,
    form: dict[str, str] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    node = request.app.state.node
    language = request_language(request)
    context: dict[str, Any] = {
        "view": None,
        "unavailable": None,
        "errors": errors or [],
        "form": form or {},
        "methods": METHODS,
        "may_manage": operator_allows(operator, ConsolePermission.MANAGE_DIRECTORY),
        "now": node.clock(),
        "done": None,
    }
    try:
        context["view"] = read_directory(node=node)
    except LienthongError as error:
        context["unavailable"] = error.message(language)
    done = request.query_params.get("done")
    if done in _DONE:
        context["done"] = translate(_DONE[done], language=language).format(
            grant=request.query_params.get("grant", "")[:40]
        )
    return render(request, "pages/directory.html", context, status_code=status_code)


@router.get("/directory", response_class=HTMLResponse, name="directory")
def directory(
    request: Request,
    operator: NetworkReader,
) -> HTMLResponse:
    """Show the directory this node works with, and the forms to change it at central."""
    return _show(request, operator)


def _after(grant_id: str, done: str) -> Response:
    # Post/redirect/get: reloading the page does not repeat the change.
    return RedirectResponse(f"/directory?done={done}&grant={grant_id}", status_code=303)


@router.post(
    "/directory/grants",
    response_class=HTMLResponse,
    name="directory_grant",
    dependencies=[Depends(csrf_protect)],
)
def add(
    request: Request,
    operator: DirectoryManager,
    client: str = Form(""),
    service: str = Form(""),
    method: str = Form(""),
    path: str = Form(""),
    purposes: str = Form(""),
) -> Response:
    """Let a client system call a service for the purposes listed, in a new version."""
    node = request.app.state.node
    form = {"client": client, "service": service, "method": method, "path": path}
    form["purposes"] = purposes
    target = f"{client.strip()} -> {service.strip()}"
    try:
        made = grant(
            node=node,
            client=client.strip(),
            service=service.strip(),
            method=method.strip() or None,
            path=path.strip() or None,
            purposes=parse_purposes(purposes),
        )
    except LienthongError as error:
        audit_action(
            node=node,
            operator=operator,
            action="directory.grant",
            target=target,
            outcome=error.code,
        )
        field = _FIELDS.get(error.field or "", "purposes")
        return _show(
            request,
            operator,
            errors=[(field, error.message(request_language(request)))],
            form=form,
            status_code=400,
        )
    audit_action(
        node=node,
        operator=operator,
        action="directory.grant",
        target=made.grant_id,
        outcome="ok",
        details={
            "client": made.client,
            "service": made.service,
            "method": made.method,
            "path": made.path,
            "purposes": list(made.purposes),
        },
    )
    return _after(made.grant_id, "granted")


@router.post(
    "/directory/grants/{grant_id}/revoke",
    response_class=HTMLResponse,
    name="directory_revoke",
    dependencies=[Depends(csrf_protect)],
)
def remove(
    request: Request,
    operator: DirectoryManager,
    grant_id: str,
) -> Response:
    """Revoke a grant from the next directory version on."""
    node = request.app.state.node
    try:
        revoked = revoke(node=node, grant_id=grant_id)
    except LienthongError as error:
        audit_action(
            node=node,
            operator=operator,
            action="directory.revoke",
            target=grant_id[:40],
            outcome=error.code,
        )
        return _show(
            request,
            operator,
            errors=[("grants", error.message(request_language(request)))],
            status_code=400,
        )
    audit_action(
        node=node,
        operator=operator,
        action="directory.revoke",
        target=revoked.grant_id,
        outcome="ok",
        details={"client": revoked.client, "service": revoked.service},
    )
    return _after(revoked.grant_id, "revoked")
