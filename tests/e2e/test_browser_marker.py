"""Browser tests skip with the reason where Chromium is missing, and fail under CI=true."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PLUGIN = "tests.plugins.services"
TEST = """
import pytest

@pytest.mark.browser
def test_needs_a_browser():
    # The plugin must stop this test before it runs: there is no browser.
    pytest.fail("a browser test ran without Chromium")
"""


@pytest.fixture
def no_chromium(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> pytest.Pytester:
    monkeypatch.setenv("LIENTHONG_TEST_CHROMIUM", str(tmp_path / "no-chromium"))
    monkeypatch.setenv("PYTHONPATH", str(ROOT))
    pytester.makeini("[pytest]\nmarkers =\n    browser: x\n")
    pytester.makepyfile(TEST)
    return pytester


def test_a_missing_chromium_skips_with_how_to_install_it(
    no_chromium: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("CI", raising=False)
    result = no_chromium.runpytest_subprocess("-p", PLUGIN, "-rs")
    result.assert_outcomes(skipped=1)
    result.stdout.fnmatch_lines(["*Chromium is not installed at*apt-get install chromium*"])


def test_a_missing_chromium_fails_the_run_under_ci(
    no_chromium: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CI", "true")
    result = no_chromium.runpytest_subprocess("-p", PLUGIN)
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*CI=true requires every service test to run*Chromium*"])
