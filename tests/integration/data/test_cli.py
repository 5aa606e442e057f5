"""``lienthong registry import|export``: summaries, reject files and exit codes."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import typer
from tests.integration.store.example import person
from typer.testing import CliRunner

from lienthong.cli import registry
from lienthong.cli.main import _Group
from lienthong.data import open_writer
from lienthong.i18n import current_language
from lienthong.node import Node

runner = CliRunner()


def cli(node: Node) -> typer.Typer:
    """Return a root command like ``lienthong``'s with only ``registry``, on a given node."""
    root = typer.Typer(cls=_Group)

    @root.callback()
    def main(ctx: typer.Context) -> None:
        current_language.set("en")
        ctx.obj = {"node": node}

    root.add_typer(registry.app, name="registry")
    return root


def invoke(node: Node, *args: str) -> tuple[int, str]:
    result = runner.invoke(cli(node), list(args), env={"LIENTHONG_LANGUAGE": "en"})
    return result.exit_code, result.output


def write(path: Path, rows: list[dict[str, Any]]) -> Path:
    with open_writer(path) as writer:
        writer.write_many(rows)
    return path


def test_a_clean_import_exits_zero_with_its_summary(node: Node, tmp_path: Path) -> None:
    source = write(tmp_path / "people.jsonl", [person("001090000001"), person("001090000002")])
    code, output = invoke(node, "registry", "import", "example", str(source), "--type", "Person")
    assert code == 0, output
    assert "2 rows read: 2 imported" in output


def test_rejected_rows_exit_three_and_name_the_reject_file(node: Node, tmp_path: Path) -> None:
    source = write(
        tmp_path / "people.jsonl",
        [person("001090000001"), person("bad"), person("001090000003", province="79")],
    )
    code, output = invoke(node, "registry", "import", "example", str(source), "-t", "Person")
    assert code == registry.EXIT_REJECTED
    assert "1 imported" in output and "2 rejected" in output
    rejects = tmp_path / "people.rejects.jsonl"
    assert str(rejects) in output.replace("\n", "")
    codes = [json.loads(line)["code"] for line in rejects.read_text(encoding="utf-8").splitlines()]
    assert codes == ["store.invalid_record", "store.not_owner"]


def test_an_error_exits_one_with_its_code(node: Node, tmp_path: Path) -> None:
    code, output = invoke(node, "registry", "import", "nothing", str(tmp_path / "a.jsonl"))
    assert code == 1
    assert "[systems.unknown]" in output


def test_export_writes_the_file_and_says_how_many(node: Node, tmp_path: Path) -> None:
    write(tmp_path / "in.jsonl", [person("001090000001")])
    invoke(node, "registry", "import", "example", str(tmp_path / "in.jsonl"), "-t", "Person")
    out = tmp_path / "out.csv"
    code, output = invoke(node, "registry", "export", "example", "--out", str(out))
    assert code == 0, output
    assert "1 records written" in output
    assert out.read_text(encoding="utf-8").startswith("record_type,pin,")


def test_every_command_explains_itself_with_an_example(node: Node) -> None:
    for command in (["registry"], ["registry", "import"], ["registry", "export"]):
        code, output = invoke(node, *command, "--help")
        assert code == 0 and ("Example:" in output or "Ví dụ:" in output)
