"""The report of a consolidation run: counts, match rate, scores, and decommission readiness.

Decommission readiness is the share of the legacy system's records now served by the
national system: the merged items over all items. What is left is listed by reason:
rows that were rejected, pairs still waiting for review, new records that cannot be
created, and items linked or new but not merged yet. The counts are read with SQL
aggregates, so a report of a million-row run loads no item.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Final

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from sqlalchemy import and_, case, func, or_, select

from lienthong.i18n import N_, _
from lienthong.linkage.models import consolidation_items
from lienthong.linkage.service import DECISIONS, STATUSES, Run, get_run
from lienthong.store.unit_of_work import UnitOfWork
from lienthong.vn.text.dates import format_datetime

#: Bins of the match-probability histogram, each 1/BINS wide.
BINS: Final = 20

#: What is left before the legacy system can be switched off, by reason.
LEFT: Final = {
    "rejected": N_("rows rejected (unreadable or refused in review)"),
    "pending": N_("pairs waiting for review"),
    "unmergeable": N_("new records that cannot be created"),
    "not_merged": N_("linked or new, not merged yet"),
}
DECISION_LABELS: Final = {
    "match": N_("match"),
    "review": N_("review"),
    "new": N_("new"),
    "reject": N_("reject"),
}
STATUS_LABELS: Final = {
    "pending": N_("pending"),
    "linked": N_("linked"),
    "new": N_("new"),
    "rejected": N_("rejected"),
    "merged": N_("merged"),
}

_items = consolidation_items


@dataclass(frozen=True)
class Report:
    """What became of a run's legacy records, and how close the legacy system is to retiring.

    ``match_rate`` is the share of items linked to a record the registry already held
    (linked, or merged as such a link); ``histogram`` holds ``(low, high, count)`` per bin
    of match probability, rejected rows left out.
    """

    run: Run
    total: int
    by_decision: dict[str, int]
    by_status: dict[str, int]
    match_rate: float
    histogram: list[tuple[float, float, int]]
    readiness: float
    left: dict[str, int]


def _share(part: int, whole: int) -> float:
    return part / whole if whole else 0.0


def readiness(run: Run) -> float:
    """Return a run's decommission readiness: its merged items over all its items."""
    return _share(run.by_status["merged"], run.total)


def build_report(*, uow: UnitOfWork, run_id: str) -> Report:
    """Return the report of a run as it stands."""
    run = get_run(uow=uow, run_id=run_id)
    probability = _items.c.match_probability

    def counted(condition: Any) -> Any:
        return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)

    bins = [
        counted(
            and_(
                _items.c.decision != "reject",
                probability >= index / BINS,
                # The last bin holds 1.0 itself.
                probability < (index + 1) / BINS if index < BINS - 1 else probability <= 1.0,
            )
        )
        for index in range(BINS)
    ]
    row = uow.connection.execute(
        select(
            counted(
                or_(
                    _items.c.status == "linked",
                    and_(_items.c.status == "merged", _items.c.merged_version.is_(None)),
                )
            ),
            counted(
                and_(
                    _items.c.status == "new",
                    or_(_items.c.content.is_(None), _items.c.merge_problem.is_not(None)),
                )
            ),
            *bins,
        ).where(_items.c.run_id == run_id)
    ).one()
    linked_existing, unmergeable, *counts = (int(value) for value in row)
    status = run.by_status
    left = {
        "rejected": status["rejected"],
        "pending": status["pending"],
        "unmergeable": unmergeable,
        "not_merged": status["linked"] + status["new"] - unmergeable,
    }
    return Report(
        run=run,
        total=run.total,
        by_decision=dict(run.by_decision),
        by_status=dict(status),
        match_rate=_share(linked_existing, run.total),
        histogram=[(index / BINS, (index + 1) / BINS, count) for index, count in enumerate(counts)],
        readiness=readiness(run),
        left=left,
    )


# -- files -------------------------------------------------------------------------------


def _percent(share: float) -> str:
    return f"{share * 100:.1f} %"


def _json(report: Report) -> str:
    data = asdict(report)
    data["run"] = report.run.as_dict()
    data["histogram"] = [
        {"low": low, "high": high, "count": count} for low, high, count in report.histogram
    ]
    return json.dumps(data, ensure_ascii=False, indent=2) + "\n"


def _table(heading: str, unit: str, rows: Iterable[tuple[str, int]]) -> list[str]:
    """Return a two-column Markdown table of counts, its labels translated, and a blank line."""
    return [
        f"| {heading} | {unit} |",
        "|---|---:|",
        *(f"| {_(label)} | {count} |" for label, count in rows),
        "",
    ]


def _markdown(report: Report, charts: dict[str, str]) -> str:
    run = report.run
    # Labels are translated one by one, outside f-strings, so that extraction finds them.
    records = _("Records")
    facts = (
        (_("Run"), f"`{run.run_id}`"),
        (_("Source"), run.source),
        (_("Registry"), f"{run.system} / {run.record_type}"),
        (_("Model"), run.model_version),
        (
            _("Thresholds"),
            _("match ≥ {match}, review ≥ {review}").format(
                match=run.match_threshold, review=run.review_threshold
            ),
        ),
        (_("Started"), f"{format_datetime(run.created_at)} ({run.created_by})"),
    )
    lines = [
        "# "
        + _("Consolidation report: {source_system} into {record_type}").format(
            source_system=run.source_system, record_type=run.record_type
        ),
        "",
        *(f"- {label}: {value}" for label, value in facts),
        "",
        "## " + _("Decommission readiness"),
        "",
        _(
            "{readiness} of the {total} legacy records are now served by the national system;"
            " {matched} were matched to a record it already held."
        ).format(
            readiness=f"**{_percent(report.readiness)}**",
            total=report.total,
            matched=_percent(report.match_rate),
        ),
        "",
        *_table(_("What is left"), records, ((LEFT[key], n) for key, n in report.left.items())),
        "## " + _("Decisions and status"),
        "",
        *_table(
            _("Decision of the linkage"),
            records,
            ((DECISION_LABELS[key], report.by_decision.get(key, 0)) for key in DECISIONS),
        ),
        *_table(
            _("Status"),
            records,
            ((STATUS_LABELS[key], report.by_status.get(key, 0)) for key in STATUSES),
        ),
        "![{alt}]({path})".format(alt=_("Decisions and status"), path=charts["outcomes"]),
        "",
        "## " + _("Match probabilities"),
        "",
        "![{alt}]({path})".format(
            alt=_("Distribution of match probabilities"), path=charts["scores"]
        ),
        "",
    ]
    return "\n".join(lines)


def _scores_chart(report: Report) -> Figure:
    figure = Figure(figsize=(8, 4.5), layout="constrained")
    # Drawn off-screen by Agg: no display, no global pyplot state.
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    lows = [low for low, _high, _count in report.histogram]
    counts = [count for _low, _high, count in report.histogram]
    width = 1 / BINS
    axes.bar(
        lows,
        counts,
        width=width,
        align="edge",
        color="#3b6ea8",
        edgecolor="white",
        log=any(counts),
    )
    if any(counts):
        # Below one, so that a bin of a single record still shows as a bar.
        axes.set_ylim(bottom=0.8)
    run = report.run
    axes.axvline(
        run.review_threshold,
        color="#d08c00",
        linestyle="--",
        label=_("review threshold ({value})").format(value=run.review_threshold),
    )
    axes.axvline(
        run.match_threshold,
        color="#2e7d32",
        linestyle="-",
        label=_("match threshold ({value})").format(value=run.match_threshold),
    )
    axes.set_xlim(0, 1)
    axes.set_title(
        _("Distribution of match probabilities: {source_system} → {record_type}").format(
            source_system=run.source_system, record_type=run.record_type
        )
    )
    axes.set_xlabel(_("Match probability of the best registry candidate"))
    axes.set_ylabel(_("Legacy records (log scale)"))
    axes.legend(loc="upper center")
    axes.grid(axis="y", alpha=0.3)
    return figure


def _bars(axes: Any, labels: list[str], values: list[int], color: str, title: str) -> None:
    bars = axes.bar(labels, values, color=color)
    axes.bar_label(bars, padding=2)
    axes.set_title(title)
    axes.set_ylabel(_("Legacy records"))
    axes.margins(y=0.15)
    axes.grid(axis="y", alpha=0.3)


def _outcomes_chart(report: Report) -> Figure:
    figure = Figure(figsize=(10, 4.5), layout="constrained")
    FigureCanvasAgg(figure)
    decisions, statuses = figure.subplots(1, 2)
    _bars(
        decisions,
        [_(DECISION_LABELS[key]) for key in DECISIONS],
        [report.by_decision.get(key, 0) for key in DECISIONS],
        "#3b6ea8",
        _("Decisions of the linkage"),
    )
    decisions.set_xlabel(_("Decision"))
    _bars(
        statuses,
        [_(STATUS_LABELS[key]) for key in STATUSES],
        [report.by_status.get(key, 0) for key in STATUSES],
        "#2e7d32",
        _("Status after review and merge"),
    )
    statuses.set_xlabel(_("Status"))
    figure.suptitle(
        _("Readiness to decommission: {readiness} merged").format(
            readiness=_percent(report.readiness)
        )
    )
    return figure


def write_report(report: Report, *, out: Path) -> list[Path]:
    """Write a run's report into a directory: Markdown, JSON, and charts as PNG and SVG."""
    out.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    charts = {"scores": _scores_chart(report), "outcomes": _outcomes_chart(report)}
    for name, figure in charts.items():
        for suffix in ("png", "svg"):
            path = out / f"{name}.{suffix}"
            figure.savefig(path, format=suffix, dpi=150)
            written.append(path)
    markdown = out / "report.md"
    markdown.write_text(
        _markdown(report, {name: f"{name}.png" for name in charts}), encoding="utf-8"
    )
    data = out / "report.json"
    data.write_text(_json(report), encoding="utf-8")
    return [markdown, data, *written]
