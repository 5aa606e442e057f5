"""The Network page: the directory's nodes, and this node's sync links with their lag."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import jinja2
import pytest
from tests.integration.web.console.pages.test_pages import _operator, client_for

from lienthong.access.policy import OperatorRole
from lienthong.monitoring.samples import AUDIT_HEAD, record_samples, series
from lienthong.node import Node
from lienthong.sync import cursors
from lienthong.sync.status import sync_status
from lienthong.web.console.pages.messages import OPERATIONS_MESSAGES, PAGE_MESSAGES
from lienthong.web.console.pages.operations import Bar, bar_chart, node_province

TEMPLATES = Path(__file__).parents[5] / "src/lienthong/web/console/templates/pages"
MINE = sorted(
    TEMPLATES / name
    for name in (
        "network.html",
        "sync.html",
        "consolidation.html",
        "consolidation_run.html",
        "consolidation_item.html",
    )
)
_LITERAL = re.compile(r"""_\(\s*(?:"((?:[^"\\]|\\.)*)"|'((?:[^'\\]|\\.)*)')\s*\)""")


@pytest.fixture
def console(node: Node) -> Iterator[Node]:
    """Central with a central operator, a Hà Nội operator and an auditor."""
    _operator(node, "lan", OperatorRole.CENTRAL)
    _operator(node, "minh", OperatorRole.PROVINCE, "01")
    _operator(node, "thu", OperatorRole.AUDITOR)
    yield node


def _links(node: Node) -> None:
    """An Giang acknowledged two of central's entries just now; TP. HCM was last heard a day ago."""
    now = datetime.now(UTC)
    with node.engine.begin() as connection:
        cursors.acknowledge(connection, peer="VN-91", positions={"VN-central": 2}, now=now)
        cursors.acknowledge(
            connection, peer="VN-79", positions={"VN-central": 0}, now=now - timedelta(days=1)
        )


def test_the_page_lists_every_node_of_the_directory_with_its_certificate_expiry(
    console: Node,
) -> None:
    client = client_for(console, "lan")
    client.cookies.set("lienthong_console_lang", "en")
    page = client.get("/network")
    assert page.status_code == 200
    assert page.text.count("<h1") == 1
    nodes = page.text[page.text.index('id="nodes"') :]
    assert "VN-central" in nodes and "VN-91" in nodes
    assert "(this node)" in nodes
    assert "lienthong — operator console" in page.text
    assert re.search(r"Version \d+ of the directory of", page.text)
    assert re.search(r"\d\d/\d\d/\d{4} \d\d:\d\d", nodes)


def test_a_link_shows_its_lag_in_entries_and_says_offline_in_words(console: Node) -> None:
    _links(console)
    client = client_for(console, "lan")
    client.cookies.set("lienthong_console_lang", "en")
    page = client.get("/network")
    links = page.text[page.text.index('id="links"') :]
    an_giang = links[links.index('<td class="govuk-table__cell">VN-91</td>') :]
    an_giang = an_giang[: an_giang.index("</tr>")]
    behind = sync_status(console, now=datetime.now(UTC)).own_last - 2
    assert f">{behind}</td>" in an_giang
    assert "offline" not in an_giang and "catching up" in an_giang
    hcm = links[links.index('<td class="govuk-table__cell">VN-79</td>') :]
    assert "<strong>offline</strong>" in hcm[: hcm.index("</tr>")]


def test_the_lag_chart_is_inline_svg_with_every_value_written(console: Node) -> None:
    _links(console)
    client = client_for(console, "lan")
    page = client.get("/network")
    chart = page.text[page.text.index("<svg") : page.text.index("</svg>")]
    assert 'role="img"' in chart and "<title" in chart
    assert "VN-91" in chart and "VN-79" in chart
    assert "<script" not in page.text


def test_without_links_the_page_says_so_and_draws_no_chart(console: Node) -> None:
    client = client_for(console, "lan")
    client.cookies.set("lienthong_console_lang", "en")
    page = client.get("/network")
    assert "No peer has synced with this node yet." in page.text
    assert "<svg" not in page.text


def test_an_auditor_may_not_see_the_network(console: Node) -> None:
    assert client_for(console, "thu").get("/network").status_code == 403
    assert client_for(console, "minh").get("/network").status_code == 200


def test_a_chart_escapes_its_labels() -> None:
    svg = bar_chart(title="<t>", bars=[Bar("<b>", 3, "3 & 4")], chart_id="c")
    assert "<b>" not in svg and "&lt;b&gt;" in svg and "3 &amp; 4" in svg


def test_a_node_serves_the_province_of_its_identifier() -> None:
    assert node_province("VN-91") == "91"
    assert node_province("VN-central") is None


def _literals(path: Path) -> list[str]:
    return [double or single for double, single in _LITERAL.findall(path.read_text("utf-8"))]


@pytest.mark.parametrize("path", MINE, ids=lambda path: path.name)
def test_every_translated_literal_of_the_templates_is_listed(path: Path) -> None:
    listed = {*PAGE_MESSAGES, *OPERATIONS_MESSAGES}
    assert [text for text in _literals(path) if text not in listed] == []
    jinja2.Environment(autoescape=True).parse(path.read_text("utf-8"))


def test_the_list_holds_nothing_the_templates_dropped() -> None:
    used = {text for path in MINE for text in _literals(path)}
    assert [text for text in OPERATIONS_MESSAGES if text not in used] == []


def test_the_history_charts_show_each_peers_silence_lag_and_the_traffic(console: Node) -> None:
    now = datetime.now(UTC)
    _links(console)
    record_samples(console, now=now - timedelta(minutes=2), keep=timedelta(hours=1))
    record_samples(console, now=now - timedelta(minutes=1), keep=timedelta(hours=1))
    client = client_for(console, "lan")
    client.cookies.set("lienthong_console_lang", "en")
    page = client.get("/network")
    history = page.text[page.text.index('id="history"') :]
    for chart_id in ("silence-history", "lag-history", "traffic-history"):
        chart = history[history.index(f'id="{chart_id}"') :]
        chart = chart[: chart.index("</svg>")]
        assert "<polyline" in chart and "<title" in chart
    silence = history[history.index('id="silence-history"') :]
    silence = silence[: silence.index("</svg>")]
    # TP. HCM was last heard from a day ago: its line's legend says so in seconds.
    assert re.search(r"VN-79: now 8\d{4} s", silence)
    assert "VN-91: now " in silence
    assert 'aria-current="page">last 60 minutes' in history


def test_a_window_without_samples_says_how_history_is_recorded(console: Node) -> None:
    for hours in (3, 2.5):
        record_samples(
            console, now=datetime.now(UTC) - timedelta(hours=hours), keep=timedelta(days=1)
        )
    client = client_for(console, "lan")
    client.cookies.set("lienthong_console_lang", "en")
    assert 'id="no-history"' in client.get("/network?window=60").text
    wider = client.get("/network?window=360").text
    assert 'id="no-history"' not in wider and 'aria-current="page">last 360 minutes' in wider
    # A window not offered falls back to the default one.
    assert 'aria-current="page">last 60 minutes' in client.get("/network?window=7").text


def test_each_node_of_the_directory_shows_its_health_as_this_node_last_heard_from_it(
    console: Node,
) -> None:
    _links(console)
    client = client_for(console, "lan")
    client.cookies.set("lienthong_console_lang", "en")
    page = client.get("/network")
    nodes = page.text[page.text.index('id="nodes"') : page.text.index('id="links"')]
    rows = {row.split("</td>")[0].split(">")[-1].split(" ")[0]: row for row in nodes.split("<tr")}
    assert "serving this console" in rows["VN-central"]
    assert "syncing: last heard from" in rows["VN-91"]


def test_the_console_served_records_the_history_while_it_runs(node: Node) -> None:
    from starlette.testclient import TestClient

    from lienthong.web.console.app import create_console

    with TestClient(create_console(node, record_history=True)) as client:
        assert client.get("/health").status_code == 200
        deadline = datetime.now(UTC) + timedelta(seconds=10)
        while not series(node, metric=AUDIT_HEAD, since=datetime.now(UTC) - timedelta(hours=1)):
            assert datetime.now(UTC) < deadline, "the console recorded nothing"
            time.sleep(0.05)
