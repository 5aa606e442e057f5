"""What the console's Network, Sync and Consolidation pages read and do, free of HTTP.

Each function calls the service that owns the work (sync status, change requests, digests,
the consolidation service and its report) and returns plain dataclasses for the templates.
The charts are inline SVG drawn here, so the pages need neither JavaScript nor image files.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Final, Literal

from markupsafe import Markup
from sqlalchemy import select

from lienthong.access.operators import Operator
from lienthong.access.policy import OperatorRole
from lienthong.errors import LienthongError
from lienthong.i18n import N_
from lienthong.linkage import service as consolidation
from lienthong.linkage.report import Report, build_report, readiness
from lienthong.linkage.review import Comparison, compare
from lienthong.monitoring.samples import Point
from lienthong.node import Node, open_node
from lienthong.settings import load_settings
from lienthong.store.models import current_records
from lienthong.store.unit_of_work import UnitOfWork
from lienthong.sync import digests
from lienthong.sync import requests as change_requests
from lienthong.sync.requests import ChangeDecisionContent, ChangeRequestContent
from lienthong.sync.setup import open_sync
from lienthong.sync.status import Status, by_peer, sync_status
from lienthong.web.console.pages.queries import console_client

#: A link is offline once its peer has not been heard from for this many sync intervals.
OFFLINE_INTERVALS: Final = 6
#: The file a node's own SQLite store is kept in, under its state directory.
STORE_FILE: Final = "node.sqlite"
#: Items of a run's review queue shown on one page.
QUEUE_PAGE: Final = 50
_PROVINCE_NODE = re.compile(r"^VN-(\d{2})$")
_NODE_ID = re.compile(r"^VN-[A-Za-z0-9-]{1,40}$")

Verdict = Literal["accept", "reject"]


def node_province(node_id: str) -> str | None:
    """Return the province a node serves ("VN-91" serves "91"), None for central."""
    found = _PROVINCE_NODE.match(node_id)
    return found.group(1) if found else None


def acts_for(operator: Operator, province: str | None) -> bool:
    """Return whether an operator's scope covers one province's data (None: the network's)."""
    if operator.role is not OperatorRole.PROVINCE:
        return True
    return province is not None and province == operator.province


# -- network ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Link:
    """One peer this node sends to: how far behind it is, over every origin it receives."""

    peer: str
    entries: int
    seconds: float
    contact_at: datetime
    offline: bool
    origins: tuple[str, ...]


def links(status: Status, *, now: datetime, interval_seconds: float) -> list[Link]:
    """Return the node's links, one per peer, each offline once silent for a few intervals."""
    silence = timedelta(seconds=OFFLINE_INTERVALS * interval_seconds)
    return [
        Link(
            peer=lag.peer,
            entries=lag.entries,
            seconds=lag.seconds,
            contact_at=lag.contact_at,
            offline=now - lag.contact_at > silence,
            origins=lag.origins,
        )
        for lag in by_peer(status.sending)
    ]


def node_status(node: Node, *, now: datetime) -> Status:
    """Return where the node's sync links stand."""
    return sync_status(node, now=now)


# -- charts -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Bar:
    """One bar of a chart: its label, its length and the value written beside it."""

    label: str
    value: float
    text: str


def bar_chart(*, title: str, bars: Sequence[Bar], chart_id: str) -> Markup:
    """Return a horizontal bar chart as inline SVG, every value also written as text."""
    row, label_width, bar_width, text_width = 22, 190, 300, 140
    width = label_width + bar_width + text_width
    height = row * max(len(bars), 1) + 8
    most = max((bar.value for bar in bars), default=0.0) or 1.0
    parts = [
        Markup(
            '<svg xmlns="http://www.w3.org/2000/svg" class="chart" id="{}" role="img"'
            ' width="{}" height="{}" viewBox="0 0 {} {}" aria-labelledby="{}-title">'
            '<title id="{}-title">{}</title>'
        ).format(chart_id, width, height, width, height, chart_id, chart_id, title)
    ]
    for index, bar in enumerate(bars):
        y = 4 + index * row
        length = round(bar_width * max(bar.value, 0.0) / most, 1)
        parts.append(
            Markup(
                '<g><text x="{}" y="{}" text-anchor="end" font-size="13" fill="#0b0c0c">{}</text>'
                '<rect x="{}" y="{}" width="{}" height="{}" fill="#1d70b8"></rect>'
                '<text x="{}" y="{}" font-size="13" fill="#0b0c0c">{}</text></g>'
            ).format(
                label_width - 6,
                y + 14,
                bar.label,
                label_width,
                y + 2,
                length,
                row - 6,
                label_width + length + 6,
                y + 14,
                bar.text,
            )
        )
    parts.append(Markup("</svg>"))
    return Markup("").join(parts)


@dataclass(frozen=True)
class Line:
    """One line of a chart over time: its label and its points, oldest first."""

    label: str
    points: Sequence[Point]


#: Line colours and dash patterns: told apart by pattern too, not by colour alone.
_STROKES: Final = (
    ("#1d70b8", ""),
    ("#d4351c", "6 3"),
    ("#00703c", "2 3"),
    ("#4c2c92", "10 3 2 3"),
    ("#b58840", "1 2"),
    ("#0b0c0c", "8 2"),
)


def line_chart(
    *,
    title: str,
    lines: Sequence[Line],
    start: datetime,
    end: datetime,
    chart_id: str,
    describe: Callable[[float], str],
    time_label: Callable[[datetime], str],
    legend: str,
) -> Markup:
    """Return a chart of values over time as inline SVG, with a legend and labelled axes.

    ``describe`` writes a value as text (the top of the axis, and each line's latest and
    largest values in the legend, written with ``legend``, which names ``{label}``,
    ``{latest}`` and ``{largest}``), so what the lines show can also be read.
    """
    left, top, plot_width, plot_height, legend_row = 70, 10, 560, 160, 20
    width = left + plot_width + 20
    height = top + plot_height + 30 + legend_row * len(lines)
    span = max((end - start).total_seconds(), 1.0)
    most = max((p.value for line in lines for p in line.points), default=0.0) or 1.0

    def x(at: datetime) -> float:
        return round(left + plot_width * (at - start).total_seconds() / span, 1)

    def y(value: float) -> float:
        return round(top + plot_height * (1 - max(value, 0.0) / most), 1)

    bottom = top + plot_height
    parts = [
        Markup(
            '<svg xmlns="http://www.w3.org/2000/svg" class="chart" id="{}" role="img"'
            ' width="{}" height="{}" viewBox="0 0 {} {}" aria-labelledby="{}-title">'
            '<title id="{}-title">{}</title>'
            '<rect x="{}" y="{}" width="{}" height="{}" fill="none" stroke="#b1b4b6"></rect>'
            '<text x="{}" y="{}" text-anchor="end" font-size="12" fill="#0b0c0c">{}</text>'
            '<text x="{}" y="{}" text-anchor="end" font-size="12" fill="#0b0c0c">0</text>'
            '<text x="{}" y="{}" font-size="12" fill="#0b0c0c">{}</text>'
            '<text x="{}" y="{}" text-anchor="end" font-size="12" fill="#0b0c0c">{}</text>'
        ).format(
            chart_id,
            width,
            height,
            width,
            height,
            chart_id,
            chart_id,
            title,
            left,
            top,
            plot_width,
            plot_height,
            left - 6,
            top + 10,
            describe(most),
            left - 6,
            bottom,
            left,
            bottom + 16,
            time_label(start),
            left + plot_width,
            bottom + 16,
            time_label(end),
        )
    ]
    for index, line in enumerate(lines):
        colour, dashes = _STROKES[index % len(_STROKES)]
        if line.points:
            coordinates = " ".join(f"{x(p.at)},{y(p.value)}" for p in line.points)
            parts.append(
                Markup(
                    '<polyline fill="none" stroke="{}" stroke-width="2" stroke-dasharray="{}"'
                    ' points="{}"></polyline>'
                ).format(colour, dashes, coordinates)
            )
        legend_y = bottom + 30 + index * legend_row
        latest = describe(line.points[-1].value) if line.points else "—"
        largest = describe(max(p.value for p in line.points)) if line.points else "—"
        parts.append(
            Markup(
                '<g><line x1="{}" y1="{}" x2="{}" y2="{}" stroke="{}" stroke-width="2"'
                ' stroke-dasharray="{}"></line>'
                '<text x="{}" y="{}" font-size="12" fill="#0b0c0c">{}</text></g>'
            ).format(
                left,
                legend_y - 4,
                left + 30,
                legend_y - 4,
                colour,
                dashes,
                left + 36,
                legend_y,
                legend.format(label=line.label, latest=latest, largest=largest),
            )
        )
    parts.append(Markup("</svg>"))
    return Markup("").join(parts)


# -- sync ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Pending:
    """A change request addressed to this node, and the province of the record it is about."""

    request: ChangeRequestContent
    province: str | None


def request_province(uow: UnitOfWork, request: ChangeRequestContent) -> str | None:
    """Return the province of the record a request is about: its partition, held or to be."""
    held = uow.connection.execute(
        select(current_records.c.partition_key).where(
            current_records.c.record_type == request.record_type,
            current_records.c.record_id == request.record_id,
        )
    ).scalar()
    if held is not None:
        return str(held)
    record_type = uow.record_types.get(request.record_type)
    if record_type is None or request.content is None:
        return None
    try:
        return record_type.partition_of(record_type.validate(request.content))
    except (LienthongError, ValueError):
        return None


@dataclass(frozen=True)
class Requests:
    """The change requests on both sides: to decide here, and waiting for their owners."""

    pending: tuple[Pending, ...]
    waiting: tuple[ChangeRequestContent, ...]


def change_requests_of(node: Node) -> Requests:
    """Return the change requests this node must decide and those it waits on."""
    with node.unit_of_work(read_only=True) as uow:
        pending = tuple(
            Pending(request, request_province(uow, request))
            for request in change_requests.pending_for(uow)
        )
        waiting = tuple(change_requests.waiting(uow))
    return Requests(pending, waiting)


def _not_pending(request_id: str) -> LienthongError:
    return LienthongError(
        "console.sync.not_pending",
        N_(
            "There is no change request {request_id} waiting for this node's decision. It may"
            " have been decided already: reload the page."
        ),
        field="requests",
        request_id=request_id,
    )


def _other_province(request_id: str) -> LienthongError:
    return LienthongError(
        "console.sync.other_province",
        N_(
            "The change request {request_id} is about a record outside your province. Ask"
            " an operator of that province or a central operator to decide it."
        ),
        field="requests",
        request_id=request_id,
    )


#: The code and the reason a decision records when an operator rejects a request.
REJECTED_CODE: Final = "console.sync.rejected"
REJECTED_MESSAGE: Final = "An operator of the owner node rejected the change request."


def decide_request(
    node: Node, operator: Operator, *, request_id: str, verdict: Verdict, now: datetime
) -> ChangeDecisionContent:
    """Accept (carry out) or reject a change request addressed to this node, committed.

    Accepting is the sync's own decision (``lienthong.sync.requests.decide``): the write
    and the decision together, or a rejection with the write's error. Rejecting records a
    decision without the write. Either way the decision flows back to the requester.
    """
    with node.unit_of_work() as uow:
        found = next(
            (r for r in change_requests.pending_for(uow) if r.request_id == request_id), None
        )
        if found is None:
            raise _not_pending(request_id)
        if not acts_for(operator, request_province(uow, found)):
            raise _other_province(request_id)
        if verdict == "accept":
            decision = change_requests.decide(uow, found, now=now)
        else:
            decision = change_requests.reject(
                uow, found, now=now, code=REJECTED_CODE, message=REJECTED_MESSAGE
            )
        uow.commit()
    return decision


def parse_partitions(text: str) -> list[str]:
    """Return the partitions a comma- or space-separated field lists."""
    return [part for part in re.split(r"[\s,]+", text.strip()) if part]


def _no_peer(path: str) -> LienthongError:
    return LienthongError(
        "console.sync.no_peer",
        N_(
            "{path} does not hold a node: there is no {file} in it. Give the state directory"
            " of another node on this machine."
        ),
        field="peer_state",
        path=path,
        file=STORE_FILE,
    )


def open_peer(node: Node, *, state: str, node_id: str, partitions: str) -> Node:
    """Return another node on this machine from its state directory, refusing anything else."""
    if not state.strip():
        raise LienthongError(
            "console.sync.peer_missing",
            N_("Enter the state directory of the node to compare with."),
            field="peer_state",
        )
    peer_id = node_id.strip()
    if not _NODE_ID.match(peer_id):
        raise LienthongError(
            "console.sync.peer_node",
            N_("Enter the other node's identifier as the directory names it, such as VN-91."),
            field="peer_node",
        )
    directory = Path(state.strip()).expanduser()
    if not (directory.is_dir() and (directory / STORE_FILE).is_file()):
        raise _no_peer(str(directory))
    settings = load_settings(
        state_dir=directory.resolve(),
        database_url=None,
        node_id=peer_id,
        sync_partitions=parse_partitions(partitions),
    )
    if settings.effective_database_url == node.settings.effective_database_url:
        raise LienthongError(
            "console.sync.same_node",
            N_("{path} is this node's own store. Give the state directory of another node."),
            field="peer_state",
            path=str(directory),
        )
    return open_node(settings, systems=node.systems)


def verify_with(
    node: Node, *, state: str, node_id: str, partitions: str, repair: bool
) -> digests.Report:
    """Compare this node's digests with another node's, and repair them if asked."""
    peer = open_peer(node, state=state, node_id=node_id, partitions=partitions)
    try:
        return digests.verify_nodes(
            open_sync(node, signing=False), open_sync(peer, signing=False), repair=repair
        )
    finally:
        peer.close()


# -- consolidation ------------------------------------------------------------------------


def reviews_here(operator: Operator, node: Node) -> bool:
    """Return whether an operator may review this node's runs (a province: its own node's)."""
    return acts_for(operator, node_province(node.node_id))


@dataclass(frozen=True)
class RunRow:
    """A run in the list: the run with its counts, and how ready its legacy system is."""

    run: consolidation.Run
    readiness: float


def runs_of(node: Node) -> list[RunRow]:
    """Return every consolidation run of this node with its readiness, newest first."""
    with node.unit_of_work(read_only=True) as uow:
        # The counts list_runs reads are all readiness needs; a full report per run would
        # read every item of every run again.
        return [RunRow(run, readiness(run)) for run in consolidation.list_runs(uow=uow)]


@dataclass(frozen=True)
class RunPage:
    """A run's report and one page of its review queue."""

    report: Report
    queue: tuple[consolidation.Item, ...]
    more: bool


def run_page(node: Node, *, run_id: str, after: str | None = None) -> RunPage:
    """Return a run's report and a page of its pending items, highest probability first."""
    with node.unit_of_work(read_only=True) as uow:
        report = build_report(uow=uow, run_id=run_id)
        queue = consolidation.review_queue(
            uow=uow, run_id=run_id, limit=QUEUE_PAGE + 1, after=after
        )
    return RunPage(report, tuple(queue[:QUEUE_PAGE]), len(queue) > QUEUE_PAGE)


def item_comparison(node: Node, *, run_id: str, legacy_id: str, login: str) -> Comparison:
    """Return an item beside its candidates; the candidates' read is logged for the operator."""
    with node.unit_of_work(read_only=True) as uow:
        item = consolidation.get_item(uow=uow, run_id=run_id, legacy_id=legacy_id)
    return compare(node=node, item=item, actor=console_client(login))


def decide_item(
    node: Node,
    *,
    run_id: str,
    legacy_id: str,
    verdict: consolidation.Verdict,
    reviewer: str,
    registry_id: str | None,
) -> consolidation.Item:
    """Record a reviewer's verdict on a pending item, committed."""
    with node.unit_of_work() as uow:
        decided = consolidation.decide(
            uow=uow,
            run_id=run_id,
            legacy_id=legacy_id,
            verdict=verdict,
            reviewer=reviewer,
            registry_id=registry_id,
        )
        uow.commit()
    return decided


def next_pending(node: Node, *, run_id: str) -> str | None:
    """Return the legacy identifier of the run's next item to review, if any is left."""
    with node.unit_of_work(read_only=True) as uow:
        queue = consolidation.review_queue(uow=uow, run_id=run_id, limit=1)
    return queue[0].legacy_id if queue else None


def merge_run(node: Node, *, run_id: str, actor: str) -> consolidation.MergeSummary:
    """Merge a run's linked and new items into the registry in one unit of work."""
    with node.unit_of_work() as uow:
        summary = consolidation.merge(uow=uow, run_id=run_id, actor=actor)
        uow.commit()
    return summary


def percent(share: float) -> str:
    """Return a share as a percentage with one decimal."""
    return f"{share * 100:.1f} %"
