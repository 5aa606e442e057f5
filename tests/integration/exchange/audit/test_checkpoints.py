"""Checkpoints are signed Merkle roots, proven consistent, witnessed; entries proven included."""

from __future__ import annotations

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import delete, insert, select, update
from sqlalchemy.engine import Engine
from tests.integration.exchange.audit.helpers import (
    NODE,
    WITNESS,
    checkpoint,
    entry,
    fill,
    verify,
)

from lienthong.errors import LienthongError
from lienthong.exchange.audit import (
    AuditEntry,
    Checkpoint,
    consistency_between,
    inclusion_proof,
    latest_checkpoint,
    record_cosignature,
    witness_checkpoint,
)
from lienthong.exchange.audit.log import chain_next
from lienthong.exchange.audit.merkle import consistency_proof, root_hash, verify_inclusion
from lienthong.exchange.audit.models import audit_checkpoints, audit_log
from lienthong.i18n import current_language, translate


@pytest.fixture
def key() -> Ed25519PrivateKey:
    return Ed25519PrivateKey.generate()


@pytest.fixture
def witness() -> Ed25519PrivateKey:
    return Ed25519PrivateKey.generate()


def _leaves(count: int) -> list[bytes]:
    return [entry(n).leaf_hash() for n in range(1, count + 1)]


def test_a_checkpoint_signs_the_merkle_root_of_the_whole_log(
    engine: Engine, key: Ed25519PrivateKey
) -> None:
    fill(engine, 7)
    made = checkpoint(engine, key)
    assert (made.tree_size, made.node_id) == (7, NODE)
    assert made.root_hash == root_hash(_leaves(7)).hex()
    assert made.signed_by(key.public_key())
    assert not made.signed_by(Ed25519PrivateKey.generate().public_key())
    with engine.connect() as connection:
        assert latest_checkpoint(connection=connection) == made


def test_without_new_entries_the_latest_checkpoint_is_returned(
    engine: Engine, key: Ed25519PrivateKey
) -> None:
    fill(engine, 3)
    first = checkpoint(engine, key, minutes=1)
    assert checkpoint(engine, key, minutes=2) == first


def test_an_empty_log_has_a_checkpoint_of_the_empty_tree(
    engine: Engine, key: Ed25519PrivateKey
) -> None:
    made = checkpoint(engine, key)
    assert (made.tree_size, made.root_hash) == (0, root_hash([]).hex())
    fill(engine, 2)
    assert checkpoint(engine, key, minutes=1).root_hash == root_hash(_leaves(2)).hex()


def test_the_next_checkpoint_reads_only_the_entries_after_the_last_one(
    engine: Engine, key: Ed25519PrivateKey
) -> None:
    fill(engine, 5)
    checkpoint(engine, key, minutes=1)
    fill(engine, 4, first=6)
    with engine.begin() as connection:
        # Were the first five read again, this would change the root or stop the checkpoint.
        connection.execute(
            update(audit_log).where(audit_log.c.sequence <= 5).values(entry_hash="ff" * 32)
        )
    made = checkpoint(engine, key, minutes=2)
    assert made.root_hash == root_hash(_leaves(9)).hex()


def test_a_broken_chain_is_never_signed(engine: Engine, key: Ed25519PrivateKey) -> None:
    fill(engine, 4)
    with engine.begin() as connection:
        connection.execute(
            update(audit_log).where(audit_log.c.sequence == 3).values(chain_hash="00" * 32)
        )
    with pytest.raises(LienthongError) as raised:
        checkpoint(engine, key)
    assert (raised.value.code, raised.value.params["sequence"]) == ("audit.chain.broken", 3)


def test_no_checkpoint_is_built_on_an_altered_one(engine: Engine, key: Ed25519PrivateKey) -> None:
    fill(engine, 4)
    checkpoint(engine, key, minutes=1)
    fill(engine, 1, first=5)
    with engine.begin() as connection:
        connection.execute(update(audit_checkpoints).values(root_hash="00" * 32))
    with pytest.raises(LienthongError) as raised:
        checkpoint(engine, key, minutes=2)
    assert raised.value.code == "audit.checkpoint.signature"


def test_consistency_between_two_checkpoints_verifies(
    engine: Engine, key: Ed25519PrivateKey
) -> None:
    fill(engine, 6)
    old = checkpoint(engine, key, minutes=1)
    fill(engine, 7, first=7)
    new = checkpoint(engine, key, minutes=2)
    with engine.connect() as connection:
        proof = consistency_between(connection=connection, old_size=6, new_size=13)
    assert proof.verifies()
    assert (proof.old_root, proof.new_root) == (old.root, new.root)
    assert list(proof.path) == consistency_proof(_leaves(13), 6, 13)
    assert str(proof).splitlines()[-1] == translate(
        "The proof verifies.", language=current_language.get()
    )


def test_consistency_between_sizes_without_checkpoints_reads_from_the_start(
    engine: Engine,
) -> None:
    fill(engine, 11)
    with engine.connect() as connection:
        for old, new in [(0, 11), (3, 5), (4, 11), (11, 11)]:
            proof = consistency_between(connection=connection, old_size=old, new_size=new)
            assert proof.verifies()
            assert list(proof.path) == consistency_proof(_leaves(11), old, new)
        with pytest.raises(LienthongError) as raised:
            consistency_between(connection=connection, old_size=5, new_size=12)
    assert raised.value.code == "audit.proof.size"


def test_every_entry_is_proven_in_the_latest_checkpoint(
    engine: Engine, key: Ed25519PrivateKey
) -> None:
    fill(engine, 13)
    made = checkpoint(engine, key)
    fill(engine, 2, first=14)
    with engine.connect() as connection:
        for sequence in range(1, 14):
            proof = inclusion_proof(connection=connection, sequence=sequence)
            assert (proof.tree_size, proof.checkpoint) == (13, made)
            assert proof.root_hash == made.root
            assert proof.leaf_hash == entry(sequence).leaf_hash()
            assert verify_inclusion(proof.leaf_hash, sequence - 1, 13, list(proof.path), made.root)
        later = inclusion_proof(connection=connection, sequence=15)
        explicit = inclusion_proof(connection=connection, sequence=2, tree_size=14)
    assert later.checkpoint is None and later.tree_size == 15 and later.verifies()
    assert later.root_hash == root_hash(_leaves(15))
    assert explicit.tree_size == 14 and explicit.verifies()


def test_an_inclusion_proof_prints_itself(engine: Engine, key: Ed25519PrivateKey) -> None:
    fill(engine, 5)
    checkpoint(engine, key)
    with engine.connect() as connection:
        proof = inclusion_proof(connection=connection, sequence=3)
    token = current_language.set("en")
    try:
        text = str(proof)
    finally:
        current_language.reset(token)
    assert "Entry 3" in text and proof.root_hash.hex() in text
    assert all(value.hex() in text for value in proof.path)
    assert proof.as_dict()["path"] == [value.hex() for value in proof.path]


def test_no_inclusion_proof_against_a_checkpoint_the_log_no_longer_matches(
    engine: Engine, key: Ed25519PrivateKey
) -> None:
    fill(engine, 5)
    checkpoint(engine, key)
    with engine.begin() as connection:
        connection.execute(
            update(audit_log).where(audit_log.c.sequence == 2).values(entry_hash="ee" * 32)
        )
    with engine.connect() as connection, pytest.raises(LienthongError) as raised:
        inclusion_proof(connection=connection, sequence=4)
    assert raised.value.code == "audit.checkpoint.root"


# -- the witness --------------------------------------------------------------------------


def _cosign(
    checkpoint_: Checkpoint,
    previous: Checkpoint | None,
    proof: list[bytes],
    key: Ed25519PrivateKey,
    witness: Ed25519PrivateKey,
) -> str:
    return witness_checkpoint(
        checkpoint=checkpoint_,
        previous=previous,
        proof=proof,
        node_key=key.public_key(),
        witness_id=WITNESS,
        witness_key=witness,
    )


def test_the_witness_cosigns_checkpoints_that_extend_the_last_one_it_saw(
    engine: Engine, key: Ed25519PrivateKey, witness: Ed25519PrivateKey
) -> None:
    fill(engine, 5)
    first = checkpoint(engine, key, minutes=1)
    with engine.begin() as connection:
        record_cosignature(
            connection=connection,
            tree_size=5,
            witness_id=WITNESS,
            signature=_cosign(first, None, [], key, witness),
            witness_key=witness.public_key(),
        )
    fill(engine, 6, first=6)
    second = checkpoint(engine, key, minutes=2)
    with engine.connect() as connection:
        proof = consistency_between(connection=connection, old_size=5, new_size=11)
    signature = _cosign(second, first, list(proof.path), key, witness)
    with engine.begin() as connection:
        stored = record_cosignature(
            connection=connection,
            tree_size=11,
            witness_id=WITNESS,
            signature=signature,
            witness_key=witness.public_key(),
        )
    assert stored.cosigned_by(witness.public_key())
    report = verify(engine, key, witness)
    assert report.ok and report.cosignatures == 2


def test_the_witness_refuses_a_log_rewritten_since_it_last_cosigned(
    engine: Engine, key: Ed25519PrivateKey, witness: Ed25519PrivateKey
) -> None:
    fill(engine, 6)
    seen = checkpoint(engine, key, minutes=1)
    # The node rewrites entry 2 with every hash recomputed, hides its old checkpoint and
    # signs a new one: only the witness still knows the old root.
    with engine.begin() as connection:
        rows = connection.execute(select(audit_log).order_by(audit_log.c.sequence)).mappings()
        chain, rewritten = bytes(32), []
        for row in rows:
            changed = AuditEntry.from_row(row)
            if row["sequence"] == 2:
                changed = entry(2, purpose="nothing to see")
            chain = chain_next(chain, changed.leaf_hash())
            rewritten.append(
                {
                    "sequence": row["sequence"],
                    **changed.as_row(),
                    "entry_hash": changed.leaf_hash().hex(),
                    "chain_hash": chain.hex(),
                }
            )
        connection.execute(delete(audit_log))
        connection.execute(insert(audit_log), rewritten)
        connection.execute(delete(audit_checkpoints))
    fill(engine, 3, first=7)
    forged = checkpoint(engine, key, minutes=2)
    with engine.connect() as connection:
        proof = consistency_between(connection=connection, old_size=6, new_size=9)
    with pytest.raises(LienthongError) as raised:
        _cosign(forged, seen, list(proof.path), key, witness)
    assert raised.value.code == "audit.witness.inconsistent"


def test_the_witness_refuses_a_checkpoint_the_node_did_not_sign(
    engine: Engine, key: Ed25519PrivateKey, witness: Ed25519PrivateKey
) -> None:
    fill(engine, 3)
    made = checkpoint(engine, key)
    with pytest.raises(LienthongError) as raised:
        _cosign(made, None, [], Ed25519PrivateKey.generate(), witness)
    assert raised.value.code == "audit.checkpoint.signature"


def test_a_cosignature_that_does_not_verify_is_not_kept(
    engine: Engine, key: Ed25519PrivateKey, witness: Ed25519PrivateKey
) -> None:
    fill(engine, 3)
    made = checkpoint(engine, key)
    forged = _cosign(made, None, [], key, Ed25519PrivateKey.generate())
    with engine.begin() as connection, pytest.raises(LienthongError) as raised:
        record_cosignature(
            connection=connection,
            tree_size=3,
            witness_id=WITNESS,
            signature=forged,
            witness_key=witness.public_key(),
        )
    assert raised.value.code == "audit.witness.signature"
    with engine.connect() as connection:
        assert latest_checkpoint(connection=connection) == made


def test_a_cosignature_for_an_unknown_checkpoint_is_refused(
    engine: Engine, witness: Ed25519PrivateKey
) -> None:
    with engine.begin() as connection, pytest.raises(LienthongError) as raised:
        record_cosignature(
            connection=connection,
            tree_size=3,
            witness_id=WITNESS,
            signature="AAAA",
            witness_key=witness.public_key(),
        )
    assert raised.value.code == "audit.checkpoint.unknown"
