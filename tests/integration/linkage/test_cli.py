"""``lienthong consolidate``: a legacy file of TP. Hồ Chí Minh linked, reviewed, merged, reported.

The node is real (SQLite, the core registries) and seeded with a synthetic province; the
legacy extract is made from the same data with its damage and its ground truth.
"""

from __future__ import annotations

import csv
import shutil
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from lienthong.cli import consolidate
from lienthong.cli.main import _Group
from lienthong.data import import_file
from lienthong.data.legacy import make_legacy
from lienthong.data.synthetic import generate
from lienthong.i18n import current_language
from lienthong.linkage import service
from lienthong.linkage.readers import open_source
from lienthong.node import Node, open_node
from lienthong.settings import load_settings
from lienthong.systems.core import core_registry

runner = CliRunner()
PROVINCE = "79"
NODE_ID = "VN-79"


@dataclass(frozen=True)
class Seeded:
    """A seeded node's store and a legacy extract of its population, made once per module."""

    database: Path
    extract: Path
    truth: dict[str, str]
    mapping: Path


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> Seeded:
    root = tmp_path_factory.mktemp("consolidate")
    data = root / "data"
    generate(people=2500, seed=3, out=data, provinces=(PROVINCE,))
    node = _open(root / "state")
    try:
        import_file(
            node=node,
            system="population",
            path=data / "01-population-Person.jsonl",
            record_type="Person",
        )
    finally:
        node.close()
    legacy = make_legacy(
        source=data,
        kind="population",
        out=root / "legacy",
        seed=5,
        province=PROVINCE,
        encoding="tcvn3",
    )
    with legacy.truth.open(encoding="utf-8", newline="") as stream:
        truth = {row["legacy_id"]: row["registry_id"] for row in csv.DictReader(stream)}
    return Seeded(root / "state" / "node.sqlite", legacy.extract, truth, legacy.mapping)


def _open(state: Path) -> Node:
    settings = load_settings(state_dir=state, node_id=NODE_ID, database_url=None)
    return open_node(settings, systems=core_registry())


@pytest.fixture
def node(seeded: Seeded, tmp_path: Path) -> Iterator[Node]:
    """A copy of the seeded node, so every test starts from the same registry."""
    state = tmp_path / "state"
    state.mkdir()
    shutil.copy(seeded.database, state / "node.sqlite")
    opened = _open(state)
    yield opened
    opened.close()


def invoke(node: Node, *args: str) -> tuple[int, str]:
    root = typer.Typer(cls=_Group)

    @root.callback()
    def main(ctx: typer.Context) -> None:
        current_language.set("en")
        ctx.obj = {"node": node, "settings": node.settings}

    root.add_typer(consolidate.app, name="consolidate")
    result = runner.invoke(root, ["consolidate", *args], env={"LIENTHONG_LANGUAGE": "en"})
    return result.exit_code, result.output


def link(node: Node, seeded: Seeded, out: Path, *extra: str, input: Path | str = "") -> str:
    code, output = invoke(
        node,
        "link",
        "--system",
        "population",
        "--input",
        str(input or seeded.extract),
        "--mapping",
        str(seeded.mapping),
        "--out",
        str(out),
        "--actor",
        "clerk-79",
        *extra,
    )
    assert code == 0, output
    return output


def read_links(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as stream:
        reader = csv.DictReader(stream)
        assert reader.fieldnames == ["legacy_id", "registry_id", "match_probability", "decision"]
        return list(reader)


def only_run(node: Node) -> service.Run:
    with node.unit_of_work(read_only=True) as uow:
        (run,) = service.list_runs(uow=uow)
    return run


def test_link_writes_one_row_per_legacy_record_mostly_right(
    node: Node, seeded: Seeded, tmp_path: Path
) -> None:
    out = tmp_path / "links.csv"
    output = link(node, seeded, out)
    links = read_links(out)
    assert {row["legacy_id"] for row in links} == set(seeded.truth)
    assert {row["decision"] for row in links} <= {"match", "review", "new", "reject"}
    matches = [row for row in links if row["decision"] == "match"]
    right = sum(row["registry_id"] == seeded.truth[row["legacy_id"]] for row in matches)
    assert right / len(matches) > 0.97
    held = sum(1 for registry_id in seeded.truth.values() if registry_id)
    assert len(matches) / held > 0.8
    assert all(not row["registry_id"] for row in links if row["decision"] == "new")
    assert "Model trained and saved" in output
    assert (tmp_path / "links.model.json").is_file()
    run = only_run(node)
    assert run.total == len(links)
    assert run.created_by == "clerk-79"
    assert run.source_system == "HCM-DANCU"


def test_a_saved_model_is_reused(node: Node, seeded: Seeded, tmp_path: Path) -> None:
    link(node, seeded, tmp_path / "first.csv", "--model", str(tmp_path / "model.json"))
    output = link(node, seeded, tmp_path / "second.csv", "--model", str(tmp_path / "model.json"))
    assert "Model reused" in output
    assert read_links(tmp_path / "first.csv") == read_links(tmp_path / "second.csv")


@pytest.mark.parametrize("kind", ["xlsx", "dbf", "sql"])
def test_link_reads_xlsx_dbf_and_sql_sources_as_it_reads_csv(
    node: Node, seeded: Seeded, tmp_path: Path, kind: str
) -> None:
    baseline = tmp_path / "csv.csv"
    model = tmp_path / "model.json"
    link(node, seeded, baseline, "--model", str(model))
    source, extra = _convert(seeded.extract, tmp_path, kind)
    out = tmp_path / f"{kind}.csv"
    link(node, seeded, out, "--model", str(model), *extra, input=source)
    assert read_links(out) == read_links(baseline)


def _convert(extract: Path, tmp_path: Path, kind: str) -> tuple[str, tuple[str, ...]]:
    """Return the same legacy records in another kind of source, and its options."""
    if kind in ("xlsx", "dbf"):
        again = make_legacy(
            source=extract.parent.parent / "data",
            kind="population",
            out=tmp_path / kind,
            seed=5,
            province=PROVINCE,
            encoding="tcvn3",
            format=kind,
        )
        return str(again.extract), ()
    with open_source(extract) as source:
        columns = list(source.columns)
        # A legacy database holds the same TCVN3 bytes as the file, as BLOBs.
        rows = [list(row.values.values()) for row in source.rows()]
    database = tmp_path / "legacy.db"
    with sqlite3.connect(database) as connection:
        connection.execute(f"CREATE TABLE dan_cu ({', '.join(f'{c} TEXT' for c in columns)})")
        connection.executemany(
            f"INSERT INTO dan_cu VALUES ({', '.join('?' for _ in columns)})", rows
        )
    return f"sqlite:///{database}", ("--table", "dan_cu")


def test_review_lists_the_queue_side_by_side_and_decide_records_a_verdict(
    node: Node, seeded: Seeded, tmp_path: Path
) -> None:
    link(node, seeded, tmp_path / "links.csv", "--match-threshold", "0.9999")
    run = only_run(node)
    code, output = invoke(node, "review", "--run", run.run_id, "--list", "--limit", "3")
    assert code == 0, output
    assert "legacy" in output and "Why 1:" in output
    with node.unit_of_work(read_only=True) as uow:
        first = service.review_queue(uow=uow, run_id=run.run_id, limit=1)[0]
    code, output = invoke(node, "decide", "--run", run.run_id, first.legacy_id, "accept")
    assert code == 0, output
    with node.unit_of_work(read_only=True) as uow:
        decided = service.get_item(uow=uow, run_id=run.run_id, legacy_id=first.legacy_id)
    assert decided.status == "linked" and decided.reviewer
    code, output = invoke(node, "decide", "--run", run.run_id, first.legacy_id, "maybe")
    assert code == 1 and "linkage.review.verdict" in output


def test_review_asks_at_the_keyboard(node: Node, seeded: Seeded, tmp_path: Path) -> None:
    link(node, seeded, tmp_path / "links.csv", "--match-threshold", "0.9999")
    run = only_run(node)
    root = typer.Typer(cls=_Group)

    @root.callback()
    def main(ctx: typer.Context) -> None:
        current_language.set("en")
        ctx.obj = {"node": node, "settings": node.settings}

    root.add_typer(consolidate.app, name="consolidate")
    result = runner.invoke(
        root,
        ["consolidate", "review", "--run", run.run_id, "--interactive", "--limit", "3"],
        input="x\nr\ns\nq\n",
    )
    assert result.exit_code == 0, result.output
    assert "Type a, 1–3, r, n, s or q." in result.output
    assert result.output.count("Recorded: rejected.") == 1
    with node.unit_of_work(read_only=True) as uow:
        statuses = service.get_run(uow=uow, run_id=run.run_id).by_status
    assert statuses.get("rejected", 0) == 1


def test_merge_report_and_undo(node: Node, seeded: Seeded, tmp_path: Path) -> None:
    link(node, seeded, tmp_path / "links.csv")
    run = only_run(node)
    code, output = invoke(node, "merge", "--run", run.run_id, "--actor", "clerk-79")
    assert code == 0, output
    merge_id = output.split("Merge ", 1)[1].split(":", 1)[0]
    code, output = invoke(node, "report", "--run", run.run_id, "--out", str(tmp_path / "report"))
    assert code == 0, output
    assert "decommission readiness" in output
    assert (tmp_path / "report" / "report.md").is_file()
    assert (tmp_path / "report" / "scores.png").read_bytes().startswith(b"\x89PNG")
    code, output = invoke(node, "undo", merge_id)
    assert code == 0, output
    assert f"Merge {merge_id} undone" in output
    code, output = invoke(node, "undo", merge_id)
    assert code == 1 and "linkage.undo" in output


def test_a_mapping_for_another_system_is_refused(
    node: Node, seeded: Seeded, tmp_path: Path
) -> None:
    code, output = invoke(
        node,
        "link",
        "--system",
        "land",
        "--input",
        str(seeded.extract),
        "--mapping",
        str(seeded.mapping),
        "--out",
        str(tmp_path / "links.csv"),
    )
    assert code == 1
    assert "linkage.mapping.other_system" in output
    assert not (tmp_path / "links.csv").exists()


def test_a_missing_column_stops_before_anything_is_written(
    node: Node, seeded: Seeded, tmp_path: Path
) -> None:
    mapping = tmp_path / "map.toml"
    mapping.write_text(
        seeded.mapping.read_text(encoding="utf-8").replace('"HO_TEN"', '"HO_VA_TEN"'),
        encoding="utf-8",
    )
    code, output = invoke(
        node,
        "link",
        "--system",
        "population",
        "--input",
        str(seeded.extract),
        "--mapping",
        str(mapping),
        "--out",
        str(tmp_path / "links.csv"),
    )
    assert code == 1
    assert "linkage.mapping.missing_column" in output and "HO_VA_TEN" in output
    assert list(tmp_path.glob("links*")) == []
    with node.unit_of_work(read_only=True) as uow:
        assert service.list_runs(uow=uow) == []


def test_a_file_cut_short_stops_with_its_name_and_leaves_nothing(
    node: Node, seeded: Seeded, tmp_path: Path
) -> None:
    cut = tmp_path / "cut.csv"
    data = seeded.extract.read_bytes()
    cut.write_bytes(data[: len(data) // 2].rstrip(b"\n") + b',"unfinished')
    code, output = invoke(
        node,
        "link",
        "--system",
        "population",
        "--input",
        str(cut),
        "--mapping",
        str(seeded.mapping),
        "--out",
        str(tmp_path / "links.csv"),
    )
    assert code == 1
    assert "linkage.source.truncated" in output and "cut.csv" in output
    assert not (tmp_path / "links.csv").exists()
    with node.unit_of_work(read_only=True) as uow:
        assert service.list_runs(uow=uow) == []


def test_rows_that_cannot_be_read_are_rejected_with_their_reason(
    node: Node, seeded: Seeded, tmp_path: Path
) -> None:
    damaged = tmp_path / "damaged.csv"
    lines = seeded.extract.read_bytes().split(b"\n")
    lines[3] = lines[3].rstrip(b"\r") + b",extra,fields\r"
    damaged.write_bytes(b"\n".join(lines))
    out = tmp_path / "links.csv"
    output = link(node, seeded, out, input=damaged)
    links = {row["legacy_id"]: row for row in read_links(out)}
    rejected = [row for row in links.values() if row["decision"] == "reject"]
    assert len(rejected) == 1
    assert "Rejected rows" in output
    with (tmp_path / "links.rejects.csv").open(encoding="utf-8") as stream:
        (reason,) = list(csv.DictReader(stream))
    assert reason["code"] == "linkage.source.row_shape" and reason["row"] == "3"


def test_profile_proposes_a_mapping_that_links(node: Node, seeded: Seeded, tmp_path: Path) -> None:
    mapping = tmp_path / "proposed.toml"
    code, output = invoke(
        node, "profile", str(seeded.extract), "--mapping-out", str(mapping), "--source-system", "X"
    )
    assert code == 0, output
    assert "tcvn3" in output and "HO_TEN" in output
    text = mapping.read_text(encoding="utf-8")
    assert "[fields.full_name]" in text and 'column = "HO_TEN"' in text
