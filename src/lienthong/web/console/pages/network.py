"""Network: every node of the directory, and this node's sync links with their lag."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated, Any, Final

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse
from markupsafe import Markup

from lienthong.access.policy import ConsolePermission
from lienthong.errors import LienthongError
from lienthong.i18n import N_, translate
from lienthong.monitoring import samples
from lienthong.node import Node
from lienthong.vn.text import format_datetime
from lienthong.web.console.auth import Operator, require
from lienthong.web.console.pages.operations import (
    OFFLINE_INTERVALS,
    Bar,
    Line,
    bar_chart,
    line_chart,
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
#: The windows of history an operator may choose, in minutes; the first is the default.
WINDOWS: Final = (60, 15, 360, 1440)
_SILENCE_TITLE = N_("Seconds since each peer was last heard from, over time")
_ENTRIES_TITLE = N_("Entries each peer has not acknowledged, over time")
_TRAFFIC_TITLE = N_("Audited events per minute on this node, over time")
_TRAFFIC_LINE = N_("all audited events")
_LEGEND = N_("{label}: now {latest}, at most {largest}")


@router.get("/network", response_class=HTMLResponse, name="network")
def network(request: Request, operator: NetworkReader, window: int = WINDOWS[0]) -> HTMLResponse:
    """Show the network's nodes, the directory version, this node's sync links and history."""
    node = request.app.state.node
    language = request_language(request)
    now = request.app.state.clock()
    if window not in WINDOWS:
        window = WINDOWS[0]
    context: dict[str, Any] = {
        "window": window,
        "windows": WINDOWS,
        "history": _history(node, now=now, minutes=window, language=language),
        "sample_seconds": node.settings.console_sample_seconds,
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
    context["health"] = {link.peer: link for link in found}
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


def _history(node: Node, *, now: datetime, minutes: int, language: str) -> list[tuple[str, Markup]]:
    """Return the titled charts of the recorded history over the last ``minutes``, if any."""
    since = now - timedelta(minutes=minutes)
    wanted: list[tuple[str, str, str, list[Line]]] = [
        (
            title,
            chart_id,
            unit,
            [Line(peer, points) for peer, points in sorted(found.items())],
        )
        for metric, title, chart_id, unit in (
            (samples.SILENCE, _SILENCE_TITLE, "silence-history", "{:.0f} s"),
            (samples.LAG_ENTRIES, _ENTRIES_TITLE, "lag-history", "{:.0f}"),
        )
        if (found := samples.series(node, metric=metric, since=since))
    ]
    heads = samples.series(node, metric=samples.AUDIT_HEAD, since=since).get("", [])
    if len(heads) > 1:
        traffic = Line(translate(_TRAFFIC_LINE, language=language), samples.rates(heads))
        wanted.append((_TRAFFIC_TITLE, "traffic-history", "{:.0f}", [traffic]))
    legend = translate(_LEGEND, language=language)
    charts: list[tuple[str, Markup]] = []
    for title, chart_id, unit, lines in wanted:
        shown = translate(title, language=language)
        chart = line_chart(
            title=shown,
            lines=lines,
            start=since,
            end=now,
            chart_id=chart_id,
            describe=unit.format,
            time_label=format_datetime,
            legend=legend,
        )
        charts.append((shown, chart))
    return charts
