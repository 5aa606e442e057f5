"""Every string the console's own templates translate is listed in Python, where extraction finds it."""

from __future__ import annotations

import re
from pathlib import Path

from lienthong.web.console.messages import TEMPLATE_MESSAGES

TEMPLATES = Path(__file__).resolve().parents[4] / "src/lienthong/web/console/templates"
#: ``_("…")`` and ``_('…')`` with a literal msgid.
LITERAL = re.compile(r"""\b_\(\s*(?:"((?:[^"\\]|\\.)*)"|'((?:[^'\\]|\\.)*)')\s*\)""")


def _literals(path: Path) -> set[str]:
    text = path.read_text(encoding="utf-8")
    return {double or single for double, single in LITERAL.findall(text)}


def test_the_console_templates_are_found() -> None:
    names = {path.name for path in TEMPLATES.glob("*.html")}
    assert {"base.html", "login.html", "home.html", "error.html"} <= names


def test_every_literal_msgid_of_the_console_templates_is_in_template_messages() -> None:
    # The pages' templates (templates/pages/) list theirs in the pages' own module.
    for path in TEMPLATES.glob("*.html"):
        missing = _literals(path) - set(TEMPLATE_MESSAGES)
        assert not missing, f"{path.name} translates strings not in TEMPLATE_MESSAGES: {missing}"


def test_no_msgid_is_listed_that_no_template_uses() -> None:
    used = set().union(*(_literals(path) for path in TEMPLATES.glob("*.html")))
    assert set(TEMPLATE_MESSAGES) - used == set()
