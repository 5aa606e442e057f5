"""A run's report on disk: Markdown in the reader's language, JSON, and legible charts."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from lienthong.i18n import current_language
from lienthong.linkage.report import BINS, Report, write_report
from lienthong.linkage.service import Run

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def hand_made(total: int = 1000) -> Report:
    """A run of a thousand legacy owners: 600 merged, the rest left for four reasons."""
    run = Run(
        run_id="0123456789abcdef0123456789abcdef",
        created_at=datetime(2025, 10, 15, 3, 0, tzinfo=UTC),
        created_by="can.bo@stnmt.hcm",
        system="land",
        record_type="Person",
        source_system="HCM-land-1998",
        source="legacy/chu_so_huu.dbf",
        mapping="",
        model_version="person-2025-10",
        match_threshold=0.95,
        review_threshold=0.5,
        total=total,
        by_decision={"match": 500, "review": 250, "new": 200, "reject": 50},
        by_status={"pending": 100, "linked": 40, "new": 60, "rejected": 200, "merged": 600},
    )
    counts = [150] + [5] * (BINS - 3) + [40, 640]
    return Report(
        run=run,
        total=total,
        by_decision=run.by_decision,
        by_status=run.by_status,
        match_rate=0.58,
        histogram=[(i / BINS, (i + 1) / BINS, count) for i, count in enumerate(counts)],
        readiness=0.6,
        left={"rejected": 200, "pending": 100, "unmergeable": 20, "not_merged": 80},
    )


@pytest.fixture
def english() -> Iterator[None]:
    token = current_language.set("en")
    yield
    current_language.reset(token)


def test_the_report_is_written_as_markdown_json_and_charts(tmp_path: Path, english: None) -> None:
    paths = write_report(hand_made(), out=tmp_path / "report")
    assert sorted(path.name for path in paths) == [
        "outcomes.png",
        "outcomes.svg",
        "report.json",
        "report.md",
        "scores.png",
        "scores.svg",
    ]
    assert all(path.parent == tmp_path / "report" and path.stat().st_size > 0 for path in paths)


def test_the_charts_are_real_png_and_svg_images(tmp_path: Path, english: None) -> None:
    write_report(hand_made(), out=tmp_path)
    for name in ("scores", "outcomes"):
        png = (tmp_path / f"{name}.png").read_bytes()
        assert png.startswith(PNG_SIGNATURE)
        # The IHDR chunk: width and height, big-endian, legible at 150 dpi.
        width, height = int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")
        assert width >= 1000 and height >= 600
        svg = (tmp_path / f"{name}.svg").read_text(encoding="utf-8")
        assert "<svg" in svg


def test_the_json_holds_the_counts_readiness_and_histogram(tmp_path: Path, english: None) -> None:
    write_report(hand_made(), out=tmp_path)
    data = json.loads((tmp_path / "report.json").read_text(encoding="utf-8"))
    assert (data["total"], data["readiness"], data["match_rate"]) == (1000, 0.6, 0.58)
    assert data["left"] == {"rejected": 200, "pending": 100, "unmergeable": 20, "not_merged": 80}
    assert data["by_status"]["merged"] == 600
    assert data["run"]["created_at"] == "2025-10-15T03:00:00+00:00"
    assert len(data["histogram"]) == BINS
    assert data["histogram"][-1] == {"low": 0.95, "high": 1.0, "count": 640}


def test_the_markdown_says_how_ready_the_legacy_system_is_and_what_is_left(
    tmp_path: Path, english: None
) -> None:
    write_report(hand_made(), out=tmp_path)
    text = (tmp_path / "report.md").read_text(encoding="utf-8")
    assert "HCM-land-1998" in text
    assert "**60.0 %** of the 1000 legacy records are now served by the national system" in text
    assert "| pairs waiting for review | 100 |" in text
    assert "| new records that cannot be created | 20 |" in text
    assert "| merged | 600 |" in text
    # Shown as Vietnam shows times: dd/mm/yyyy in Asia/Ho_Chi_Minh.
    assert "15/10/2025 10:00" in text
    assert "![Distribution of match probabilities](scores.png)" in text


def test_the_markdown_follows_the_current_language(tmp_path: Path) -> None:
    token = current_language.set("en")
    try:
        write_report(hand_made(), out=tmp_path / "en")
    finally:
        current_language.reset(token)
    token = current_language.set("vi")
    try:
        write_report(hand_made(), out=tmp_path / "vi")
    finally:
        current_language.reset(token)
    english_text = (tmp_path / "en" / "report.md").read_text(encoding="utf-8")
    assert english_text.startswith("# Consolidation report: HCM-land-1998 into Person")
    # Both are whole reports of the same run, whatever the catalogue holds yet.
    vietnamese = (tmp_path / "vi" / "report.md").read_text(encoding="utf-8")
    assert "HCM-land-1998" in vietnamese and "600" in vietnamese


def test_a_run_without_items_still_gets_a_report(tmp_path: Path, english: None) -> None:
    empty = hand_made()
    empty = Report(
        run=empty.run,
        total=0,
        by_decision=dict.fromkeys(empty.by_decision, 0),
        by_status=dict.fromkeys(empty.by_status, 0),
        match_rate=0.0,
        histogram=[(low, high, 0) for low, high, _count in empty.histogram],
        readiness=0.0,
        left=dict.fromkeys(empty.left, 0),
    )
    paths = write_report(empty, out=tmp_path)
    assert (tmp_path / "scores.png").read_bytes().startswith(PNG_SIGNATURE)
    assert len(paths) == 6
