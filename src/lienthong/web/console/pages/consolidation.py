"""Consolidation: runs, a run's report and review queue, an item beside its candidates, merge."""

from __future__ import annotations

from typing import Annotated, Any, Final
from urllib.parse import quote

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from lienthong.access.policy import ConsolePermission
from lienthong.errors import LienthongError
from lienthong.i18n import N_, Language, translate
from lienthong.linkage.report import DECISION_LABELS, LEFT, STATUS_LABELS, Report
from lienthong.linkage.service import DECISIONS, STATUSES, Verdict
from lienthong.node import Node
from lienthong.web.console.audit import audit_action
from lienthong.web.console.auth import Forbidden, Operator, require
from lienthong.web.console.csrf import csrf_protect
from lienthong.web.console.pages.operations import (
    Bar,
    bar_chart,
    decide_item,
    item_comparison,
    merge_run,
    next_pending,
    node_province,
    percent,
    reviews_here,
    run_page,
    runs_of,
)
from lienthong.web.console.templating import render, request_language

router = APIRouter()

Reviewer = Annotated[Operator, Depends(require(ConsolePermission.REVIEW_CONSOLIDATION))]

#: Errors of the consolidation service that mean "there is no such page".
_NOT_FOUND: Final = frozenset({"linkage.run.not_found", "linkage.item.not_found"})
#: What the run page says after a decision or a merge, by the ``done`` query parameter.
_DONE: Final = {
    "decided": N_("The legacy record {legacy_id} was decided: {status}."),
    "queue_empty": N_("No item of this run waits for review any more."),
    "merged": N_(
        "Merged: {linked} links to existing records and {created} new records, with their"
        " provenance; {skipped} items left as they were."
    ),
}
_CHART_TITLES: Final = {
    "status": N_("Legacy records by status"),
    "decision": N_("Legacy records by the linkage's decision"),
    "scores": N_("Legacy records by match probability"),
}


def _node(request: Request) -> Node:
    node: Node = request.app.state.node
    return node


def _scoped(request: Request, operator: Operator) -> Node:
    """Return the node, or refuse a province operator the runs of another province's node."""
    node = _node(request)
    if not reviews_here(operator, node):
        raise Forbidden(ConsolePermission.REVIEW_CONSOLIDATION)
    return node


def _missing(error: LienthongError) -> LienthongError:
    if error.code in _NOT_FOUND:
        raise StarletteHTTPException(status_code=404) from None
    return error


def _done(request: Request, language: Language) -> str | None:
    done = request.query_params.get("done")
    if done not in _DONE:
        return None
    params = {
        name: request.query_params.get(name, "")[:40]
        for name in ("legacy_id", "linked", "created", "skipped")
    }
    status = request.query_params.get("status", "")
    params["status"] = (
        translate(STATUS_LABELS[status], language=language) if status in STATUS_LABELS else ""
    )
    return translate(_DONE[done], language=language).format(**params)


def _charts(report: Report, language: Language) -> dict[str, Any]:
    def label(labels: dict[str, str], key: str) -> str:
        return translate(labels[key], language=language)

    def count(value: int) -> str:
        return f"{value} ({percent(value / report.total if report.total else 0.0)})"

    return {
        "status": bar_chart(
            title=translate(_CHART_TITLES["status"], language=language),
            bars=[
                Bar(label(STATUS_LABELS, key), report.by_status[key], count(report.by_status[key]))
                for key in STATUSES
            ],
            chart_id="chart-status",
        ),
        "decision": bar_chart(
            title=translate(_CHART_TITLES["decision"], language=language),
            bars=[
                Bar(
                    label(DECISION_LABELS, key),
                    report.by_decision[key],
                    count(report.by_decision[key]),
                )
                for key in DECISIONS
            ],
            chart_id="chart-decision",
        ),
        "scores": bar_chart(
            title=translate(_CHART_TITLES["scores"], language=language),
            bars=[Bar(f"{low:.2f}–{high:.2f}", n, str(n)) for low, high, n in report.histogram],
            chart_id="chart-scores",
        ),
    }


@router.get("/consolidation", response_class=HTMLResponse, name="consolidation")
def runs(request: Request, operator: Reviewer) -> HTMLResponse:
    """List this node's consolidation runs with their counts and readiness."""
    node = _node(request)
    allowed = reviews_here(operator, node)
    context = {
        "allowed": allowed,
        "node_id": node.node_id,
        "node_province": node_province(node.node_id),
        "rows": runs_of(node) if allowed else [],
        "percent": percent,
        "decision_labels": DECISION_LABELS,
        "status_labels": STATUS_LABELS,
        "decisions": DECISIONS,
        "statuses": STATUSES,
    }
    return render(request, "pages/consolidation.html", context)


def _show_run(
    request: Request,
    node: Node,
    run_id: str,
    *,
    errors: list[tuple[str, str]] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    language = request_language(request)
    after = request.query_params.get("after") or None
    try:
        page = run_page(node, run_id=run_id, after=after)
    except LienthongError as error:
        raise _missing(error) from None
    context = {
        "page": page,
        "report": page.report,
        "run": page.report.run,
        "charts": _charts(page.report, language),
        "percent": percent,
        "left_labels": LEFT,
        "status_labels": STATUS_LABELS,
        "done": _done(request, language),
        "errors": errors or [],
    }
    return render(request, "pages/consolidation_run.html", context, status_code=status_code)


@router.get("/consolidation/{run_id}", response_class=HTMLResponse, name="consolidation_run")
def run(request: Request, operator: Reviewer, run_id: str) -> HTMLResponse:
    """Show a run's report, its charts and its review queue."""
    return _show_run(request, _scoped(request, operator), run_id)


def _show_item(
    request: Request,
    node: Node,
    operator: Operator,
    run_id: str,
    legacy_id: str,
    *,
    errors: list[tuple[str, str]] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    language = request_language(request)
    try:
        comparison = item_comparison(node, run_id=run_id, legacy_id=legacy_id, login=operator.login)
    except LienthongError as error:
        raise _missing(error) from None
    context = {
        "c": comparison,
        "item": comparison.item,
        "status_labels": STATUS_LABELS,
        "done": _done(request, language),
        "errors": errors or [],
    }
    return render(request, "pages/consolidation_item.html", context, status_code=status_code)


@router.get(
    "/consolidation/{run_id}/items/{legacy_id}",
    response_class=HTMLResponse,
    name="consolidation_item",
)
def item(request: Request, operator: Reviewer, run_id: str, legacy_id: str) -> HTMLResponse:
    """Show a legacy record beside its candidates, field by field, with the decisions."""
    return _show_item(request, _scoped(request, operator), operator, run_id, legacy_id)


def _verdict(decision: str) -> tuple[Verdict, str | None] | None:
    """Return the verdict and the chosen candidate a decision button stands for."""
    if decision in ("accept", "reject", "new"):
        return decision, None  # type: ignore[return-value]
    if decision.startswith("accept:") and len(decision) > len("accept:"):
        return "accept", decision.removeprefix("accept:")
    return None


@router.post(
    "/consolidation/{run_id}/items/{legacy_id}",
    response_class=HTMLResponse,
    name="consolidation_decide",
    dependencies=[Depends(csrf_protect)],
)
def decide(
    request: Request,
    operator: Reviewer,
    run_id: str,
    legacy_id: str,
    decision: str = Form(""),
) -> Response:
    """Record the operator's verdict on a pending item, then go to the next one."""
    node = _scoped(request, operator)
    target = f"{run_id[:40]}/{legacy_id[:60]}"
    chosen = _verdict(decision)
    if chosen is None:
        audit_action(
            node=node,
            operator=operator,
            action="consolidation.decide",
            target=target,
            outcome="console.consolidation.bad_decision",
        )
        message = translate(N_("Choose Accept, Reject or New."), language=request_language(request))
        return _show_item(
            request,
            node,
            operator,
            run_id,
            legacy_id,
            errors=[("decision", message)],
            status_code=400,
        )
    verdict, registry_id = chosen
    try:
        decided = decide_item(
            node,
            run_id=run_id,
            legacy_id=legacy_id,
            verdict=verdict,
            reviewer=operator.login,
            registry_id=registry_id,
        )
    except LienthongError as error:
        audit_action(
            node=node,
            operator=operator,
            action="consolidation.decide",
            target=target,
            outcome=error.code,
            details={"verdict": verdict, "registry_id": registry_id},
        )
        if error.code in _NOT_FOUND:
            raise StarletteHTTPException(status_code=404) from None
        return _show_item(
            request,
            node,
            operator,
            run_id,
            legacy_id,
            errors=[("decision", error.message(request_language(request)))],
            status_code=400,
        )
    audit_action(
        node=node,
        operator=operator,
        action="consolidation.decide",
        target=target,
        outcome="ok",
        details={
            "verdict": verdict,
            "status": decided.status,
            "registry_id": decided.registry_id,
        },
    )
    done = f"done=decided&legacy_id={quote(legacy_id, safe='')}&status={decided.status}"
    following = next_pending(node, run_id=run_id)
    if following is None:
        return RedirectResponse(f"/consolidation/{run_id}?{done}#queue", status_code=303)
    return RedirectResponse(
        f"/consolidation/{run_id}/items/{quote(following, safe='')}?{done}", status_code=303
    )


@router.post(
    "/consolidation/{run_id}/merge",
    response_class=HTMLResponse,
    name="consolidation_merge",
    dependencies=[Depends(csrf_protect)],
)
def merge(request: Request, operator: Reviewer, run_id: str) -> Response:
    """Merge the run's linked and new items into the registry, with provenance."""
    node = _scoped(request, operator)
    try:
        summary = merge_run(node, run_id=run_id, actor=operator.login)
    except LienthongError as error:
        audit_action(
            node=node,
            operator=operator,
            action="consolidation.merge",
            target=run_id[:40],
            outcome=error.code,
        )
        if error.code in _NOT_FOUND:
            raise StarletteHTTPException(status_code=404) from None
        return _show_run(
            request,
            node,
            run_id,
            errors=[("merge", error.message(request_language(request)))],
            status_code=400,
        )
    audit_action(
        node=node,
        operator=operator,
        action="consolidation.merge",
        target=run_id,
        outcome="ok",
        details={
            "merge_id": summary.merge_id,
            "linked": summary.linked,
            "created": summary.created,
            "skipped": len(summary.skipped),
        },
    )
    return RedirectResponse(
        f"/consolidation/{run_id}?done=merged&linked={summary.linked}"
        f"&created={summary.created}&skipped={len(summary.skipped)}",
        status_code=303,
    )
