"""``lienthong audit verify / checkpoint / tail`` on the node's own database."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
import typer
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import update
from sqlalchemy.engine import Engine
from tests.integration.exchange.audit.helpers import WITNESS, fill
from typer.testing import CliRunner

from lienthong.cli import audit as audit_cli
from lienthong.errors import LienthongError
from lienthong.exchange.audit import (
    checkpoint_at,
    record_cosignature,
    witness_checkpoint,
)
from lienthong.exchange.audit.merkle import verify_inclusion
from lienthong.exchange.audit.models import audit_log
from lienthong.exchange.keys import NodePaths, public_key_text, write_private_key
from lienthong.i18n import current_language
from lienthong.settings import load_settings

runner = CliRunner()
NODE = "VN/GOV/BTC/node"


@pytest.fixture
def settings_kwargs(tmp_path: Path, engine: Engine) -> dict[str, Any]:
    return {
        "state_dir": tmp_path / "state",
        "node_id": NODE,
        "language": "en",
        "database_url": engine.url.render_as_string(hide_password=False),
    }


@pytest.fixture
def key(settings_kwargs: dict[str, Any]) -> Ed25519PrivateKey:
    """The node's signing key, in its state directory."""
    signing = Ed25519PrivateKey.generate()
    write_private_key(NodePaths(settings_kwargs["state_dir"]).signing_key, signing)
    return signing


def app_for(settings_kwargs: dict[str, Any]) -> typer.Typer:
    """Mount the commands as the lienthong root does, with settings in the context."""
    app = typer.Typer()

    @app.callback()
    def root(ctx: typer.Context) -> None:
        settings = load_settings(**settings_kwargs)
        current_language.set(settings.language)
        ctx.obj = {"settings": settings, "config_file": None}

    app.add_typer(audit_cli.app, name="audit")
    return app


def test_checkpoint_signs_the_log_and_verify_reports_it_intact(
    engine: Engine, settings_kwargs: dict[str, Any], key: Ed25519PrivateKey
) -> None:
    fill(engine, 9)
    app = app_for(settings_kwargs)
    made = runner.invoke(app, ["audit", "checkpoint"])
    assert made.exit_code == 0, made.output
    assert "Checkpoint of 9 entries" in made.stdout and NODE in made.stdout
    checked = runner.invoke(app, ["audit", "verify"])
    assert checked.exit_code == 0, checked.output
    assert checked.stdout.strip().splitlines() == [
        "The audit log is intact: 9 entries, 1 checkpoints signed by the node,"
        " 0 co-signatures checked."
    ]


def test_the_inclusion_proof_verify_prints_verifies(
    engine: Engine, settings_kwargs: dict[str, Any], key: Ed25519PrivateKey
) -> None:
    fill(engine, 11)
    app = app_for(settings_kwargs)
    assert runner.invoke(app, ["audit", "checkpoint"]).exit_code == 0
    shown = runner.invoke(app, ["audit", "verify", "--entry", "6"])
    assert shown.exit_code == 0, shown.output
    text = shown.stdout
    leaf = bytes.fromhex(re.search(r"Leaf hash: ([0-9a-f]{64})", text).group(1))  # type: ignore[union-attr]
    root = bytes.fromhex(re.search(r"Root hash: ([0-9a-f]{64})", text).group(1))  # type: ignore[union-attr]
    path = [bytes.fromhex(value) for value in re.findall(r"^\s+\d+\. ([0-9a-f]{64})$", text, re.M)]
    with engine.connect() as connection:
        signed = checkpoint_at(connection=connection, tree_size=11)
    assert root == signed.root
    assert verify_inclusion(leaf, 5, 11, path, signed.root)
    assert "The proof verifies." in text


def test_verify_speaks_json_for_scripts(
    engine: Engine, settings_kwargs: dict[str, Any], key: Ed25519PrivateKey
) -> None:
    fill(engine, 4)
    app = app_for(settings_kwargs)
    runner.invoke(app, ["audit", "checkpoint"])
    shown = runner.invoke(app, ["audit", "verify", "--entry", "4", "--format", "json"])
    data = json.loads(shown.stdout)
    assert data["ok"] and data["entries"] == 4
    proof = data["inclusion_proof"]
    assert verify_inclusion(
        bytes.fromhex(proof["leaf_hash"]),
        proof["leaf_index"],
        proof["tree_size"],
        [bytes.fromhex(value) for value in proof["path"]],
        bytes.fromhex(data["inclusion_proof"]["checkpoint"]["root_hash"]),
    )


def test_a_tampered_log_exits_1_with_a_table_of_problems(
    engine: Engine, settings_kwargs: dict[str, Any], key: Ed25519PrivateKey
) -> None:
    fill(engine, 5)
    app = app_for(settings_kwargs)
    runner.invoke(app, ["audit", "checkpoint"])
    with engine.begin() as connection:
        connection.execute(update(audit_log).where(audit_log.c.sequence == 2).values(status=500))
    checked = runner.invoke(app, ["audit", "verify", "--entry", "3"])
    assert checked.exit_code == 1
    assert re.search(r"audit\.entry\.edited\s+│\s+2\s+│", checked.stdout), checked.stdout
    assert "Leaf hash" not in checked.stdout


def test_co_signatures_are_checked_with_the_witness_key_given_as_text_or_file(
    engine: Engine, settings_kwargs: dict[str, Any], key: Ed25519PrivateKey, tmp_path: Path
) -> None:
    fill(engine, 3)
    app = app_for(settings_kwargs)
    runner.invoke(app, ["audit", "checkpoint"])
    witness = Ed25519PrivateKey.generate()
    with engine.begin() as connection:
        made = checkpoint_at(connection=connection, tree_size=3)
        signature = witness_checkpoint(
            checkpoint=made,
            previous=None,
            proof=[],
            node_key=key.public_key(),
            witness_id=WITNESS,
            witness_key=witness,
        )
        record_cosignature(
            connection=connection,
            tree_size=3,
            witness_id=WITNESS,
            signature=signature,
            witness_key=witness.public_key(),
        )
    as_text = runner.invoke(app, ["audit", "verify", "--witness-key", public_key_text(witness)])
    assert as_text.exit_code == 0 and "1 co-signatures checked" in as_text.stdout
    pem = tmp_path / "witness.pub"
    pem.write_bytes(
        witness.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    )
    as_file = runner.invoke(app, ["audit", "verify", "--witness-key", str(pem)])
    assert as_file.exit_code == 0 and "1 co-signatures checked" in as_file.stdout
    impostor = public_key_text(Ed25519PrivateKey.generate())
    wrong = runner.invoke(app, ["audit", "verify", "--witness-key", impostor])
    assert wrong.exit_code == 1 and "audit.witness.signature" in wrong.stdout


def test_another_node_key_does_not_verify_the_checkpoints(
    engine: Engine, settings_kwargs: dict[str, Any], key: Ed25519PrivateKey
) -> None:
    fill(engine, 2)
    app = app_for(settings_kwargs)
    runner.invoke(app, ["audit", "checkpoint"])
    other = public_key_text(Ed25519PrivateKey.generate())
    checked = runner.invoke(app, ["audit", "verify", "--node-key", other])
    assert checked.exit_code == 1 and "audit.checkpoint.signature" in checked.stdout
    own = runner.invoke(app, ["audit", "verify", "--node-key", public_key_text(key)])
    assert own.exit_code == 0


def test_a_key_that_is_not_one_is_refused(
    settings_kwargs: dict[str, Any], key: Ed25519PrivateKey
) -> None:
    result = runner.invoke(app_for(settings_kwargs), ["audit", "verify", "--witness-key", "nope"])
    assert isinstance(result.exception, LienthongError)
    assert result.exception.code == "audit.key.unreadable"


def test_checkpoint_needs_the_node_signing_key(settings_kwargs: dict[str, Any]) -> None:
    result = runner.invoke(app_for(settings_kwargs), ["audit", "checkpoint"])
    assert isinstance(result.exception, LienthongError)
    assert result.exception.code == "exchange.key.missing"


def test_tail_shows_the_last_entries(engine: Engine, settings_kwargs: dict[str, Any]) -> None:
    fill(engine, 6)
    app = app_for(settings_kwargs)
    shown = runner.invoke(app, ["audit", "tail", "-n", "2", "--format", "json"])
    assert shown.exit_code == 0, shown.output
    assert [e["sequence"] for e in json.loads(shown.stdout)] == [5, 6]
    table = runner.invoke(app, ["audit", "tail", "-n", "3"])
    assert table.exit_code == 0
    assert re.findall(r"^│\s+(\d+) │ 2025-07-01 08:00:0\d", table.stdout, re.M) == ["4", "5", "6"]


@pytest.mark.parametrize("command", [[], ["verify"], ["checkpoint"], ["tail"]], ids=" ".join)
def test_every_audit_command_explains_itself_with_an_example(command: list[str]) -> None:
    result = runner.invoke(audit_cli.app, [*command, "--help"])
    assert result.exit_code == 0
    assert "Example:" in result.output or "Ví dụ:" in result.output
