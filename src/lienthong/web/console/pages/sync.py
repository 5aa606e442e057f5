"""Sync: subscriptions, cursors, change requests to decide and to wait on, digest comparison."""

from __future__ import annotations

from typing import Annotated, Any, Final

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from lienthong.access.policy import ConsolePermission, operator_allows
from lienthong.errors import LienthongError
from lienthong.i18n import N_, translate
from lienthong.sync import digests
from lienthong.web.console.audit import audit_action
from lienthong.web.console.auth import Forbidden, Operator, require
from lienthong.web.console.csrf import csrf_protect
from lienthong.web.console.pages.operations import (
    acts_for,
    change_requests_of,
    decide_request,
    node_province,
    node_status,
    verify_with,
)
from lienthong.web.console.templating import render, request_language

router = APIRouter()

SyncReader = Annotated[Operator, Depends(require(ConsolePermission.VIEW_SYNC))]
ChangeDecider = Annotated[Operator, Depends(require(ConsolePermission.DECIDE_CHANGES))]

#: What the page says after a decision, by the ``done`` query parameter of its redirect.
_DONE: Final = {
    "accepted": N_("The change request {request} was accepted and carried out."),
    "rejected": N_("The change request {request} was rejected."),
    "failed": N_(
        "The change request {request} could not be carried out, so it was rejected with the reason."
    ),
}
#: The form fields of the comparison, as an error names them.
_PEER_FIELDS: Final = ("peer_state", "peer_node", "peer_partitions")


def _show(
    request: Request,
    operator: Operator,
    *,
    errors: list[tuple[str, str]] | None = None,
    form: dict[str, str] | None = None,
    report: digests.Report | None = None,
    repaired: bool = False,
    status_code: int = 200,
) -> HTMLResponse:
    node = request.app.state.node
    language = request_language(request)
    settings = node.settings
    province = node_province(node.node_id)
    context: dict[str, Any] = {
        "node_id": node.node_id,
        "settings": settings,
        "status": node_status(node, now=request.app.state.clock()),
        "requests": change_requests_of(node),
        "may_decide": operator_allows(operator, ConsolePermission.DECIDE_CHANGES),
        "may_repair": operator_allows(operator, ConsolePermission.DECIDE_CHANGES)
        and acts_for(operator, province),
        "acts_for": lambda value: acts_for(operator, value),
        "errors": errors or [],
        "form": form or {},
        "report": report,
        "repaired": repaired,
        "language": language,
        "done": None,
    }
    done = request.query_params.get("done")
    if done in _DONE:
        context["done"] = translate(_DONE[done], language=language).format(
            request=request.query_params.get("request", "")[:40]
        )
    return render(request, "pages/sync.html", context, status_code=status_code)


@router.get("/sync", response_class=HTMLResponse, name="sync")
def sync(request: Request, operator: SyncReader) -> HTMLResponse:
    """Show the node's subscriptions, cursors, change requests and the digest comparison."""
    return _show(request, operator)


@router.post(
    "/sync/requests/{request_id}",
    response_class=HTMLResponse,
    name="sync_decide",
    dependencies=[Depends(csrf_protect)],
)
def decide(
    request: Request,
    operator: ChangeDecider,
    request_id: str,
    verdict: str = Form(""),
) -> Response:
    """Accept or reject a change request addressed to this node, as its owner."""
    node = request.app.state.node
    target = request_id[:40]
    if verdict not in ("accept", "reject"):
        audit_action(
            node=node,
            operator=operator,
            action="sync.decide",
            target=target,
            outcome="console.sync.bad_verdict",
        )
        message = translate(N_("Choose Accept or Reject."), language=request_language(request))
        return _show(request, operator, errors=[("requests", message)], status_code=400)
    try:
        decision = decide_request(
            node,
            operator,
            request_id=request_id,
            verdict="accept" if verdict == "accept" else "reject",
            now=request.app.state.clock(),
        )
    except LienthongError as error:
        audit_action(
            node=node, operator=operator, action="sync.decide", target=target, outcome=error.code
        )
        if error.code == "console.sync.other_province":
            raise Forbidden(ConsolePermission.DECIDE_CHANGES) from None
        return _show(
            request,
            operator,
            errors=[("requests", error.message(request_language(request)))],
            status_code=400,
        )
    audit_action(
        node=node,
        operator=operator,
        action="sync.decide",
        target=decision.request_id,
        outcome="ok",
        details={
            "verdict": verdict,
            "outcome": decision.outcome,
            "code": decision.code,
            "requester": decision.requester,
            "version": decision.version,
        },
    )
    if decision.outcome == "accepted":
        done = "accepted"
    else:
        done = "rejected" if verdict == "reject" else "failed"
    # Post/redirect/get: reloading the page does not decide twice.
    return RedirectResponse(
        f"/sync?done={done}&request={decision.request_id}#requests", status_code=303
    )


def _compare(
    request: Request,
    operator: Operator,
    *,
    peer_state: str,
    peer_node: str,
    peer_partitions: str,
    repair: bool,
) -> HTMLResponse:
    node = request.app.state.node
    form = {"peer_state": peer_state, "peer_node": peer_node, "peer_partitions": peer_partitions}
    action = "sync.repair" if repair else "sync.compare"
    try:
        report = verify_with(
            node,
            state=peer_state,
            node_id=peer_node,
            partitions=peer_partitions,
            repair=repair,
        )
    except LienthongError as error:
        audit_action(
            node=node,
            operator=operator,
            action=action,
            target=peer_node.strip()[:40] or "-",
            outcome=error.code,
            details={"peer_state": peer_state[:300]},
        )
        field = error.field if error.field in _PEER_FIELDS else "peer_state"
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
        action=action,
        target=peer_node.strip(),
        outcome="ok",
        details={
            "peer_state": peer_state[:300],
            "compared": report.compared,
            "differing": report.differing,
            "repaired": report.repaired,
            "left": len(report.left),
            "converged": report.converged,
        },
    )
    return _show(request, operator, form=form, report=report, repaired=repair)


@router.post(
    "/sync/compare",
    response_class=HTMLResponse,
    name="sync_compare",
    dependencies=[Depends(csrf_protect)],
)
def compare(
    request: Request,
    operator: SyncReader,
    peer_state: str = Form(""),
    peer_node: str = Form(""),
    peer_partitions: str = Form(""),
) -> HTMLResponse:
    """Compare this node's digests with another node's on this machine, and list differences."""
    # A POST: opening the other node's store brings its schema up to date.
    return _compare(
        request,
        operator,
        peer_state=peer_state,
        peer_node=peer_node,
        peer_partitions=peer_partitions,
        repair=False,
    )


@router.post(
    "/sync/repair",
    response_class=HTMLResponse,
    name="sync_repair",
    dependencies=[Depends(csrf_protect)],
)
def repair(
    request: Request,
    operator: ChangeDecider,
    peer_state: str = Form(""),
    peer_node: str = Form(""),
    peer_partitions: str = Form(""),
) -> HTMLResponse:
    """Repair what differs between this node and another, as ``sync verify --repair`` does."""
    node = request.app.state.node
    if not acts_for(operator, node_province(node.node_id)):
        # A repair may write any partition both nodes hold, not just the operator's.
        audit_action(
            node=node,
            operator=operator,
            action="sync.repair",
            target=peer_node.strip()[:40] or "-",
            outcome="console.sync.other_province",
        )
        raise Forbidden(ConsolePermission.DECIDE_CHANGES)
    return _compare(
        request,
        operator,
        peer_state=peer_state,
        peer_node=peer_node,
        peer_partitions=peer_partitions,
        repair=True,
    )
