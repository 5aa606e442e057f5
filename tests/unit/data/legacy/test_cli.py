"""``lienthong data legacy``: the files, what it prints, and one-line errors for bad arguments."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from lienthong.cli import data
from lienthong.cli.main import _Group
from lienthong.data.synthetic import Summary
from lienthong.i18n import current_language

runner = CliRunner()


@pytest.fixture(autouse=True)
def english() -> Iterator[None]:
    """Messages in English, whatever the catalogue holds."""
    token = current_language.set("en")
    yield
    current_language.reset(token)


def cli() -> typer.Typer:
    """Return a root command like ``lienthong``'s with only ``data``."""
    root = typer.Typer(cls=_Group)

    @root.callback()
    def main() -> None:
        """Root."""

    root.add_typer(data.app, name="data")
    return root


def invoke(*args: str) -> tuple[int, str]:
    result = runner.invoke(
        cli(), ["data", "legacy", *args], env={"LIENTHONG_LANGUAGE": "en", "COLUMNS": "250"}
    )
    return result.exit_code, result.output


def test_legacy_writes_the_three_files_and_says_what_it_wrote(
    registry: Summary, tmp_path: Path
) -> None:
    code, output = invoke(
        "--from", str(registry.out), "--kind", "driving", "--out", str(tmp_path),
        "--format", "dbf", "--rows", "40", "--seed", "2", "--no-progress",
    )  # fmt: skip
    assert code == 0, output
    assert sorted(path.name for path in tmp_path.iterdir()) == [
        "driving.dbf",
        "driving.mapping.toml",
        "driving.truth.csv",
    ]
    assert "driving.dbf" in output and "driving.mapping.toml" in output
    assert "40 rows" in output and "in vni" in output


def test_the_encoding_and_rates_are_options(registry: Summary, tmp_path: Path) -> None:
    code, output = invoke(
        "--from", str(registry.out), "-k", "population", "-o", str(tmp_path), "-e", "tcvn3",
        "--overlap", "1", "--duplicates", "0", "-n", "100", "--no-progress",
    )  # fmt: skip
    assert code == 0, output
    assert "100 rows (100 with a registry record, 0 duplicates) in tcvn3" in output


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (("--kind", "vehicles"), "--kind"),
        (("--kind", "land", "--format", "parquet"), "--format"),
        (("--kind", "land", "--encoding", "viscii"), "--encoding"),
        (("--kind", "land", "--overlap", "1.5"), "legacy.rate"),
        (("--kind", "land", "--province", "99"), "legacy.unknown_province"),
    ],
)
def test_bad_arguments_fail_with_a_message(
    registry: Summary, tmp_path: Path, args: tuple[str, ...], expected: str
) -> None:
    code, output = invoke(
        "--from", str(registry.out), "--out", str(tmp_path / "out"), "--no-progress", *args
    )
    assert code != 0
    assert expected in output
    assert not (tmp_path / "out").exists() or not list((tmp_path / "out").iterdir())


def test_a_directory_not_written_by_generate_fails_with_a_message(tmp_path: Path) -> None:
    code, output = invoke(
        "--from", str(tmp_path), "--kind", "land", "--out", str(tmp_path / "out"), "--no-progress"
    )
    assert code != 0
    assert "legacy.not_generated" in output and "data generate" in output
