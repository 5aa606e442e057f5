"""Every string the Registries, Audit and Directory templates translate is extracted from Python."""

from __future__ import annotations

import re
from pathlib import Path

import jinja2
import pytest

from lienthong.web.console.pages.messages import PAGE_MESSAGES

TEMPLATES = Path(__file__).parents[5] / "src/lienthong/web/console/templates/pages"
MINE = sorted(
    TEMPLATES / name
    for name in (
        "_errors.html",
        "registries.html",
        "record.html",
        "record_missing.html",
        "audit.html",
        "audit_entry.html",
        "audit_missing.html",
        "directory.html",
    )
)
_LITERAL = re.compile(r"""_\(\s*(?:"((?:[^"\\]|\\.)*)"|'((?:[^'\\]|\\.)*)')\s*\)""")


def literals(text: str) -> list[str]:
    """Return the string literals passed to _ in a template."""
    return [double or single for double, single in _LITERAL.findall(text)]


@pytest.mark.parametrize("path", MINE, ids=lambda path: path.name)
def test_every_translated_literal_of_a_template_is_listed(path: Path) -> None:
    missing = [text for text in literals(path.read_text("utf-8")) if text not in PAGE_MESSAGES]
    assert missing == []


@pytest.mark.parametrize("path", MINE, ids=lambda path: path.name)
def test_every_template_parses(path: Path) -> None:
    jinja2.Environment(autoescape=True).parse(path.read_text("utf-8"))


def test_the_list_holds_nothing_the_templates_dropped() -> None:
    used = {text for path in MINE for text in literals(path.read_text("utf-8"))}
    assert [text for text in PAGE_MESSAGES if text not in used] == []


def test_a_literal_is_found_in_either_quotes() -> None:
    assert literals("""{{ _("Grant") }} {{ _('Pages of results') }} {{ x._y }}""") == [
        "Grant",
        "Pages of results",
    ]
