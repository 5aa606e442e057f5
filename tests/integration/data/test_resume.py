"""An import killed mid-way resumes where it stopped and writes each row exactly once."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import Engine
from tests.integration.store.example import person

from lienthong.data import import_file, open_writer
from lienthong.node import Node
from lienthong.store.models import change_log, current_records, records

ROOT = Path(__file__).resolve().parents[3]

#: Runs an import in another process and kills it (SIGKILL) at a chosen moment: right
#: after the checkpoint of batch 3, or after batch 3 committed but before its checkpoint.
KILLER = textwrap.dedent(
    """
    import os, signal, sys
    from pathlib import Path
    from lienthong.data import importing
    from lienthong.store import create_engine
    from tests.integration.data.conftest import make_node

    url, state, source, moment = sys.argv[1:]
    node = make_node(create_engine(url), Path(state))
    save = importing._write_atomically
    saved = 0

    def die() -> None:
        os.kill(os.getpid(), signal.SIGKILL)

    def write_checkpoint(path, data):
        global saved
        saved += 1
        if moment == "before_checkpoint" and saved == 3:
            die()
        save(path, data)
        if moment == "after_checkpoint" and saved == 3:
            die()

    importing._write_atomically = write_checkpoint
    importing.import_file(node=node, system="example", path=source, batch_size=10)
    """
)


@pytest.mark.parametrize(
    ("moment", "resumed_from"), [("after_checkpoint", 30), ("before_checkpoint", 20)]
)
def test_an_import_killed_mid_way_resumes_and_writes_each_row_once(
    node: Node, engine: Engine, tmp_path: Path, moment: str, resumed_from: int
) -> None:
    source = tmp_path / "people.jsonl"
    rows = [{"record_type": "Person", **person(f"001090{n:06d}")} for n in range(55)]
    # Row 25, in batch 3, is rejected: its reject line must not be written twice either.
    rows.insert(24, {"record_type": "Person", "pin": "bad"})
    with open_writer(source) as writer:
        writer.write_many(rows)
    url = engine.url.render_as_string(hide_password=False)

    killed = subprocess.run(
        [sys.executable, "-c", KILLER, url, str(node.settings.state_dir), str(source), moment],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert killed.returncode == -signal.SIGKILL, killed.stderr

    summary = import_file(node=node, system="example", path=source, batch_size=10)

    assert summary.resumed_from == resumed_from
    assert (summary.rows_read, summary.rejected) == (56, 1)
    # A batch replayed after a kill between commit and checkpoint is skipped, not rewritten.
    assert summary.imported + summary.skipped == 55
    with engine.connect() as connection:
        versions = connection.execute(select(func.max(records.c.version))).scalar_one()
        totals = [
            connection.execute(select(func.count()).select_from(table)).scalar_one()
            for table in (records, current_records, change_log)
        ]
    assert (versions, totals) == (1, [55, 55, 55])
    rejects = (tmp_path / "people.rejects.jsonl").read_text(encoding="utf-8").splitlines()
    assert [json.loads(line)["row"] for line in rejects] == [25]
