"""Network: every node of the directory, and this node's sync links with their lag."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse

from lienthong.access.policy import ConsolePermission
from lienthong.errors import LienthongError
from lienthong.i18n import N_, translate
from lienthong.web.console.auth import Operator, require
from lienthong.web.console.pages.operations import (
    OFFLINE_INTERVALS,
    Bar,
    bar_chart,
    links,
    node_province,
    node_status,
)
from lienthong.web.console.pages.queries import read_directory
from lienthong.web.console.templating import render, request_language

router = APIRouter()

NetworkReader = Annotated[Operator, Depends(require(ConsolePermission.VIEW_NETWORK))]

#: The chart's title, and the text beside each bar.
_CHART_TITLE = N_("Entries each peer has not acknowledged yet, now")
_BEHIND = N_("{entries} entries, {seconds} s")


@router.get("/network", response_class=HTMLResponse, name="network")
def network(request: Request, operator: NetworkReader) -> HTMLResponse:
    """Show the network's nodes, the directory version, and this node's sync links."""
    node = request.app.state.node
    language = request_language(request)
    now = request.app.state.clock()
    context: dict[str, Any] = {
        "view": None,
        "unavailable": None,
        "node_id": node.node_id,
        "province": node_province(node.node_id),
        "now": now,
        "offline_after": int(OFFLINE_INTERVALS * node.settings.sync_interval_seconds),
    }
    try:
        view = read_directory(node=node)
    except LienthongError as error:
        context["unavailable"] = error.message(language)
    else:
        context["view"] = view
        context["provinces"] = {member.id: member.province for member in view.directory.members}
    status = node_status(node, now=now)
    found = links(status, now=now, interval_seconds=node.settings.sync_interval_seconds)
    behind = translate(_BEHIND, language=language)
    context["status"] = status
    context["links"] = found
    context["chart"] = (
        bar_chart(
            title=translate(_CHART_TITLE, language=language),
            bars=[
                Bar(
                    link.peer,
                    link.entries,
                    behind.format(entries=link.entries, seconds=f"{link.seconds:.0f}"),
                )
                for link in found
            ],
            chart_id="lag-chart",
        )
        if found
        else None
    )
    return render(request, "pages/network.html", context)
