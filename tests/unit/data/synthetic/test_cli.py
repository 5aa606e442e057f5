"""``lienthong data generate``: files, summary, and one-line errors for bad arguments."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from lienthong.cli import data
from lienthong.cli.main import _Group
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
    result = runner.invoke(cli(), list(args), env={"LIENTHONG_LANGUAGE": "en"})
    return result.exit_code, result.output


def test_generate_writes_the_files_and_says_what_it_wrote(tmp_path: Path) -> None:
    code, output = invoke(
        "data", "generate", "--people", "300", "--seed", "4", "--out", str(tmp_path),
        "--no-progress", "--province", "91", "-p", "01",
    )  # fmt: skip
    assert code == 0, output
    manifest = json.loads((tmp_path / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["provinces"] == ["01", "91"]
    assert "01-population-Person.jsonl" in output
    assert "people and" in output and "persons/s" in output


def test_the_format_option_picks_the_files_suffix(tmp_path: Path) -> None:
    code, output = invoke(
        "data", "generate", "-n", "50", "-o", str(tmp_path), "-f", "parquet", "--no-progress"
    )
    assert code == 0, output
    assert (tmp_path / "04-vehicles-Vehicle.parquet").is_file()


def test_a_negative_number_of_people_is_a_one_line_error(tmp_path: Path) -> None:
    code, output = invoke("data", "generate", "--people=-5", "--out", str(tmp_path))
    assert code == 1
    assert "[synthetic.people]" in output


def test_an_unknown_province_is_a_one_line_error(tmp_path: Path) -> None:
    code, output = invoke(
        "data", "generate", "-n", "10", "-o", str(tmp_path), "--province", "89", "--no-progress"
    )
    assert code == 1
    assert "[synthetic.unknown_province]" in output and "89" in output


def test_an_unwritable_directory_is_a_one_line_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    code, output = invoke(
        "data", "generate", "-n", "10", "-o", str(blocker / "out"), "--no-progress"
    )
    assert code == 1
    assert "[synthetic.out_not_writable]" in output


def test_a_negative_enterprise_rate_is_refused(tmp_path: Path) -> None:
    code, output = invoke(
        "data", "generate", "-n", "10", "-o", str(tmp_path), "--enterprises-per-1000", "-1",
        "--no-progress",
    )  # fmt: skip
    assert code == 1
    assert "[synthetic.rate]" in output
