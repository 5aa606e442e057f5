"""``verify_log`` finds every kind of tampering with the audit log, and names it."""

from __future__ import annotations

import base64

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import delete, event, insert, select, update
from sqlalchemy.engine import Engine
from tests.integration.exchange.audit.helpers import (
    WITNESS,
    chain_of,
    checkpoint,
    entry,
    fill,
    found,
    renumber,
    row_of,
    swap,
    verify,
)

from lienthong.exchange.audit import (
    AuditEntry,
    record_cosignature,
    verify_log,
    witness_checkpoint,
)
from lienthong.exchange.audit.log import chain_next
from lienthong.exchange.audit.models import audit_checkpoints, audit_log
from lienthong.exchange.audit.verify import MAX_PROBLEMS, ROW_PAGE, WINDOW
from lienthong.store import dialects


@pytest.fixture
def key() -> Ed25519PrivateKey:
    return Ed25519PrivateKey.generate()


@pytest.fixture
def witness() -> Ed25519PrivateKey:
    return Ed25519PrivateKey.generate()


@pytest.fixture
def logged(engine: Engine, key: Ed25519PrivateKey) -> Engine:
    """A log of 12 entries with checkpoints at 6 and 12."""
    fill(engine, 6)
    checkpoint(engine, key, minutes=1)
    fill(engine, 6, first=7)
    checkpoint(engine, key, minutes=2)
    return engine


def test_an_untouched_log_verifies(logged: Engine, key: Ed25519PrivateKey) -> None:
    report = verify(logged, key)
    assert report.ok, report.problems
    assert (report.entries, report.last_sequence, report.checkpoints) == (12, 12, 2)


def test_an_empty_log_verifies(engine: Engine, key: Ed25519PrivateKey) -> None:
    report = verify(engine, key)
    assert report.ok and report.entries == 0


def test_an_edited_column_is_found_at_its_entry(logged: Engine, key: Ed25519PrivateKey) -> None:
    with logged.begin() as connection:
        connection.execute(
            update(audit_log).where(audit_log.c.sequence == 4).values(purpose="curiosity")
        )
    report = verify(logged, key)
    assert found(report) == {("audit.entry.edited", 4)}
    assert "its entry_hash does not match" in report.problems[0].message("en")


@pytest.mark.parametrize(
    "column, value",
    [
        ("duration_ms", 99.0),
        ("status", 500),
        ("user_id", None),
        ("body", "{}"),
        ("recorded_at", entry(1).recorded_at),
    ],
)
def test_every_column_is_covered_by_the_entry_hash(
    logged: Engine, key: Ed25519PrivateKey, column: str, value: object
) -> None:
    with logged.begin() as connection:
        connection.execute(
            update(audit_log).where(audit_log.c.sequence == 9).values({column: value})
        )
    assert found(verify(logged, key)) == {("audit.entry.edited", 9)}


def test_an_edited_entry_with_its_hash_recomputed_breaks_the_chain_there(
    logged: Engine, key: Ed25519PrivateKey
) -> None:
    changed = entry(5, outcome="exchange.access.denied")
    with logged.begin() as connection:
        connection.execute(
            update(audit_log)
            .where(audit_log.c.sequence == 5)
            .values(outcome=changed.outcome, entry_hash=changed.leaf_hash().hex())
        )
    report = verify(logged, key)
    assert ("audit.chain.broken", 5) in found(report)
    assert ("audit.checkpoint.root", 6) in found(report)


def test_a_changed_chain_hash_is_an_edit_of_that_entry(
    logged: Engine, key: Ed25519PrivateKey
) -> None:
    with logged.begin() as connection:
        connection.execute(
            update(audit_log).where(audit_log.c.sequence == 8).values(chain_hash="ab" * 32)
        )
    report = verify(logged, key)
    assert found(report) == {("audit.entry.edited", 8)}
    assert "chain_hash" in report.problems[0].message("en")


def test_a_deleted_entry_is_missing(logged: Engine, key: Ed25519PrivateKey) -> None:
    with logged.begin() as connection:
        connection.execute(delete(audit_log).where(audit_log.c.sequence == 3))
    report = verify(logged, key)
    assert ("audit.entry.missing", 3) in found(report)
    # The checkpoints covering it no longer match the log.
    assert {("audit.checkpoint.root", 6), ("audit.checkpoint.root", 12)} <= found(report)
    assert report.codes <= {"audit.entry.missing", "audit.checkpoint.root"}


def test_deleted_entries_are_reported_as_one_range(logged: Engine, key: Ed25519PrivateKey) -> None:
    with logged.begin() as connection:
        connection.execute(delete(audit_log).where(audit_log.c.sequence.between(3, 5)))
    [missing] = [p for p in verify(logged, key).problems if p.code == "audit.entry.missing"]
    assert (missing.sequence, missing.params["last"]) == (3, 5)
    assert "3 to 5" in missing.message("en")


def test_a_deleted_tail_is_missing_from_the_checkpoint_that_covered_it(
    logged: Engine, key: Ed25519PrivateKey
) -> None:
    with logged.begin() as connection:
        connection.execute(delete(audit_log).where(audit_log.c.sequence > 9))
    report = verify(logged, key)
    [missing] = report.problems
    assert (missing.code, missing.sequence, missing.params["last"]) == (
        "audit.entry.missing",
        10,
        12,
    )


def test_a_deleted_entry_with_the_rest_renumbered_breaks_the_chain(
    logged: Engine, key: Ed25519PrivateKey
) -> None:
    with logged.begin() as connection:
        connection.execute(delete(audit_log).where(audit_log.c.sequence == 3))
        renumber(connection, start=4, by=-1)
    report = verify(logged, key)
    assert ("audit.chain.broken", 3) in found(report)
    assert ("audit.entry.missing", 12) in found(report)  # the checkpoint of 12 covers one more


def test_a_forged_entry_inserted_in_the_middle_is_found(
    logged: Engine, key: Ed25519PrivateKey
) -> None:
    with logged.begin() as connection:
        renumber(connection, start=5, by=1)
        forged = entry(4, client="VN/GOV/BCA/forger")
        connection.execute(
            insert(audit_log),
            [row_of(forged, sequence=5, previous_chain=chain_of(connection, 4))],
        )
    report = verify(logged, key)
    assert ("audit.entry.inserted", 5) in found(report)
    assert report.codes <= {"audit.entry.inserted", "audit.checkpoint.root"}


def test_a_forged_entry_with_made_up_hashes_is_found(
    logged: Engine, key: Ed25519PrivateKey
) -> None:
    with logged.begin() as connection:
        renumber(connection, start=10, by=1)
        forged = entry(9, client="VN/GOV/BCA/forger")
        row = {**row_of(forged, sequence=10, previous_chain=bytes(32)), "chain_hash": "cd" * 32}
        connection.execute(insert(audit_log), [row])
    report = verify(logged, key)
    assert ("audit.entry.inserted", 10) in found(report)
    assert "audit.entry.reordered" not in report.codes


def test_a_forged_entry_numbered_before_the_first_is_found(
    logged: Engine, key: Ed25519PrivateKey
) -> None:
    with logged.begin() as connection:
        connection.execute(
            insert(audit_log), [row_of(entry(0), sequence=0, previous_chain=bytes(32))]
        )
    assert ("audit.entry.inserted", 0) in found(verify(logged, key))


def test_two_swapped_entries_are_out_of_order(logged: Engine, key: Ed25519PrivateKey) -> None:
    with logged.begin() as connection:
        swap(connection, 3, 8)
    report = verify(logged, key)
    assert {("audit.entry.reordered", 3), ("audit.entry.reordered", 8)} <= found(report)
    assert report.codes <= {"audit.entry.reordered", "audit.checkpoint.root"}
    reordered = {p.sequence: p.params["follows"] for p in report.problems if p.sequence in (3, 8)}
    # Each names the entry it was written after.
    assert reordered == {3: 7, 8: 2}


def test_two_neighbours_swapped_are_out_of_order(logged: Engine, key: Ed25519PrivateKey) -> None:
    with logged.begin() as connection:
        swap(connection, 10, 11)
    report = verify(logged, key)
    assert {("audit.entry.reordered", 10), ("audit.entry.reordered", 11)} <= found(report)
    assert report.codes <= {"audit.entry.reordered", "audit.checkpoint.root"}


def test_entries_swapped_farther_apart_than_the_window_are_still_found(
    engine: Engine, key: Ed25519PrivateKey
) -> None:
    fill(engine, 3 * WINDOW)
    checkpoint(engine, key)
    with engine.begin() as connection:
        swap(connection, 5, 2 * WINDOW + 20)
    report = verify(engine, key)
    # Too far apart to see where each came from: the chain breaks at both places.
    assert {p.sequence for p in report.problems if p.checkpoint is None} >= {5, 2 * WINDOW + 20}
    assert ("audit.checkpoint.root", 3 * WINDOW) in found(report)


def test_an_entry_moved_later_is_out_of_order(logged: Engine, key: Ed25519PrivateKey) -> None:
    with logged.begin() as connection:
        # Entry 2 is taken out and put back after entry 5: entries 3 to 5 move up.
        connection.execute(update(audit_log).where(audit_log.c.sequence == 2).values(sequence=-2))
        renumber(connection, start=3, stop=5, by=-1)
        connection.execute(update(audit_log).where(audit_log.c.sequence == -2).values(sequence=5))
    report = verify(logged, key)
    assert ("audit.entry.reordered", 5) in found(report)
    assert report.codes <= {"audit.entry.reordered", "audit.checkpoint.root"}


def test_a_log_rewritten_with_every_hash_recomputed_fails_its_signed_roots(
    logged: Engine, key: Ed25519PrivateKey
) -> None:
    with logged.begin() as connection:
        rows = connection.execute(select(audit_log).order_by(audit_log.c.sequence)).mappings()
        chain = bytes(32)
        rewritten = []
        for row in rows:
            changed = AuditEntry.from_row(row)
            if row["sequence"] == 2:
                changed = entry(2, purpose="nothing to see")
            entry_hash = changed.leaf_hash()
            chain = chain_next(chain, entry_hash)
            rewritten.append(
                {
                    "sequence": row["sequence"],
                    **changed.as_row(),
                    "entry_hash": entry_hash.hex(),
                    "chain_hash": chain.hex(),
                }
            )
        connection.execute(delete(audit_log))
        connection.execute(insert(audit_log), rewritten)
    report = verify(logged, key)
    assert found(report) == {("audit.checkpoint.root", 6), ("audit.checkpoint.root", 12)}


def test_an_altered_checkpoint_fails_its_signature(logged: Engine, key: Ed25519PrivateKey) -> None:
    with logged.begin() as connection:
        connection.execute(
            update(audit_checkpoints)
            .where(audit_checkpoints.c.tree_size == 6)
            .values(issued_at=checkpoint_time(connection, 12))
        )
    assert found(verify(logged, key)) == {("audit.checkpoint.signature", 6)}


def checkpoint_time(connection: object, size: int) -> object:
    return connection.execute(  # type: ignore[attr-defined]
        select(audit_checkpoints.c.issued_at).where(audit_checkpoints.c.tree_size == size)
    ).scalar_one()


def test_a_checkpoint_with_another_root_fails_its_signature_and_its_root(
    logged: Engine, key: Ed25519PrivateKey
) -> None:
    with logged.begin() as connection:
        connection.execute(
            update(audit_checkpoints)
            .where(audit_checkpoints.c.tree_size == 12)
            .values(root_hash="00" * 32)
        )
    assert found(verify(logged, key)) == {
        ("audit.checkpoint.signature", 12),
        ("audit.checkpoint.root", 12),
    }


def test_a_checkpoint_signed_by_another_key_fails(logged: Engine, key: Ed25519PrivateKey) -> None:
    assert found(verify(logged, Ed25519PrivateKey.generate())) == {
        ("audit.checkpoint.signature", 6),
        ("audit.checkpoint.signature", 12),
    }


def test_changed_subtree_hashes_of_a_checkpoint_are_found(
    logged: Engine, key: Ed25519PrivateKey
) -> None:
    with logged.begin() as connection:
        connection.execute(
            update(audit_checkpoints)
            .where(audit_checkpoints.c.tree_size == 6)
            .values(frontier="11" * 64)
        )
    assert found(verify(logged, key)) == {("audit.checkpoint.frontier", 6)}


def _cosign(engine: Engine, key: Ed25519PrivateKey, witness: Ed25519PrivateKey) -> None:
    with engine.begin() as connection:
        stored = connection.execute(
            select(audit_checkpoints).where(audit_checkpoints.c.tree_size == 12)
        ).one()
    from lienthong.exchange.audit.checkpoints import checkpoint_of

    made = checkpoint_of(stored)
    signature = witness_checkpoint(
        checkpoint=made,
        previous=None,
        proof=[],
        node_key=key.public_key(),
        witness_id=WITNESS,
        witness_key=witness,
    )
    with engine.begin() as connection:
        record_cosignature(
            connection=connection,
            tree_size=12,
            witness_id=WITNESS,
            signature=signature,
            witness_key=witness.public_key(),
        )


def test_a_cosigned_log_verifies_with_the_witness_key(
    logged: Engine, key: Ed25519PrivateKey, witness: Ed25519PrivateKey
) -> None:
    _cosign(logged, key, witness)
    report = verify(logged, key, witness)
    assert report.ok and report.cosignatures == 1


def test_a_forged_witness_signature_is_found(
    logged: Engine, key: Ed25519PrivateKey, witness: Ed25519PrivateKey
) -> None:
    _cosign(logged, key, witness)
    impostor = Ed25519PrivateKey.generate()
    with logged.begin() as connection:
        stored = connection.execute(
            select(audit_checkpoints).where(audit_checkpoints.c.tree_size == 12)
        ).one()
        from lienthong.exchange.audit.checkpoints import checkpoint_of

        forged = base64.b64encode(impostor.sign(checkpoint_of(stored).cosigned_bytes(WITNESS)))
        connection.execute(
            update(audit_checkpoints)
            .where(audit_checkpoints.c.tree_size == 12)
            .values(witness_signature=forged.decode())
        )
    report = verify(logged, key, witness)
    assert found(report) == {("audit.witness.signature", 12)}
    assert WITNESS in report.problems[0].message("en")


def test_problems_are_explained_in_both_languages(logged: Engine, key: Ed25519PrivateKey) -> None:
    with logged.begin() as connection:
        connection.execute(delete(audit_log).where(audit_log.c.sequence == 7))
    problem = verify(logged, key).problems[0]
    data = problem.as_dict()
    assert data["code"] == "audit.entry.missing"
    assert "7" in data["message_en"] and "7" in data["message_vi"]


def test_a_report_keeps_a_bounded_number_of_problems_and_counts_them_all(
    engine: Engine, key: Ed25519PrivateKey
) -> None:
    fill(engine, MAX_PROBLEMS + 5)
    with engine.begin() as connection:
        connection.execute(update(audit_log).values(client="everyone"))
    report = verify(engine, key)
    assert report.problem_count == MAX_PROBLEMS + 5
    assert len(report.problems) == MAX_PROBLEMS
    assert not report.ok


def test_entries_and_checkpoints_added_while_verifying_are_left_for_the_next_run(
    engine: Engine, key: Ed25519PrivateKey
) -> None:
    fill(engine, ROW_PAGE + 20)
    checkpoint(engine, key, minutes=1)
    added: list[bool] = []

    def meanwhile(_connection: object, _cursor: object, statement: str, *_: object) -> None:
        # After the first page of entries: another writer appends and checkpoints.
        if not added and "ORDER BY audit_log.sequence" in statement:
            added.append(True)
            fill(engine, 30, first=ROW_PAGE + 21)
            checkpoint(engine, key, minutes=2)

    with engine.connect() as connection:
        reading = dialects.read_only(connection)
        event.listen(reading, "after_cursor_execute", meanwhile)
        report = verify_log(connection=reading, node_key=key.public_key())
    assert added and report.ok, report.problems
    assert report.entries == ROW_PAGE + 20
    assert verify(engine, key).entries == ROW_PAGE + 50
