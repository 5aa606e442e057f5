"""The service markers skip locally but fail under CI=true."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PLUGIN = "tests.plugins.services"
TEST = """
import pytest

@pytest.mark.postgres
def test_needs_postgres(postgres_url):
    assert postgres_url
"""


@pytest.fixture
def unreachable(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> pytest.Pytester:
    # Port 9 on loopback (discard) has no listener here: the service is "absent".
    monkeypatch.setenv("LIENTHONG_TEST_POSTGRES_URL", "postgresql://nobody@127.0.0.1:9/none")
    monkeypatch.setenv("PYTHONPATH", str(ROOT))
    pytester.makeini("[pytest]\nmarkers =\n    postgres: x\n    nats: x\n")
    pytester.makepyfile(TEST)
    return pytester


def test_an_absent_service_skips_with_its_reason(
    unreachable: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("CI", raising=False)
    result = unreachable.runpytest_subprocess("-p", PLUGIN, "-rs")
    result.assert_outcomes(skipped=1)
    result.stdout.fnmatch_lines(["*postgres is not reachable at 127.0.0.1:9*"])


def test_an_absent_service_fails_the_run_under_ci(
    unreachable: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CI", "true")
    result = unreachable.runpytest_subprocess("-p", PLUGIN)
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*CI=true requires every service test to run*"])
    assert result.ret != 0
